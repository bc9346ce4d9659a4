package casework

import (
	"context"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// LiaisonNoticeTemplate is the advance notice to the liaisons (R10).
const LiaisonNoticeTemplate = "case.ready.liaison"

// liaisonNotice queues the liaisons' advance notice of a ready case: what
// will be announced and when, with the announcement summary and never
// technical details (the fields of Announcement). It is keyed by the
// planned disclosure time, so each new schedule is announced once.
func (s *Service) liaisonNotice(ctx context.Context, tx *store.Store, now time.Time, c vcase.Case) error {
	if c.State != vcase.Ready {
		return nil
	}
	planned := "unscheduled"
	data := map[string]string{"title": c.Title, "summary": c.Summary, "severity": c.Severity}
	if c.PlannedDisclose != nil {
		planned = c.PlannedDisclose.UTC().Format(time.RFC3339)
		data["planned_disclosure"] = planned
	}
	if c.ProductID != nil {
		p, err := tx.ProductByID(ctx, *c.ProductID)
		if err != nil {
			return err
		}
		data["product"] = p.Name
	}
	env, err := s.env(ctx, tx, &c, now)
	if err != nil {
		return err
	}
	var branches, fixed []string
	for _, f := range c.Fixes {
		branches = append(branches, env.Branches[f.BranchID].Name)
		if f.ReleaseID != nil {
			fixed = append(fixed, env.Releases[*f.ReleaseID].Version)
		}
	}
	data["branches"], data["fixed_versions"] = strings.Join(branches, ", "), strings.Join(fixed, ", ")
	return enqueueMail(ctx, tx, now, "case:"+c.Key+":liaison-notice:"+planned,
		Mail{Template: LiaisonNoticeTemplate, Role: string(user.Liaison), CaseKey: c.Key, Data: data})
}

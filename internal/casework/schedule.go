package casework

import (
	"context"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Announcement is what the people who talk to customers may see of a case
// before its disclosure (R10): when, what products, how severe, and the
// summary written for the announcement; never technical details, the CVE
// draft or the reporter.
type Announcement struct {
	Case              string     `json:"case"`
	Title             string     `json:"title"`
	Summary           string     `json:"summary"`
	Severity          string     `json:"severity,omitempty"`
	State             string     `json:"state"`
	Product           string     `json:"product,omitempty"`
	Branches          []string   `json:"branches"`
	FixedVersions     []string   `json:"fixed_versions"`
	PlannedDisclosure *time.Time `json:"planned_disclosure,omitempty"`
}

// Schedule lists the coming disclosures, soonest first.
func (s *Service) Schedule(ctx context.Context) ([]Announcement, error) {
	cases, err := s.Store.ListCases(ctx, store.CaseFilter{States: []vcase.State{vcase.Confirmed, vcase.Fixing, vcase.Ready}, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := []Announcement{}
	for _, c := range cases {
		a := Announcement{Case: c.Key, Title: c.Title, Summary: c.Summary, Severity: c.Severity, State: string(c.State),
			PlannedDisclosure: c.PlannedDisclose, Branches: []string{}, FixedVersions: []string{}}
		if c.ProductID != nil {
			p, err := s.Store.ProductByID(ctx, *c.ProductID)
			if err != nil {
				return nil, err
			}
			a.Product = p.Name
		}
		env, err := s.env(ctx, s.Store, &c, s.now())
		if err != nil {
			return nil, err
		}
		for _, f := range c.Fixes {
			a.Branches = append(a.Branches, env.Branches[f.BranchID].Name)
			if f.ReleaseID != nil {
				a.FixedVersions = append(a.FixedVersions, env.Releases[*f.ReleaseID].Version)
			}
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(x, y Announcement) int {
		switch {
		case x.PlannedDisclosure == nil && y.PlannedDisclosure == nil:
			return 0
		case x.PlannedDisclosure == nil:
			return 1
		case y.PlannedDisclosure == nil:
			return -1
		}
		return x.PlannedDisclosure.Compare(*y.PlannedDisclosure)
	})
	return out, nil
}

// LinkReport merges a report into another case (a duplicate, R1): the
// report follows the case, and its former case, left without reports, is
// rejected as a duplicate.
func (s *Service) LinkReport(ctx context.Context, a Actor, reportID, caseID int64) (report.Report, error) {
	var out report.Report
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		r, err := tx.ReportByID(ctx, reportID)
		if err != nil {
			return err
		}
		target, err := tx.CaseByID(ctx, caseID)
		if err != nil {
			return err
		}
		if target.State == vcase.Rejected {
			return invalid(errorf("case_id: case %s is rejected", target.Key))
		}
		now := s.now()
		old := r.CaseID
		r.CaseID, r.State = &target.ID, report.Duplicate
		if err := tx.UpdateReport(ctx, r); err != nil {
			return err
		}
		if old != nil && *old != target.ID {
			rest, err := tx.ListReports(ctx, store.ReportFilter{CaseID: *old, Limit: 1})
			if err != nil {
				return err
			}
			prev, err := tx.CaseByID(ctx, *old)
			if err != nil {
				return err
			}
			if len(rest) == 0 && prev.State != vcase.Rejected && prev.State != vcase.Disclosed {
				env := vcase.Env{Now: now, Reason: vcase.DuplicateOf, DuplicateOf: &target.ID}
				if err := prev.Apply(vcase.Reject, env); err != nil {
					return err
				}
				if err := tx.UpdateCase(ctx, &prev); err != nil {
					return err
				}
				if err := record(ctx, tx, now, a, "case.reject", "case:"+prev.Key, map[string]any{"reason": vcase.DuplicateOf, "duplicate_of": target.Key}); err != nil {
					return err
				}
			}
		}
		out = r
		return record(ctx, tx, now, a, "report.link", "report:"+r.TrackingID, map[string]any{"case": target.Key})
	})
	return out, err
}

// TeamMessage sends a message from the team to the reporter of a report; it
// shows on the status page and leaves by mail when the reporter left an address.
func (s *Service) TeamMessage(ctx context.Context, a Actor, reportID int64, body string) (report.Message, error) {
	if err := checkMessage(body); err != nil {
		return report.Message{}, err
	}
	var m report.Message
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		r, err := tx.ReportByID(ctx, reportID)
		if err != nil {
			return err
		}
		now := s.now()
		m = report.Message{ReportID: r.ID, From: a.Name, Body: body, At: now}
		if err := tx.AddReportMessage(ctx, &m); err != nil {
			return err
		}
		if r.Reporter.Email != "" {
			key := "report:" + r.TrackingID + ":message:" + now.Format(time.RFC3339Nano)
			if err := enqueueMail(ctx, tx, now, key, Mail{Template: "report.message", To: r.Reporter.Email, TrackingID: r.TrackingID, Data: map[string]string{"body": body}}); err != nil {
				return err
			}
		}
		return record(ctx, tx, now, a, "report.message", "report:"+r.TrackingID, nil)
	})
	return m, err
}

package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Revision changes a published advisory; nil fields stay as they are.
// Changes says, for readers, what this revision changed.
type Revision struct {
	Changes     string                `json:"changes"`
	Title       *string               `json:"title,omitempty"`
	Summary     *string               `json:"summary,omitempty"`
	Description *string               `json:"description,omitempty"`
	Workaround  *string               `json:"workaround,omitempty"`
	References  *[]advisory.Reference `json:"references,omitempty"`
	Credits     *[]advisory.Credit    `json:"credits,omitempty"`
	// Withdraw withdraws the advisory: it stays readable with every
	// revision, says it is withdrawn, and its CVE record is rejected.
	Withdraw bool `json:"withdraw,omitempty"`
}

// ErrWithdrawn is returned for a change to a withdrawn advisory.
var ErrWithdrawn = errors.New("the advisory is withdrawn")

// Revise publishes the next revision of a disclosed case's advisory and
// renders every document again, in one transaction with its outbox rows.
func (s *Service) Revise(ctx context.Context, a Actor, caseID int64, in Revision) (advisory.Revision, error) {
	var out advisory.Revision
	in.Changes = strings.TrimSpace(in.Changes)
	var problems []error
	if in.Changes == "" || len(in.Changes) > 2000 {
		problems = append(problems, errors.New("changes: required, at most 2000 bytes"))
	}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.CaseByID(ctx, caseID)
		if err != nil {
			return err
		}
		if c.State != vcase.Disclosed {
			return fmt.Errorf("case %s is %s: only a disclosed case has an advisory to revise: %w", c.Key, c.State, store.ErrConflict)
		}
		id, err := tx.AdvisoryIDByCase(ctx, c.ID)
		if err != nil {
			return err
		}
		revs, err := tx.RevisionsOf(ctx, id)
		if err != nil {
			return err
		}
		last := revs[len(revs)-1]
		if last.Status == advisory.Withdrawn {
			return fmt.Errorf("%s: %w", id, ErrWithdrawn)
		}
		now := s.now()
		next := last
		next.Number, next.PublishedAt, next.Changes = last.Number+1, now, in.Changes
		set := func(dst *string, src *string, field string, max int) {
			if src == nil {
				return
			}
			if strings.TrimSpace(*src) == "" && field != "workaround" || len(*src) > max {
				problems = append(problems, fmt.Errorf("%s: required, at most %d bytes", field, max))
			}
			*dst = *src
		}
		set(&next.Title, in.Title, "title", 300)
		set(&next.Summary, in.Summary, "summary", 20000)
		set(&next.Description, in.Description, "description", 4000)
		set(&next.Workaround, in.Workaround, "workaround", 20000)
		if in.References != nil {
			next.References = *in.References
			for i, r := range next.References {
				if !strings.HasPrefix(r.URL, "https://") && !strings.HasPrefix(r.URL, "http://") || len(r.URL) > 2000 {
					problems = append(problems, fmt.Errorf("references[%d].url: must be an http(s) URL", i))
				}
			}
		}
		if in.Credits != nil {
			next.Credits = *in.Credits
		}
		if in.Withdraw {
			next.Status = advisory.Withdrawn
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		if err := tx.AddRevision(ctx, c.ID, next); err != nil {
			return err
		}
		if s.Renderer != nil {
			if err := publish.Advisory(ctx, tx, *s.Renderer, id, now); err != nil {
				return fmt.Errorf("publish %s: %w", id, err)
			}
		}
		topic := "advisory.updated"
		if in.Withdraw {
			topic = "advisory.withdrawn"
			c.CVEState = vcase.CVERejected
			if err := tx.UpdateCase(ctx, &c); err != nil {
				return err
			}
		}
		ref := map[string]any{"advisory_id": id, "revision": next.Number, "case": c.Key, "cve_id": c.CVEID}
		key := fmt.Sprintf("revise:%s:%d:", id, next.Number)
		for _, ch := range []outbox.Channel{outbox.CVEServices, outbox.Feed, outbox.Webhook, outbox.Subscribers} {
			if err := enqueue(ctx, tx, now, key+string(ch), ch, topic, ref); err != nil {
				return err
			}
		}
		out = next
		action := "advisory.revise"
		if in.Withdraw {
			action = "advisory.withdraw"
		}
		return record(ctx, tx, now, a, action, "advisory:"+id, map[string]any{"revision": next.Number, "changes": in.Changes})
	})
	return out, err
}

package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Ticket is an issue of an external ticket system as its webhook told it.
type Ticket struct {
	Tracker  string         // "github", "gitlab" or "generic": which kind of system
	Ref      string         // the issue's stable reference, e.g. "github:acme/vault#42"
	URL      string         // the issue's page
	Opened   bool           // the event reports a new issue
	State    string         // the issue's state now ("open", "closed"), empty when unknown
	Title    string         // for a new issue
	Body     string         // for a new issue
	Reporter report.Contact // for a new issue
}

// TicketOutcome is what TicketEvent did.
type TicketOutcome struct {
	Report  *report.Report `json:"report,omitempty"`  // the report the issue made, new or earlier
	Created bool           `json:"created"`           // the report is new
	Cases   []string       `json:"cases,omitempty"`   // the cases whose change request took the issue's state
	Ignored string         `json:"ignored,omitempty"` // why nothing was done
}

// TicketEvent takes in an issue event of the public (channel
// public_ticket: visibility public) or private ticket system (private_ticket:
// private), R1: a newly opened issue becomes a report through Submit, once
// per issue reference however often it is delivered; an issue that is the
// change request of a case (R4) updates the change request's state. The
// look-up of an earlier report and the new one are two steps: callers
// serialise deliveries (the ticket webhook handler does) so that two
// deliveries of one issue at the same moment make one report.
func (s *Service) TicketEvent(ctx context.Context, ch report.Channel, t Ticket) (TicketOutcome, error) {
	if ch != report.PublicTicket && ch != report.PrivateTicket {
		return TicketOutcome{}, invalid(fmt.Errorf("channel: must be %s or %s", report.PublicTicket, report.PrivateTicket))
	}
	if strings.TrimSpace(t.Ref) == "" {
		return TicketOutcome{}, invalid(errors.New("external_ref: required"))
	}
	if len(t.Ref) > report.MaxField {
		return TicketOutcome{}, invalid(fmt.Errorf("external_ref: at most %d bytes", report.MaxField))
	}
	var out TicketOutcome
	cases, err := s.syncChangeRequests(ctx, t)
	if err != nil {
		return out, err
	}
	out.Cases = cases
	if !t.Opened {
		if len(cases) == 0 {
			out.Ignored = "not a new issue, and no case's change request"
		}
		return out, nil
	}
	r, err := s.Store.ReportByExternalRef(ctx, ch, t.Ref)
	switch {
	case err == nil:
		out.Report = &r
		return out, nil
	case !errors.Is(err, store.ErrNotFound):
		return out, err
	}
	vis := report.Private
	if ch == report.PublicTicket {
		vis = report.Public
	}
	body := t.Body
	if strings.TrimSpace(body) == "" {
		body = "(no text)"
	}
	if t.URL != "" {
		body += "\n\n" + t.URL
	}
	if len(body) > report.MaxBody {
		body = strings.ToValidUTF8(body[:report.MaxBody], "")
	}
	title := strings.TrimSpace(t.Title)
	if len(title) > report.MaxTitle {
		title = strings.ToValidUTF8(title[:report.MaxTitle], "")
	}
	in := report.Report{Channel: ch, Visibility: vis, Reporter: t.Reporter, Title: title, Body: body, ExternalRef: t.Ref}
	if in.Reporter.Email != "" && report.ValidEmail(in.Reporter.Email) != nil {
		in.Reporter.Email = "" // a tracker's address is a courtesy: no acknowledgement then
	}
	r, _, err = s.Submit(ctx, Actor{Kind: "public", Name: t.Tracker}, in)
	if errors.Is(err, store.ErrConflict) {
		// Another process took the same issue in at this moment: the
		// unique ticket reference kept one report; answer with it.
		if r, rerr := s.Store.ReportByExternalRef(ctx, ch, t.Ref); rerr == nil {
			out.Report = &r
			return out, nil
		}
	}
	if err != nil {
		return out, err
	}
	out.Report, out.Created = &r, true
	return out, nil
}

// syncChangeRequests sets the state of every case's change request that is
// the issue (by URL or reference), with an audit event per change.
func (s *Service) syncChangeRequests(ctx context.Context, t Ticket) ([]string, error) {
	if t.State == "" {
		return nil, nil
	}
	var keys []string
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		keys = nil
		for offset := 0; ; offset += store.MaxLimit {
			cs, err := tx.ListCases(ctx, store.CaseFilter{Limit: store.MaxLimit, Offset: offset})
			if err != nil {
				return err
			}
			for _, c := range cs {
				cr := c.ChangeRequest
				if cr == nil || !sameIssue(*cr, t) || cr.State == t.State {
					continue
				}
				was := cr.State
				cr.State = t.State
				if err := tx.UpdateCase(ctx, &c); err != nil {
					return err
				}
				if err := record(ctx, tx, s.now(), Actor{Kind: "public", Name: t.Tracker}, "change_request.state", "case:"+c.Key,
					map[string]string{"ref": cr.Ref, "url": cr.URL, "from": was, "to": t.State}); err != nil {
					return err
				}
				keys = append(keys, c.Key)
			}
			if len(cs) < store.MaxLimit {
				return nil
			}
		}
	})
	return keys, err
}

// sameIssue reports whether a change request names the issue: the same
// URL, or the same reference, as the tracker gives it or as the team
// writes it ("acme/vault#42" for "github:acme/vault#42").
func sameIssue(cr vcase.ChangeRequest, t Ticket) bool {
	if cr.URL != "" && t.URL != "" && strings.TrimRight(cr.URL, "/") == strings.TrimRight(t.URL, "/") {
		return true
	}
	if cr.Ref == "" {
		return false
	}
	_, short, _ := strings.Cut(t.Ref, ":")
	return cr.Ref == t.Ref || (short != "" && cr.Ref == short)
}

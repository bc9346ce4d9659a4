package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// The CVE Services side of the process (R3, R5, R8): the CNA reserves IDs
// (one or a batch) and vigil records them; a case takes one with its
// cve_id (it is then "assigned"); at disclosure the outbox publishes the
// record, a revision updates it and a withdrawal rejects it; an ID no case
// used is rejected by hand, and UnusedCVEIDs lists those left behind.

// ErrNoCVEServices is returned when vigil is not set up as a CNA with a
// CVE Services account.
var ErrNoCVEServices = errors.New("CVE Services is not configured: set channels.cve_services (url, org, user, api_key) and cna_org_id to reserve and publish CVE IDs as a CNA")

// ErrCVEIDInUse is returned for a rejection of an ID that a case holds or
// whose record is published.
var ErrCVEIDInUse = errors.New("the CVE ID is in use")

// MaxReserve bounds one reservation.
const MaxReserve = 100

// CVEReservation is the outcome of ReserveCVEIDs.
type CVEReservation struct {
	IDs            []store.CVEID `json:"ids"`
	RemainingQuota *int          `json:"remaining_quota,omitempty"`
	// Warning says why fewer IDs than asked were reserved.
	Warning string `json:"warning,omitempty"`
}

func (s *Service) cveClient() (*cveservices.Client, error) {
	if s.CVE == nil {
		return nil, ErrNoCVEServices
	}
	return s.CVE, nil
}

// ReserveCVEIDs reserves amount IDs of year (0: this year) through CVE
// Services, sequential or not, and records them. When the service reserved
// fewer than asked (the quota or the year's range ran out) the ones it did
// reserve are recorded and returned with a warning: they are the CNA's now
// and must not be lost.
func (s *Service) ReserveCVEIDs(ctx context.Context, a Actor, amount, year int, batch cveservices.Batch) (CVEReservation, error) {
	cl, err := s.cveClient()
	if err != nil {
		return CVEReservation{}, err
	}
	now := s.now()
	if year == 0 {
		year = now.Year()
	}
	var problems []error
	if amount < 1 || amount > MaxReserve {
		problems = append(problems, fmt.Errorf("amount: between 1 and %d", MaxReserve))
	}
	if year < 1999 || year > now.Year()+1 {
		problems = append(problems, fmt.Errorf("year: between 1999 and %d", now.Year()+1))
	}
	if batch != "" && batch != cveservices.Sequential && batch != cveservices.Nonsequential {
		problems = append(problems, errors.New(`batch: "sequential" or "nonsequential"`))
	}
	if len(problems) > 0 {
		return CVEReservation{}, invalid(errors.Join(problems...))
	}
	res, rerr := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: amount, Year: year, Batch: batch})
	if rerr != nil && len(res.IDs) == 0 {
		return CVEReservation{}, fmt.Errorf("reserve %d CVE IDs of %d: %w", amount, year, rerr)
	}
	out := CVEReservation{IDs: []store.CVEID{}, RemainingQuota: res.RemainingQuota}
	var names []string
	for _, id := range res.IDs {
		y, _ := strconv.Atoi(id.Year)
		at := id.Reserved.UTC()
		if at.IsZero() {
			at = now
		}
		out.IDs = append(out.IDs, store.CVEID{ID: id.CVEID, Year: y, State: store.CVEIDReserved, ReservedAt: at, UpdatedAt: at})
		names = append(names, id.CVEID)
	}
	if rerr != nil {
		out.Warning = rerr.Error()
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.AddCVEIDs(ctx, out.IDs); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "cve.reserve", "cve", map[string]any{"ids": names, "year": year, "asked": amount})
	})
	if err != nil {
		return CVEReservation{}, fmt.Errorf("record reserved CVE IDs %v: %w", names, err)
	}
	return out, nil
}

// SyncCVEIDs records the organisation's RESERVED IDs that CVE Services
// holds and vigil does not know: those reserved with another tool, or
// whose reservation answer was lost. Without it they would be left behind
// unseen. It returns the IDs it added.
func (s *Service) SyncCVEIDs(ctx context.Context, a Actor) ([]store.CVEID, error) {
	cl, err := s.cveClient()
	if err != nil {
		return nil, err
	}
	remote, err := cl.IDs(ctx, cveservices.IDFilter{State: cveservices.Reserved})
	if err != nil {
		return nil, fmt.Errorf("list reserved CVE IDs: %w", err)
	}
	now := s.now()
	added := []store.CVEID{}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		var names []string
		for _, id := range remote {
			if _, err := tx.CVEIDByID(ctx, id.CVEID); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			y, _ := strconv.Atoi(id.Year)
			at := id.Reserved.UTC()
			if at.IsZero() {
				at = now
			}
			added = append(added, store.CVEID{ID: id.CVEID, Year: y, State: store.CVEIDReserved, ReservedAt: at, UpdatedAt: at})
			names = append(names, id.CVEID)
		}
		if len(added) == 0 {
			return nil
		}
		if err := tx.AddCVEIDs(ctx, added); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "cve.sync", "cve", map[string]any{"ids": names})
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// CVEIDs lists the IDs vigil reserved.
func (s *Service) CVEIDs(ctx context.Context, f store.CVEIDFilter) ([]store.CVEID, error) {
	return s.Store.ListCVEIDs(ctx, f)
}

// UnusedCVEIDs lists the reserved IDs no case holds (or only a rejected
// case) that were reserved more than olderThan ago: IDs left behind, to assign or reject (issue 3's
// "no unused reserved IDs left behind"). It is a report; disclosure does
// not wait for it.
func (s *Service) UnusedCVEIDs(ctx context.Context, olderThan time.Duration) ([]store.CVEID, error) {
	before := s.now().Add(-olderThan)
	return s.Store.ListCVEIDs(ctx, store.CVEIDFilter{State: store.CVEIDReserved, ReservedBefore: &before, Limit: store.MaxLimit})
}

// unusedReason is the rejection reason of an ID reserved and never used.
const unusedReason = "This candidate was reserved by its CNA but not used."

// RejectCVEID rejects a reserved ID that no case holds, through CVE
// Services (a rejected record for an ID without one), and records it.
func (s *Service) RejectCVEID(ctx context.Context, a Actor, id, reason string) (store.CVEID, error) {
	cl, err := s.cveClient()
	if err != nil {
		return store.CVEID{}, err
	}
	v, err := s.Store.CVEIDByID(ctx, id)
	if err != nil {
		return v, err
	}
	if v.State != store.CVEIDReserved {
		key := ""
		if v.CaseKey != "" {
			key = " by case " + v.CaseKey
		}
		return v, fmt.Errorf("%s is %s%s: %w", id, v.State, key, ErrCVEIDInUse)
	}
	if reason == "" {
		reason = unusedReason
	}
	if len(reason) > 2000 {
		return v, invalid(errors.New("reason: at most 2000 bytes"))
	}
	// CVE Services sets the provider metadata itself; it is sent when
	// known, as cve5 does.
	rej := cve5.CNARejectedContainer{RejectedReasons: []cve5.Description{{Lang: "en", Value: reason}}}
	if pub := s.vendor(); pub.CNAOrgID != "" {
		rej.ProviderMetadata = &cve5.ProviderMetadata{OrgID: pub.CNAOrgID, ShortName: pub.CNAShort}
	}
	if _, err := cl.Reject(ctx, id, rej); err != nil {
		// A rejection that went through before (the answer was lost) is
		// refused now; what counts is that the ID is rejected.
		got, gerr := cl.ID(ctx, id)
		if gerr != nil || got.State != cveservices.Rejected {
			return v, fmt.Errorf("reject %s: %w", id, err)
		}
	}
	now := s.now()
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetCVEIDState(ctx, id, store.CVEIDRejected, nil, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "cve.reject", "cve:"+id, map[string]any{"reason": reason})
	})
	if err != nil {
		return v, err
	}
	return s.Store.CVEIDByID(ctx, id)
}

// cveRef is the payload of the cve_services outbox messages that
// disclosure and revision queue.
type cveRef struct {
	AdvisoryID string `json:"advisory_id"`
	Revision   int    `json:"revision"`
	Case       string `json:"case"`
	CVEID      string `json:"cve_id"`
}

// CVEHandler delivers the cve_services outbox messages through s.CVE:
// advisory.published publishes the CVE record (and the case's CVE state
// becomes published), advisory.updated updates it, advisory.withdrawn
// rejects it. When vigil is not a CNA (no CNA organisation) the assigning
// CNA publishes and the message is done with a log line. Each step reads
// the ID's state first, so a retry after a lost answer does the right
// thing. A refusal that retrying cannot mend (a 4xx, a record vigil cannot
// render) fails the message; a rate limit, a server error or a network
// failure is retried.
func (s *Service) CVEHandler(log *slog.Logger) deliver.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return deliver.HandlerFunc(func(ctx context.Context, m outbox.Message) error {
		return s.deliverCVE(ctx, log, m)
	})
}

func (s *Service) deliverCVE(ctx context.Context, log *slog.Logger, m outbox.Message) error {
	var ref cveRef
	if err := json.Unmarshal(m.Payload, &ref); err != nil {
		return deliver.Permanent(fmt.Errorf("message %s: payload: %w", m.Key, err))
	}
	pub := s.vendor()
	switch {
	case pub.CNAOrgID == "":
		log.Info("cve record left to the assigning CNA: vigil is not a CNA", "key", m.Key, "cve_id", ref.CVEID)
		return nil
	case ref.CVEID == "":
		log.Info("no CVE ID: no CVE record to publish", "key", m.Key, "advisory_id", ref.AdvisoryID)
		return nil
	case s.CVE == nil:
		return deliver.Permanent(ErrNoCVEServices)
	}
	revs, err := s.Store.RevisionsOf(ctx, ref.AdvisoryID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return deliver.Permanent(err)
		}
		return err
	}
	if len(revs) == 0 {
		return deliver.Permanent(fmt.Errorf("advisory %s: no revision", ref.AdvisoryID))
	}
	adv := advisory.Advisory{ID: ref.AdvisoryID, Revisions: revs}
	latest := adv.Latest()
	if latest.CVEID != "" && latest.CVEID != ref.CVEID {
		return deliver.Permanent(fmt.Errorf("message %s names %s, the advisory %s", m.Key, ref.CVEID, latest.CVEID))
	}
	cur, err := s.CVE.ID(ctx, ref.CVEID)
	if err != nil {
		return upstream(fmt.Errorf("state of %s: %w", ref.CVEID, err))
	}
	withdraw := latest.Status == advisory.Withdrawn
	switch {
	case m.Topic != "advisory.withdrawn" && withdraw:
		// A later revision withdrew the advisory: its own message rejects
		// the record, and publishing or updating it now would be undone.
		log.Info("cve record superseded by the withdrawal", "key", m.Key, "cve_id", ref.CVEID)
		return nil
	case m.Topic == "advisory.withdrawn" || withdraw:
		rej, err := cve5.RejectedContainer(pub, adv)
		if err != nil {
			return deliver.Permanent(err)
		}
		switch cur.State {
		case cveservices.Published:
			_, err = s.CVE.RejectRecord(ctx, ref.CVEID, rej)
		case cveservices.Reserved:
			_, err = s.CVE.Reject(ctx, ref.CVEID, rej)
		}
		if err != nil {
			return upstream(fmt.Errorf("reject %s: %w", ref.CVEID, err))
		}
		return s.markCVE(ctx, ref, vcase.CVERejected, store.CVEIDRejected, "cve.rejected")
	case m.Topic == "advisory.published" || m.Topic == "advisory.updated":
		cna, err := cve5.CNAContainer(pub, adv)
		if err != nil {
			return deliver.Permanent(err)
		}
		switch cur.State {
		case cveservices.Reserved:
			_, err = s.CVE.Publish(ctx, ref.CVEID, cna)
		case cveservices.Published:
			_, err = s.CVE.Update(ctx, ref.CVEID, cna)
		default:
			return deliver.Permanent(fmt.Errorf("%s is %s in CVE Services: a rejected ID is never published again", ref.CVEID, cur.State))
		}
		if err != nil {
			return upstream(fmt.Errorf("publish %s: %w", ref.CVEID, err))
		}
		return s.markCVE(ctx, ref, vcase.CVEPublished, store.CVEIDPublished, "cve.published")
	}
	return deliver.Permanent(fmt.Errorf("message %s: unknown topic %q", m.Key, m.Topic))
}

// upstream marks a CVE Services error permanent unless retrying may help
// (a cancelled context is the worker stopping: the message is retried).
func upstream(err error) error {
	if cveservices.Temporary(err) || errors.Is(err, context.Canceled) {
		return err
	}
	return deliver.Permanent(err)
}

// markCVE records, as vigil, what CVE Services now holds: the case's CVE
// state and, for an ID vigil reserved, its state and case.
func (s *Service) markCVE(ctx context.Context, ref cveRef, state vcase.CVEState, idState store.CVEIDState, action string) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		var caseID *int64
		if ref.Case != "" {
			c, err := tx.CaseByKey(ctx, ref.Case)
			if err != nil {
				return err
			}
			caseID = &c.ID
			if c.CVEState != state {
				c.CVEState = state
				if err := tx.UpdateCase(ctx, &c); err != nil {
					return err
				}
			}
		}
		if err := tx.SetCVEIDState(ctx, ref.CVEID, idState, caseID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return record(ctx, tx, now, System, action, "cve:"+ref.CVEID, map[string]any{"case": ref.Case, "advisory_id": ref.AdvisoryID, "revision": ref.Revision})
	})
}

package casework

import (
	"context"
	"fmt"
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
	data, planned, err := s.announcement(ctx, tx, now, c)
	if err != nil {
		return err
	}
	return enqueueMail(ctx, tx, now, "case:"+c.Key+":liaison-notice:"+planned,
		Mail{Template: LiaisonNoticeTemplate, Role: string(user.Liaison), CaseKey: c.Key, Data: data})
}

// announcement is what may be said of a case before its disclosure: title,
// summary, severity, product, branches, fixed versions and the planned
// time, never technical details; planned is the time as the mails' keys
// name it.
func (s *Service) announcement(ctx context.Context, tx *store.Store, now time.Time, c vcase.Case) (data map[string]string, planned string, err error) {
	planned = "unscheduled"
	data = map[string]string{"title": c.Title, "summary": c.Summary, "severity": c.Severity}
	if c.PlannedDisclose != nil {
		planned = c.PlannedDisclose.UTC().Format(time.RFC3339)
		data["planned_disclosure"] = planned
	}
	if c.ProductID != nil {
		p, err := tx.ProductByID(ctx, *c.ProductID)
		if err != nil {
			return nil, "", err
		}
		data["product"], data["product_slug"] = p.Name, p.Slug
	}
	env, err := s.env(ctx, tx, &c, now)
	if err != nil {
		return nil, "", err
	}
	var branches, fixed []string
	for _, f := range c.Fixes {
		branches = append(branches, env.Branches[f.BranchID].Name)
		if f.ReleaseID != nil {
			fixed = append(fixed, env.Releases[*f.ReleaseID].Version)
		}
	}
	data["branches"], data["fixed_versions"] = strings.Join(branches, ", "), strings.Join(fixed, ", ")
	return data, planned, nil
}

// CustomerNoticeTemplate is the entitled customers' pre-notification.
const CustomerNoticeTemplate = "case.prenotice.customer"

// CustomerNotices queues, when the policy allows it
// (notifications.customer_advance), the pre-notification of the customers
// entitled to a product's notifications by their support option (enabled
// customer accounts with a confirmed subscription to the product or to
// all): for every ready case whose notice time has come and whose
// disclosure has not, once per case, planned time and customer.
func (s *Service) CustomerNotices(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	if s.Policy.CustomerAdvance.IsZero() {
		return 0, nil
	}
	cases, err := s.Store.ListCases(ctx, store.CaseFilter{States: []vcase.State{vcase.Ready}, Limit: store.MaxLimit})
	if err != nil {
		return 0, err
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	customers := map[string]user.User{}
	for _, u := range users {
		if u.Role == user.Customer && !u.Disabled && u.Email != "" {
			customers[strings.ToLower(u.Email)] = u
		}
	}
	added := 0
	for _, c := range cases {
		if c.PlannedDisclose == nil || c.ProductID == nil {
			continue
		}
		at, ok := s.Policy.CustomerNoticeAt(*c.PlannedDisclose)
		if !ok || now.Before(at) || !now.Before(*c.PlannedDisclose) {
			continue
		}
		err := s.Store.InTx(ctx, func(tx *store.Store) error {
			data, planned, err := s.announcement(ctx, tx, now, c)
			if err != nil {
				return err
			}
			subs, err := tx.Subscribers(ctx, []string{data["product_slug"]})
			if err != nil {
				return err
			}
			for _, sub := range subs {
				u, ok := customers[strings.ToLower(sub.Email)]
				if !ok {
					continue // a subscriber, but no customer entitled by a support option
				}
				key := fmt.Sprintf("case:%s:customer-notice:%s:%d", c.Key, planned, u.ID)
				n, err := enqueueOnce(ctx, tx, now, key, Mail{Template: CustomerNoticeTemplate, To: u.Email, CaseKey: c.Key, Data: data})
				if err != nil {
					return err
				}
				if n {
					added++
					if err := record(ctx, tx, now, System, "case.customer_notice", "case:"+c.Key, map[string]any{"user": u.Name}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return added, fmt.Errorf("customer notices of %s: %w", c.Key, err)
		}
	}
	return added, nil
}

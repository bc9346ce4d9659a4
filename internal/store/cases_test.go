package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// newCase is a case received at t0 + seq hours, without fixes.
func newCase(seq int, mut ...func(*vcase.Case)) vcase.Case {
	c := vcase.Case{
		Key:        vcase.Key(2026, seq),
		Title:      "Stored XSS in the dashboard",
		State:      vcase.Received,
		ReceivedAt: t0.Add(time.Duration(seq) * time.Hour),
	}
	for _, m := range mut {
		m(&c)
	}
	return c
}

// fullCase sets every field, with fixes on the given branches and release.
func fullCase(seq int, productID int64, branches []int64, releaseID int64) func(*vcase.Case) {
	return func(c *vcase.Case) {
		c.Summary, c.Details, c.Workaround = "An attacker can run script.", "The name field is not escaped.", "Disable the dashboard."
		c.State = vcase.Fixing
		c.ProductID = &productID
		c.Risk = vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", CWE: []string{"CWE-79"},
			Tags: []string{"xss"}, PublicPoC: true, Notes: "needs a login"}
		c.Severity, c.Score = "medium", 5.4
		c.CVEID, c.CVEState = "CVE-2026-1000"+string(rune('0'+seq)), vcase.CVEReserved
		c.CVEDraft = vcase.CVEDraft{Description: "XSS in Gateway before 41.0.2.", ProblemType: "CWE-79", Impacts: []string{"CAPEC-63"}}
		c.ChangeRequest = &vcase.ChangeRequest{Ref: "SOS-1234", Tracker: "jira", URL: "https://jira.example.com/SOS-1234", State: "open"}
		c.TaskForce = []string{"alice", "bob"}
		c.PlannedDisclose = ptr(t0.AddDate(0, 0, 14))
		c.Credits = []vcase.Credit{{Name: "Eve", Type: "finder"}}
		c.References = []vcase.Reference{{URL: "https://example.com/x", Tags: []string{"patch"}}}
		c.TriagedAt, c.ConfirmedAt = ptr(t0.Add(2*time.Hour)), ptr(t0.Add(3*time.Hour))
		c.ExploitedKnown, c.FixAvailableAt = ptr(t0.Add(4*time.Hour)), ptr(t0.Add(5*time.Hour))
		for i, b := range branches {
			f := vcase.Fix{BranchID: b, Status: vcase.FixPending}
			if i == 0 {
				f = vcase.Fix{BranchID: b, Status: vcase.FixVerified, Commits: []string{"0123456789abcdef"},
					ReleaseID: &releaseID, AffectedFrom: "41.0.0", Evidence: "exploit fails", VerifiedBy: "bob",
					VerifiedAt: ptr(t0.Add(6 * time.Hour)), FixedAt: ptr(t0.Add(5 * time.Hour))}
			}
			c.Fixes = append(c.Fixes, f)
		}
	}
}

// env is a product with two branches and a release on the first.
type env struct {
	p        product.Product
	branches []int64
	release  product.Release
}

func newEnv(t testing.TB, s *store.Store) env {
	p := createProduct(t, s)
	b1 := createBranch(t, s, p.ID)
	b2 := createBranch(t, s, p.ID, func(b *product.Branch) { b.Name = "40" })
	r := createRelease(t, s, b1.ID)
	return env{p, []int64{b1.ID, b2.ID}, r}
}

func TestCaseRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		c := newCase(1, fullCase(1, e.p.ID, e.branches, e.release.ID))
		c.Version = 7 // ignored: a new case is at version 1
		must(t, s.CreateCase(ctx, &c))
		if c.ID == 0 || c.Version != 1 {
			t.Fatalf("after CreateCase: ID %d, Version %d", c.ID, c.Version)
		}
		got, err := s.CaseByID(ctx, c.ID)
		must(t, err)
		diff(t, "CaseByID", c, got)
		got, err = s.CaseByKey(ctx, c.Key)
		must(t, err)
		diff(t, "CaseByKey", c, got)

		// A minimal case: nil pointers and slices stay nil.
		m := newCase(2)
		must(t, s.CreateCase(ctx, &m))
		got, err = s.CaseByID(ctx, m.ID)
		must(t, err)
		diff(t, "minimal case", m, got)
		if got.ChangeRequest != nil || got.TaskForce != nil || got.Fixes == nil {
			t.Errorf("minimal case: ChangeRequest %v, TaskForce %#v, Fixes %#v", got.ChangeRequest, got.TaskForce, got.Fixes)
		}

		_, err = s.CaseByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.CaseByKey(ctx, "VC-2026-9999")
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestCreateCaseErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		c := newCase(1, func(c *vcase.Case) { c.CVEID = "CVE-2026-0001" })
		must(t, s.CreateCase(ctx, &c))
		for _, tc := range []struct {
			name string
			c    vcase.Case
			want error
		}{
			{"duplicate key", newCase(1), store.ErrConflict},
			{"duplicate CVE ID", newCase(2, func(c *vcase.Case) { c.CVEID = "CVE-2026-0001" }), store.ErrConflict},
			{"missing product", newCase(3, func(c *vcase.Case) { c.ProductID = ptr(int64(999)) }), store.ErrNotFound},
			{"missing duplicate-of", newCase(4, func(c *vcase.Case) { c.DuplicateOf = ptr(int64(999)) }), store.ErrNotFound},
			{"fix on a missing branch", newCase(5, func(c *vcase.Case) {
				c.Fixes = []vcase.Fix{{BranchID: e.branches[0], Status: vcase.FixPending}, {BranchID: 999, Status: vcase.FixPending}}
			}), store.ErrNotFound},
			{"fix in a missing release", newCase(6, func(c *vcase.Case) {
				c.Fixes = []vcase.Fix{{BranchID: e.branches[0], Status: vcase.FixFixed, ReleaseID: ptr(int64(999))}}
			}), store.ErrNotFound},
			{"branch twice", newCase(7, func(c *vcase.Case) {
				c.Fixes = []vcase.Fix{{BranchID: e.branches[0], Status: vcase.FixPending}, {BranchID: e.branches[0], Status: vcase.FixPending}}
			}), store.ErrConflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := tc.c
				wantErr(t, s.CreateCase(ctx, &c), tc.want)
				// Nothing of the failed case is stored, not even part of it.
				if _, err := s.CaseByKey(ctx, c.Key); !errorsIs(err, store.ErrNotFound) && c.Key != newCase(1).Key {
					t.Errorf("CaseByKey after failed create: %v", err)
				}
			})
		}
		cs, err := s.ListCases(ctx, store.CaseFilter{})
		must(t, err)
		diff(t, "cases", []vcase.Case{c}, cs)
	})
}

func TestUpdateCase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		c := newCase(1, fullCase(1, e.p.ID, e.branches, e.release.ID))
		must(t, s.CreateCase(ctx, &c))
		stale := c

		// Change everything, and replace the fixes: drop the second branch,
		// change the first.
		c.Title, c.State, c.Severity, c.Score = "XSS", vcase.Ready, "high", 7.1
		c.CVEID, c.CVEState, c.ChangeRequest, c.TaskForce = "", vcase.CVENone, nil, nil
		c.Risk.Exploited = true
		c.ReadyAt, c.PlannedDisclose = ptr(t0.Add(9*time.Hour)), nil
		c.Fixes = []vcase.Fix{{BranchID: e.branches[0], Status: vcase.FixFixed, Commits: []string{"abcdef0"}}}
		must(t, s.UpdateCase(ctx, &c))
		if c.Version != 2 {
			t.Errorf("Version after update = %d, want 2", c.Version)
		}
		got, err := s.CaseByID(ctx, c.ID)
		must(t, err)
		diff(t, "updated case", c, got)

		// The copy read before the update is stale.
		stale.Title = "lost update"
		wantErr(t, s.UpdateCase(ctx, &stale), store.ErrConflict)
		if stale.Version != 1 {
			t.Errorf("Version after a failed update = %d, want 1", stale.Version)
		}
		got, err = s.CaseByID(ctx, c.ID)
		must(t, err)
		diff(t, "case after stale update", c, got)

		// Updating again from the fresh copy works; fixes can grow back.
		c.Fixes = append(c.Fixes, vcase.Fix{BranchID: e.branches[1], Status: vcase.FixInProgress})
		must(t, s.UpdateCase(ctx, &c))
		got, err = s.CaseByID(ctx, c.ID)
		must(t, err)
		diff(t, "case with fixes again", c, got)

		missing := newCase(9)
		missing.ID, missing.Version = 999, 1
		wantErr(t, s.UpdateCase(ctx, &missing), store.ErrNotFound)

		// A failing fix leaves the case as it was.
		bad := c
		bad.Title = "bad"
		bad.Fixes = []vcase.Fix{{BranchID: 999, Status: vcase.FixPending}}
		wantErr(t, s.UpdateCase(ctx, &bad), store.ErrNotFound)
		got, err = s.CaseByID(ctx, c.ID)
		must(t, err)
		diff(t, "case after failed update", c, got)
	})
}

func TestListCases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		other := createProduct(t, s, func(p *product.Product) { p.Slug = "other" })
		var cs []vcase.Case
		for i, st := range []vcase.State{vcase.Received, vcase.Fixing, vcase.Fixing, vcase.Disclosed} {
			c := newCase(i+1, func(c *vcase.Case) {
				c.State = st
				c.ProductID = &e.p.ID
				if i == 2 {
					c.ProductID = &other.ID
				}
				if i%2 == 1 {
					fullCase(i+1, *c.ProductID, e.branches, e.release.ID)(c)
					c.State = st
				}
			})
			must(t, s.CreateCase(ctx, &c))
			cs = append(cs, c)
		}
		for _, tc := range []struct {
			name string
			f    store.CaseFilter
			want []vcase.Case
		}{
			{"all, newest first", store.CaseFilter{}, []vcase.Case{cs[3], cs[2], cs[1], cs[0]}},
			{"states", store.CaseFilter{States: []vcase.State{vcase.Fixing, vcase.Received}}, []vcase.Case{cs[2], cs[1], cs[0]}},
			{"product", store.CaseFilter{ProductID: other.ID}, []vcase.Case{cs[2]}},
			{"states and product", store.CaseFilter{States: []vcase.State{vcase.Fixing}, ProductID: e.p.ID}, []vcase.Case{cs[1]}},
			{"page", store.CaseFilter{Limit: 2, Offset: 1}, []vcase.Case{cs[2], cs[1]}},
			{"none", store.CaseFilter{States: []vcase.State{vcase.Rejected}}, []vcase.Case{}},
		} {
			got, err := s.ListCases(ctx, tc.f)
			must(t, err)
			diff(t, tc.name, tc.want, got)
		}
	})
}

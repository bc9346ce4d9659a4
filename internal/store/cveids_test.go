package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// TestCVEIDs: recorded once, assigned while a case holds the ID (and
// reserved again when it lets go), published and rejected with their case.
func TestCVEIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		ids := []store.CVEID{{ID: "CVE-2026-1000", Year: 2026, ReservedAt: at}, {ID: "CVE-2026-1001", Year: 2026, ReservedAt: at.Add(time.Hour)}}
		must(t, s.AddCVEIDs(ctx, ids))
		must(t, s.AddCVEIDs(ctx, ids[:1])) // recording again is harmless
		all, err := s.ListCVEIDs(ctx, store.CVEIDFilter{})
		must(t, err)
		diff(t, "recorded IDs", []store.CVEID{
			{ID: "CVE-2026-1000", Year: 2026, State: store.CVEIDReserved, ReservedAt: at, UpdatedAt: at},
			{ID: "CVE-2026-1001", Year: 2026, State: store.CVEIDReserved, ReservedAt: at.Add(time.Hour), UpdatedAt: at.Add(time.Hour)},
		}, all)

		c := newCase(1, func(c *vcase.Case) { c.CVEID = "CVE-2026-1000" })
		must(t, s.CreateCase(ctx, &c))
		v, err := s.CVEIDByID(ctx, "CVE-2026-1000")
		must(t, err)
		if v.State != store.CVEIDAssigned || v.CaseID == nil || *v.CaseID != c.ID || v.CaseKey != c.Key {
			t.Errorf("held by a case: %+v", v)
		}
		before := at.Add(30 * time.Minute)
		unused, err := s.ListCVEIDs(ctx, store.CVEIDFilter{State: store.CVEIDReserved, ReservedBefore: &before})
		must(t, err)
		if len(unused) != 0 {
			t.Errorf("unused before %s: %+v", before, unused)
		}
		c.State, c.RejectReason = vcase.Rejected, vcase.NotVulnerability
		must(t, s.UpdateCase(ctx, &c))
		if v, _ := s.CVEIDByID(ctx, "CVE-2026-1000"); v.State != store.CVEIDReserved || v.CaseKey != c.Key {
			t.Errorf("held by a rejected case: %+v, want reserved (unused)", v)
		}
		c.State, c.RejectReason, c.CVEID = vcase.Triage, "", ""
		must(t, s.UpdateCase(ctx, &c))
		if v, _ := s.CVEIDByID(ctx, "CVE-2026-1000"); v.State != store.CVEIDReserved || v.CaseID != nil {
			t.Errorf("let go: %+v", v)
		}
		must(t, s.SetCVEIDState(ctx, "CVE-2026-1000", store.CVEIDPublished, &c.ID, at.Add(24*time.Hour)))
		v, err = s.CVEIDByID(ctx, "CVE-2026-1000")
		must(t, err)
		if v.State != store.CVEIDPublished || v.CaseKey != c.Key || !v.UpdatedAt.Equal(at.Add(24*time.Hour)) {
			t.Errorf("published: %+v", v)
		}
		must(t, s.SetCVEIDState(ctx, "CVE-2026-1001", store.CVEIDRejected, nil, at.Add(24*time.Hour)))
		rejected, err := s.ListCVEIDs(ctx, store.CVEIDFilter{State: store.CVEIDRejected})
		must(t, err)
		if len(rejected) != 1 || rejected[0].ID != "CVE-2026-1001" || rejected[0].CaseID != nil {
			t.Errorf("rejected: %+v", rejected)
		}
		wantErr(t, s.SetCVEIDState(ctx, "CVE-2026-9999", store.CVEIDRejected, nil, at), store.ErrNotFound)
		_, err = s.CVEIDByID(ctx, "CVE-2026-9999")
		wantErr(t, err, store.ErrNotFound)
		if err := s.SetCVEIDState(ctx, "CVE-2026-1001", store.CVEIDAssigned, nil, at); err == nil {
			t.Error("assigned was stored")
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

func newRevision(id string, number int, mut ...func(*advisory.Revision)) advisory.Revision {
	r := advisory.Revision{
		AdvisoryID: id, Number: number, Status: advisory.Final,
		PublishedAt: t0.Add(time.Duration(number) * 24 * time.Hour),
		Title:       "Stored XSS in Gateway", Summary: "An attacker can run script.",
		Description: "XSS in Gateway before 41.0.2.", CVEID: "CVE-2026-10001",
		Severity: "medium", Score: 5.4, CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", CWE: []string{"CWE-79"},
		Affected: []advisory.Affected{{Product: "Gateway", ProductSlug: "gateway", Branch: "41", Maintained: true,
			Introduced: "41.0.0", Fixed: "41.0.2", FixedRelease: 3}},
		Credits:    []advisory.Credit{{Name: "Eve", Type: "finder"}},
		References: []advisory.Reference{{URL: "https://example.com/x"}},
		Changes:    "Initial release.",
	}
	for _, m := range mut {
		m(&r)
	}
	return r
}

func TestAdvisories(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c1, c2, c3 := newCase(1), newCase(2), newCase(3)
		for _, c := range []*vcase.Case{&c1, &c2, &c3} {
			must(t, s.CreateCase(ctx, c))
		}
		const a1, a2 = "VIGIL-SA-2026-001", "VIGIL-SA-2026-002"

		_, err := s.AdvisoryIDByCase(ctx, c1.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.RevisionsOf(ctx, a1)
		wantErr(t, err, store.ErrNotFound)
		revs, err := s.LatestRevisions(ctx, 0, 0)
		must(t, err)
		diff(t, "no revisions", []advisory.Revision{}, revs)

		r11 := newRevision(a1, 1, func(r *advisory.Revision) { r.PublishedAt = r.PublishedAt.Add(1) }) // nanoseconds are dropped
		wantErr(t, s.AddRevision(ctx, c1.ID, newRevision(a1, 2)), store.ErrConflict)                   // must start at 1
		must(t, s.AddRevision(ctx, c1.ID, r11))
		r11.PublishedAt = r11.PublishedAt.Truncate(time.Microsecond)
		r21 := newRevision(a2, 1, func(r *advisory.Revision) { r.CVEID, r.PublishedAt = "CVE-2026-20002", t0.Add(36*time.Hour) })
		must(t, s.AddRevision(ctx, c2.ID, r21))
		r12 := newRevision(a1, 2, func(r *advisory.Revision) { r.Changes = "Fixed version for 40 added." })
		must(t, s.AddRevision(ctx, c1.ID, r12))

		for _, tc := range []struct {
			name   string
			caseID int64
			rev    advisory.Revision
			want   error
		}{
			{"number taken", c1.ID, newRevision(a1, 2), store.ErrConflict},
			{"number skipped", c1.ID, newRevision(a1, 4), store.ErrConflict},
			{"another advisory's ID", c1.ID, newRevision(a2, 3), store.ErrConflict},
			{"advisory ID taken by another case", c3.ID, newRevision(a1, 1), store.ErrConflict},
			{"missing case", 999, newRevision("VIGIL-SA-2026-999", 1), store.ErrNotFound},
		} {
			wantErr(t, s.AddRevision(ctx, tc.caseID, tc.rev), tc.want)
		}
		if _, err := s.AdvisoryIDByCase(ctx, c3.ID); !errorsIs(err, store.ErrNotFound) {
			t.Errorf("a failed first revision left an advisory: %v", err)
		}

		id, err := s.AdvisoryIDByCase(ctx, c1.ID)
		must(t, err)
		if id != a1 {
			t.Errorf("AdvisoryIDByCase = %s, want %s", id, a1)
		}
		revs, err = s.RevisionsOf(ctx, a1)
		must(t, err)
		diff(t, "RevisionsOf", []advisory.Revision{r11, r12}, revs)

		// r12 (day 2) is newer than r21 (day 1.5); r11 is not the latest of a1.
		revs, err = s.LatestRevisions(ctx, 0, 0)
		must(t, err)
		diff(t, "LatestRevisions", []advisory.Revision{r12, r21}, revs)
		revs, err = s.LatestRevisions(ctx, 1, 1)
		must(t, err)
		diff(t, "LatestRevisions page 2", []advisory.Revision{r21}, revs)

		rev, err := s.RevisionByCVE(ctx, "CVE-2026-10001")
		must(t, err)
		diff(t, "RevisionByCVE", r12, rev)
		rev, err = s.RevisionByCVE(ctx, "CVE-2026-20002")
		must(t, err)
		diff(t, "RevisionByCVE", r21, rev)
		_, err = s.RevisionByCVE(ctx, "CVE-2026-99999")
		wantErr(t, err, store.ErrNotFound)

		// Revisions are immutable.
		if _, err := s.DB().ExecContext(ctx, `UPDATE advisory_revisions SET status = 'withdrawn'`); err == nil {
			t.Error("UPDATE of advisory_revisions succeeded")
		}
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM advisory_revisions`); err == nil {
			t.Error("DELETE of advisory_revisions succeeded")
		}
	})
}

// The public surface gets a Published, nothing more.
var _ store.Published = (*store.Store)(nil)

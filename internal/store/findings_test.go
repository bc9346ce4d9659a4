package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// newFinding is an affected, high finding of a vulnerability in a
// component; the mutators change it.
func newFinding(eco, pkg, version, vuln string, mut ...func(*finding.Finding)) finding.Finding {
	f := finding.Finding{
		Component: finding.Component{Name: pkg, Version: version, Ecosystem: eco, Package: pkg},
		Vuln:      vuln, Records: []string{"osv:" + vuln}, Summary: "summary of " + vuln,
		Severity: policy.High, SeverityName: "high", Score: 7.5, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
		Status: finding.Affected, DetectedAt: t0, DueAt: ptr(t0.AddDate(0, 3, 0)), Clock: "high",
	}
	for _, m := range mut {
		m(&f)
	}
	return f
}

func syncFindings(t *testing.T, s *store.Store, releaseID int64, scope []match.Key, fs []finding.Finding) [3]int {
	t.Helper()
	a, u, r, err := s.SyncFindings(context.Background(), releaseID, scope, fs)
	must(t, err)
	return [3]int{a, u, r}
}

func findingsOf(t *testing.T, s *store.Store, releaseID int64) []finding.Finding {
	t.Helper()
	fs, err := s.FindingsOfRelease(context.Background(), releaseID)
	must(t, err)
	return fs
}

func TestSyncFindings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newMonitorEnv(t, s)
		comps := testComponents()
		imp := store.SBOMImport{ReleaseID: e.r1.ID, Name: "x", Format: sbom.CycloneDXJSON, ImportedAt: t0}
		must(t, s.ReplaceSBOM(ctx, &imp, comps))
		rule := newRule()
		must(t, s.CreateRule(ctx, &rule))

		full := newFinding("Debian:12", "openssl", "3.0.11-1~deb12u2", "CVE-2024-0727", func(f *finding.Finding) {
			f.Component.ID, f.Component.PURL, f.Component.Name = comps[0].ID, comps[0].PURL, "libssl3"
			f.Aliases, f.Records = []string{"DSA-5000-1"}, []string{"debian:CVE-2024-0727", "osv:DSA-5000-1"}
			f.Reasons = []string{"cvss >= 7"}
			f.Exploited, f.ExploitedSince, f.FixedVersion = true, ptr(t0.Add(-time.Hour)), "3.0.13-1~deb12u1"
			f.Status, f.Justification, f.RuleID, f.StatusNote = finding.NotAffected, finding.VulnerableCodeNotInExecutePath, rule.ID, "rule"
			f.ResolvedAt, f.ResolvedBy = ptr(t0.Add(time.Hour)), e.r2.ID
			f.DetectedAt = time.Date(2026, 3, 2, 10, 30, 15, 123456789, time.FixedZone("CET", 3600)) // read back UTC, microseconds
		})
		goF := newFinding("Go", "golang.org/x/net", "v0.6.0", "GO-2023-1571")
		py := newFinding("PyPI", "Django_REST.framework", "3.14.0", "PYSEC-1", func(f *finding.Finding) { f.ReleaseID = e.r1.ID })
		fs := []finding.Finding{full, goF, py}
		diff(t, "first sync", [3]int{3, 0, 0}, syncFindings(t, s, e.r1.ID, nil, fs))
		for i, f := range fs {
			if f.ID == 0 || f.ReleaseID != e.r1.ID {
				t.Errorf("findings[%d]: ID %d, release %d", i, f.ID, f.ReleaseID)
			}
		}
		if want := t0; !fs[0].DetectedAt.Equal(want) || fs[0].DetectedAt.Location() != time.UTC {
			t.Errorf("DetectedAt = %v, want %v in UTC", fs[0].DetectedAt, want)
		}
		got := findingsOf(t, s, e.r1.ID)
		diff(t, "FindingsOfRelease", []finding.Finding{fs[0], fs[1], fs[2]}, got)
		allSet(t, "Finding", got[0])
		one, err := s.FindingByID(ctx, fs[1].ID)
		must(t, err)
		diff(t, "FindingByID", fs[1], one)
		_, err = s.FindingByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)

		// The same findings again change nothing; IDs are kept.
		again := []finding.Finding{full, goF, py}
		diff(t, "same sync", [3]int{0, 0, 0}, syncFindings(t, s, e.r1.ID, nil, again))
		diff(t, "same sync's findings", fs, again)

		// A later DetectedAt never moves the stored one; an earlier one does.
		later, earlier := goF, py
		later.DetectedAt, later.Summary = t0.Add(24*time.Hour), "new summary"
		earlier.DetectedAt = t0.Add(-24 * time.Hour)
		upd := []finding.Finding{fs[0], later, earlier}
		diff(t, "update", [3]int{0, 2, 0}, syncFindings(t, s, e.r1.ID, nil, upd))
		if upd[1].ID != fs[1].ID || !upd[1].DetectedAt.Equal(t0) {
			t.Errorf("updated finding: ID %d (was %d), DetectedAt %v (want %v)", upd[1].ID, fs[1].ID, upd[1].DetectedAt, t0)
		}
		got = findingsOf(t, s, e.r1.ID)
		diff(t, "updated findings", upd, got)

		// Deletion only within scope: the Go key's findings go, the others
		// stay although fs lacks them.
		newGo := newFinding("Go", "golang.org/x/net", "v0.6.0", "GO-2024-9")
		scoped := []finding.Finding{newGo}
		diff(t, "scoped sync", [3]int{1, 0, 1}, syncFindings(t, s, e.r1.ID, []match.Key{{Ecosystem: "Go", Package: "golang.org/x/net"}}, scoped))
		got = findingsOf(t, s, e.r1.ID)
		diff(t, "after scoped sync", []finding.Finding{upd[0], scoped[0], upd[2]}, got)
		// A PyPI scope names the normalised package.
		diff(t, "PyPI scope", [3]int{0, 0, 1}, syncFindings(t, s, e.r1.ID, []match.Key{{Ecosystem: "PyPI", Package: "django-rest-framework"}}, nil))
		diff(t, "empty scope deletes nothing", [3]int{0, 0, 0}, syncFindings(t, s, e.r1.ID, []match.Key{}, nil))
		got = findingsOf(t, s, e.r1.ID)
		diff(t, "after PyPI scope", []finding.Finding{upd[0], scoped[0]}, got)

		// Replacing the SBOM drops the component references, not the findings.
		must(t, s.ReplaceSBOM(ctx, &imp, testComponents()))
		got = findingsOf(t, s, e.r1.ID)
		want := upd[0]
		want.Component.ID = 0
		diff(t, "after ReplaceSBOM", []finding.Finding{want, scoped[0]}, got)

		// Bad input: every problem is reported and nothing is written.
		bad := []finding.Finding{goF, goF, newFinding("Go", "x", "v1", ""), newFinding("Go", "y", "v1", "V", func(f *finding.Finding) { f.ReleaseID = e.r2.ID })}
		_, _, _, err = s.SyncFindings(ctx, e.r1.ID, nil, bad)
		for _, w := range []string{"findings[1]: the same", "findings[2].vuln", "findings[3].release_id"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("SyncFindings of bad findings: %v, want %q", err, w)
			}
		}
		// A failing write part-way (an unknown rule) leaves the findings.
		broken := []finding.Finding{newFinding("npm", "a", "1", "X-1"), newFinding("npm", "b", "1", "X-2", func(f *finding.Finding) { f.RuleID = 999 })}
		_, _, _, err = s.SyncFindings(ctx, e.r1.ID, nil, broken)
		wantErr(t, err, store.ErrNotFound)
		if broken[0].ID != 0 {
			t.Error("a failed sync set IDs")
		}
		got = findingsOf(t, s, e.r1.ID)
		diff(t, "after failed sync", []finding.Finding{want, scoped[0]}, got)
		_, _, _, err = s.SyncFindings(ctx, 999, nil, []finding.Finding{newFinding("npm", "a", "1", "X-1")})
		wantErr(t, err, store.ErrNotFound)

		// Inside a transaction, over the findings it read: the same result
		// as SyncFindings, without reading them again; outside one, refused.
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			stored, err := tx.FindingsOfRelease(ctx, e.r1.ID)
			if err != nil {
				return err
			}
			changed := slices.Clone(stored)
			changed[0].Summary = "changed over what the transaction read"
			added, updated, removed, err := tx.SyncFindingsOver(ctx, e.r1.ID, nil, changed, stored)
			diff(t, "SyncFindingsOver", [3]int{0, 1, 0}, [3]int{added, updated, removed})
			return err
		}))
		if got := findingsOf(t, s, e.r1.ID); got[0].Summary != "changed over what the transaction read" {
			t.Errorf("after SyncFindingsOver: summary %q", got[0].Summary)
		}
		if _, _, _, err := s.SyncFindingsOver(ctx, e.r1.ID, nil, nil, nil); err == nil {
			t.Error("SyncFindingsOver outside a transaction: no error")
		}

		// The other release is untouched by all of it.
		diff(t, "other release", []finding.Finding{}, findingsOf(t, s, e.r2.ID))
	})
}

func TestListFindings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newMonitorEnv(t, s)
		p2 := createProduct(t, s, func(p *product.Product) { p.Slug = "ids" })
		b2 := createBranch(t, s, p2.ID)
		r3 := createRelease(t, s, b2.ID)

		crit := func(f *finding.Finding) { f.Severity, f.SeverityName = policy.Critical, "critical" }
		low := func(f *finding.Finding) { f.Severity, f.SeverityName, f.DueAt = policy.Low, "low", nil }
		at := func(h int) func(*finding.Finding) {
			return func(f *finding.Finding) { f.DetectedAt = t0.Add(time.Duration(h) * time.Hour) }
		}
		r1 := []finding.Finding{
			newFinding("Go", "golang.org/x/net", "v0.6.0", "CVE-2023-1", crit, at(1), func(f *finding.Finding) { f.Aliases = []string{"GO-2023-1571", "GHSA-a_b%"} }),
			newFinding("Go", "golang.org/x/net", "v0.6.0", "CVE-2023-2", at(2)),
			newFinding("Debian:12", "openssl", "3.0.11", "CVE-2023-3", low, at(3), func(f *finding.Finding) { f.Component.Name = "libssl3" }),
			newFinding("Debian:12", "openssl", "3.0.11", "CVE-2023-4", at(4), func(f *finding.Finding) {
				f.Status, f.Justification = finding.NotAffected, finding.ComponentNotPresent
			}),
			newFinding("PyPI", "Django", "4.0", "CVE-2023-5", at(5), func(f *finding.Finding) { f.Status = finding.UnderInvestigation }),
		}
		r2 := []finding.Finding{newFinding("Go", "golang.org/x/net", "v0.7.0", "CVE-2023-2", crit, at(6))}
		r3f := []finding.Finding{newFinding("npm", "left-pad", "1.0.0", "CVE-2023-2", at(7))}
		syncFindings(t, s, e.r1.ID, nil, r1)
		syncFindings(t, s, e.r2.ID, nil, r2)
		syncFindings(t, s, r3.ID, nil, r3f)
		must(t, s.ResolveFindings(ctx, []int64{r1[1].ID}, e.r2.ID, t0.Add(time.Hour)))
		r1[1].ResolvedAt, r1[1].ResolvedBy = ptr(t0.Add(time.Hour)), e.r2.ID

		high := policy.High
		cases := []struct {
			name  string
			f     store.FindingFilter
			want  []finding.Finding
			total int
		}{
			// severity first, then newest detected
			{"all", store.FindingFilter{}, []finding.Finding{r2[0], r1[0], r3f[0], r1[4], r1[3], r1[1], r1[2]}, 7},
			{"page", store.FindingFilter{Limit: 2, Offset: 2}, []finding.Finding{r3f[0], r1[4]}, 7},
			{"past the end", store.FindingFilter{Offset: 10}, nil, 7},
			{"release", store.FindingFilter{ReleaseID: e.r1.ID}, []finding.Finding{r1[0], r1[4], r1[3], r1[1], r1[2]}, 5},
			{"branch", store.FindingFilter{BranchID: e.b.ID, Limit: 1}, []finding.Finding{r2[0]}, 6},
			{"product", store.FindingFilter{ProductID: p2.ID}, []finding.Finding{r3f[0]}, 1},
			{"status", store.FindingFilter{Status: []finding.Status{finding.NotAffected, finding.UnderInvestigation}}, []finding.Finding{r1[4], r1[3]}, 2},
			{"min severity", store.FindingFilter{MinSeverity: &high, ProductID: e.p.ID}, []finding.Finding{r2[0], r1[0], r1[4], r1[3], r1[1]}, 5},
			{"vuln", store.FindingFilter{Vuln: "CVE-2023-2"}, []finding.Finding{r2[0], r3f[0], r1[1]}, 3},
			{"vuln by alias", store.FindingFilter{Vuln: "GO-2023-1571"}, []finding.Finding{r1[0]}, 1},
			{"alias with LIKE wildcards", store.FindingFilter{Vuln: "GHSA-a_b%"}, []finding.Finding{r1[0]}, 1},
			{"wildcards are literal", store.FindingFilter{Vuln: "GHSA-a%"}, nil, 0},
			{"package", store.FindingFilter{Package: "openssl"}, []finding.Finding{r1[3], r1[2]}, 2},
			{"package by name", store.FindingFilter{Package: "libssl3"}, []finding.Finding{r1[2]}, 1},
			{"package by normalised key", store.FindingFilter{Package: "django"}, []finding.Finding{r1[4]}, 1},
			{"open", store.FindingFilter{Open: true, ReleaseID: e.r1.ID}, []finding.Finding{r1[0], r1[4], r1[2]}, 3},
		}
		for _, c := range cases {
			got, total, err := s.ListFindings(ctx, c.f)
			must(t, err)
			diff(t, c.name, c.want, got)
			if total != c.total {
				t.Errorf("%s: total %d, want %d", c.name, total, c.total)
			}
		}
	})
}

func TestResolveFindings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newMonitorEnv(t, s)
		var fs []finding.Finding
		for i := range 600 { // more than one chunk of IDs
			fs = append(fs, newFinding("Go", "example.com/m", "v1.0.0", fmt.Sprint("GO-", i)))
		}
		syncFindings(t, s, e.r1.ID, nil, fs)
		var idList []int64
		for _, f := range fs[:550] {
			idList = append(idList, f.ID)
		}
		wantErr(t, s.ResolveFindings(ctx, append(idList, 99999), e.r2.ID, t0), store.ErrNotFound)
		wantErr(t, s.ResolveFindings(ctx, idList, 99999, t0), store.ErrNotFound)
		got := findingsOf(t, s, e.r1.ID)
		for _, f := range got {
			if f.ResolvedAt != nil {
				t.Fatalf("a failed resolve resolved %s", f.Vuln)
			}
		}
		must(t, s.ResolveFindings(ctx, idList, e.r2.ID, t0))
		// A second resolution keeps the first.
		must(t, s.ResolveFindings(ctx, []int64{fs[0].ID, fs[599].ID, fs[599].ID}, e.r2.ID, t0.Add(time.Hour)))
		n := 0
		for _, f := range findingsOf(t, s, e.r1.ID) {
			if f.ResolvedAt == nil {
				continue
			}
			n++
			if f.Status != finding.Affected || f.ResolvedBy != e.r2.ID {
				t.Errorf("%s: status %s, resolved by %d", f.Vuln, f.Status, f.ResolvedBy)
			}
			want := t0
			if f.Vuln == "GO-599" {
				want = t0.Add(time.Hour)
			}
			if !f.ResolvedAt.Equal(want) {
				t.Errorf("%s resolved at %v, want %v", f.Vuln, f.ResolvedAt, want)
			}
		}
		if n != 551 {
			t.Errorf("%d findings resolved, want 551", n)
		}
		_, total, err := s.ListFindings(ctx, store.FindingFilter{Open: true})
		must(t, err)
		if total != 49 {
			t.Errorf("%d open findings, want 49", total)
		}
		must(t, s.ResolveFindings(ctx, nil, e.r2.ID, t0))
	})
}

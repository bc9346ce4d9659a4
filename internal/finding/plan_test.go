package finding

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
)

func TestPlanBranch(t *testing.T) {
	p := policy.Default()
	now := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	branch := product.Branch{ID: 2, ProductID: 1, Name: "2.1", Status: product.Maintained}
	rel := func(id int64, v string, state product.ReleaseState) product.Release {
		return product.Release{ID: id, BranchID: 2, Version: product.MustVersion(v), State: state}
	}
	published := []product.Release{rel(1, "2.1.3", product.Published), rel(2, "2.1.4", product.Published),
		rel(9, "2.2.0", product.Published)} // another branch's, ignored
	due := func(y int, m time.Month, d int) *time.Time { return ptr(time.Date(y, m, d, 9, 0, 0, 0, time.UTC)) }
	netFinding := func(id int64, vuln, fixed string, sev policy.Severity, dueAt *time.Time) Finding {
		return openFinding(sev, func(f *Finding) {
			f.ID, f.Vuln, f.FixedVersion, f.Status, f.DueAt = id, vuln, fixed, Affected, dueAt
		})
	}
	medium := []Finding{
		netFinding(31, "CVE-2024-2", "0.9.1", policy.Medium, due(2026, 7, 31)),
		netFinding(30, "CVE-2024-1", "0.17.0", policy.Low, nil),
		openFinding(policy.Medium, func(f *Finding) {
			f.ID, f.Vuln, f.Status, f.FixedVersion, f.DueAt = 32, "CVE-2024-3", UnderInvestigation, "", due(2026, 8, 1)
			f.Component = Component{Name: "openssl", Version: "3.0.15-1~deb12u1", Ecosystem: "Debian:12", Package: "openssl"}
		}),
		// Neither counts.
		openFinding(policy.Critical, func(f *Finding) {
			f.ID, f.Status, f.Justification, f.DueAt = 33, NotAffected, ComponentNotPresent, due(2026, 2, 11)
		}),
		openFinding(policy.Critical, func(f *Finding) { f.ID, f.Status = 34, Fixed }),
	}
	got, ok := PlanBranch(p, now, branch, published, medium)
	if !ok {
		t.Fatal("no plan")
	}
	want := Plan{
		ProductID: 1, BranchID: 2, Branch: "2.1", Current: "2.1.4", Next: "2.1.5",
		Kind:        policy.Regular,
		WindowStart: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC),
		Reason:   "next regular window 2026-03-01..2026-03-07 meets the deadline 2026-07-31 09:00 UTC",
		Severity: "medium", DueAt: due(2026, 7, 31), Findings: []int64{30, 31, 32},
		Upgrades: []Upgrade{
			{Ecosystem: "Debian:12", Package: "openssl", From: "3.0.15-1~deb12u1", Vulns: []string{"CVE-2024-3"}},
			{Ecosystem: "Go", Package: "golang.org/x/net", From: "v0.15.0", To: "0.17.0", Vulns: []string{"CVE-2024-1", "CVE-2024-2"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("regular plan (-want +got):\n%s", diff)
	}

	// An exploited critical finding: urgent, within the policy's 7 days.
	since := now.AddDate(0, 0, -1)
	critical := append(medium, openFinding(policy.Critical, func(f *Finding) {
		f.ID, f.Vuln, f.Status, f.Exploited, f.ExploitedSince, f.DueAt = 35, "CVE-2025-24016", Affected, true, &since, due(2026, 3, 9)
	}))
	got, ok = PlanBranch(p, now, branch, published, critical)
	if !ok {
		t.Fatal("no plan")
	}
	if got.Kind != policy.Urgent || !got.WindowStart.Equal(now) || !got.WindowEnd.Equal(now.AddDate(0, 0, 7)) ||
		got.Severity != "critical" || !got.Exploited || !equalTime(got.DueAt, due(2026, 3, 9)) || got.Next != "2.1.5" ||
		got.Reason != "severity critical justifies an urgent release" {
		t.Errorf("urgent plan: %+v", got)
	}

	// A release already being prepared carries the upgrade.
	preparing := append(published[:2:2], rel(3, "2.1.6", product.Planned), rel(4, "2.1.5", product.QA))
	if got, _ := PlanBranch(p, now, branch, preparing, medium); got.Next != "2.1.5" || got.Current != "2.1.4" {
		t.Errorf("with 2.1.5 in QA: next %q current %q", got.Next, got.Current)
	}
	// A new branch without releases starts at X.Y.0.
	if got, _ := PlanBranch(p, now, product.Branch{ID: 5, Name: "3"}, nil, medium); got.Next != "3.0.0" || got.Current != "" {
		t.Errorf("new branch: next %q current %q", got.Next, got.Current)
	}
	// Nothing open, nothing to plan.
	if _, ok := PlanBranch(p, now, branch, published, medium[3:]); ok {
		t.Error("a plan without open findings")
	}
}

package finding

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/version"
)

// PlanBranch proposes the next release of branch b for the open findings of
// its current release, as of now. releases are the branch's releases (those
// of other branches are ignored: product.Contains), open the findings of
// its latest published release; only affected and under_investigation
// findings count, and ok is false when there are none.
//
// Severity is the highest of them, DueAt the earliest deadline, Exploited
// whether any is; Kind, the window and Reason are the policy's PlanRelease
// for those. Next is the lowest release of the branch not yet published
// (planned or in QA) above Current, when there is one: the upgrade should
// ride on the release already being prepared rather than open another; else
// product.NextSecurityRelease (Z+1), empty if the branch name is malformed.
// Upgrades are grouped by (ecosystem, package, from version), To being the
// highest FixedVersion among their findings in the ecosystem's order, with
// the vulnerabilities sorted; Upgrades and Findings are sorted.
func PlanBranch(p *policy.Policy, now time.Time, b product.Branch, releases []product.Release, open []Finding) (Plan, bool) {
	var counted []*Finding
	for i := range open {
		if open[i].Open() {
			counted = append(counted, &open[i])
		}
	}
	if len(counted) == 0 {
		return Plan{}, false
	}
	plan := Plan{ProductID: b.ProductID, BranchID: b.ID, Branch: b.Name}
	sev := policy.None
	var due *time.Time
	for _, f := range counted {
		sev = max(sev, f.Severity)
		if f.DueAt != nil && (due == nil || f.DueAt.Before(*due)) {
			due = f.DueAt
		}
		plan.Exploited = plan.Exploited || f.Exploited
		if f.ID != 0 && !slices.Contains(plan.Findings, f.ID) {
			plan.Findings = append(plan.Findings, f.ID)
		}
	}
	slices.Sort(plan.Findings)
	if plan.Findings == nil {
		plan.Findings = []int64{}
	}
	plan.Severity = sev.String()
	var deadline time.Time
	if due != nil {
		plan.DueAt = utc(*due)
		deadline = *due
	}
	rp := p.PlanRelease(now, sev, plan.Exploited, deadline)
	plan.Kind, plan.WindowStart, plan.WindowEnd, plan.Reason = rp.Kind, rp.WindowStart, rp.WindowEnd, rp.Reason

	var current, pending product.Version
	var versions []product.Version
	for _, r := range releases {
		if !product.Contains(b.Name, r.Version) {
			continue
		}
		versions = append(versions, r.Version)
		if r.State == product.Published && r.Version.Compare(current) > 0 {
			current = r.Version
		}
	}
	for _, r := range releases {
		if product.Contains(b.Name, r.Version) && r.State != product.Published && r.Version.Compare(current) > 0 &&
			(pending.IsZero() || r.Version.Compare(pending) < 0) {
			pending = r.Version
		}
	}
	if !current.IsZero() {
		plan.Current = current.String()
	}
	switch next, err := product.NextSecurityRelease(b.Name, versions); {
	case !pending.IsZero():
		plan.Next = pending.String()
	case err == nil:
		plan.Next = next.String()
	}
	plan.Upgrades = upgrades(counted)
	return plan, true
}

// upgrades groups the findings' component upgrades.
func upgrades(fs []*Finding) []Upgrade {
	type key struct{ eco, pkg, from string }
	byKey := map[key]*Upgrade{}
	var keys []key
	for _, f := range fs {
		k := key{f.Component.Ecosystem, f.Component.Package, f.Component.Version}
		u, ok := byKey[k]
		if !ok {
			u = &Upgrade{Ecosystem: k.eco, Package: k.pkg, From: k.from}
			byKey[k] = u
			keys = append(keys, k)
		}
		if higherFixed(k.eco, f.FixedVersion, u.To) {
			u.To = f.FixedVersion
		}
		if !slices.Contains(u.Vulns, f.Vuln) {
			u.Vulns = append(u.Vulns, f.Vuln)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(strings.Compare(a.eco, b.eco), strings.Compare(a.pkg, b.pkg), compareVersions(a.eco, a.from, b.from))
	})
	out := make([]Upgrade, 0, len(keys))
	for _, k := range keys {
		u := byKey[k]
		slices.Sort(u.Vulns)
		out = append(out, *u)
	}
	return out
}

// higherFixed reports whether candidate should replace to as the version to
// upgrade to: it is higher in the ecosystem's order, and a version the
// ecosystem can parse is preferred to one it cannot.
func higherFixed(eco, candidate, to string) bool {
	if candidate == "" {
		return false
	}
	if to == "" {
		return true
	}
	_, errC := version.Parse(eco, candidate)
	_, errT := version.Parse(eco, to)
	if (errC == nil) != (errT == nil) {
		return errC == nil
	}
	return compareVersions(eco, candidate, to) > 0
}

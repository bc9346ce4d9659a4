package finding

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/policy"
)

// Open reports whether the finding still asks for an upgrade: affected or
// under investigation.
func (f *Finding) Open() bool { return f.Status == Affected || f.Status == UnderInvestigation }

// Decide sets the finding's status and deadline at now.
//
// A fixed finding (made by Carry) is never changed, except that it has no
// deadline. Otherwise the newest rule that Applies to t (highest CreatedAt,
// then highest ID) decides Status, Justification, RuleID and StatusNote;
// rules with a status no rule may set, or not_affected without a
// justification, are ignored. Without such a rule the finding is affected:
// a record's affected range contains the component's version, which is an
// affected statement; under_investigation is only ever a person's decision,
// through a rule.
//
// An affected or under_investigation finding gets the earliest deadline of
// the policy's clocks that apply to its severity and exploitation, start on
// finding.detected (DetectedAt) or exploitation.known (ExploitedSince) and
// stop on release.published (the upgrade clocks; the CRA reporting clocks
// stop on reports sent and are not upgrade deadlines). DueAt is in UTC and
// Clock names the clock; both are empty when no clock applies. Decide needs
// DetectedAt set to start the finding.detected clocks.
func Decide(p *policy.Policy, f *Finding, rules []Rule, t Target, now time.Time) {
	f.DueAt, f.Clock = nil, ""
	if f.Status == Fixed {
		return
	}
	t.Finding = f
	var win *Rule
	for i := range rules {
		r := &rules[i]
		if !decisive(r) || !r.Applies(t, now) {
			continue
		}
		if win == nil || cmp.Or(r.CreatedAt.Compare(win.CreatedAt), cmp.Compare(r.ID, win.ID)) > 0 {
			win = r
		}
	}
	if win != nil {
		f.Status, f.Justification, f.RuleID = win.Status, "", win.ID
		if win.Status == NotAffected {
			f.Justification = win.Justification
		}
		f.StatusNote = fmt.Sprintf("rule %d: %s: %s", win.ID, strings.ReplaceAll(string(win.Reason), "_", " "), win.Note)
	} else {
		f.Status, f.Justification, f.RuleID = Affected, "", 0
		f.StatusNote = "the component's version is in an affected range of " + strings.Join(f.Records, ", ")
	}
	if !f.Open() {
		return
	}
	events := map[policy.Event]time.Time{}
	if !f.DetectedAt.IsZero() {
		events[policy.FindingDetected] = f.DetectedAt
	}
	if f.ExploitedSince != nil {
		events[policy.ExploitationKnown] = *f.ExploitedSince
	}
	for _, d := range p.Deadlines(events, f.Severity, f.Exploited) {
		if d.Clock.Stop == policy.ReleasePublished {
			f.DueAt, f.Clock = utc(d.Due), d.Clock.ID
			return // Deadlines sorts by due time: the first is the earliest
		}
	}
}

// decisive reports whether a rule may decide a status.
func decisive(r *Rule) bool {
	switch r.Status {
	case Affected, UnderInvestigation:
		return true
	case NotAffected:
		return validJustification(r.Justification)
	}
	return false
}

// carryKey identifies a vulnerability of a package across releases.
type carryKey struct{ eco, pkg, id string }

func carryKeys(f *Finding) []carryKey {
	eco := baseEcosystem(f.Component.Ecosystem)
	pkg := packageKey(f.Component.Ecosystem, f.Component.Package)
	keys := []carryKey{{eco, pkg, strings.ToUpper(f.Vuln)}}
	for _, a := range f.Aliases {
		keys = append(keys, carryKey{eco, pkg, strings.ToUpper(a)})
	}
	return keys
}

// Carry is run when release next of a branch is published after release
// prev; prev and next are their findings. A vulnerability of a package
// (ecosystem without its release suffix, package, Vuln or any alias) that
// was open in prev and is not open in next was fixed by next:
//
//   - resolved holds prev's finding with ResolvedAt = publishedAt and
//     ResolvedBy = nextReleaseID: its upgrade deadline stops there (met or
//     missed). Its status stays as it was: prev still ships the vulnerable
//     component. Findings already resolved are not resolved again.
//   - fixed holds a new finding of next with Status fixed, so that next's
//     VEX says so, unless next already has a finding of that vulnerability
//     and package (a not_affected one keeps its say; a fixed one is not
//     duplicated). Next's component is not known here: the fixed finding
//     keeps prev's component identity (name, ecosystem, package) with ID 0,
//     Version empty and the version removed from its purl; FixedVersion,
//     severity, IDs and DetectedAt (for time-to-fix) are prev's. ReleaseID
//     is nextReleaseID, ResolvedAt and ResolvedBy as above, no deadline.
//
// Both are in prev's order.
func Carry(prev []Finding, next []Finding, nextReleaseID int64, publishedAt time.Time) (fixed []Finding, resolved []Finding) {
	open, inNext := map[carryKey]bool{}, map[carryKey]bool{}
	for i := range next {
		for _, k := range carryKeys(&next[i]) {
			inNext[k] = true
			if next[i].Open() {
				open[k] = true
			}
		}
	}
	at := publishedAt.UTC()
	done := map[carryKey]bool{}
	for i := range prev {
		pf := prev[i]
		if !pf.Open() {
			continue
		}
		keys := carryKeys(&pf)
		stillOpen, present, dup := false, false, false
		for _, k := range keys {
			stillOpen = stillOpen || open[k]
			present = present || inNext[k]
			dup = dup || done[k]
		}
		if stillOpen {
			continue
		}
		if pf.ResolvedAt == nil {
			r := pf
			r.ResolvedAt, r.ResolvedBy = utc(at), nextReleaseID
			resolved = append(resolved, r)
		}
		if present || dup {
			continue
		}
		for _, k := range keys {
			done[k] = true
		}
		nf := pf
		nf.ID, nf.ReleaseID = 0, nextReleaseID
		nf.Component.ID, nf.Component.Version = 0, ""
		nf.Component.PURL = purlWithoutVersion(pf.Component.PURL)
		nf.Status, nf.Justification, nf.RuleID = Fixed, "", 0
		nf.StatusNote = fmt.Sprintf("fixed in this release: %s %s is no longer affected (it was at version %s)",
			pf.Component.Ecosystem, pf.Component.Package, pf.Component.Version)
		nf.DueAt, nf.Clock = nil, ""
		nf.ResolvedAt, nf.ResolvedBy = utc(at), nextReleaseID
		nf.Aliases = cloneStrings(pf.Aliases)
		nf.Records = cloneStrings(pf.Records)
		nf.Reasons = cloneStrings(pf.Reasons)
		fixed = append(fixed, nf)
	}
	return fixed, resolved
}

// purlWithoutVersion removes "@version" from a purl, keeping qualifiers and
// subpath ("pkg:golang/x/y@v1.2.3?a=b" is "pkg:golang/x/y?a=b"). An "@"
// right after a "/" is an npm scope, not a version.
func purlWithoutVersion(purl string) string {
	end := len(purl)
	if i := strings.IndexAny(purl, "?#"); i >= 0 {
		end = i
	}
	at := strings.LastIndex(purl[:end], "@")
	if at <= 0 || purl[at-1] == '/' {
		return purl
	}
	return purl[:at] + purl[end:]
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// CRAClocks returns the reporting clocks (those the policy starts on
// exploitation.known and that do not stop on a release) of an open,
// exploited finding: the Cyber Resilience Act's early warning and
// notification. They run from when vigil knew both that the component is in
// the release and that the vulnerability is exploited: the later of
// DetectedAt and ExploitedSince. Due times are in UTC, earliest first.
func CRAClocks(p *policy.Policy, f *Finding) []Due {
	if !f.Exploited || !f.Open() || f.ResolvedAt != nil || f.DetectedAt.IsZero() {
		return nil
	}
	aware := f.DetectedAt
	if f.ExploitedSince != nil && f.ExploitedSince.After(aware) {
		aware = *f.ExploitedSince
	}
	var out []Due
	for _, d := range p.Deadlines(map[policy.Event]time.Time{policy.ExploitationKnown: aware}, f.Severity, true) {
		if d.Clock.Start == policy.ExploitationKnown && d.Clock.Stop != policy.ReleasePublished {
			out = append(out, Due{Clock: d.Clock.ID, Name: d.Clock.Name, DueAt: d.Due.UTC()})
		}
	}
	return out
}

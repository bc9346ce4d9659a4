package finding

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/policy"
)

// openFinding is a finding of golang.org/x/net v0.15.0 detected at t0,
// changed by mutate.
func openFinding(sev policy.Severity, mutate func(*Finding)) Finding {
	f := Finding{
		ID: 10, ReleaseID: 3,
		Component: Component{ID: 4, PURL: "pkg:golang/golang.org/x/net@v0.15.0", Name: "golang.org/x/net", Version: "v0.15.0", Ecosystem: "Go", Package: "golang.org/x/net"},
		Vuln:      "CVE-2023-39325", Aliases: []string{"GHSA-4374-p667-p6c8", "GO-2023-2102"}, Records: []string{"osv:GO-2023-2102"},
		Severity: sev, SeverityName: sev.String(), FixedVersion: "0.17.0", DetectedAt: t0,
	}
	if mutate != nil {
		mutate(&f)
	}
	return f
}

func TestDecideDeadlines(t *testing.T) {
	p := policy.Default()
	at := func(y int, m time.Month, d int) *time.Time { return ptr(time.Date(y, m, d, 9, 0, 0, 0, time.UTC)) }
	tests := []struct {
		sev   policy.Severity
		clock string
		due   *time.Time
	}{
		{policy.Critical, "upgrade-critical", at(2026, 2, 28)}, // Jan 31 + 1 month, clamped
		{policy.High, "upgrade-high", at(2026, 4, 30)},
		{policy.Medium, "upgrade-medium", at(2026, 7, 31)},
		{policy.Low, "", nil},
		{policy.None, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String(), func(t *testing.T) {
			f := openFinding(tt.sev, nil)
			Decide(p, &f, nil, Target{Product: "appliance", Release: "2.1.4"}, t0)
			if f.Status != Affected || f.RuleID != 0 || !strings.Contains(f.StatusNote, "osv:GO-2023-2102") {
				t.Errorf("status %s rule %d note %q", f.Status, f.RuleID, f.StatusNote)
			}
			if f.Clock != tt.clock || !equalTime(f.DueAt, tt.due) {
				t.Errorf("clock %q due %v, want %q %v", f.Clock, f.DueAt, tt.clock, tt.due)
			}
			if tt.due != nil {
				c, _ := p.Clock(tt.clock)
				if !p.Due(c, t0).Equal(*tt.due) {
					t.Errorf("policy.Due = %v, want %v", p.Due(c, t0), tt.due)
				}
			}
		})
	}
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// TestDecideExploitationClock: a policy clock that starts on
// exploitation.known and stops on a release gives the deadline when it is
// the earliest; the CRA clocks, which stop on reports, never do.
func TestDecideExploitationClock(t *testing.T) {
	p := policy.Default()
	p.Clocks = append(p.Clocks, policy.Clock{ID: "exploited-upgrade", Start: policy.ExploitationKnown, Stop: policy.ReleasePublished,
		Duration: policy.Duration{N: 14, Unit: policy.Days}, ExploitedOnly: true})
	since := t0.AddDate(0, 0, -3)
	f := openFinding(policy.Critical, func(f *Finding) { f.Exploited, f.ExploitedSince = true, &since })
	Decide(p, &f, nil, Target{}, t0)
	if want := since.AddDate(0, 0, 14); f.Clock != "exploited-upgrade" || !equalTime(f.DueAt, &want) {
		t.Fatalf("clock %q due %v, want exploited-upgrade %v", f.Clock, f.DueAt, want)
	}
	// Without that clock: the CRA clocks apply but are not upgrade deadlines.
	f = openFinding(policy.Critical, func(f *Finding) { f.Exploited, f.ExploitedSince = true, &since })
	Decide(policy.Default(), &f, nil, Target{}, t0)
	if f.Clock != "upgrade-critical" {
		t.Fatalf("clock %q, want upgrade-critical", f.Clock)
	}
}

func TestDecideRules(t *testing.T) {
	p := policy.Default()
	now := t0.AddDate(0, 0, 10)
	notAffected := Rule{ID: 3, Product: "appliance", FromVersion: "2.1.4", Vuln: "GO-2023-2102", Status: NotAffected,
		Justification: VulnerableCodeNotInExecutePath, Reason: FeatureNotUsed, Note: "HTTP/2 is off", Author: "alice", CreatedAt: t0}
	newer := func(r Rule, id int64, created time.Time, status Status) Rule {
		r.ID, r.CreatedAt, r.Status, r.Justification, r.Reason, r.Note = id, created, status, "", WorkaroundInPlace, "proxy in front"
		return r
	}
	tg := Target{Product: "appliance", Release: "2.1.5"}
	tests := []struct {
		name        string
		rules       []Rule
		start       func(*Finding)
		status      Status
		just        Justification
		ruleID      int64
		note, clock string
	}{
		{name: "not affected stops the clock", rules: []Rule{notAffected},
			status: NotAffected, just: VulnerableCodeNotInExecutePath, ruleID: 3, note: "rule 3: feature not used: HTTP/2 is off"},
		{name: "the newest rule wins", rules: []Rule{newer(notAffected, 2, t0.Add(time.Hour), UnderInvestigation), notAffected},
			status: UnderInvestigation, ruleID: 2, note: "rule 2: workaround in place: proxy in front", clock: "upgrade-high"},
		{name: "equal times: the higher ID wins", rules: []Rule{newer(notAffected, 9, t0, Affected), notAffected},
			status: Affected, ruleID: 9, note: "rule 9: workaround in place: proxy in front", clock: "upgrade-high"},
		{name: "expired rule", rules: []Rule{func() Rule { r := notAffected; r.ExpiresAt = ptr(now); return r }()},
			status: Affected, clock: "upgrade-high"},
		{name: "revoked rule: an earlier decision is undone",
			rules: []Rule{func() Rule { r := notAffected; r.RevokedAt = ptr(now.Add(-time.Minute)); return r }()},
			start: func(f *Finding) {
				f.Status, f.Justification, f.RuleID, f.StatusNote = NotAffected, ComponentNotPresent, 3, "old"
			},
			status: Affected, clock: "upgrade-high"},
		{name: "a rule may not set fixed", rules: []Rule{newer(notAffected, 5, now, Fixed)},
			status: Affected, clock: "upgrade-high"},
		{name: "not_affected without justification is ignored",
			rules:  []Rule{func() Rule { r := notAffected; r.Justification = ""; return r }()},
			status: Affected, clock: "upgrade-high"},
		{name: "a rule of another release scope", rules: []Rule{func() Rule { r := notAffected; r.FromVersion = "2.2.0"; return r }()},
			status: Affected, clock: "upgrade-high"},
		{name: "fixed is never changed", rules: []Rule{notAffected},
			start: func(f *Finding) {
				f.Status, f.DueAt, f.Clock, f.StatusNote = Fixed, ptr(t0), "upgrade-high", "fixed in this release"
			},
			status: Fixed, note: "fixed in this release"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openFinding(policy.High, tt.start)
			Decide(p, &f, tt.rules, tg, now)
			type got struct {
				Status        Status
				Justification Justification
				RuleID        int64
				Note, Clock   string
			}
			want := got{tt.status, tt.just, tt.ruleID, tt.note, tt.clock}
			g := got{f.Status, f.Justification, f.RuleID, f.StatusNote, f.Clock}
			if tt.note == "" {
				g.Note = ""
			}
			if diff := cmp.Diff(want, g); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
			if (f.DueAt != nil) != (tt.clock != "") {
				t.Errorf("due %v with clock %q", f.DueAt, f.Clock)
			}
		})
	}
}

func TestCarry(t *testing.T) {
	published := time.Date(2026, 3, 3, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	prev := []Finding{
		openFinding(policy.High, func(f *Finding) { f.Status = Affected; f.DueAt = ptr(t0.AddDate(0, 3, 0)); f.Clock = "upgrade-high" }),
		openFinding(policy.Medium, func(f *Finding) {
			f.ID, f.Vuln, f.Aliases, f.Status = 11, "CVE-2024-1", nil, UnderInvestigation
		}),
		// Still present in next: not carried.
		openFinding(policy.Medium, func(f *Finding) { f.ID, f.Vuln, f.Aliases, f.Status = 12, "CVE-2024-2", nil, Affected }),
		// Not open: nothing to carry.
		openFinding(policy.Medium, func(f *Finding) {
			f.ID, f.Vuln, f.Aliases, f.Status, f.Justification = 13, "CVE-2024-3", nil, NotAffected, ComponentNotPresent
		}),
		// Decided not_affected in next by a rule: resolved, but next keeps its say.
		openFinding(policy.Low, func(f *Finding) { f.ID, f.Vuln, f.Aliases, f.Status = 14, "CVE-2024-4", nil, Affected }),
		// Known by its GO- ID in prev and by its CVE in next: the same.
		openFinding(policy.Low, func(f *Finding) {
			f.ID, f.Vuln, f.Aliases, f.Status = 15, "GO-2024-9", nil, Affected
			f.Component = Component{ID: 5, Name: "Jinja2", Version: "2.11.2", Ecosystem: "PyPI", Package: "Jinja2"}
		}),
	}
	next := []Finding{
		openFinding(policy.Medium, func(f *Finding) {
			f.ID, f.ReleaseID, f.Vuln, f.Aliases, f.Status = 20, 4, "CVE-2024-2", nil, Affected
			f.Component.Version = "v0.17.0"
		}),
		openFinding(policy.Low, func(f *Finding) {
			f.ID, f.ReleaseID, f.Vuln, f.Aliases, f.Status, f.Justification = 21, 4, "CVE-2024-4", nil, NotAffected, ComponentNotPresent
		}),
		openFinding(policy.Low, func(f *Finding) {
			f.ID, f.ReleaseID, f.Vuln, f.Aliases, f.Status = 22, 4, "CVE-2024-99", []string{"GO-2024-9"}, Affected
			f.Component = Component{ID: 6, Name: "jinja2", Version: "2.11.3", Ecosystem: "PyPI", Package: "jinja2"}
		}),
	}
	fixed, resolved := Carry(prev, next, 4, published)

	var resolvedIDs []int64
	for _, r := range resolved {
		resolvedIDs = append(resolvedIDs, r.ID)
		if r.ResolvedBy != 4 || r.ResolvedAt == nil || !r.ResolvedAt.Equal(published) || r.ResolvedAt.Location() != time.UTC || !r.Open() {
			t.Errorf("resolved %d: by %d at %v status %s", r.ID, r.ResolvedBy, r.ResolvedAt, r.Status)
		}
	}
	if diff := cmp.Diff([]int64{10, 11, 14}, resolvedIDs); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	if prev[0].ResolvedAt != nil {
		t.Error("Carry changed its input")
	}

	at := published.UTC()
	want := []Finding{
		{
			ReleaseID: 4,
			Component: Component{PURL: "pkg:golang/golang.org/x/net", Name: "golang.org/x/net", Ecosystem: "Go", Package: "golang.org/x/net"},
			Vuln:      "CVE-2023-39325", Aliases: []string{"GHSA-4374-p667-p6c8", "GO-2023-2102"}, Records: []string{"osv:GO-2023-2102"},
			Severity: policy.High, SeverityName: "high", FixedVersion: "0.17.0", Status: Fixed,
			StatusNote: "fixed in this release: Go golang.org/x/net is no longer affected (it was at version v0.15.0)",
			DetectedAt: t0, ResolvedAt: &at, ResolvedBy: 4,
		},
		{
			ReleaseID: 4,
			Component: Component{PURL: "pkg:golang/golang.org/x/net", Name: "golang.org/x/net", Ecosystem: "Go", Package: "golang.org/x/net"},
			Vuln:      "CVE-2024-1", Records: []string{"osv:GO-2023-2102"},
			Severity: policy.Medium, SeverityName: "medium", FixedVersion: "0.17.0", Status: Fixed,
			StatusNote: "fixed in this release: Go golang.org/x/net is no longer affected (it was at version v0.15.0)",
			DetectedAt: t0, ResolvedAt: &at, ResolvedBy: 4,
		},
	}
	if diff := cmp.Diff(want, fixed); diff != "" {
		t.Errorf("fixed (-want +got):\n%s", diff)
	}

	// Carrying again, with next holding the fixed findings, adds none.
	again, _ := Carry(prev, append(next, fixed...), 4, published)
	if len(again) != 0 {
		t.Errorf("second Carry added %d fixed findings", len(again))
	}
	// A fixed finding is then left alone by Decide.
	f := fixed[0]
	Decide(policy.Default(), &f, nil, Target{}, published)
	if f.Status != Fixed || f.DueAt != nil {
		t.Errorf("Decide changed a fixed finding: %s %v", f.Status, f.DueAt)
	}
}

func TestPurlWithoutVersion(t *testing.T) {
	for in, want := range map[string]string{
		"pkg:golang/golang.org/x/net@v0.15.0":                          "pkg:golang/golang.org/x/net",
		"pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=12": "pkg:deb/debian/openssl?arch=amd64&distro=12",
		"pkg:npm/@angular/core@1.0.0#sub/path":                         "pkg:npm/@angular/core#sub/path",
		"pkg:npm/@angular/core":                                        "pkg:npm/@angular/core",
		"pkg:pypi/jinja2":                                              "pkg:pypi/jinja2",
		"":                                                             "",
	} {
		if got := purlWithoutVersion(in); got != want {
			t.Errorf("purlWithoutVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCRAClocks(t *testing.T) {
	p := policy.Default()
	detected := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	kev := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	f := Finding{Status: Affected, Severity: policy.High, Exploited: true, ExploitedSince: &kev, DetectedAt: detected}
	got := CRAClocks(p, &f)
	want := []Due{
		{Clock: "cra-early-warning", Name: "CRA early warning", DueAt: detected.Add(24 * time.Hour)},
		{Clock: "cra-notification", Name: "CRA vulnerability notification", DueAt: detected.Add(72 * time.Hour)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CRA clocks (-want +got):\n%s", diff)
	}
	// Exploitation learnt after the detection starts them then.
	later := detected.Add(48 * time.Hour)
	f.ExploitedSince = &later
	if got := CRAClocks(p, &f); len(got) != 2 || !got[0].DueAt.Equal(later.Add(24*time.Hour)) {
		t.Errorf("CRA clocks from a later exploitation = %+v", got)
	}
	for _, g := range []Finding{
		{Status: Affected, Severity: policy.High, DetectedAt: detected},                                      // not exploited
		{Status: NotAffected, Severity: policy.High, Exploited: true, DetectedAt: detected},                  // not affected
		{Status: Affected, Severity: policy.High, Exploited: true, DetectedAt: detected, ResolvedAt: &later}, // upgraded
	} {
		if got := CRAClocks(p, &g); got != nil {
			t.Errorf("CRAClocks(%+v) = %+v, want none", g, got)
		}
	}
}

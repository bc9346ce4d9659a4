package finding

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)

// validRule is a rule that passes Validate, changed by mutate.
func validRule(mutate func(*Rule)) Rule {
	r := Rule{
		ID: 1, Product: "appliance", FromVersion: "2.1.4", Ecosystem: "Go", Package: "golang.org/x/net",
		Versions: "<0.17.0", Vuln: "CVE-2023-39325", Status: NotAffected, Justification: VulnerableCodeNotInExecutePath,
		Reason: FeatureNotUsed, Note: "HTTP/2 server is disabled", Author: "alice", CreatedAt: t0,
	}
	if mutate != nil {
		mutate(&r)
	}
	return r
}

func ptr(t time.Time) *time.Time { return &t }

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Rule)
		want   []string // one substring per expected problem; none: valid
	}{
		{name: "valid", mutate: nil},
		{name: "valid: vulnerability only", mutate: func(r *Rule) {
			*r = Rule{Vuln: "CVE-2024-1", Status: Affected, Reason: OtherReason, Note: "n", Author: "a"}
		}},
		{name: "valid: package of a Debian release", mutate: func(r *Rule) {
			r.Ecosystem, r.Package, r.Versions, r.Vuln = "Debian:12", "openssl", ">=3.0.14-1~deb12u1", ""
		}},
		{name: "fixed is derived", mutate: func(r *Rule) { r.Status, r.Justification = Fixed, "" },
			want: []string{"status: fixed is derived"}},
		{name: "everything wrong at once", mutate: func(r *Rule) {
			*r = Rule{Status: "wontfix", Justification: "because", Reason: "lazy", FromVersion: "2.1", Versions: ">=1.0",
				Note: strings.Repeat("x", MaxNoteLen+1), CreatedAt: t0, ExpiresAt: ptr(t0.Add(-time.Hour))}
		}, want: []string{
			`status: unknown status "wontfix"`, "justification: only a not_affected rule", `reason: unknown reason "lazy"`,
			"note: 4001 characters", "author: missing", "vuln: a rule names a vulnerability, a package or both",
			"from_version: version must be X.Y.Z", "product: missing", "ecosystem: missing: versions",
			"expires_at:",
		}},
		{name: "missing status, reason, note", mutate: func(r *Rule) { r.Status, r.Justification, r.Reason, r.Note = "", "", "", "  " },
			want: []string{"status: missing", "reason: missing", "note: missing"}},
		{name: "not_affected without justification", mutate: func(r *Rule) { r.Justification = "" },
			want: []string{"justification: missing"}},
		{name: "unknown justification", mutate: func(r *Rule) { r.Justification = "trust_me" },
			want: []string{`justification: unknown justification "trust_me"`}},
		{name: "package needs ecosystem", mutate: func(r *Rule) { r.Ecosystem, r.Versions = "", "" },
			want: []string{"ecosystem: missing: a package"}},
		{name: "versions must parse", mutate: func(r *Rule) { r.Versions = "<x" },
			want: []string{"versions: term 1"}},
		{name: "unknown ecosystem for versions", mutate: func(r *Rule) { r.Ecosystem = "Hackage" },
			want: []string{"versions:"}},
		{name: "expires at creation", mutate: func(r *Rule) { r.ExpiresAt = ptr(t0) },
			want: []string{"expires_at:"}},
		{name: "oversized fields", mutate: func(r *Rule) {
			r.Vuln, r.Package = strings.Repeat("V", 300), strings.Repeat("p", 2000)
		}, want: []string{"package: 2000 bytes", "vuln: 300 bytes"}},
		{name: "note of 4000 multi-byte characters is fine", mutate: func(r *Rule) { r.Note = strings.Repeat("é", MaxNoteLen) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validRule(tt.mutate).Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate succeeded")
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("no problem %q in:\n%v", w, err)
				}
			}
			if len(lines) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
		})
	}
}

// target is a finding of golang.org/x/net v0.15.0 in release 2.1.4 of
// product appliance, changed by mutate.
func target(mutate func(*Target)) Target {
	tg := Target{Product: "appliance", Release: "2.1.4", Finding: &Finding{
		Component: Component{Name: "golang.org/x/net", Version: "v0.15.0", Ecosystem: "Go", Package: "golang.org/x/net"},
		Vuln:      "CVE-2023-39325", Aliases: []string{"GHSA-4374-p667-p6c8", "GO-2023-2102"},
	}}
	if mutate != nil {
		mutate(&tg)
	}
	return tg
}

func TestRuleApplies(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	release := func(v string) func(*Target) { return func(t *Target) { t.Release = v } }
	component := func(c Component) func(*Target) { return func(t *Target) { t.Finding.Component = c } }
	tests := []struct {
		name   string
		rule   func(*Rule)
		target func(*Target)
		want   bool
	}{
		{"every scope holds", nil, nil, true},
		{"no scope but the vulnerability", func(r *Rule) { *r = Rule{Vuln: "CVE-2023-39325"} }, nil, true},
		{"other product", nil, func(t *Target) { t.Product = "router" }, false},
		{"carried to the next security release", nil, release("2.1.5"), true},
		{"carried to the next minor branch", nil, release("2.2.0"), true},
		{"carried to the next major", nil, release("10.0.0"), true},
		{"not before its release", nil, release("2.1.3"), false},
		{"numeric, not textual, order", func(r *Rule) { r.FromVersion = "2.1.10" }, release("2.1.9"), false},
		{"offline scan without release", nil, release(""), false},
		{"offline scan without release, rule without from_version", func(r *Rule) { r.FromVersion = "" }, release(""), true},
		{"malformed target release", nil, release("2.1"), false},
		{"alias of the vulnerability, any case", func(r *Rule) { r.Vuln = "ghsa-4374-p667-p6c8" }, nil, true},
		{"other vulnerability", func(r *Rule) { r.Vuln = "CVE-2023-44487" }, nil, false},
		{"other package", func(r *Rule) { r.Package = "golang.org/x/crypto" }, nil, false},
		{"other ecosystem", func(r *Rule) { r.Ecosystem, r.Versions = "npm", "" }, nil, false},
		{"version outside the constraint", func(r *Rule) { r.Versions = ">=0.16.0" }, nil, false},
		{"version the constraint cannot parse", nil,
			component(Component{Ecosystem: "Go", Package: "golang.org/x/net", Version: "latest"}), false},
		{"expired", func(r *Rule) { r.ExpiresAt = ptr(now) }, nil, false},
		{"expires later", func(r *Rule) { r.ExpiresAt = ptr(now.Add(time.Second)) }, nil, true},
		{"revoked", func(r *Rule) { r.RevokedAt = ptr(now.Add(-time.Second)) }, nil, false},
		{"revocation in the future", func(r *Rule) { r.RevokedAt = ptr(now.Add(time.Hour)) }, nil, true},
		{"no finding", nil, func(t *Target) { t.Finding = nil }, false},
		{"Debian rule, Debian:11 component", func(r *Rule) {
			*r = Rule{Ecosystem: "Debian", Package: "openssl", Versions: "<1.1.1w-0+deb11u2"}
		}, component(Component{Ecosystem: "Debian:11", Package: "openssl", Version: "1.1.1w-0+deb11u1"}), true},
		{"Debian:11 rule, Debian:11 component", func(r *Rule) {
			*r = Rule{Ecosystem: "Debian:11", Package: "openssl"}
		}, component(Component{Ecosystem: "Debian:11", Package: "openssl", Version: "1.1.1w-0+deb11u1"}), true},
		{"Debian:11 rule, Debian:12 component", func(r *Rule) {
			*r = Rule{Ecosystem: "Debian:11", Package: "openssl"}
		}, component(Component{Ecosystem: "Debian:12", Package: "openssl", Version: "3.0.15-1~deb12u1"}), false},
		{"Debian epoch in the constraint", func(r *Rule) {
			*r = Rule{Ecosystem: "Debian", Package: "shadow", Versions: ">=1:4.13"}
		}, component(Component{Ecosystem: "Debian:12", Package: "shadow", Version: "1:4.13+dfsg1-1+b1"}), true},
		{"Debian tilde in the constraint", func(r *Rule) {
			*r = Rule{Ecosystem: "Debian", Package: "openssl", Versions: "<3.0.14-1"}
		}, component(Component{Ecosystem: "Debian:12", Package: "openssl", Version: "3.0.14-1~deb12u1"}), true},
		{"PyPI name normalisation", func(r *Rule) {
			*r = Rule{Ecosystem: "PyPI", Package: "Zope.Interface", Versions: "<6.0"}
		}, component(Component{Ecosystem: "PyPI", Package: "zope-interface", Version: "5.4.0"}), true},
		{"PyPI runs of separators", func(r *Rule) {
			*r = Rule{Ecosystem: "PyPI", Package: "ruamel__yaml"}
		}, component(Component{Ecosystem: "PyPI", Package: "ruamel.yaml", Version: "0.17"}), true},
		{"no normalisation outside PyPI", func(r *Rule) {
			*r = Rule{Ecosystem: "npm", Package: "Left_Pad"}
		}, component(Component{Ecosystem: "npm", Package: "left-pad", Version: "1.0.0"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validRule(tt.rule).Applies(target(tt.target), now); got != tt.want {
				t.Fatalf("Applies = %v, want %v", got, tt.want)
			}
		})
	}
}

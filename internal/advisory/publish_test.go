package advisory

import (
	"testing"

	"github.com/vigil-psirt/vigil/internal/product"
)

func TestStatusFor(t *testing.T) {
	rev := Revision{AdvisoryID: "VIGIL-SA-2026-001", Status: Final, Affected: []Affected{
		{ProductSlug: "scheduler", Branch: "2.7", Maintained: true, Introduced: "2.7.1", Fixed: "2.7.3"},
		{ProductSlug: "scheduler", Branch: "2.6", Maintained: true, Fixed: "2.6.9"},
		{ProductSlug: "scheduler", Branch: "2.5", Introduced: "2.5.0"},
	}}
	for _, tc := range []struct {
		name, slug, version string
		status              VEXStatus
		fixedIn             string
	}{
		{"before introduced", "scheduler", "2.7.0", NotAffected, ""},
		{"introduced", "scheduler", "2.7.1", StatusAffected, "2.7.3"},
		{"between", "scheduler", "2.7.2", StatusAffected, "2.7.3"},
		{"fixed", "scheduler", "2.7.3", Fixed, ""},
		{"after fix", "scheduler", "2.7.10", Fixed, ""},
		{"no introduced: all before the fix", "scheduler", "2.6.0", StatusAffected, "2.6.9"},
		{"end of life without fix", "scheduler", "2.5.9", StatusAffected, ""},
		{"branch not listed", "scheduler", "2.4.1", NotAffected, ""},
		{"other product", "central", "2.7.2", NotAffected, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := StatusFor(rev, tc.slug, product.MustVersion(tc.version))
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != tc.status || st.FixedIn != tc.fixedIn {
				t.Errorf("got %s fixed in %q, want %s fixed in %q", st.Status, st.FixedIn, tc.status, tc.fixedIn)
			}
			if st.Status == NotAffected && st.Justification != CodeNotPresent {
				t.Errorf("not affected without justification")
			}
		})
	}
	withdrawn := rev
	withdrawn.Status = Withdrawn
	if st, _ := StatusFor(withdrawn, "scheduler", product.MustVersion("2.7.2")); st.Status != NotAffected {
		t.Errorf("withdrawn advisory: %s, want not_affected", st.Status)
	}
	bad := rev
	bad.Affected = []Affected{{ProductSlug: "scheduler", Branch: "2.7", Fixed: "2.7"}}
	if _, err := StatusFor(bad, "scheduler", product.MustVersion("2.7.2")); err == nil {
		t.Error("malformed fixed version accepted")
	}
}

func TestComponentRefKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  ComponentRef
		want string
	}{
		{"purl", ComponentRef{PURL: "pkg:golang/stdlib@1.22.3", Name: "stdlib"}, "pkg:golang/stdlib@1.22.3"},
		{"no purl", ComponentRef{Name: "zlib", Version: "1.2.13"}, "pkg:generic/zlib@1.2.13"},
		{"white space in the purl", ComponentRef{PURL: "pkg:x y", Name: "a b/c"}, "pkg:generic/a%20b%2Fc"},
		{"not a purl", ComponentRef{PURL: "https://example.com", Version: "\xff"}, "pkg:generic/unnamed@%EF%BF%BD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ref.Key(); got != tc.want {
				t.Errorf("Key() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	if got := Clip("  é\xffé  ", 10); got != "é\uFFFDé" {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("ééé", 3); got != "é…" {
		t.Errorf("Clip on a rune boundary = %q", got)
	}
}

func TestIsCVE(t *testing.T) {
	for id, want := range map[string]bool{"CVE-2024-24790": true, "CVE-2024-123": false, "CVE-20x4-12345": false, "GO-2024-2887": false, "CVE-2024-1234a": false} {
		if IsCVE(id) != want {
			t.Errorf("IsCVE(%q) = %v", id, !want)
		}
	}
	c := ComponentStatement{Vuln: "GHSA-xxxx", Aliases: []string{"GO-1", "CVE-2024-9999", "CVE-2023-1111"}}
	if c.CVE() != "CVE-2023-1111" {
		t.Errorf("CVE() = %q", c.CVE())
	}
}

func TestRemedy(t *testing.T) {
	rel := ReleaseVEX{Product: "Acme Job Scheduler", Branch: "2.7", Version: "2.7.2"}
	c := ComponentStatement{Vuln: "CVE-2024-45337", Package: "golang.org/x/crypto", Status: StatusAffected}
	for _, tc := range []struct {
		name                      string
		fixRelease, fixed         string
		eol                       bool
		wantCategory, wantDetails string
	}{
		{"published fix", "2.7.3", "0.31.0", false, RemedyVendorFix, "Update Acme Job Scheduler to 2.7.3 or later, which no longer has golang.org/x/crypto vulnerable to CVE-2024-45337."},
		{"end of life", "", "0.31.0", true, RemedyNoFixPlanned, "Acme Job Scheduler 2.7 has reached its end of life and receives no fix. Upgrade to a maintained branch."},
		{"upstream fix only", "", "0.31.0", false, RemedyNone, "golang.org/x/crypto 0.31.0 fixes it upstream; an update of Acme Job Scheduler 2.7 is under evaluation."},
		{"no fix", "", "", false, RemedyNone, "No fix is available upstream yet; under evaluation."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.FixRelease, c.FixedVersion, rel.EndOfLife = tc.fixRelease, tc.fixed, tc.eol
			if category, details := c.Remedy(rel); category != tc.wantCategory || details != tc.wantDetails {
				t.Errorf("Remedy = %s %q, want %s %q", category, details, tc.wantCategory, tc.wantDetails)
			}
		})
	}
}

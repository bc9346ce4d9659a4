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

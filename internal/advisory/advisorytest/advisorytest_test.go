package advisorytest

import (
	"testing"

	"github.com/vigil-psirt/vigil/internal/advisory"
)

func TestReleaseStatuses(t *testing.T) {
	want := map[string]advisory.VEXStatus{"2.7.2": advisory.StatusAffected, "2.7.3": advisory.Fixed, "2.6.8": advisory.StatusAffected, "2.6.9": advisory.Fixed, "2.5.9": advisory.StatusAffected}
	for _, r := range Releases() {
		if got := r.Statements[0].Status; got != want[r.Version] {
			t.Errorf("%s: %s, want %s", r.Version, got, want[r.Version])
		}
	}
	if got := Releases()[0].Statements[0].FixedIn; got != "2.7.3" {
		t.Errorf("2.7.2 fixed in %q, want 2.7.3", got)
	}
}

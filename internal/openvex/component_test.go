package openvex

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
)

// componentRelease is the demo release 2.7.2 with component statements of
// every status, its VEX history at its third change.
func componentRelease() advisory.ReleaseVEX {
	rel := advisorytest.ComponentRelease()
	rel.Changes, rel.UpdatedAt = 3, time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	return rel
}

// TestComponentsGolden renders the component statements, compares them with
// the golden file and validates them against the OpenVEX schema.
func TestComponentsGolden(t *testing.T) {
	doc, err := FromRelease(advisorytest.Publisher(), componentRelease())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "components", "scheduler-2.7.2.openvex.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the rendering (-golden +got):\n%s", golden, diff)
	}
	validate(t, compile(t), got)
}

// TestComponentStatements checks the mapping: the status and justification
// names as they are, the note as impact or status notes, the remedy as
// action, the component as subcomponent of the release.
func TestComponentStatements(t *testing.T) {
	rel := componentRelease()
	doc, err := FromRelease(advisorytest.Publisher(), rel)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != 2+3 || !doc.Timestamp.Equal(rel.UpdatedAt) {
		t.Errorf("version %d timestamp %s, want 5 and %s", doc.Version, doc.Timestamp, rel.UpdatedAt)
	}
	type row struct{ name, status, justification, impact, action, notes, sub string }
	var got []row
	for _, s := range doc.Statements[1:] {
		got = append(got, row{s.Vulnerability.Name, s.Status, s.Justification, s.ImpactStatement, s.ActionStatement, s.StatusNotes,
			s.Products[0].Subcomponents[0].Identifiers.PURL})
		if s.Products[0].ID != doc.Statements[0].Products[0].ID {
			t.Errorf("%s: product %s", s.Vulnerability.Name, s.Products[0].ID)
		}
	}
	want := []row{
		{"CVE-2024-24790", "affected", "", "", "Update Acme Job Scheduler to 2.7.3 or later, which no longer has stdlib vulnerable to CVE-2024-24790.",
			"the component's version is in an affected range of osv:GO-2024-2887", "pkg:golang/stdlib@1.22.3"},
		{"CVE-2024-45337", "affected", "", "", "golang.org/x/crypto 0.31.0 fixes it upstream; an update of Acme Job Scheduler 2.7 is under evaluation.", "", "pkg:golang/golang.org/x/crypto@v0.30.0"},
		{"GO-2099-0001", "affected", "", "", "No fix is available upstream yet; under evaluation.", "", "pkg:golang/example.com/queue@v1.4.0"},
		{"CVE-2023-45853", "not_affected", "vulnerable_code_not_in_execute_path", "rule 3: feature not used: the scheduler never calls MiniZip.", "", "",
			"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"},
		{"CVE-2023-45853", "under_investigation", "", "", "", "rule 4: other: the vendored copy in the agent is being reviewed.", "pkg:generic/zlib@1.2.13"},
		{"CVE-2023-44487", "fixed", "", "", "", "", "pkg:golang/golang.org/x/net"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if a := doc.Statements[2].Vulnerability.Aliases; !cmp.Equal(a, []string{"GHSA-v778-237x-gjrc", "GO-2024-3321"}) {
		t.Errorf("aliases %v", a)
	}
}

// TestComponentsOnly renders a release without advisories, and with
// hostile notes, names and purls: valid against the schema, valid UTF-8,
// notes bounded.
func TestComponentsOnly(t *testing.T) {
	rel := componentRelease()
	rel.Statements, rel.Changes = nil, 0
	for i := range rel.Components {
		rel.Components[i].Note, rel.Components[i].Summary = advisorytest.HostileNote, advisorytest.HostileNote
	}
	rel.Components[0].Component = advisory.ComponentRef{PURL: "pkg:x y\n", Name: "</script>\x00", Version: "\xff"}
	doc, err := FromRelease(advisorytest.Publisher(), rel)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 {
		t.Errorf("version %d, want 1", doc.Version)
	}
	b, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, compile(t), b)
	if !utf8.Valid(b) || strings.Contains(string(b), "\x00") {
		t.Error("invalid UTF-8 or a raw NUL")
	}
	for _, s := range doc.Statements {
		if len(s.StatusNotes) > advisory.MaxComponentNote+len("…") || len(s.ImpactStatement) > advisory.MaxComponentNote+len("…") {
			t.Errorf("%s: a note of %d bytes", s.Vulnerability.Name, max(len(s.StatusNotes), len(s.ImpactStatement)))
		}
	}
	if sub := doc.Statements[0].Products[0].Subcomponents[0].ID; !strings.HasPrefix(sub, "pkg:generic/") {
		t.Errorf("a purl with white space became %q", sub)
	}
	rel.Components[1].Status = "maybe"
	if _, err := FromRelease(advisorytest.Publisher(), rel); err == nil || !strings.Contains(err.Error(), "components[1]: status") {
		t.Errorf("unknown status: %v", err)
	}
}

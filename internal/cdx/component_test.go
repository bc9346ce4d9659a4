package cdx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
)

func validate(t *testing.T, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := compile(t).Validate(doc); err != nil {
		t.Errorf("not valid CycloneDX 1.6: %v", err)
	}
}

// TestComponentsGolden renders the demo release 2.7.2 with component
// statements of every status against its golden file and the schema.
func TestComponentsGolden(t *testing.T) {
	rel := advisorytest.ComponentRelease()
	rel.Changes, rel.UpdatedAt = 3, time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	bom, err := VEX(advisorytest.Publisher(), rel, purl(rel.Version))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Encode(bom)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "components", "vex-scheduler-2.7.2.cdx.json")
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
	validate(t, got)

	type row struct{ ID, Ref, State, Justification, Recommendation string }
	var rows []row
	for _, v := range (*bom.Vulnerabilities)[1:] {
		rows = append(rows, row{v.ID, (*v.Affects)[0].Ref, string(v.Analysis.State), string(v.Analysis.Justification), v.Recommendation})
	}
	wantRows := []row{
		{"CVE-2024-24790", "pkg:golang/stdlib@1.22.3", "exploitable", "", "Update Acme Job Scheduler to 2.7.3 or later, which no longer has stdlib vulnerable to CVE-2024-24790."},
		{"CVE-2024-45337", "pkg:golang/golang.org/x/crypto@v0.30.0", "exploitable", "", "golang.org/x/crypto 0.31.0 fixes it upstream; an update of Acme Job Scheduler 2.7 is under evaluation."},
		{"GO-2099-0001", "pkg:golang/example.com/queue@v1.4.0", "exploitable", "", "No fix is available upstream yet; under evaluation."},
		{"CVE-2023-45853", "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12", "not_affected", "code_not_reachable", ""},
		{"CVE-2023-45853", "pkg:generic/zlib@1.2.13", "in_triage", "", ""},
		{"CVE-2023-44487", "pkg:golang/golang.org/x/net", "resolved", "", ""},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("vulnerabilities (-want +got):\n%s", diff)
	}
	if len(*bom.Components) != 6 {
		t.Errorf("%d components, want 6", len(*bom.Components))
	}
	other := rel
	other.Components = append([]advisory.ComponentStatement{}, rel.Components...)
	other.Components[3].Status, other.Components[3].Justification = advisory.StatusAffected, ""
	if b, _ := VEX(advisorytest.Publisher(), other, purl(rel.Version)); b.SerialNumber == bom.SerialNumber {
		t.Error("a changed component statement keeps the serial number")
	}
}

// TestComponentsHostile renders hostile notes, names and purls into a
// valid document.
func TestComponentsHostile(t *testing.T) {
	rel := advisorytest.ComponentRelease()
	rel.Statements = nil
	for i := range rel.Components {
		rel.Components[i].Note, rel.Components[i].Summary = advisorytest.HostileNote, advisorytest.HostileNote
	}
	rel.Components[0].Component = advisory.ComponentRef{PURL: "pkg:x y\n", Name: "</script>\x00", Version: "\xff"}
	bom, err := VEX(advisorytest.Publisher(), rel, purl(rel.Version))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(bom)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, b)
	if !utf8.Valid(b) || strings.Contains(string(b), "\x00") {
		t.Error("invalid UTF-8 or a raw NUL")
	}
	for _, v := range *bom.Vulnerabilities {
		if len(v.Analysis.Detail) > advisory.MaxComponentNote+len("…") {
			t.Errorf("%s: detail of %d bytes", v.ID, len(v.Analysis.Detail))
		}
	}
	rel.Components[2].Vuln = ""
	if _, err := VEX(advisorytest.Publisher(), rel, purl(rel.Version)); err == nil || !strings.Contains(err.Error(), "components[2]") {
		t.Errorf("empty vulnerability ID: %v", err)
	}
}

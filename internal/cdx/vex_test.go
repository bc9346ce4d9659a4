package cdx

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func purl(version string) string { return "pkg:generic/acme/scheduler@" + version }

// TestVEXGolden renders the VEX of every demo release, compares it with its
// golden file and validates it against the official CycloneDX 1.6 schema.
func TestVEXGolden(t *testing.T) {
	schema := compile(t)
	for _, rel := range advisorytest.Releases() {
		t.Run(rel.Version, func(t *testing.T) {
			bom, err := VEX(advisorytest.Publisher(), rel, purl(rel.Version))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Encode(bom)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "vex-scheduler-"+rel.Version+".cdx.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendering:\n%s", golden, got)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("not valid CycloneDX 1.6: %v", err)
			}
		})
	}
}

func TestVEXStates(t *testing.T) {
	want := map[string]string{"2.7.2": "exploitable", "2.7.3": "resolved", "2.5.9": "exploitable"}
	for _, rel := range advisorytest.Releases() {
		bom, err := VEX(advisorytest.Publisher(), rel, purl(rel.Version))
		if err != nil {
			t.Fatal(err)
		}
		v := (*bom.Vulnerabilities)[0]
		if w, ok := want[rel.Version]; ok && string(v.Analysis.State) != w {
			t.Errorf("%s: state %s, want %s", rel.Version, v.Analysis.State, w)
		}
		if rel.Version == "2.7.2" && !strings.Contains(v.Recommendation, "2.7.3") {
			t.Errorf("2.7.2: recommendation %q does not name the fix", v.Recommendation)
		}
		if (*v.Affects)[0].Ref != bom.Metadata.Component.BOMRef {
			t.Errorf("%s: the vulnerability does not point at the release", rel.Version)
		}
	}
	if _, err := VEX(advisorytest.Publisher(), advisorytest.Releases()[0], ""); err == nil {
		t.Error("a release without purl rendered")
	}
	a, _ := VEX(advisorytest.Publisher(), advisorytest.Releases()[0], purl("2.7.2"))
	b, _ := VEX(advisorytest.Publisher(), advisorytest.Releases()[1], purl("2.7.3"))
	if a.SerialNumber == b.SerialNumber {
		t.Error("two releases share a serial number")
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := sharedtest.Path(t, "cyclonedx", "schema")
	c := jsonschema.NewCompiler()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

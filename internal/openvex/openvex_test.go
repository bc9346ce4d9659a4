package openvex

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden renders the document of every demo release, compares it with
// its golden file and validates it against the OpenVEX JSON schema.
func TestGolden(t *testing.T) {
	schema := compile(t)
	for _, rel := range advisorytest.Releases() {
		t.Run(rel.Version, func(t *testing.T) {
			doc, err := FromRelease(advisorytest.Publisher(), rel)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Encode(doc)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", rel.ProductSlug+"-"+rel.Version+".openvex.json")
			if *update {
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
			validate(t, schema, got)
		})
	}
}

func validate(t *testing.T, schema *jsonschema.Schema, b []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("not valid OpenVEX: %v\n%s", err, b)
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := sharedtest.Path(t, "openvex-spec", "openvex_json_schema.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExamplesValidate makes sure the schema check can fail: the official
// examples pass and a statement without its required parts does not.
func TestExamplesValidate(t *testing.T) {
	schema := compile(t)
	b, err := os.ReadFile(sharedtest.Path(t, "openvex-examples", "vexctl", "openvex", "document1.vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, schema, b)
	bad := bytes.Replace(b, []byte(`"under_investigation"`), []byte(`"affected"`), 1)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(v) == nil {
		t.Error("an affected statement without action_statement passed the schema")
	}
}

func TestStatements(t *testing.T) {
	pub := advisorytest.Publisher()
	want := map[string]struct{ status, action, notes string }{
		"2.7.2": {"affected", "Update to Acme Job Scheduler 2.7.3 or later. Until then: Restrict access", ""},
		"2.7.3": {"fixed", "", "2.7.3 contains the fix"},
		"2.6.8": {"affected", "Update to Acme Job Scheduler 2.6.9 or later.", ""},
		"2.6.9": {"fixed", "", "2.6.9 contains the fix"},
		"2.5.9": {"affected", "Acme Job Scheduler 2.5 receives no fix (end of life): update to a maintained branch, to 2.7.3 or later, or 2.6.9 or later.", ""},
	}
	for _, rel := range advisorytest.Releases() {
		doc, err := FromRelease(pub, rel)
		if err != nil {
			t.Fatal(err)
		}
		s := doc.Statements[0]
		w := want[rel.Version]
		if s.Status != w.status || !strings.Contains(s.ActionStatement, w.action) || !strings.Contains(s.StatusNotes, w.notes) {
			t.Errorf("%s: status %s action %q notes %q; want %s, %q, %q", rel.Version, s.Status, s.ActionStatement, s.StatusNotes, w.status, w.action, w.notes)
		}
		wantPURL := "pkg:maven/example.acme/scheduler@" + rel.Version
		if s.Products[0].ID != wantPURL || s.Products[0].Identifiers.PURL != wantPURL {
			t.Errorf("%s: product %+v, want %s", rel.Version, s.Products[0], wantPURL)
		}
		if s.Vulnerability.Name != "CVE-2026-41001" || !cmp.Equal(s.Vulnerability.Aliases, []string{"VIGIL-SA-2026-001", "x_VIGIL-SA-2026-001"}) {
			t.Errorf("%s: vulnerability %+v", rel.Version, s.Vulnerability)
		}
		if doc.ID != "https://security.acme.example/vex/scheduler-"+rel.Version+".openvex.json" || doc.Version != 2 {
			t.Errorf("%s: @id %s version %d", rel.Version, doc.ID, doc.Version)
		}
	}
}

// TestVersion checks that the document version grows with a new revision
// and a new advisory, and that the timestamp follows the newest statement.
func TestVersion(t *testing.T) {
	pub := advisorytest.Publisher()
	rel := advisorytest.Releases()[0]
	before, err := FromRelease(pub, rel)
	if err != nil {
		t.Fatal(err)
	}
	st := rel.Statements[0]
	st.Revision.Number++
	st.Revision.PublishedAt = st.Revision.PublishedAt.AddDate(0, 1, 0)
	other := st
	other.Revision.AdvisoryID, other.Revision.CVEID, other.Revision.Number = "VIGIL-SA-2026-002", "", 1
	other.Status, other.Justification, other.FixedIn = advisory.NotAffected, advisory.CodeNotPresent, ""
	rel.Statements = []advisory.Statement{st, other}
	after, err := FromRelease(pub, rel)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version <= before.Version || !after.Timestamp.Equal(st.Revision.PublishedAt) {
		t.Errorf("version %d -> %d, timestamp %s", before.Version, after.Version, after.Timestamp)
	}
	if v := after.Statements[1].Vulnerability; v.Name != "VIGIL-SA-2026-002" || !cmp.Equal(v.Aliases, []string{"x_VIGIL-SA-2026-002"}) {
		t.Errorf("an advisory without CVE: %+v", v)
	}
	b, _ := Encode(after)
	validate(t, compile(t), b)
}

func TestWithdrawn(t *testing.T) {
	adv := advisorytest.Advisory()
	rev := adv.Latest()
	rev.Number, rev.Status, rev.Changes = 3, advisory.Withdrawn, "Not a vulnerability."
	rel := advisorytest.Releases()[0]
	st, err := advisory.StatusFor(rev, rel.ProductSlug, mustVersion(t, rel.Version))
	if err != nil {
		t.Fatal(err)
	}
	rel.Statements = []advisory.Statement{st}
	doc, err := FromRelease(advisorytest.Publisher(), rel)
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Statements[0]
	if s.Status != "not_affected" || s.Justification != advisory.CodeNotPresent || !strings.Contains(s.StatusNotes, "withdrawn") {
		t.Errorf("withdrawn: %+v", s)
	}
	b, _ := Encode(doc)
	validate(t, compile(t), b)
}

func TestErrors(t *testing.T) {
	pub := advisorytest.Publisher()
	rel := advisorytest.Releases()[0]
	rel.Statements = nil
	if _, err := FromRelease(pub, rel); !errors.Is(err, ErrNoStatements) {
		t.Errorf("no statements: %v, want ErrNoStatements", err)
	}
	rel = advisorytest.Releases()[0]
	a, b := rel.Statements[0], rel.Statements[0]
	a.Status = "exploitable"
	b.Status, b.Justification = advisory.NotAffected, "feature disabled"
	rel.Statements = []advisory.Statement{a, b}
	_, err := FromRelease(pub, rel)
	for _, w := range []string{"statements[0]: status", "statements[1]: justification"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
	pub.Namespace = ""
	if _, err := FromRelease(pub, advisorytest.Releases()[0]); err == nil {
		t.Error("a publisher without namespace rendered a purl")
	}
}

func mustVersion(t *testing.T, s string) product.Version {
	t.Helper()
	v, err := product.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

package csaf

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata and cwe.txt")

// oasis is the OASIS CSAF 2.0 data in ../shared/testdata.
func oasis(t *testing.T) string { return sharedtest.Path(t, "oasis-csaf", "csaf_2.0") }

// demo are the documents of the demo fixture: the advisory and the VEX of
// every release. Their golden files are in testdata.
func demo(t *testing.T) []Document {
	t.Helper()
	pub := advisorytest.Publisher()
	adv, err := Advisory(pub, advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	docs := []Document{adv}
	for _, rel := range advisorytest.Releases() {
		d, err := VEX(pub, rel)
		if err != nil {
			t.Fatalf("VEX %s: %v", rel.Version, err)
		}
		docs = append(docs, d)
	}
	return docs
}

// variants are documents of edge cases, checked by the schema and the
// validators like the demo's: a withdrawn advisory; an advisory without a
// fixed branch, with several CWEs (one unknown) and a CVSS 4.0 vector; VEX
// documents under investigation, not affected with a justification CSAF has
// no flag for, fixed, and with several statements and a revision history.
func variants(t *testing.T) []Document {
	t.Helper()
	pub := advisorytest.Publisher()
	var docs []Document
	add := func(d Document, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}

	withdrawn := advisorytest.Advisory()
	w := withdrawn.Latest()
	w.Number, w.Status, w.PublishedAt = 3, advisory.Withdrawn, w.PublishedAt.Add(72*time.Hour)
	w.Changes = "The reported behaviour needs administrator rights that already allow running commands."
	withdrawn.Revisions = append(withdrawn.Revisions, w)
	withdrawn.ID = "VIGIL-SA-2026-009"
	for i := range withdrawn.Revisions {
		withdrawn.Revisions[i].AdvisoryID = withdrawn.ID
	}
	add(Advisory(pub, withdrawn))

	other := advisorytest.Advisory()
	other.ID = "VIGIL-SA-2026-010"
	other.Revisions = other.Revisions[:1]
	r := &other.Revisions[0]
	r.AdvisoryID = other.ID
	r.CVEID = ""
	r.Workaround = ""
	r.CWE = []string{"CWE-79", "CWE-999999", "CWE-20"}
	r.CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N"
	r.Affected = []advisory.Affected{
		{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.7", Maintained: true},
		{Product: "Acme Agent", ProductSlug: "agent", Branch: "41", Maintained: false, Introduced: "41.2.0"},
	}
	r.Credits = append(r.Credits, advisory.Credit{Name: "Acme PSIRT", Type: "coordinator"})
	add(Advisory(pub, other))

	rev := advisorytest.Advisory().Latest()
	second := rev
	second.AdvisoryID, second.CVEID, second.Title = "VIGIL-SA-2026-002", "CVE-2026-41002", "Denial of service in the scheduler web service"
	at := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	rel := advisory.ReleaseVEX{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.7", Version: "2.7.4", PublishedAt: at,
		Statements: []advisory.Statement{
			{Revision: rev, Status: advisory.Fixed},
			{Revision: second, Status: advisory.UnderInvestigation},
		}}
	add(VEX(pub, rel,
		Change{Date: at, Summary: "Initial version."},
		Change{Date: at.Add(24 * time.Hour), Summary: "Added VIGIL-SA-2026-002 (under investigation)."}))
	rel.Version = "2.7.5"
	rel.Statements = []advisory.Statement{{Revision: second, Status: advisory.NotAffected, Justification: "the web service is not part of this release"}}
	add(VEX(pub, rel))
	return docs
}

func TestGolden(t *testing.T) {
	for _, d := range demo(t) {
		name := Filename(d.Document.Tracking.ID)
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/csaf -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from the golden file (-want +got); run go test ./internal/csaf -update if intended:\n%s", name, diff)
			}
		})
	}
}

func TestDemoContent(t *testing.T) {
	docs := demo(t)
	adv := docs[0]
	if got, want := adv.Document.Tracking.Version, "2"; got != want {
		t.Errorf("version %s, want %s", got, want)
	}
	if got := len(adv.Document.Tracking.RevisionHistory); got != 2 {
		t.Errorf("%d revisions, want 2", got)
	}
	v := adv.Vulnerabilities[0]
	want := &ProductStatus{
		Fixed:         []string{"CSAFPID-scheduler-2.7.3", "CSAFPID-scheduler-2.6.9"},
		KnownAffected: []string{"CSAFPID-scheduler-2.7-affected", "CSAFPID-scheduler-2.6-affected", "CSAFPID-scheduler-2.5-affected"},
	}
	if diff := cmp.Diff(want, v.ProductStatus); diff != "" {
		t.Errorf("product status (-want +got):\n%s", diff)
	}
	if got := v.Scores[0].CVSSV3; got.BaseScore != 8.8 || got.BaseSeverity != "HIGH" || got.Version != "3.1" {
		t.Errorf("score %+v, want 8.8 HIGH 3.1", got)
	}
	if got := v.CWE; got == nil || got.Name != "Deserialization of Untrusted Data" {
		t.Errorf("cwe %+v", got)
	}
	wantVEX := map[string]*ProductStatus{
		"VIGIL-VEX-scheduler-2.7.2": {KnownAffected: []string{"CSAFPID-scheduler-2.7.2"}},
		"VIGIL-VEX-scheduler-2.7.3": {Fixed: []string{"CSAFPID-scheduler-2.7.3"}},
		"VIGIL-VEX-scheduler-2.6.8": {KnownAffected: []string{"CSAFPID-scheduler-2.6.8"}},
		"VIGIL-VEX-scheduler-2.6.9": {Fixed: []string{"CSAFPID-scheduler-2.6.9"}},
		"VIGIL-VEX-scheduler-2.5.9": {KnownAffected: []string{"CSAFPID-scheduler-2.5.9"}},
	}
	for _, d := range docs[1:] {
		id := d.Document.Tracking.ID
		if diff := cmp.Diff(wantVEX[id], d.Vulnerabilities[0].ProductStatus); diff != "" {
			t.Errorf("%s: product status (-want +got):\n%s", id, diff)
		}
	}
	if got := docs[5].Vulnerabilities[0].Remediations[0].Category; got != "no_fix_planned" {
		t.Errorf("2.5.9 (end of life): remediation %s, want no_fix_planned", got)
	}
}

// TestDeterministic renders twice: the same input gives the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := demo(t), demo(t)
	for i := range a {
		x, _ := Marshal(a[i])
		y, _ := Marshal(b[i])
		if !bytes.Equal(x, y) {
			t.Errorf("%s renders differently twice", a[i].Document.Tracking.ID)
		}
	}
}

func TestFilename(t *testing.T) {
	for id, want := range map[string]string{
		"VIGIL-SA-2026-001":             "vigil-sa-2026-001.json",
		"VIGIL-VEX-scheduler-2.7.2":     "vigil-vex-scheduler-2_7_2.json",
		"Example Company - 2019-YH3234": "example_company_-_2019-yh3234.json",
		"RHBA-2019:0024":                "rhba-2019_0024.json",
		"cisco-sa-20190513-secureboot":  "cisco-sa-20190513-secureboot.json",
		"OASIS: #/CSAF_TC-CSAF_2.0":     "oasis_csaf_tc-csaf_2_0.json",
		"a+b__c..d":                     "a+b_c_d.json",
		"Größe":                         "gr_e.json",
	} {
		if got := Filename(id); got != want {
			t.Errorf("Filename(%q) = %q, want %q", id, got, want)
		}
	}
	at := time.Date(2026, 10, 29, 11, 55, 0, 0, time.FixedZone("X", -12*3600))
	if got, want := URL(advisorytest.Publisher(), "VIGIL-SA-2026-001", at), "https://security.acme.example/.well-known/csaf/white/2026/vigil-sa-2026-001.json"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

// TestFilenameOASIS checks Filename against the OASIS file name test files:
// a valid file is named after its tracking ID, an invalid one is not.
func TestFilenameOASIS(t *testing.T) {
	dir := filepath.Join(oasis(t), "test", "filenames", "data")
	for _, kind := range []string{"valid", "invalid"} {
		files, err := filepath.Glob(filepath.Join(dir, kind, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s file name test files in %s: %v", kind, dir, err)
		}
		for _, f := range files {
			var doc Document
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if match := Filename(doc.Document.Tracking.ID) == filepath.Base(f); match != (kind == "valid") {
				t.Errorf("%s (%s): Filename(%q) = %q", filepath.Base(f), kind, doc.Document.Tracking.ID, Filename(doc.Document.Tracking.ID))
			}
		}
	}
}

func TestErrors(t *testing.T) {
	pub := advisorytest.Publisher()
	for _, tc := range []struct {
		name   string
		pub    func(*advisory.Publisher)
		adv    func(*advisory.Advisory)
		errors []string
	}{
		{name: "no revisions", adv: func(a *advisory.Advisory) { a.Revisions = nil }, errors: []string{"revisions: none"}},
		{name: "publisher", pub: func(p *advisory.Publisher) { p.Name, p.Namespace, p.BaseURL = "", "acme", "ftp://x" },
			errors: []string{"publisher.name: empty", "publisher.namespace", "publisher.base_url"}},
		{name: "numbering and dates", adv: func(a *advisory.Advisory) {
			a.Revisions[1].Number = 3
			a.Revisions[1].PublishedAt = a.Revisions[0].PublishedAt.Add(-time.Hour)
			a.Revisions[0].Changes = " "
		}, errors: []string{"revisions[1]: number 3, want 2", "revisions[1]: published_at: before", "revisions[0]: changes: empty"}},
		{name: "content", adv: func(a *advisory.Advisory) {
			r := &a.Revisions[1]
			r.Title, r.Description, r.CVSS31, r.CVEID = "", "", "CVSS:3.1/AV:X", "CVE-26-1"
			r.References = append(r.References, advisory.Reference{URL: "javascript:alert(1)"})
		}, errors: []string{"revisions[latest].title: empty", "revisions[latest].description: empty", "cvss31:",
			`revisions[latest].cve_id: "CVE-26-1"`, `revisions[latest].references[2]: "javascript:alert(1)"`}},
		{name: "id", adv: func(a *advisory.Advisory) { a.ID = " X" }, errors: []string{`id: " X" is empty or has surrounding white space`}},
		{name: "affected", adv: func(a *advisory.Advisory) {
			r := &a.Revisions[1]
			r.Affected = []advisory.Affected{
				{Product: "P", ProductSlug: "p", Branch: "2.7", Introduced: "2.8.0", Fixed: "2.7.1"},
				{Product: "P", ProductSlug: "p", Branch: "x"},
				{Product: "P", ProductSlug: "p", Branch: "2.7", Introduced: "2.7.3", Fixed: "2.7.3"},
				{Product: "", ProductSlug: "P Q", Branch: "1"},
			}
		}, errors: []string{
			"affected[0]: introduced: 2.8.0 is not on branch 2.7", "affected[1]: branch", "affected[2]: fixed: 2.7.3 is not after introduced 2.7.3",
			"affected[3]: product: empty", `affected[3]: product_slug: "P Q"`,
		}},
		{name: "no affected", adv: func(a *advisory.Advisory) { a.Revisions[1].Affected = nil }, errors: []string{"revisions[latest].affected: none"}},
		{name: "same branch twice", adv: func(a *advisory.Advisory) {
			r := &a.Revisions[1]
			r.Affected = append(r.Affected, advisory.Affected{Product: "Other name", ProductSlug: "scheduler", Branch: "2.7", Fixed: "2.7.3"})
		}, errors: []string{"affected[3]: product id CSAFPID-scheduler-2.7-affected defined twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, a := pub, advisorytest.Advisory()
			if tc.pub != nil {
				tc.pub(&p)
			}
			if tc.adv != nil {
				tc.adv(&a)
			}
			_, err := Advisory(p, a)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.errors {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\nlacks %q", err, want)
				}
			}
		})
	}
}

func TestVEXErrors(t *testing.T) {
	pub := advisorytest.Publisher()
	rel := advisorytest.Releases()[0]
	rel.Statements = nil
	if _, err := VEX(pub, rel); err == nil || !strings.Contains(err.Error(), ErrNoStatements.Error()) {
		t.Errorf("no statements: %v", err)
	}
	rel = advisorytest.Releases()[0]
	rel.Version = "2.6.1"
	rel.Statements = append(rel.Statements, rel.Statements[0])
	rel.Statements[0].Status = "maybe"
	_, err := VEX(pub, rel, Change{Date: rel.PublishedAt, Summary: "x"}, Change{Date: rel.PublishedAt.Add(-time.Hour)})
	for _, want := range []string{"version: 2.6.1 is not on branch", "statements[1]: advisory VIGIL-SA-2026-001 stated twice",
		"statements[1]: CVE-2026-41001 stated twice", `statements[0]: status: unknown "maybe"`, "history[1]: date: before", "history[1]: summary: empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
}

func TestCWEName(t *testing.T) {
	for id, want := range map[string]string{
		"CWE-502": "Deserialization of Untrusted Data",
		"CWE-79":  "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
		"CWE-5":   "J2EE Misconfiguration: Data Transmission Without Encryption",
		"CWE-3":   "",
		"CWE-":    "",
		"":        "",
	} {
		got, ok := cweName(id)
		if got != want || ok != (want != "") {
			t.Errorf("cweName(%q) = %q, %v; want %q", id, got, ok, want)
		}
	}
}

// schema compiles the CSAF 2.0 JSON schema from the OASIS test data, with
// the FIRST CVSS schemas it references loaded from the local copies.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := oasis(t)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	load := func(url, file string) {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	for _, v := range []string{"v2.0", "v3.0", "v3.1"} {
		load("https://www.first.org/cvss/cvss-"+v+".json", filepath.Join(dir, "referenced_schema", "first", "cvss-"+v+".json"))
	}
	const id = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
	load(id, filepath.Join(dir, "json_schema", "csaf_json_schema.json"))
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchema(t *testing.T) {
	s := schema(t)
	for _, d := range append(demo(t), variants(t)...) {
		data, err := Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); err != nil {
			t.Errorf("%s: %v", d.Document.Tracking.ID, err)
		}
	}
	// The schema is strict enough to catch a broken document.
	bad := demo(t)[0]
	bad.Document.Tracking.Version = "v2"
	data, _ := Marshal(bad)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if s.Validate(inst) == nil {
		t.Error("a document with version v2 passes the schema")
	}
}

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
	"unicode/utf8"

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

	add(VEX(pub, advisorytest.ComponentRelease()))
	add(VEX(pub, hostileComponents()))
	return docs
}

// hostileComponents is a release with component statements only, whose
// notes, names and purls are hostile, one of them on the CVE of the
// advisory, merged into its vulnerability.
func hostileComponents() advisory.ReleaseVEX {
	rel := advisorytest.ComponentRelease()
	rel.Version, rel.Statements = "2.7.9", nil
	rel.EndOfLife = true
	for i := range rel.Components {
		rel.Components[i].Note = advisorytest.HostileNote
		rel.Components[i].Summary = advisorytest.HostileNote
		rel.Components[i].FixRelease = ""
	}
	rel.Components[5].Component = advisory.ComponentRef{PURL: "pkg:golang/x y\n<b>", Name: "</script>\x00" + strings.Repeat("n", 500), Version: "\xff1.0"}
	rel.Components[4].Justification = "a justification CSAF has no flag for"
	rel.Components[4].Status = advisory.NotAffected
	rel.Components[0].Vuln = advisorytest.Advisory().Latest().CVEID
	rel.Statements = advisorytest.Releases()[0].Statements
	return rel
}

func TestComponentsGolden(t *testing.T) {
	d, err := VEX(advisorytest.Publisher(), advisorytest.ComponentRelease())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "components", Filename(d.Document.Tracking.ID))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
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
		t.Errorf("%s differs from the golden file (-want +got); run go test ./internal/csaf -update if intended:\n%s", path, diff)
	}
}

// TestComponents checks how each component statement is rendered: every
// component once in the product tree, by purl, as a component of the
// release; each CVE once; the status, flag, impact and remedy of each.
func TestComponents(t *testing.T) {
	d, err := VEX(advisorytest.Publisher(), advisorytest.ComponentRelease())
	if err != nil {
		t.Fatal(err)
	}
	tree := d.ProductTree
	if len(tree.FullProductNames) != 6 || len(tree.Relationships) != 6 {
		t.Fatalf("%d components, %d relationships, want 6 and 6", len(tree.FullProductNames), len(tree.Relationships))
	}
	rid := map[string]string{} // purl -> relationship product ID
	for i, r := range tree.Relationships {
		c := tree.FullProductNames[i]
		if r.Category != "default_component_of" || r.ProductReference != c.ProductID || r.RelatesToProductReference != "CSAFPID-scheduler-2.7.2" {
			t.Errorf("relationship %d: %+v", i, r)
		}
		rid[c.ProductIdentificationHelper.PURL] = r.FullProductName.ProductID
	}
	byCVE := map[string]Vulnerability{}
	for _, v := range d.Vulnerabilities {
		key := v.CVE
		if key == "" {
			key = v.IDs[0].Text
		}
		if _, dup := byCVE[key]; dup {
			t.Errorf("%s stated twice", key)
		}
		byCVE[key] = v
	}
	if len(byCVE) != 6 {
		t.Errorf("%d vulnerabilities, want 6 (the advisory's and five upstream)", len(byCVE))
	}
	stdlib, crypto, queue := rid["pkg:golang/stdlib@1.22.3"], rid["pkg:golang/golang.org/x/crypto@v0.30.0"], rid["pkg:golang/example.com/queue@v1.4.0"]
	zdeb, zvendored, xnet := rid["pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12"], rid["pkg:generic/zlib@1.2.13"], rid["pkg:golang/golang.org/x/net"]
	for _, tc := range []struct {
		vuln   string
		status ProductStatus
		remedy []string // category: details
	}{
		{"CVE-2024-24790", ProductStatus{KnownAffected: []string{stdlib}},
			[]string{"vendor_fix: Update Acme Job Scheduler to 2.7.3 or later, which no longer has stdlib vulnerable to CVE-2024-24790."}},
		{"CVE-2024-45337", ProductStatus{KnownAffected: []string{crypto}},
			[]string{"none_available: golang.org/x/crypto 0.31.0 fixes it upstream; an update of Acme Job Scheduler 2.7 is under evaluation."}},
		{"GO-2099-0001", ProductStatus{KnownAffected: []string{queue}}, []string{"none_available: No fix is available upstream yet; under evaluation."}},
		{"CVE-2023-45853", ProductStatus{KnownNotAffected: []string{zdeb}, UnderInvestigation: []string{zvendored}},
			[]string{"none_available: Acme Corporation is investigating whether zlib 1.2.13 in Acme Job Scheduler 2.7.2 is affected; this document will say so when it knows."}},
		{"CVE-2023-44487", ProductStatus{Fixed: []string{xnet}}, nil},
	} {
		v := byCVE[tc.vuln]
		if diff := cmp.Diff(&tc.status, v.ProductStatus); diff != "" {
			t.Errorf("%s: product status (-want +got):\n%s", tc.vuln, diff)
		}
		var remedy []string
		for _, r := range v.Remediations {
			remedy = append(remedy, r.Category+": "+r.Details)
		}
		if diff := cmp.Diff(tc.remedy, remedy); diff != "" {
			t.Errorf("%s: remediations (-want +got):\n%s", tc.vuln, diff)
		}
	}
	z := byCVE["CVE-2023-45853"]
	if diff := cmp.Diff([]Flag{{Label: "vulnerable_code_not_in_execute_path", ProductIDs: []string{zdeb}}}, z.Flags); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Threat{{Category: "impact", Details: "rule 3: feature not used: the scheduler never calls MiniZip.", ProductIDs: []string{zdeb}}}, z.Threats); diff != "" {
		t.Errorf("threats (-want +got):\n%s", diff)
	}
	if c := byCVE["CVE-2024-45337"]; len(c.IDs) != 2 || c.IDs[0].Text != "GHSA-v778-237x-gjrc" || len(c.Scores) != 1 || c.Scores[0].CVSSV3.BaseScore != 9.1 {
		t.Errorf("CVE-2024-45337: ids %+v, scores %+v", c.IDs, c.Scores)
	}
}

// TestComponentsHostile renders hostile notes, names and purls: the
// document stays valid (the validators check it in TestSecvisogram), the
// notes are clipped to valid UTF-8, and a purl the schema refuses is
// replaced by a generic one.
func TestComponentsHostile(t *testing.T) {
	d, err := VEX(advisorytest.Publisher(), hostileComponents())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(b) || bytes.Contains(b, []byte{0}) || bytes.Contains(b, []byte("\x1b")) {
		t.Error("the document holds invalid UTF-8, a NUL or an escape character unescaped")
	}
	for _, th := range d.Vulnerabilities[0].Threats {
		if len(th.Details) > advisory.MaxComponentNote+len("…") {
			t.Errorf("impact of %d bytes", len(th.Details))
		}
	}
	if len(d.Vulnerabilities) != 5 || d.Vulnerabilities[0].CVE != "CVE-2026-41001" || len(d.Vulnerabilities[0].ProductStatus.KnownAffected) != 2 {
		t.Errorf("the component statement on the advisory's CVE is not merged into it: %d vulnerabilities", len(d.Vulnerabilities))
	}
	for _, c := range d.ProductTree.FullProductNames {
		if !strings.HasPrefix(c.ProductIdentificationHelper.PURL, "pkg:") || strings.ContainsAny(c.ProductIdentificationHelper.PURL, " \n") {
			t.Errorf("purl %q", c.ProductIdentificationHelper.PURL)
		}
	}
}

func TestComponentErrors(t *testing.T) {
	rel := advisorytest.ComponentRelease()
	rel.Components[0].Vuln = ""
	rel.Components[1].Status = "maybe"
	rel.Components[2].Component = advisory.ComponentRef{}
	rel.Components[3].Justification = ""
	rel.Components[4].Vuln = "CVE 1"
	_, err := VEX(advisorytest.Publisher(), rel)
	for _, want := range []string{"components[0].vuln: empty", `components[1].status: unknown "maybe"`, "components[2].component: neither purl nor name",
		"components[3].justification: empty", "components[4].vuln: not an ID"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nlacks %q", err, want)
		}
	}
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

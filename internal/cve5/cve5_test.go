package cve5

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is the demo advisory with its latest revision changed by mut.
func fixture(mut func(*advisory.Revision)) advisory.Advisory {
	adv := advisorytest.Advisory()
	if mut != nil {
		mut(&adv.Revisions[len(adv.Revisions)-1])
	}
	return adv
}

// withdrawn is the demo advisory with a third revision that withdraws it.
func withdrawn() advisory.Advisory {
	adv := advisorytest.Advisory()
	w := adv.Latest()
	w.Number, w.Status = 3, advisory.Withdrawn
	w.PublishedAt = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	w.Changes = "Withdrawn: the import API is not reachable in any shipped configuration."
	adv.Revisions = append(adv.Revisions, w)
	return adv
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", name, diff)
	}
}

func TestGolden(t *testing.T) {
	pub := advisorytest.Publisher()
	rec, err := FromAdvisory(pub, advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "CVE-2026-41001.json", marshal(t, rec))

	cna, err := CNAContainer(pub, advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "CVE-2026-41001.cna.json", marshal(t, CNARequest{CNAContainer: cna}))
	if diff := cmp.Diff(rec.Containers.CNA, cna); diff != "" {
		t.Errorf("the record's container is not CNAContainer's (-record +cna):\n%s", diff)
	}

	rej, err := RejectedContainer(pub, withdrawn())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "CVE-2026-41001.reject.json", marshal(t, RejectRequest{CNAContainer: rej}))
}

// TestContent pins what the golden files show, so that a careless -update
// cannot hide a regression in what matters.
func TestContent(t *testing.T) {
	rec, err := FromAdvisory(advisorytest.Publisher(), advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	m, c := rec.CVEMetadata, rec.Containers.CNA
	if m.CVEID != "CVE-2026-41001" || m.State != StatePublished || m.AssignerOrgID != advisorytest.Publisher().CNAOrgID || m.AssignerShortName != "acme" {
		t.Errorf("cveMetadata = %+v", m)
	}
	if m.DatePublished != "2026-10-29T11:55:00Z" || m.DateUpdated != "2026-11-02T08:00:00Z" || c.DatePublic != "2026-10-29T11:55:00Z" || c.ProviderMetadata.DateUpdated != "2026-11-02T08:00:00Z" {
		t.Errorf("dates: published %s, updated %s, public %s, provider updated %s", m.DatePublished, m.DateUpdated, c.DatePublic, c.ProviderMetadata.DateUpdated)
	}
	wantAffected := []Product{{
		Vendor: "Acme Corporation", Product: "Acme Job Scheduler", DefaultStatus: StatusUnaffected,
		Versions: []Version{
			{Version: "2.7.0", LessThan: "2.7.3", Status: StatusAffected, VersionType: "semver"},
			{Version: "2.6.0", LessThan: "2.6.9", Status: StatusAffected, VersionType: "semver"},
			{Version: "2.5.0", LessThan: "2.6.0", Status: StatusAffected, VersionType: "semver"},
		},
	}}
	if diff := cmp.Diff(wantAffected, c.Affected); diff != "" {
		t.Errorf("affected (-want +got):\n%s", diff)
	}
	wantMetrics := []Metric{{Format: "CVSS", Scenarios: general, CVSSV3_1: &CVSS{
		Version: "3.1", VectorString: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", BaseScore: 8.8, BaseSeverity: "HIGH",
	}}}
	if diff := cmp.Diff(wantMetrics, c.Metrics); diff != "" {
		t.Errorf("metrics (-want +got); the case's severity (critical) is the policy's, not CVSS's:\n%s", diff)
	}
	wantPT := []ProblemType{{Descriptions: []ProblemDescription{{Lang: "en", CWEID: "CWE-502", Type: "CWE", Description: "CWE-502 Deserialization of Untrusted Data"}}}}
	if diff := cmp.Diff(wantPT, c.ProblemTypes); diff != "" {
		t.Errorf("problemTypes (-want +got):\n%s", diff)
	}
	wantRefs := []Reference{
		{URL: "https://security.acme.example/advisories/VIGIL-SA-2026-001", Tags: []string{"vendor-advisory"}},
		{URL: "https://research.example/blog/job-import-rce", Tags: []string{"technical-description"}},
	}
	if diff := cmp.Diff(wantRefs, c.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	wantSolutions := []Description{{Lang: "en", Value: "Update Acme Job Scheduler to 2.7.3 or 2.6.9, or later. Acme Job Scheduler 2.5 has reached its end of life and will not be fixed; move to a maintained branch."}}
	if diff := cmp.Diff(wantSolutions, c.Solutions); diff != "" {
		t.Errorf("solutions (-want +got):\n%s", diff)
	}
	if len(c.Descriptions) != 1 || c.Descriptions[0].Lang != "en" || c.Descriptions[0].Value != advisorytest.Advisory().Latest().Description {
		t.Errorf("descriptions = %+v", c.Descriptions)
	}
	if diff := cmp.Diff([]Credit{{Lang: "en", Value: "Jane Finder (Research Lab)", Type: "finder"}}, c.Credits); diff != "" {
		t.Errorf("credits (-want +got):\n%s", diff)
	}
	if c.Source == nil || *c.Source != (Source{Advisory: "VIGIL-SA-2026-001", Discovery: DiscoveryExternal}) {
		t.Errorf("source = %+v", c.Source)
	}
	if c.Generator == nil || c.Generator.Engine != "vigil" || c.Tags != nil {
		t.Errorf("x_generator = %+v, tags = %v", c.Generator, c.Tags)
	}
}

func TestConversionErrors(t *testing.T) {
	pub := advisorytest.Publisher()
	for _, tc := range []struct {
		name string
		adv  advisory.Advisory
		want string // in the error
		is   error
	}{
		{"no revision", advisory.Advisory{ID: "VIGIL-SA-2026-009"}, "VIGIL-SA-2026-009", ErrNoRevision},
		{"withdrawn", withdrawn(), "withdrawn", ErrWithdrawn},
		{"bad cvss31", fixture(func(r *advisory.Revision) { r.CVSS31 = "CVSS:3.1/AV:N" }), "cvss31", nil},
		{"cvss40 in cvss31", fixture(func(r *advisory.Revision) {
			r.CVSS31 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
		}), "cvss31", nil},
		{"cvss31 in cvss40", fixture(func(r *advisory.Revision) { r.CVSS40 = r.CVSS31 }), "cvss40", nil},
		{"bad fixed", fixture(func(r *advisory.Revision) { r.Affected[0].Fixed = "2.7.x" }), "affected[0]", nil},
		{"fixed off the branch", fixture(func(r *advisory.Revision) { r.Affected[1].Fixed = "2.7.3" }), "affected[1] (Acme Job Scheduler 2.6): fixed: 2.7.3 is not on branch 2.6", nil},
		{"fixed before introduced", fixture(func(r *advisory.Revision) { r.Affected[0].Introduced = "2.7.5" }), "not after", nil},
		{"bad branch", fixture(func(r *advisory.Revision) { r.Affected[2].Branch = "2.x" }), `branch "2.x"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromAdvisory(pub, tc.adv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("err = %v, want one with %q (is %v)", err, tc.want, tc.is)
			}
			if _, err2 := CNAContainer(pub, tc.adv); err2 == nil {
				t.Error("CNAContainer succeeds where FromAdvisory fails")
			}
		})
	}
	if _, err := RejectedContainer(pub, advisorytest.Advisory()); !errors.Is(err, ErrNotWithdrawn) {
		t.Errorf("RejectedContainer of a final advisory: %v", err)
	}
}

// variants are advisories that exercise every branch of the conversion;
// every one must render to schema-valid documents.
func variants() map[string]advisory.Advisory {
	return map[string]advisory.Advisory{
		"demo": advisorytest.Advisory(),
		"first revision": func() advisory.Advisory {
			a := advisorytest.Advisory()
			a.Revisions = a.Revisions[:1]
			return a
		}(),
		"cvss 4.0 and 3.0": fixture(func(r *advisory.Revision) {
			r.CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
			r.CVSS31 = "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:P"
		}),
		"cvss 4.0 only": fixture(func(r *advisory.Revision) {
			r.CVSS40 = "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
			r.CVSS31 = ""
		}),
		"end of life only": fixture(func(r *advisory.Revision) {
			r.Affected = []advisory.Affected{
				{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2", Maintained: false},
				{Product: "Acme Agent", ProductSlug: "agent", Branch: "41", Introduced: "41.2.0"},
			}
		}),
		"fix pending and several products": fixture(func(r *advisory.Revision) {
			r.Affected = append(r.Affected,
				advisory.Affected{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.8", Maintained: true},
				advisory.Affected{Product: "Acme Agent", ProductSlug: "agent", Branch: "41", Maintained: true, Fixed: "41.0.7"})
		}),
		"many cwes, credits and tags": fixture(func(r *advisory.Revision) {
			r.CWE = []string{"CWE-502", "cwe-20", "94", "CWE-99999", "CWE-502"}
			r.Credits = append(r.Credits, advisory.Credit{Name: "Acme PSIRT", Type: "coordinator"},
				advisory.Credit{Name: "Sam Fixer", Type: "remediation_developer"}, advisory.Credit{Name: "Fuzzer", Type: "robot"},
				advisory.Credit{Name: "  "})
			r.References = append(r.References,
				advisory.Reference{URL: "https://git.acme.example/scheduler/commit/abc", Tags: []string{"fix", "Patch", "x_internal"}},
				advisory.Reference{URL: "https://research.example/blog/job-import-rce", Tags: []string{"exploit", "whatever"}})
		}),
		"bare draft": fixture(func(r *advisory.Revision) {
			r.Title, r.Workaround, r.Credits, r.References = "", "", nil, nil
		}),
	}
}

func TestSchema(t *testing.T) {
	dir := sharedtest.Path(t, "cve5-cve-services", "src", "middleware", "schemas")
	record := compileSchema(t, filepath.Join(dir, "CVE_JSON_5.1_bundled.json"))
	published := compileSchema(t, filepath.Join(dir, "5.1_published_cna_container.json"))
	rejected := compileSchema(t, filepath.Join(dir, "5.1_rejected_cna_container.json"))
	pub := advisorytest.Publisher()
	for name, adv := range variants() {
		t.Run(name, func(t *testing.T) {
			rec, err := FromAdvisory(pub, adv)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, record, "record", marshal(t, rec))
			validate(t, published, "cnaContainer", marshal(t, CNARequest{CNAContainer: rec.Containers.CNA}))
		})
	}
	rej, err := RejectedContainer(pub, withdrawn())
	if err != nil {
		t.Fatal(err)
	}
	validate(t, rejected, "rejected cnaContainer", marshal(t, RejectRequest{CNAContainer: rej}))
}

// TestOfficialRecords checks the schemas as this test compiles them against
// CVE Services' own pass and fail records, so that a validator that accepts
// everything cannot make TestSchema pass.
func TestOfficialRecords(t *testing.T) {
	dir := sharedtest.Path(t, "cve5-cve-services")
	schemas := filepath.Join(dir, "src", "middleware", "schemas")
	record := compileSchema(t, filepath.Join(schemas, "CVE_JSON_5.1_bundled.json"), lenientDateTime)
	published := compileSchema(t, filepath.Join(schemas, "5.1_published_cna_container.json"), lenientDateTime)
	for _, tc := range []struct {
		file   string
		schema *jsonschema.Schema
		valid  bool
	}{
		{"5.0/CVE-2017-4024_published.json", record, true},
		{"5.0/CVE-2017-4024_fail.json", record, false},
		{"5.0/CVE-2017-4024_fail_cveMetadata.json", record, false},
		{"5.0/CVE-2017-4024_published_bad_datePublic.json", record, false},
		{"5.0/CVE-2017-4024_published_fail.json", record, false},
		{"5.0/CVE-2017-4024_rejected_fail.json", record, false},
		{"5.0/CVE-2017-4024_reserved_fail.json", record, false},
		{"5.0/CVE-2017-4024_version_fail.json", record, false},
		{"cna-container/cna-container_pass.json", published, true},
		{"cna-container/cna-container_fail.json", published, false},
		{"cna-container/cna-container-missing-container.json", published, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "test", "schemas", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.schema.Validate(doc)
			if tc.valid && err != nil {
				t.Errorf("valid record rejected: %v", err)
			}
			if !tc.valid && err == nil {
				t.Error("invalid record accepted")
			}
		})
	}
}

// lenientDateTime accepts a date-time without a time zone, as the schema's
// timestamp pattern and description do ("If timezone offset is not given,
// GMT (+00:00) is assumed") and CVE Services does: its own passing test
// record and about half of the real records have such dates. RFC 3339's
// date-time, which a strict format check applies, requires the zone. vigil
// always writes one, so its documents are checked strictly.
var lenientDateTime = &jsonschema.Format{Name: "date-time", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if _, err := time.Parse(layout, s); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%q is not a date-time", s)
}}

// compileSchema compiles a CVE schema with format assertions on, as CVE
// Services validates; formats replaces the standard ones of the same name.
func compileSchema(t *testing.T, path string, formats ...*jsonschema.Format) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range formats {
		c.RegisterFormat(f)
	}
	url := "file:///" + filepath.Base(path)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, what string, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s is not valid: %v\n%s", what, err, b)
	}
}

package nvd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

func samples(t *testing.T) string {
	return sharedtest.Path(t, "dependencytrack-fixtures", "vuln-data-source", "nvd", "src", "test", "resources")
}

func parseFile(t *testing.T, name string) vuln.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(samples(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, problems, err := Parse(f, name)
	if err != nil || len(problems) > 0 || len(recs) != 1 {
		t.Fatalf("%s: %d records, problems %v, err %v", name, len(recs), problems, err)
	}
	return recs[0]
}

func TestEverySample(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samples(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 7 {
		t.Errorf("%d samples, want 7", len(files))
	}
	for _, f := range files {
		rec := parseFile(t, filepath.Base(f))
		if !strings.HasPrefix(rec.ID, "CVE-") || rec.Details == "" || rec.Modified.IsZero() {
			t.Errorf("%s: %+v", f, rec)
		}
	}
}

func TestFortinet(t *testing.T) {
	rec := parseFile(t, "cve-2024-23113.json")
	if rec.ID != "CVE-2024-23113" || !rec.Published.Equal(time.Date(2024, 2, 15, 14, 15, 46, 503e6, time.UTC)) ||
		!rec.Modified.Equal(time.Date(2024, 10, 10, 1, 0, 1, 433e6, time.UTC)) || rec.Published.Location() != time.UTC {
		t.Errorf("id %s, published %v, modified %v", rec.ID, rec.Published, rec.Modified)
	}
	wantSev := []vuln.Score{
		{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Source: "nvd@nist.gov"},
		{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Source: "psirt@fortinet.com"},
	}
	if diff := cmp.Diff(wantSev, rec.Severity); diff != "" {
		t.Errorf("severity (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"CWE-134"}, rec.CWEs); diff != "" {
		t.Errorf("cwes (-want +got):\n%s", diff)
	}
	wantExp := &vuln.Exploitation{
		DateAdded: time.Date(2024, 10, 9, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2024, 10, 30, 0, 0, 0, 0, time.UTC),
		RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
	}
	if diff := cmp.Diff(wantExp, rec.Exploited); diff != "" {
		t.Errorf("exploited (-want +got):\n%s", diff)
	}
	if rec.Summary != "Fortinet Multiple Products Format String Vulnerability" {
		t.Errorf("summary = %q", rec.Summary)
	}
	if diff := cmp.Diff([]vuln.Reference{{Type: "ADVISORY", URL: "https://fortiguard.com/psirt/FG-IR-24-029"}}, rec.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if len(rec.Configurations) != 1 || len(rec.Configurations[0].Nodes) != 1 {
		t.Fatalf("configurations = %+v", rec.Configurations)
	}
	first := rec.Configurations[0].Nodes[0].Matches[0]
	want := vuln.CPEMatch{Vulnerable: true, Criteria: "cpe:2.3:a:fortinet:fortiproxy:*:*:*:*:*:*:*:*", MatchCriteriaID: "94C6FBEA-B8B8-4A92-9CAF-F4A125577C3C",
		VersionStartIncluding: "7.0.0", VersionEndIncluding: "7.0.14"}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first CPE match (-want +got):\n%s", diff)
	}
	if rec.Configurations[0].Nodes[0].Operator != "OR" {
		t.Errorf("operator = %q", rec.Configurations[0].Nodes[0].Operator)
	}
}

func TestCVSSv4AndV2(t *testing.T) {
	rec := parseFile(t, "CVE-2017-5638-cvssv4-rating.json")
	if len(rec.Severity) != 1 || rec.Severity[0] != (vuln.Score{Type: vuln.CVSSv4, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", Source: "nvd@nist.gov"}) {
		t.Errorf("severity = %v", rec.Severity)
	}
	rec = parseFile(t, "CVE-2022-31022-all-versions-vulnerable.json")
	var types []vuln.ScoreType
	for _, s := range rec.Severity {
		types = append(types, s.Type)
	}
	if diff := cmp.Diff([]vuln.ScoreType{vuln.CVSSv3, vuln.CVSSv3, vuln.CVSSv2}, types); diff != "" {
		t.Errorf("severity types (-want +got):\n%s", diff)
	}
	if rec.Severity[2].Vector != "AV:L/AC:L/Au:N/C:N/I:P/A:N" {
		t.Errorf("v2 vector = %q", rec.Severity[2].Vector)
	}
	if diff := cmp.Diff([]string{"CWE-288", "CWE-306"}, rec.CWEs); diff != "" {
		t.Errorf("cwes (-want +got):\n%s", diff)
	}
}

const page = `{"resultsPerPage":3,"startIndex":0,"totalResults":3,"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-10T01:00:01.433","vulnerabilities":[
{"cve":{"id":"CVE-2024-1","published":"2024-01-01T00:00:00.000","lastModified":"2024-01-02T00:00:00.000","vulnStatus":"Rejected","descriptions":[{"lang":"es","value":"no"},{"lang":"en","value":"Rejected reason"}],
 "weaknesses":[{"description":[{"lang":"en","value":"NVD-CWE-noinfo"},{"lang":"en","value":"CWE-79"}]},{"description":[{"lang":"en","value":"CWE-79"}]}]}},
{"cve":{"id":"CVE-2024-2","published":"yesterday"}},
{"cve":{"id":"CVE-2024-3","configurations":[{"nodes":[{"cpeMatch":[{"vulnerable":true}]}]}]}},
{"nocve":{}},
{"cve":{"id":7}}]}`

func TestPage(t *testing.T) {
	recs, problems, err := Parse(strings.NewReader(page), "page.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	r := recs[0]
	mod := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	if r.Details != "Rejected reason" || r.Withdrawn == nil || !r.Withdrawn.Equal(mod) || r.DatabaseSpecific.NVDStatus != "Rejected" || len(r.CWEs) != 1 {
		t.Errorf("record = %+v", r)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`page.json: vulnerabilities[1] (CVE-2024-2): published: parsing time "yesterday"`,
		`page.json: vulnerabilities[2] (CVE-2024-3): configurations[0].nodes[0].cpeMatch[0].criteria: missing`,
		`page.json: vulnerabilities[3]: no cve`,
		`page.json: vulnerabilities[4]: line 1, column 14: json: cannot unmarshal number`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems = %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %q, want %s", got[i], want[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "x.json: line 1, column 1: unexpected end of JSON input"},
		{"truncated", page[:300], "unexpected end of JSON input"},
		{"syntax", "{\n\"vulnerabilities\": [x]}", "x.json: line 2, column 21"},
		{"neither", `{"format":"NVD_CVE"}`, "not NVD CVE API 2.0 JSON"},
		{"both", `{"cve":{"id":"CVE-1"},"vulnerabilities":[]}`, "both cve and vulnerabilities"},
		{"bad item", `{"cve":{"id":""}}`, "x.json: id: missing"},
		{"trailing", `{"vulnerabilities":[]} x`, "x.json: line 1, column 24: invalid character 'x' after top-level value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(strings.NewReader(tc.in), "x.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
	_, _, err := parse(strings.NewReader(page), "x.json", 100)
	if err == nil || err.Error() != "x.json: input too large: more than 100 bytes" {
		t.Errorf("too large: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(page))
	f.Add([]byte(`{"cve":{"id":"CVE-1","lastModified":"2024-01-02T00:00:00Z","cisaExploitAdd":"2024-01-01","metrics":{"cvssMetricV40":[{"cvssData":{"vectorString":"CVSS:4.0/AV:N"}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _, err := Parse(strings.NewReader(string(data)), "f.json")
		if err != nil {
			return
		}
		for _, r := range recs {
			if err := r.Validate(); err != nil {
				t.Fatalf("returned an invalid record: %v", err)
			}
		}
	})
}

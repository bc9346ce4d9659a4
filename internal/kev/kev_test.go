package kev

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

func TestCatalog(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedtest.Path(t, "cisa-kev"), "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cat, problems, err := Parse(f, "known_exploited_vulnerabilities.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
	if len(cat.Records) != 1404 || cat.Version != "2025.08.25" || !cat.Released.Equal(time.Date(2025, 8, 25, 17, 4, 19, 979600000, time.UTC)) {
		t.Errorf("catalog %s of %v with %d records", cat.Version, cat.Released, len(cat.Records))
	}
	ransomware := 0
	for _, r := range cat.Records {
		if r.Exploited.KnownRansomwareUse {
			ransomware++
		}
	}
	if ransomware != 293 {
		t.Errorf("%d with known ransomware use, want 293", ransomware)
	}
	var got vuln.Record
	for _, r := range cat.Records {
		if r.ID == "CVE-2021-44228" {
			got = r
		}
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	want := vuln.Record{
		ID: "CVE-2021-44228", Source: vuln.SourceKEV,
		Summary:   "Apache Log4j2 Remote Code Execution Vulnerability",
		Details:   "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
		Published: day(2021, 12, 10), Modified: day(2021, 12, 10),
		CWEs:       []string{"CWE-20", "CWE-400", "CWE-502"},
		References: []vuln.Reference{{Type: "WEB", URL: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"}},
		Exploited: &vuln.Exploitation{
			DateAdded: day(2021, 12, 10), DueDate: day(2021, 12, 24), KnownRansomwareUse: true,
			RequiredAction: "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. Temporary mitigations using one of the measures provided at https://www.cisa.gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only acceptable until updates are available.",
			VendorProject:  "Apache", Product: "Log4j2",
			Notes: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CVE-2021-44228 (-want +got):\n%s", diff)
	}
}

const small = `{"title":"t","catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":4,"vulnerabilities":[
{"cveID":"CVE-2025-1","dateAdded":"2025-08-25","dueDate":"2025-09-15","knownRansomwareCampaignUse":"Unknown","notes":"See https://a.example/x ; https://b.example/y"},
{"cveID":"CVE-2025-2","dateAdded":"25 Aug 2025","dueDate":"2025-09-15","knownRansomwareCampaignUse":"maybe"},
{"cveID":5},
{"cveID":"CVE-2025-1","dateAdded":"2025-08-25","dueDate":"2025-09-15","knownRansomwareCampaignUse":"Known"},
{"cveID":"GHSA-1","dateAdded":"2025-08-25","dueDate":"2025-09-15","knownRansomwareCampaignUse":"Known","cwes":["79"]}]}`

func TestProblems(t *testing.T) {
	cat, problems, err := Parse(strings.NewReader(small), "kev.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Records) != 1 || len(cat.Records[0].References) != 2 {
		t.Errorf("records = %+v", cat.Records)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	for i, w := range []string{
		"kev.json: count is 4",
		"kev.json: vulnerabilities[1] (CVE-2025-2): dateAdded: parsing time",
		"kev.json: vulnerabilities[2]: json: cannot unmarshal number",
		"kev.json: vulnerabilities[3] (CVE-2025-1): listed twice",
		"kev.json: vulnerabilities[4] (GHSA-1): cveID: \"GHSA-1\" is not a CVE ID",
	} {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Errorf("problems = %q, want [%d] %s", got, i, w)
		}
	}
	if len(got) != 5 || !strings.Contains(got[1], `knownRansomwareCampaignUse: "maybe"`) {
		t.Errorf("problems = %q", got)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "kev.json: line 1, column 1: unexpected end of JSON input"},
		{"truncated", small[:200], "unexpected end of JSON input"},
		{"syntax", "{\n\"title\": x}", "kev.json: line 2, column 10"},
		{"not a catalog", `{"title":"x"}`, "not a KEV catalog"},
		{"trailing", `{"vulnerabilities":[]}]`, "kev.json: line 1, column 23: invalid character ']' after top-level value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(strings.NewReader(tc.in), "kev.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, _, err := parse(strings.NewReader(small), "kev.json", 100)
	if err == nil || err.Error() != "kev.json: input too large: more than 100 bytes" {
		t.Errorf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte(`{"vulnerabilities":[{"cveID":"CVE-1","dateAdded":"2025-01-01","dueDate":"2025-01-02","knownRansomwareCampaignUse":"Known","cwes":["CWE-1"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, _, err := Parse(strings.NewReader(string(data)), "kev.json")
		if err != nil {
			return
		}
		for _, r := range cat.Records {
			if err := r.Validate(); err != nil || r.Exploited == nil {
				t.Fatalf("returned an invalid record: %v", err)
			}
		}
	})
}

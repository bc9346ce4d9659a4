package match

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/nvd"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

func lit(s string) CPEValue { return CPEValue{Text: s} }

var (
	anyV = CPEValue{Kind: CPEAny}
	naV  = CPEValue{Kind: CPENA}
)

// cpeOf builds a CPE with every attribute ANY, then applies mutate.
func cpeOf(part, vendor, product string, mutate func(*CPE)) CPE {
	c := CPE{Part: lit(part), Vendor: lit(vendor), Product: lit(product), Version: anyV, Update: anyV, Edition: anyV,
		Language: anyV, SWEdition: anyV, TargetSW: anyV, TargetHW: anyV, Other: anyV}
	if mutate != nil {
		mutate(&c)
	}
	return c
}

func TestParseCPE(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want CPE
		// str is the formatted-string binding when it differs from in.
		str string
	}{
		{name: "log4j criteria", in: "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", want: cpeOf("a", "apache", "log4j", nil)},
		{name: "version and NA update", in: "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*",
			want: cpeOf("a", "apache", "log4j", func(c *CPE) { c.Version, c.Update = lit("2.0"), naV })},
		{name: "quoted plus and colon as syft writes them", in: `cpe:2.3:a:bsdutils:bsdutils:1\:2.36.1-8\+deb11u2:*:*:*:*:*:*:*`,
			want: cpeOf("a", "bsdutils", "bsdutils", func(c *CPE) { c.Version = lit("1:2.36.1-8+deb11u2") })},
		{name: "quoted slash in product", in: `cpe:2.3:a:axllent:ghru\/v2:v2.0.2:*:*:*:*:*:*:*`,
			want: cpeOf("a", "axllent", "ghru/v2", func(c *CPE) { c.Version = lit("v2.0.2") })},
		{name: "quoted dot and hyphen unquote", in: `cpe:2.3:a:x:y:1\.0\-1:*:*:*:*:*:*:*`, str: "cpe:2.3:a:x:y:1.0-1:*:*:*:*:*:*:*",
			want: cpeOf("a", "x", "y", func(c *CPE) { c.Version = lit("1.0-1") })},
		{name: "quoted wildcard is a literal", in: `cpe:2.3:a:x:y:\*:*:*:*:*:*:*:*`,
			want: cpeOf("a", "x", "y", func(c *CPE) { c.Version = lit("*") })},
		{name: "quoted hyphen alone is a literal, not NA", in: `cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*`,
			want: cpeOf("a", "x", "y", func(c *CPE) { c.Version = lit("-") })},
		{name: "uppercase folds", in: "CPE:2.3:A:Microsoft:Windows_10:1607:*:*:*:*:*:X64:*", str: "cpe:2.3:a:microsoft:windows_10:1607:*:*:*:*:*:x64:*",
			want: cpeOf("a", "microsoft", "windows_10", func(c *CPE) { c.Version, c.TargetHW = lit("1607"), lit("x64") })},
		{name: "wildcards at the ends", in: "cpe:2.3:o:microsoft:windows_*:??1:*:*:*:*:*:*:*",
			want: cpeOf("o", "microsoft", "windows_", func(c *CPE) {
				c.Product.Trail = CPEStar
				c.Version = CPEValue{Text: "1", Lead: 2}
			})},
		{name: "question marks alone", in: "cpe:2.3:a:x:y:??:*:*:*:*:*:*:*",
			want: cpeOf("a", "x", "y", func(c *CPE) { c.Version = CPEValue{Lead: 2} })},
		{name: "hardware platform NA version", in: "cpe:2.3:h:intel:ethernet_controller_e810:-:*:*:*:*:*:*:*",
			want: cpeOf("h", "intel", "ethernet_controller_e810", func(c *CPE) { c.Version = naV })},
		{name: "target_sw", in: "cpe:2.3:o:intel:ethernet_controller_e810_firmware:*:*:*:*:*:linux:*:*",
			want: cpeOf("o", "intel", "ethernet_controller_e810_firmware", func(c *CPE) { c.TargetSW = lit("linux") })},
		{name: "URI", in: "cpe:/a:example:myapplication:1.0.0", str: "cpe:2.3:a:example:myapplication:1.0.0:*:*:*:*:*:*:*",
			want: cpeOf("a", "example", "myapplication", func(c *CPE) { c.Version = lit("1.0.0") })},
		{name: "URI vendor only", in: "cpe:/a:gnu", str: "cpe:2.3:a:gnu:*:*:*:*:*:*:*:*:*",
			want: cpeOf("a", "gnu", "", func(c *CPE) { c.Product = anyV })},
		{name: "URI percent-encoding, NA and empty", in: "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~:%7e",
			str: `cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:\~:online:win2003:x64:*`,
			want: cpeOf("a", "hp", "insight_diagnostics", func(c *CPE) {
				c.Version, c.Update, c.Language, c.SWEdition, c.TargetSW, c.TargetHW = lit("7.4.0.1570"), naV, lit("~"), lit("online"), lit("win2003"), lit("x64")
			})},
		{name: "URI wildcards", in: "cpe:/a:foo%5cbar:big%24money_2010%02:%01%01", str: `cpe:2.3:a:foo\\bar:big\$money_2010*:??:*:*:*:*:*:*:*`,
			want: cpeOf("a", `foo\bar`, "big$money_2010", func(c *CPE) {
				c.Product.Trail = CPEStar
				c.Version = CPEValue{Lead: 2}
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPE(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCPE(%q) (-want +got):\n%s", tt.in, diff)
			}
			str := tt.str
			if str == "" {
				str = tt.in
			}
			if got.String() != str {
				t.Errorf("String() = %q, want %q", got.String(), str)
			}
			again, err := ParseCPE(got.String())
			if err != nil || again != got {
				t.Errorf("ParseCPE(String()) = %v, %v: not the same CPE", again, err)
			}
		})
	}
}

func TestParseCPEInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // every part the error must name
	}{
		{name: "empty", in: "", want: []string{"neither"}},
		{name: "bad prefix", in: "cpe:2.2:a:x:y:*:*:*:*:*:*:*:*", want: []string{"neither"}},
		{name: "purl", in: "pkg:deb/debian/bash@5.1", want: []string{"neither"}},
		{name: "too few fields", in: "cpe:2.3:a:apache:log4j:2.14.1", want: []string{"4 attributes", "want 11"}},
		{name: "too many fields", in: "cpe:2.3:a:x:y:*:*:*:*:*:*:*:*:*", want: []string{"12 attributes"}},
		{name: "unquoted colon splits", in: "cpe:2.3:a:bsdutils:bsdutils:1:2.36.1:*:*:*:*:*:*:*", want: []string{"12 attributes"}},
		{name: "trailing backslash", in: `cpe:2.3:a:x:y:*:*:*:*:*:*:*:\`, want: []string{"backslash ends"}},
		{name: "empty attribute", in: "cpe:2.3:a:x::*:*:*:*:*:*:*:*", want: []string{"product: empty"}},
		{name: "every bad attribute at once", in: "cpe:2.3:a:x::1*0:*:*:*:*:*:*:", want: []string{"product: empty", `version: unquoted '*' inside`, "other: empty"}},
		{name: "question mark inside", in: "cpe:2.3:a:x:y:1?0:*:*:*:*:*:*:*", want: []string{`version: unquoted '?' inside`}},
		{name: "star beside question mark", in: "cpe:2.3:a:x:y:*?:*:*:*:*:*:*:*", want: []string{`version: "*" beside another wildcard`}},
		{name: "double star", in: "cpe:2.3:a:x:y:**:*:*:*:*:*:*:*", want: []string{"version:"}},
		{name: "bad part", in: "cpe:2.3:x:y:z:*:*:*:*:*:*:*:*", want: []string{"part:", "not a, o or h"}},
		{name: "space", in: "cpe:2.3:a:x:y z:*:*:*:*:*:*:*:*", want: []string{"not printable ASCII"}},
		{name: "non-ASCII", in: "cpe:2.3:a:x:ÿ:*:*:*:*:*:*:*:*", want: []string{"not printable ASCII"}},
		{name: "too long", in: "cpe:2.3:a:x:" + strings.Repeat("y", MaxCPELen) + ":*:*:*:*:*:*:*:*", want: []string{"more than 2048"}},
		{name: "URI too many components", in: "cpe:/a:b:c:d:e:f:g:h", want: []string{"8 components"}},
		{name: "URI bad percent", in: "cpe:/a:b%2:c", want: []string{"vendor: bad percent-encoding"}},
		{name: "URI control character", in: "cpe:/a:b%0a:c", want: []string{"not a printable character"}},
		{name: "URI bad packing", in: "cpe:/a:b:c:1:u:~a~b", want: []string{"edition: packed with 2 parts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCPE(tt.in)
			if !errors.Is(err, ErrInvalidCPE) {
				t.Fatalf("ParseCPE(%q) = %v, want ErrInvalidCPE", tt.in, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestCPEValueMatches is NISTIR 7696's attribute comparison, the criterion
// as source and the component as target: only EQUAL and SUPERSET match.
func TestCPEValueMatches(t *testing.T) {
	tests := []struct {
		crit, comp string // formatted-string values of the version attribute
		want       bool
	}{
		{"*", "1.0", true},
		{"*", "-", true},
		{"*", "*", true},
		{"-", "-", true},
		{"-", "1.0", false},
		{"-", "*", false},
		{"1.0", "1.0", true},
		{"1.0", "1.0.1", false},
		{"1.0", "*", false}, // SUBSET: an unknown version is not this one
		{"1.0", "-", false},
		{"windows_*", "windows_10", true},
		{"windows_*", "windows_", true},
		{"windows_*", "windows", false},
		{"*_10", "windows_10", true},
		{"*indows*", "windows_10", true},
		{"*indows*", "linux", false},
		{"??1", "2.1", true},
		{"??1", "21", false},
		{"1.?", "1.0", true},
		{"1.?", "1.10", false},
		{"1.??", "1.10", true},
		{"1.*", "1.", true},
		{"?", "x", true},
		{"??", "x", false},
		{"beta", "BETA", true}, // case-insensitive: both fold
		{`\*`, "*", false},     // a component's unquoted "*" is ANY
		{`\*`, `\*`, true},
		{"1.0*", "1.0*", false}, // a component with wildcards: undefined
	}
	for _, tt := range tests {
		crit := mustCPE(t, "cpe:2.3:a:x:y:"+tt.crit+":*:*:*:*:*:*:*").Version
		comp := mustCPE(t, "cpe:2.3:a:x:y:"+tt.comp+":*:*:*:*:*:*:*").Version
		if got := crit.matches(comp); got != tt.want {
			t.Errorf("criterion %q, component %q: matches = %v, want %v", tt.crit, tt.comp, got, tt.want)
		}
	}
}

func mustCPE(tb testing.TB, s string) CPE {
	tb.Helper()
	c, err := ParseCPE(s)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCompareCPEVersion(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.14.1", "2.15.0", -1},
		{"2.9", "2.10", -1},
		{"2.12.2", "2.12.10", -1},
		{"2.0", "2.0.0", 0},
		{"2.0.1", "2.0", 1},
		{"007", "7", 0},
		{"v1.2.3", "1.2.3", 0},
		{"2.0-rc1", "2.0", -1},
		{"2.0.0-beta9", "2.0.0-rc1", -1},
		{"2.0-alpha1", "2.0-beta1", -1},
		{"1.0.0.dev1", "1.0.0a1", -1}, // dev before a word that is not a pre-release
		{"2.0-SNAPSHOT", "2.0", -1},
		{"1.0.1", "1.0.1g", -1}, // OpenSSL: a letter after the number is later
		{"1.0.1f", "1.0.1g", -1},
		{"1.0.1g", "1.0.2", -1},
		{"7.0.14", "7.0.14", 0},
		{"7.2.9", "7.2.8", 1},
		{"1.0.a", "1.0.1", -1}, // a word is below a number
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"", "0", 0},
		{"1:2.36.1-8+deb11u2", "1:2.36.1-8+deb11u10", -1},
	}
	for _, tt := range tests {
		if got := CompareCPEVersion(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareCPEVersion(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareCPEVersion(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareCPEVersion(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// nvdResponse is an NVD CVE API 2.0 response
// (https://nvd.nist.gov/developers/vulnerabilities) in its documented
// shape. CVE-2021-44228's configurations are NVD's for Apache Log4j and for
// one of the vendor firmwares it lists (an AND with a hardware platform);
// CVE-2999-0001 is made up to cover an application on an operating system,
// a negated node and a mistyped criterion.
const nvdResponse = `{
  "resultsPerPage": 3, "startIndex": 0, "totalResults": 3,
  "format": "NVD_CVE", "version": "2.0", "timestamp": "2024-01-01T00:00:00.000",
  "vulnerabilities": [
    {"cve": {
      "id": "CVE-2021-44228", "sourceIdentifier": "security@apache.org",
      "published": "2021-12-10T10:15:09.143", "lastModified": "2023-11-07T03:39:36.747", "vulnStatus": "Modified",
      "descriptions": [{"lang": "en", "value": "Apache Log4j2 2.0-beta9 through 2.15.0 (excluding security releases 2.12.2, 2.12.3, and 2.3.1) JNDI features ..."}],
      "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
        "cvssData": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "baseScore": 10.0, "baseSeverity": "CRITICAL"}}]},
      "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary", "description": [{"lang": "en", "value": "CWE-917"}]}],
      "configurations": [
        {"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "versionStartIncluding": "2.0.1", "versionEndExcluding": "2.3.1", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000001"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "versionStartIncluding": "2.4.0", "versionEndExcluding": "2.12.2", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000002"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "versionStartIncluding": "2.13.0", "versionEndExcluding": "2.15.0", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000003"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000004"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000005"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:2.0:rc1:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000006"},
          {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:2.0:rc2:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000007"}]}]},
        {"operator": "AND", "nodes": [
          {"operator": "OR", "negate": false, "cpeMatch": [
            {"vulnerable": true, "criteria": "cpe:2.3:o:siemens:sppa-t3000_ses3000_firmware:*:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000008"}]},
          {"operator": "OR", "negate": false, "cpeMatch": [
            {"vulnerable": false, "criteria": "cpe:2.3:h:siemens:sppa-t3000_ses3000:-:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000009"}]}]}
      ],
      "references": [{"url": "https://logging.apache.org/log4j/2.x/security.html", "source": "security@apache.org", "tags": ["Vendor Advisory"]}]
    }},
    {"cve": {
      "id": "CVE-2999-0001", "sourceIdentifier": "cve@example.org",
      "published": "2024-01-01T00:00:00.000", "lastModified": "2024-01-01T00:00:00.000", "vulnStatus": "Analyzed",
      "descriptions": [{"lang": "en", "value": "Example Viewer before 3.2 on Windows, except on Windows Server 2019, ..."}],
      "configurations": [
        {"operator": "AND", "nodes": [
          {"operator": "OR", "negate": false, "cpeMatch": [
            {"vulnerable": true, "criteria": "cpe:2.3:a:example:viewer:*:*:*:*:*:*:*:*", "versionStartExcluding": "1.0", "versionEndExcluding": "3.2", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000010"},
            {"vulnerable": true, "criteria": "cpe:2.3:a:example:viewer:1.0:beta:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000011"}]},
          {"operator": "OR", "negate": false, "cpeMatch": [
            {"vulnerable": false, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000012"}]}]},
        {"operator": "AND", "nodes": [
          {"operator": "OR", "negate": false, "cpeMatch": [
            {"vulnerable": true, "criteria": "cpe:2.3:a:example:plugin:*:*:*:*:*:*:*:*", "versionEndIncluding": "4.0", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000013"}]},
          {"operator": "OR", "negate": true, "cpeMatch": [
            {"vulnerable": true, "criteria": "cpe:2.3:a:example:plugin:2.*:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000014"}]}]},
        {"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
          {"vulnerable": true, "criteria": "cpe:2.3:a:example:broken:1.0", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000015"}]}]},
        {"operator": "XOR", "nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
          {"vulnerable": true, "criteria": "cpe:2.3:a:example:viewer:*:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000016"}]}]}
      ]
    }},
    {"cve": {
      "id": "CVE-2999-0002", "sourceIdentifier": "cve@example.org",
      "published": "2024-01-01T00:00:00.000", "lastModified": "2024-01-01T00:00:00.000", "vulnStatus": "Rejected",
      "descriptions": [{"lang": "en", "value": "Rejected reason: a duplicate."}],
      "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": [
        {"vulnerable": true, "criteria": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "matchCriteriaId": "7B1C2A4F-1111-4A1B-9C1D-000000000017"}]}]}]
    }}
  ]
}`

func parseNVD(tb testing.TB, data, name string) []vuln.Record {
	tb.Helper()
	recs, problems, err := nvd.Parse(strings.NewReader(data), name)
	if err != nil || len(problems) != 0 {
		tb.Fatal(err, problems)
	}
	return recs
}

// cpeResult is what a test compares of a hit.
type cpeResult struct {
	ID            string
	Configuration int
	Criteria      string
	Platforms     []string
	Fixed         string
}

func results(hits []CPEHit) []cpeResult {
	var out []cpeResult
	for _, h := range hits {
		out = append(out, cpeResult{ID: h.Record.ID, Configuration: h.Configuration, Criteria: h.Criteria, Platforms: h.Platforms, Fixed: h.Hit().Fixed})
	}
	return out
}

func TestCPEIndex(t *testing.T) {
	recs := parseNVD(t, nvdResponse, "nvd.json")
	ix, problems := NewCPEIndex(recs)
	var names []string
	for _, p := range problems {
		names = append(names, p.Error())
	}
	wantProblems := []string{"CVE-2999-0001: configurations[2]: nodes[0].cpeMatch[0].criteria: invalid CPE",
		`CVE-2999-0001: configurations[3]: operator "XOR" is neither AND nor OR`}
	if len(names) != len(wantProblems) {
		t.Fatalf("problems = %q, want %d", names, len(wantProblems))
	}
	for i, w := range wantProblems {
		if !strings.HasPrefix(names[i], w) {
			t.Errorf("problem %q, want it to begin %q", names[i], w)
		}
	}
	if ix.Len() != 4 { // log4j, the Siemens firmware, viewer, plugin
		t.Errorf("Len() = %d, want 4", ix.Len())
	}

	const log4j = "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"
	const windows = "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"
	tests := []struct {
		name string
		cpe  string
		want []cpeResult
	}{
		{"log4j 2.14.1", "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.15.0"}}},
		{"log4j 2.15.0 is the fix", "cpe:2.3:a:apache:log4j:2.15.0:*:*:*:*:*:*:*", nil},
		{"log4j 2.12.1", "cpe:2.3:a:apache:log4j:2.12.1:*:*:*:*:*:*:*", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.12.2"}}},
		{"log4j 2.12.2 fixed on its branch", "cpe:2.3:a:apache:log4j:2.12.2:*:*:*:*:*:*:*", nil},
		{"log4j 2.13.0 from including", "cpe:2.3:a:apache:log4j:2.13.0:*:*:*:*:*:*:*", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.15.0"}}},
		{"log4j 2.3.1 fixed", "cpe:2.3:a:apache:log4j:2.3.1:*:*:*:*:*:*:*", nil},
		{"log4j 2.0.1", "cpe:2.3:a:apache:log4j:2.0.1:*:*:*:*:*:*:*", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.3.1"}}},
		{"log4j 1.2.17 before every range", "cpe:2.3:a:apache:log4j:1.2.17:*:*:*:*:*:*:*", nil},
		{"log4j 2.0 beta9 by update", "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2021-44228", 0, "cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*", nil, ""}}},
		{"log4j 2.0 final by NA update", "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2021-44228", 0, "cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*", nil, ""}}},
		{"log4j 2.0 with update unknown is no named one", "cpe:2.3:a:apache:log4j:2.0:*:*:*:*:*:*:*", nil},
		{"log4j version unknown never within bounds", "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", nil},
		{"log4j version NA", "cpe:2.3:a:apache:log4j:-:*:*:*:*:*:*:*", nil},
		{"case-insensitive", "cpe:2.3:a:Apache:Log4j:2.14.1:*:*:*:*:*:*:*", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.15.0"}}},
		{"URI form", "cpe:/a:apache:log4j:2.14.1", []cpeResult{{"CVE-2021-44228", 0, log4j, nil, "2.15.0"}}},
		{"firmware on assumed hardware", "cpe:2.3:o:siemens:sppa-t3000_ses3000_firmware:1.0:*:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2021-44228", 1, "cpe:2.3:o:siemens:sppa-t3000_ses3000_firmware:*:*:*:*:*:*:*:*", []string{"cpe:2.3:h:siemens:sppa-t3000_ses3000:-:*:*:*:*:*:*:*"}, ""}}},
		{"the hardware platform itself is not vulnerable", "cpe:2.3:h:siemens:sppa-t3000_ses3000:-:*:*:*:*:*:*:*", nil},
		{"application on assumed Windows", "cpe:2.3:a:example:viewer:3.1.9:*:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2999-0001", 0, "cpe:2.3:a:example:viewer:*:*:*:*:*:*:*:*", []string{windows}, "3.2"}}},
		{"start excluding", "cpe:2.3:a:example:viewer:1.0:*:*:*:*:*:*:*", nil},
		{"start excluding, just above", "cpe:2.3:a:example:viewer:1.0.1:*:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2999-0001", 0, "cpe:2.3:a:example:viewer:*:*:*:*:*:*:*:*", []string{windows}, "3.2"}}},
		{"an exact match beside a range", "cpe:2.3:a:example:viewer:1.0:beta:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2999-0001", 0, "cpe:2.3:a:example:viewer:1.0:beta:*:*:*:*:*:*", []string{windows}, ""}}},
		{"Windows itself", windows, nil},
		{"end including", "cpe:2.3:a:example:plugin:4.0:*:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2999-0001", 1, "cpe:2.3:a:example:plugin:*:*:*:*:*:*:*:*", nil, ""}}},
		{"above end including", "cpe:2.3:a:example:plugin:4.0.1:*:*:*:*:*:*:*", nil},
		{"negated node excludes 2.x", "cpe:2.3:a:example:plugin:2.5:*:*:*:*:*:*:*", nil},
		{"negated node lets 3.x through", "cpe:2.3:a:example:plugin:3.5:*:*:*:*:*:*:*",
			[]cpeResult{{"CVE-2999-0001", 1, "cpe:2.3:a:example:plugin:*:*:*:*:*:*:*:*", nil, ""}}},
		{"other product", "cpe:2.3:a:apache:struts:2.5:*:*:*:*:*:*:*", nil},
		{"other part", "cpe:2.3:o:apache:log4j:2.14.1:*:*:*:*:*:*:*", nil},
		{"vendor ANY matches no literal", "cpe:2.3:a:*:log4j:2.14.1:*:*:*:*:*:*:*", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := ix.MatchCPE(tt.cpe)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(tt.want, results(hits)); diff != "" {
				t.Errorf("MatchCPE(%q) (-want +got):\n%s", tt.cpe, diff)
			}
		})
	}

	if _, err := ix.MatchCPE("cpe:2.3:a:apache:log4j"); !errors.Is(err, ErrInvalidCPE) {
		t.Errorf("MatchCPE of a bad CPE: %v, want ErrInvalidCPE", err)
	}
}

func TestCPEHitReasonAndHit(t *testing.T) {
	ix, _ := NewCPEIndex(parseNVD(t, nvdResponse, "nvd.json"))
	hits, err := ix.MatchCPE("cpe:2.3:a:example:viewer:2.0:*:*:*:*:*:*:*")
	if err != nil || len(hits) != 1 {
		t.Fatal(hits, err)
	}
	h := hits[0]
	want := "CPE match (opt-in) of CVE-2999-0001 configurations[0]: cpe:2.3:a:example:viewer:*:*:*:*:*:*:*:* versions from 1.0 (excluding) up to 3.2 (excluding); platform conditions assumed to hold: cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"
	if h.Reason != want {
		t.Errorf("Reason = %q\nwant     %q", h.Reason, want)
	}
	if diff := gocmp.Diff(Hit{Record: h.Record, Affected: -1, Range: -1, Fixed: "3.2"}, h.Hit()); diff != "" {
		t.Errorf("Hit() (-want +got):\n%s", diff)
	}
	log4j, _ := ix.MatchCPE("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*")
	if diff := gocmp.Diff([]Hit{{Record: log4j[0].Record, Affected: -1, Range: -1, Introduced: "2.13.0", Fixed: "2.15.0"}}, CPEHits(log4j)); diff != "" {
		t.Errorf("CPEHits (-want +got):\n%s", diff)
	}
	plugin, _ := ix.MatchCPE("cpe:2.3:a:example:plugin:1.0:*:*:*:*:*:*:*")
	if got := plugin[0].Hit(); got.Introduced != "0" || got.LastAffected != "4.0" || got.Fixed != "" {
		t.Errorf("upper bound only: Hit() = %+v, want introduced 0, last affected 4.0", got)
	}
}

func TestCPERecordKeys(t *testing.T) {
	recs := parseNVD(t, nvdResponse, "nvd.json")
	var got [][]Key
	for i := range recs {
		got = append(got, CPERecordKeys(&recs[i]))
	}
	want := [][]Key{
		{{CPEEcosystem, "a:apache:log4j"}, {CPEEcosystem, "o:siemens:sppa-t3000_ses3000_firmware"}},
		{{CPEEcosystem, "a:example:viewer"}, {CPEEcosystem, "a:example:plugin"}}, // the broken criterion has no key
		{{CPEEcosystem, "a:apache:log4j"}},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("CPERecordKeys (-want +got):\n%s", diff)
	}
	// A component's key is the same key.
	k, ok := mustCPE(t, "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*").Key()
	if !ok || k != want[0][0] {
		t.Errorf("Key() = %v, %v", k, ok)
	}
	if k, ok := mustCPE(t, `cpe:2.3:a:x\:y:z:1:*:*:*:*:*:*:*`).Key(); !ok || k.Package != `a:x\:y:z` {
		t.Errorf("a quoted colon stays quoted in the key: %v", k)
	}
	if _, ok := mustCPE(t, "cpe:2.3:a:apache:log4*:1:*:*:*:*:*:*:*").Key(); ok {
		t.Error("a product with a wildcard has a key")
	}
}

// TestCPEIndexDependencyTrack matches the real NVD API 2.0 items in
// DependencyTrack's fixtures.
func TestCPEIndexDependencyTrack(t *testing.T) {
	dir := sharedtest.Path(t, "dependencytrack-fixtures", "vuln-data-source", "nvd", "src", "test", "resources")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	var recs []vuln.Record
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, parseNVD(t, string(data), filepath.Base(f))...)
	}
	ix, problems := NewCPEIndex(recs)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	ids := func(hits []CPEHit) []string {
		var out []string
		for _, h := range hits {
			out = append(out, h.Record.ID+" "+h.Hit().Fixed+"|"+h.Hit().LastAffected)
		}
		return out
	}
	tests := []struct {
		cpe  string
		want []string
	}{
		// CVE-2017-5638 is in two fixtures (CVSS v3 and v4): one hit each.
		{"cpe:2.3:a:apache:struts:2.3.5:*:*:*:*:*:*:*", []string{"CVE-2017-5638 |", "CVE-2017-5638 |"}},
		{"cpe:2.3:a:apache:struts:2.3.7:*:*:*:*:*:*:*", nil},
		{"cpe:2.3:a:apache:struts:2.5:*:*:*:*:*:*:*", []string{"CVE-2017-5638 |", "CVE-2017-5638 |"}},
		// AND of the firmware on Linux with the controller hardware.
		{"cpe:2.3:o:intel:ethernet_controller_e810_firmware:1.4.10:*:*:*:*:linux:*:*", []string{"CVE-2021-0002 1.4.11|"}},
		{"cpe:2.3:o:intel:ethernet_controller_e810_firmware:1.4.11:*:*:*:*:linux:*:*", nil},
		{"cpe:2.3:o:intel:ethernet_controller_e810_firmware:1.4.10:*:*:*:*:*:*:*", nil}, // target_sw unknown: SUBSET
		{"cpe:2.3:h:intel:ethernet_controller_e810:-:*:*:*:*:*:*:*", nil},
		{"cpe:2.3:o:fedoraproject:fedora:35:*:*:*:*:*:*:*", []string{"CVE-2021-0002 |"}},
		// All versions vulnerable: even an unknown one.
		{"cpe:2.3:a:couchbase:bleve:2.3.2:*:*:*:*:*:*:*", []string{"CVE-2022-31022 |"}},
		{"cpe:2.3:a:couchbase:bleve:*:*:*:*:*:*:*:*", []string{"CVE-2022-31022 |"}},
		// versionEndIncluding ranges.
		{"cpe:2.3:a:fortinet:fortiproxy:7.2.8:*:*:*:*:*:*:*", []string{"CVE-2024-23113 |7.2.8"}},
		{"cpe:2.3:a:fortinet:fortiproxy:7.2.9:*:*:*:*:*:*:*", nil},
		{"cpe:2.3:o:fortinet:fortios:7.0.13:*:*:*:*:*:*:*", []string{"CVE-2024-23113 |7.0.13"}},
		// Linux: including, excluding and NA.
		{"cpe:2.3:o:linux:linux_kernel:2.2.13:*:*:*:*:*:*:*", []string{"CVE-1999-1341 |2.2.13"}},
		{"cpe:2.3:o:linux:linux_kernel:2.3.0:*:*:*:*:*:*:*", nil},
		{"cpe:2.3:o:linux:linux_kernel:2.3.17:*:*:*:*:*:*:*", []string{"CVE-1999-1341 2.3.18|"}},
		{"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*", []string{"CVE-1999-1341 |"}},
		{"cpe:2.3:a:thinkcmf:thinkcmf:6.0.7:*:*:*:*:*:*:*", []string{"CVE-2022-40489 |"}},
		{"cpe:2.3:a:thinkcmf:thinkcmf:6.0.8:*:*:*:*:*:*:*", nil},
	}
	for _, tt := range tests {
		hits, err := ix.MatchCPE(tt.cpe)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(tt.want, ids(hits)); diff != "" {
			t.Errorf("MatchCPE(%q) (-want +got):\n%s", tt.cpe, diff)
		}
	}
}

// TestParseCPETestdataSBOMs checks that every CPE the test data's SBOMs
// give parses, and counts the components that only a CPE could match.
func TestParseCPETestdataSBOMs(t *testing.T) {
	var paths []string
	for _, dir := range []string{"peer-outputs", "cyclonedx", "spdx-examples", "dependencytrack-fixtures"} {
		root := sharedtest.Path(t, dir)
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".spdx")) {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var cpes, unidentified, docs int
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := sbom.Parse(f, filepath.Base(p))
		f.Close()
		if err != nil {
			continue // not an SBOM, or one of the invalid examples
		}
		docs++
		refs := map[string]bool{}
		for _, u := range doc.Unidentified {
			refs[u.Ref] = true
		}
		for _, c := range doc.Components {
			if c.CPE == "" {
				continue
			}
			cpes++
			if _, err := ParseCPE(c.CPE); err != nil {
				t.Errorf("%s: component %s: %v", p, c.Ref, err)
			}
			if c.PURL == "" || c.Ecosystem == "" {
				unidentified++
			}
		}
	}
	if docs == 0 || cpes == 0 {
		t.Fatalf("%d SBOMs with %d CPEs read: the test data is not what it was", docs, cpes)
	}
	t.Logf("%d SBOMs: %d components with a CPE, %d of them without a purl or ecosystem", docs, cpes, unidentified)
}

// TestParseCPEDebianTracker parses every CPE URI of the Debian security
// tracker's source package to CPE map.
func TestParseCPEDebianTracker(t *testing.T) {
	f, err := os.Open(sharedtest.Path(t, "debian-tracker", "cvedb-snapshot-2023-04-02", "data", "CPE", "list"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		_, uri, ok := strings.Cut(sc.Text(), ";")
		uri = strings.TrimLeft(uri, ";") // one line upstream doubles the separator
		if !ok || uri == "" {
			continue
		}
		c, err := ParseCPE(uri)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if _, ok := c.Key(); !ok {
			t.Errorf("%s: no key", uri)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("%d CPE URIs read", n)
	}
}

func FuzzParseCPE(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
		"cpe:2.3:a:apache:log4j:2.0:-:*:*:*:*:*:*",
		`cpe:2.3:a:bsdutils:bsdutils:1\:2.36.1-8\+deb11u2:*:*:*:*:*:*:*`,
		`cpe:2.3:a:x:y:\*:*:*:*:*:*:*:*`,
		`cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*`,
		"cpe:2.3:o:microsoft:windows_*:??1:*:*:*:*:*:*:*",
		"cpe:2.3:a:x:y:*?:*:*:*:*:*:*:*",
		"cpe:2.3:a:x:y:??:*:*:*:*:*:*:*",
		`cpe:2.3:a:x:y:*:*:*:*:*:*:*:\`,
		"cpe:2.3:a:x::*:*:*:*:*:*:*:*",
		"cpe:/a:example:myapplication:1.0.0",
		"cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~:%7e",
		"cpe:/a:foo%5cbar:big%24money_2010%02:%01%01",
		"cpe:/a:b%2:c",
		"CPE:2.3:A:X:Y:1:*:*:*:*:*:*:*",
		"cpe:/a:x:" + strings.Repeat("*", 1500), // its binding quotes every "*": longer than MaxCPELen
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPE(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidCPE) {
				t.Fatalf("error %v does not wrap ErrInvalidCPE", err)
			}
			return
		}
		// Quoting can make the binding longer than the input (a URI's
		// literal "*" becomes "\*"), past MaxCPELen.
		if str := c.String(); len(str) <= MaxCPELen {
			again, err := ParseCPE(str)
			if err != nil || again != c {
				t.Fatalf("%q: String() %q parses to %v, %v", s, str, again, err)
			}
		}
		// A CPE without wildcards, as a criterion, matches itself as a
		// component when none of its attributes is ANY or NA.
		plain := true
		for _, v := range c.attrs() {
			plain = plain && v.plain()
		}
		if plain {
			m := cpeMatch{raw: &vuln.CPEMatch{Vulnerable: true}, crit: c}
			if !m.holds(&c) {
				t.Fatalf("%q does not match itself", s)
			}
		}
		if x, y := CompareCPEVersion(c.Version.Text, s), CompareCPEVersion(s, c.Version.Text); x != -y {
			t.Fatalf("CompareCPEVersion is not antisymmetric on %q, %q", c.Version.Text, s)
		}
	})
}

// The index is read-only: matching on many goroutines at once is safe (run
// with -race).
func TestCPEIndexConcurrent(t *testing.T) {
	ix, _ := NewCPEIndex(parseNVD(t, nvdResponse, "nvd.json"))
	done := make(chan []CPEHit)
	for range 4 {
		go func() {
			h, _ := ix.MatchCPE("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*")
			done <- h
		}()
	}
	for range 4 {
		if h := <-done; len(h) != 1 || !slices.Equal(h[0].Platforms, nil) {
			t.Errorf("hits = %v", h)
		}
	}
}

func TestCPEOf(t *testing.T) {
	log4j := "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
	tests := []struct {
		name string
		c    sbom.Component
		want string // the key's package, "" for not ok
	}{
		{"no purl", sbom.Component{Name: "log4j", CPE: log4j}, "a:apache:log4j"},
		{"purl of no known ecosystem", sbom.Component{PURL: "pkg:generic/log4j@2.14.1", CPE: log4j}, "a:apache:log4j"},
		{"identified by its purl", sbom.Component{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Ecosystem: "Maven", CPE: log4j}, ""},
		{"no CPE", sbom.Component{Name: "x"}, ""},
		{"bad CPE", sbom.Component{CPE: "cpe:2.3:a:apache"}, ""},
		{"CPE without a key", sbom.Component{CPE: "cpe:2.3:a:*:log4j:1:*:*:*:*:*:*:*"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cpe, k, ok := CPEOf(tt.c)
			if ok != (tt.want != "") || k.Package != tt.want {
				t.Fatalf("CPEOf = %v, %v, %v; want key %q", cpe, k, ok, tt.want)
			}
			if ok && (k.Ecosystem != CPEEcosystem || cpe.Version.Text != "2.14.1") {
				t.Errorf("CPEOf = %v, %v", cpe, k)
			}
		})
	}
}

func BenchmarkCPEMatch(b *testing.B) {
	ix, _ := NewCPEIndex(parseNVD(b, nvdResponse, "nvd.json"))
	c := mustCPE(b, "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*")
	for b.Loop() {
		if len(ix.Match(c)) != 1 {
			b.Fatal("no hit")
		}
	}
}

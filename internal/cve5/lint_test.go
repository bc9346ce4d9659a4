package cve5

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
)

// demoRecord is the demo advisory's record changed by mut.
func demoRecord(t *testing.T, mut func(*Record)) Record {
	t.Helper()
	rec, err := FromAdvisory(advisorytest.Publisher(), advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	if mut != nil {
		mut(&rec)
	}
	return rec
}

func TestLintPassesOnTheDemo(t *testing.T) {
	if p := Lint(demoRecord(t, nil)); p != nil {
		t.Errorf("Lint(demo) = %v, want nil", p)
	}
	for name, adv := range variants() {
		rec, err := FromAdvisory(advisorytest.Publisher(), adv)
		if err != nil {
			t.Fatal(err)
		}
		if p := Lint(rec); p != nil {
			t.Errorf("%s: Lint = %v, want nil", name, p)
		}
	}
}

func TestLint(t *testing.T) {
	const cna = "containers.cna"
	for _, tc := range []struct {
		name string
		mut  func(*Record)
		want []Problem // paths, and a word of each message
	}{
		{"no CVE ID", func(r *Record) { r.CVEMetadata.CVEID = "" },
			[]Problem{{"cveMetadata.cveId", "no CVE ID"}}},
		{"malformed CVE ID", func(r *Record) { r.CVEMetadata.CVEID = "CVE-2026-123" },
			[]Problem{{"cveMetadata.cveId", "not a CVE ID"}}},
		{"lower-case CVE ID", func(r *Record) { r.CVEMetadata.CVEID = "cve-2026-41001" },
			[]Problem{{"cveMetadata.cveId", "not a CVE ID"}}},
		{"CVE ID before 1999", func(r *Record) { r.CVEMetadata.CVEID = "CVE-1998-0001" },
			[]Problem{{"cveMetadata.cveId", "1999"}}},
		{"no assigner", func(r *Record) { r.CVEMetadata.AssignerOrgID = "" },
			[]Problem{{"cveMetadata.assignerOrgId", "UUID"}}},
		{"no provider", func(r *Record) { r.Containers.CNA.ProviderMetadata.OrgID = "acme" },
			[]Problem{{cna + ".providerMetadata.orgId", "UUID"}}},
		{"no description", func(r *Record) { r.Containers.CNA.Descriptions = nil },
			[]Problem{{cna + ".descriptions", "no English description"}}},
		{"no English description", func(r *Record) { r.Containers.CNA.Descriptions[0].Lang = "de" },
			[]Problem{{cna + ".descriptions", "no English description"}}},
		{"short description", func(r *Record) { r.Containers.CNA.Descriptions[0].Value = "RCE in the scheduler." },
			[]Problem{{cna + ".descriptions[0].value", "too short"}}},
		{"blank description", func(r *Record) { r.Containers.CNA.Descriptions[0].Value = "   " },
			[]Problem{{cna + ".descriptions[0].value", "too short"}}},
		{"long description", func(r *Record) { r.Containers.CNA.Descriptions[0].Value = strings.Repeat("a", 4097) },
			[]Problem{{cna + ".descriptions[0].value", "too long"}}},
		{"short second English description", func(r *Record) {
			r.Containers.CNA.Descriptions = append(r.Containers.CNA.Descriptions, Description{Lang: "en-GB", Value: "RCE."})
		}, []Problem{{cna + ".descriptions[1].value", "too short"}}},
		{"a German one besides is fine", func(r *Record) {
			r.Containers.CNA.Descriptions = append(r.Containers.CNA.Descriptions, Description{Lang: "de", Value: "RCE."})
		}, nil},
		{"long title and workaround", func(r *Record) {
			r.Containers.CNA.Title = strings.Repeat("t", 257)
			r.Containers.CNA.Workarounds[0].Value = strings.Repeat("w", 4097)
		}, []Problem{{cna + ".title", "too long: 257"}, {cna + ".workarounds[0].value", "too long: 4097"}}},
		{"no affected product", func(r *Record) { r.Containers.CNA.Affected = nil },
			[]Problem{{cna + ".affected", "no affected product"}}},
		{"no versions", func(r *Record) { r.Containers.CNA.Affected[0].Versions = nil },
			[]Problem{{cna + ".affected[0].versions", "no versions"}, {cna + ".affected", "no version is affected"}}},
		{"no vendor or product", func(r *Record) { r.Containers.CNA.Affected[0].Vendor, r.Containers.CNA.Affected[0].Product = "", " " },
			[]Problem{{cna + ".affected[0].vendor", "no vendor"}, {cna + ".affected[0].product", "no product"}}},
		{"nothing affected", func(r *Record) {
			for i := range r.Containers.CNA.Affected[0].Versions {
				r.Containers.CNA.Affected[0].Versions[i].Status = StatusUnaffected
			}
		}, []Problem{{cna + ".affected", "no version is affected"}}},
		{"bad status", func(r *Record) {
			r.Containers.CNA.Affected[0].DefaultStatus = "fixed"
			r.Containers.CNA.Affected[0].Versions[2].Status = "vulnerable"
		}, []Problem{{cna + ".affected[0].defaultStatus", "not a status"}, {cna + ".affected[0].versions[2].status", "not a status"}}},
		{"range without type, both bounds, no version", func(r *Record) {
			v := &r.Containers.CNA.Affected[0].Versions[1]
			v.VersionType, v.LessThanOrEqual, v.Version = "", "2.6.8", ""
		}, []Problem{
			{cna + ".affected[0].versions[1].version", "no version"},
			{cna + ".affected[0].versions[1]", "both lessThan and lessThanOrEqual"},
			{cna + ".affected[0].versions[1].versionType", "needs a versionType"},
		}},
		{"no reference", func(r *Record) { r.Containers.CNA.References = nil },
			[]Problem{{cna + ".references", "no reference"}}},
		{"reference not a URL", func(r *Record) { r.Containers.CNA.References[1].URL = "research.example/blog" },
			[]Problem{{cna + ".references[1].url", "not an http(s) URL"}}},
		{"no CWE", func(r *Record) { r.Containers.CNA.ProblemTypes = nil },
			[]Problem{{cna + ".problemTypes", "no CWE"}}},
		{"a text problem type is no CWE", func(r *Record) {
			r.Containers.CNA.ProblemTypes = []ProblemType{{Descriptions: []ProblemDescription{{Lang: "en", Description: "remote code execution", Type: "text"}}}}
		}, []Problem{{cna + ".problemTypes", "no CWE"}}},
		{"malformed CWE", func(r *Record) { r.Containers.CNA.ProblemTypes[0].Descriptions[0].CWEID = "CWE-0502" },
			[]Problem{{cna + ".problemTypes[0].descriptions[0].cweId", "not a CWE ID"}, {cna + ".problemTypes", "no CWE"}}},
		{"no metric", func(r *Record) { r.Containers.CNA.Metrics = nil },
			[]Problem{{cna + ".metrics", "no CVSS"}}},
		{"severity does not match the score", func(r *Record) { r.Containers.CNA.Metrics[0].CVSSV3_1.BaseSeverity = "CRITICAL" },
			[]Problem{{cna + ".metrics[0].cvssV3_1.baseSeverity", "does not match baseScore 8.8 (HIGH)"}}},
		{"score does not match the vector", func(r *Record) {
			m := r.Containers.CNA.Metrics[0].CVSSV3_1
			m.BaseScore, m.BaseSeverity = 9.8, "CRITICAL"
		}, []Problem{{cna + ".metrics[0].cvssV3_1.baseScore", "9.8, but the vector scores 8.8"}}},
		{"malformed vector", func(r *Record) { r.Containers.CNA.Metrics[0].CVSSV3_1.VectorString = "CVSS:3.1/AV:N/AC:L" },
			[]Problem{{cna + ".metrics[0].cvssV3_1.vectorString", "missing"}}},
		{"vector of another version", func(r *Record) {
			r.Containers.CNA.Metrics[0].CVSSV3_1.VectorString = "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
		}, []Problem{{cna + ".metrics[0].cvssV3_1.vectorString", "a CVSS 3.0 vector, want 3.1"}}},
		{"wrong version field", func(r *Record) { r.Containers.CNA.Metrics[0].CVSSV3_1.Version = "3.0" },
			[]Problem{{cna + ".metrics[0].cvssV3_1.version", `"3.0", want "3.1"`}}},
		{"a good CVSS 4.0 metric", func(r *Record) {
			r.Containers.CNA.Metrics = []Metric{{CVSSV4_0: &CVSS{Version: "4.0", VectorString: "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", BaseScore: 8.7, BaseSeverity: "HIGH"}}}
		}, nil},
		{"a bad CVSS 4.0 score", func(r *Record) {
			r.Containers.CNA.Metrics = []Metric{{CVSSV4_0: &CVSS{Version: "4.0", VectorString: "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", BaseScore: 8.8, BaseSeverity: "HIGH"}}}
		}, []Problem{{cna + ".metrics[0].cvssV4_0.baseScore", "8.8, but the vector scores 8.7"}}},
		{"only another format", func(r *Record) { r.Containers.CNA.Metrics = []Metric{{Format: "CVSS"}} },
			[]Problem{{cna + ".metrics", "no CVSS"}}},
		{"credit in the description", func(r *Record) {
			r.Containers.CNA.Descriptions[0].Value += " Reported by Jane Finder (Research Lab)."
		}, []Problem{{cna + ".descriptions[0].value", `names the credited "Jane Finder (Research Lab)"`}}},
		{"credited person in the description", func(r *Record) {
			r.Containers.CNA.Descriptions[0].Value += " Thanks to jane finder."
		}, []Problem{{cna + ".descriptions[0].value", `names the credited "Jane Finder"`}}},
		{"credited name inside a word is no credit", func(r *Record) {
			r.Containers.CNA.Credits = []Credit{{Lang: "en", Value: "Sched"}}
		}, nil},
		{"credit in a second description", func(r *Record) {
			r.Containers.CNA.Credits = append(r.Containers.CNA.Credits, Credit{Lang: "en", Value: "Bob Builder, Acme"})
			r.Containers.CNA.Descriptions = append(r.Containers.CNA.Descriptions, Description{Lang: "de", Value: "Gefunden von Bob Builder."})
		}, []Problem{{cna + ".descriptions[1].value", `"Bob Builder"`}}},
		{"several at once", func(r *Record) {
			c := &r.Containers.CNA
			r.CVEMetadata.CVEID = "CVE-26-1"
			c.Descriptions[0].Value = "Jane Finder found an RCE."
			c.References, c.ProblemTypes = nil, nil
			c.Metrics[0].CVSSV3_1.BaseSeverity = "MEDIUM"
			c.Affected[0].Versions = nil
		}, []Problem{
			{"cveMetadata.cveId", "not a CVE ID"},
			{cna + ".descriptions[0].value", "too short"},
			{cna + ".affected[0].versions", "no versions"},
			{cna + ".affected", "no version is affected"},
			{cna + ".references", "no reference"},
			{cna + ".problemTypes", "no CWE"},
			{cna + ".metrics[0].cvssV3_1.baseSeverity", "does not match"},
			{cna + ".descriptions[0].value", `"Jane Finder"`},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Lint(demoRecord(t, tc.mut))
			if len(got) != len(tc.want) {
				t.Fatalf("Lint = %v, want %d problems: %v", got, len(tc.want), tc.want)
			}
			for i, p := range got {
				if p.Path != tc.want[i].Path || !strings.Contains(p.Message, tc.want[i].Message) {
					t.Errorf("problem %d = %q, want path %s and a message with %q", i, p, tc.want[i].Path, tc.want[i].Message)
				}
			}
		})
	}
}

// TestLintDrafts lints what a draft renders to: the converter leaves the
// gaps for Lint to name, all at once.
func TestLintDrafts(t *testing.T) {
	pub := advisorytest.Publisher()
	pub.CNAOrgID, pub.BaseURL = "", ""
	adv := fixture(func(r *advisory.Revision) {
		r.CVEID, r.Description, r.CWE, r.CVSS31, r.References = "", "", nil, "", nil
		r.Affected = r.Affected[:0]
	})
	rec, err := FromAdvisory(pub, adv)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range Lint(rec) {
		paths = append(paths, p.Path)
	}
	want := []string{
		"cveMetadata.cveId", "cveMetadata.assignerOrgId", "containers.cna.providerMetadata.orgId",
		"containers.cna.descriptions", "containers.cna.affected", "containers.cna.references",
		"containers.cna.problemTypes", "containers.cna.metrics",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("lint paths (-want +got):\n%s", diff)
	}
}

func TestProblemIsAnError(t *testing.T) {
	err := errors.Join(Problem{Path: "a.b", Message: "bad"}, Problem{Path: "c", Message: "worse"})
	if err.Error() != "a.b: bad\nc: worse" {
		t.Errorf("joined = %q", err)
	}
}

func TestCreditNames(t *testing.T) {
	for in, want := range map[string][]string{
		"Jane Finder (Research Lab)":   {"Jane Finder (Research Lab)", "Jane Finder"},
		"Chloe Chamberland, Wordfence": {"Chloe Chamberland, Wordfence", "Chloe Chamberland"},
		"Sam of Acme":                  {"Sam of Acme", "Sam"},
		"Al":                           nil,
		"Al (X)":                       {"Al (X)"},
	} {
		if got := creditNames(in); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("creditNames(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		text, name string
		want       bool
	}{
		{"found by Jane Finder.", "jane finder", true},
		{"Jane Finder's report", "Jane Finder", true},
		{"JaneFinder", "Jane", false},
		{"Janet", "Jane", false},
		{"Ünal Yılmaz reported", "ünal yılmaz", true},
		{"", "x", false},
		{"abc", "", false},
	} {
		if got := containsName(tc.text, tc.name); got != tc.want {
			t.Errorf("containsName(%q, %q) = %v", tc.text, tc.name, got)
		}
	}
}

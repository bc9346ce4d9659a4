package debtracker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// export is a small document in the exact format of the tracker's JSON
// export: compact (separators without spaces), keys with null values left
// out, debianbug a number, repositories per suite, next_point_update only
// when true. The openssl entries follow the tracker's real CVE-2024-4741
// and CVE-2023-5678 pages; the others cover every status.
const export = `{"openssl":{"CVE-2024-4741":{"description":"Use After Free with SSL_free_buffers","scope":"remote","releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"3.0.15-1~deb12u1","bookworm-security":"3.0.14-1~deb12u2"},"fixed_version":"3.0.14-1~deb12u1","urgency":"not yet assigned"},"bullseye":{"status":"open","repositories":{"bullseye":"1.1.1w-0+deb11u1","bullseye-security":"1.1.1n-0+deb11u5"},"urgency":"not yet assigned","nodsa":"Minor issue","nodsa_reason":"postponed"},"sid":{"status":"resolved","repositories":{"sid":"3.3.2-2"},"fixed_version":"3.2.2-1","urgency":"not yet assigned"},"trixie":{"status":"resolved","repositories":{"trixie":"3.3.2-2"},"fixed_version":"3.2.2-1","urgency":"not yet assigned"}}},"CVE-2023-5678":{"description":"Excessive time spent in DH check / generation with large Q parameter value","scope":"remote","debianbug":1055473,"releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"3.0.15-1~deb12u1"},"fixed_version":"3.0.13-1~deb12u1","urgency":"not yet assigned","next_point_update":true}}}},"linux":{"CVE-2024-4741":{"releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"6.1.119-1"},"fixed_version":"0","urgency":"not yet assigned"}}},"TEMP-0000000-0F2A4B":{"description":"kernel: issue without a CVE","releases":{"bookworm":{"status":"undetermined","repositories":{"bookworm":"6.1.119-1"},"urgency":"unimportant"},"buster":{"status":"open","repositories":{"buster":"4.19.249-2"},"urgency":"end-of-life","nodsa":"EOL","nodsa_reason":"ignored"}}}}}`

func TestParse(t *testing.T) {
	recs, problems, err := Parse(strings.NewReader(export), "json")
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems: %v", problems)
	}
	rng := func(events ...vuln.Event) []vuln.Range {
		return []vuln.Range{{Type: vuln.RangeEcosystem, Events: events}}
	}
	nya := "not yet assigned"
	want := []vuln.Record{
		{
			ID: "CVE-2023-5678", Source: vuln.SourceDebian,
			Summary:          "Excessive time spent in DH check / generation with large Q parameter value",
			DatabaseSpecific: &vuln.DatabaseSpecific{DebianBug: 1055473, Scope: "remote"},
			Affected: []vuln.Affected{{Ecosystem: "Debian:12", Package: "openssl", PURL: "pkg:deb/debian/openssl?distro=bookworm", Status: vuln.StatusFixed,
				Ranges:           rng(vuln.Event{Introduced: "0"}, vuln.Event{Fixed: "3.0.13-1~deb12u1"}),
				DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya, NextPointUpdate: true, Repositories: map[string]string{"bookworm": "3.0.15-1~deb12u1"}}}},
		},
		{
			ID: "CVE-2024-4741", Source: vuln.SourceDebian,
			Summary:          "Use After Free with SSL_free_buffers",
			DatabaseSpecific: &vuln.DatabaseSpecific{Scope: "remote"},
			Affected: []vuln.Affected{
				{Ecosystem: "Debian:12", Package: "linux", PURL: "pkg:deb/debian/linux?distro=bookworm", Status: vuln.StatusNotAffected,
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya, Repositories: map[string]string{"bookworm": "6.1.119-1"}}},
				{Ecosystem: "Debian:11", Package: "openssl", PURL: "pkg:deb/debian/openssl?distro=bullseye", Status: vuln.StatusAffected,
					Ranges: rng(vuln.Event{Introduced: "0"}),
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya, NoDSA: "Minor issue", NoDSAReason: "postponed",
						Repositories: map[string]string{"bullseye": "1.1.1w-0+deb11u1", "bullseye-security": "1.1.1n-0+deb11u5"}}},
				{Ecosystem: "Debian:12", Package: "openssl", PURL: "pkg:deb/debian/openssl?distro=bookworm", Status: vuln.StatusFixed,
					Ranges: rng(vuln.Event{Introduced: "0"}, vuln.Event{Fixed: "3.0.14-1~deb12u1"}),
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya,
						Repositories: map[string]string{"bookworm": "3.0.15-1~deb12u1", "bookworm-security": "3.0.14-1~deb12u2"}}},
				{Ecosystem: "Debian:13", Package: "openssl", PURL: "pkg:deb/debian/openssl?distro=trixie", Status: vuln.StatusFixed,
					Ranges:           rng(vuln.Event{Introduced: "0"}, vuln.Event{Fixed: "3.2.2-1"}),
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya, Repositories: map[string]string{"trixie": "3.3.2-2"}}},
				{Ecosystem: "Debian:sid", Package: "openssl", PURL: "pkg:deb/debian/openssl?distro=sid", Status: vuln.StatusFixed,
					Ranges:           rng(vuln.Event{Introduced: "0"}, vuln.Event{Fixed: "3.2.2-1"}),
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: nya, Repositories: map[string]string{"sid": "3.3.2-2"}}},
			},
		},
		{
			ID: "TEMP-0000000-0F2A4B", Source: vuln.SourceDebian,
			Summary: "kernel: issue without a CVE",
			Affected: []vuln.Affected{
				{Ecosystem: "Debian:10", Package: "linux", PURL: "pkg:deb/debian/linux?distro=buster", Status: vuln.StatusAffected,
					Ranges:           rng(vuln.Event{Introduced: "0"}),
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: "end-of-life", NoDSA: "EOL", NoDSAReason: "ignored", Repositories: map[string]string{"buster": "4.19.249-2"}}},
				{Ecosystem: "Debian:12", Package: "linux", PURL: "pkg:deb/debian/linux?distro=bookworm", Status: vuln.StatusUndetermined,
					DatabaseSpecific: &vuln.AffectedSpecific{Urgency: "unimportant", Repositories: map[string]string{"bookworm": "6.1.119-1"}}},
			},
		},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestProblems(t *testing.T) {
	const doc = `{"a":{"CVE-1":{"releases":{"bookworm":{"status":"resolved","fixed_version":"1.0-1"},"hamm":{"status":"open"},"trixie":{"status":"gone"},"sid":{"status":"resolved"}}}},` +
		`"b":{"CVE-2":{"debianbug":"not a number","releases":{}}},` +
		`"c":{"CVE-3":{"releases":{"bookworm":{"status":"resolved","fixed_version":"<unfixed>"},"trixie":{"status":"open","fixed_version":"2"}}}},` +
		`"d":[]}`
	recs, problems, err := Parse(strings.NewReader(doc), "json")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != "CVE-1" || len(recs[0].Affected) != 1 || recs[1].ID != "CVE-3" || len(recs[1].Affected) != 0 {
		t.Errorf("records = %+v", recs)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`json: package "a", CVE-1, release "hamm": unknown release "hamm"`,
		`json: package "a", CVE-1, release "sid": resolved without a fixed_version`,
		`json: package "a", CVE-1, release "trixie": unknown status "gone"`,
		`json: package "b": json: cannot unmarshal string into Go struct field issue.debianbug of type int`,
		`json: package "c", CVE-3, release "bookworm": fixed_version "<unfixed>" is not a Debian version`,
		`json: package "c", CVE-3, release "trixie": open with fixed_version "2"`,
		`json: package "d": json: cannot unmarshal array into Go value of type map[string]debtracker.issue`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "json: offset 0: EOF"},
		{"array", `[]`, "want an object of source packages"},
		{"truncated", export[:len(export)/2], "unexpected EOF"},
		{"syntax", `{"a":{"CVE-1":{"releases":{"bookworm":{"status":"open"}}}},x}`, "invalid character 'x'"},
		{"trailing", `{} {}`, "data after the export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(strings.NewReader(tc.in), "json")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "json: offset ") {
				t.Errorf("err = %v, want json: offset ...%s", err, tc.want)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, _, err := parse(strings.NewReader(export), "json", 100)
	if err == nil || !strings.Contains(err.Error(), "input too large: more than 100 bytes") {
		t.Errorf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(export))
	f.Add([]byte(`{"a":{"CVE-1":{"releases":{"sid":{"status":"resolved","fixed_version":"0"}}}}}`))
	f.Add([]byte(`{"":{"":{"releases":{"":{}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _, err := Parse(strings.NewReader(string(data)), "json")
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

// BenchmarkParse reads a generated export of 100,000 package-issue pairs in
// four releases, about the size of the real one.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{")
	for p := range 20000 {
		if p > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"pkg%d":{`, p)
		for c := range 5 {
			if c > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"CVE-2024-%d":{"description":"a vulnerability in pkg%d","scope":"remote","releases":{`+
				`"bookworm":{"status":"resolved","repositories":{"bookworm":"1.2-3"},"fixed_version":"1.2-3","urgency":"not yet assigned"},`+
				`"bullseye":{"status":"open","repositories":{"bullseye":"1.1-1"},"urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"},`+
				`"trixie":{"status":"resolved","repositories":{"trixie":"1.3-1"},"fixed_version":"0","urgency":"not yet assigned"},`+
				`"sid":{"status":"undetermined","repositories":{"sid":"1.3-1"},"urgency":"not yet assigned"}}}`, p*5+c, p)
		}
		sb.WriteString("}")
	}
	sb.WriteString("}")
	doc := sb.String()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		recs, problems, err := Parse(strings.NewReader(doc), "json")
		if err != nil || len(problems) > 0 || len(recs) != 100000 {
			b.Fatal(len(recs), problems, err)
		}
	}
}

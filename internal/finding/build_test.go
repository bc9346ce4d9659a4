package finding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-psirt/vigil/internal/debtracker"
	"github.com/vigil-psirt/vigil/internal/kev"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// lookupOf answers from records by ID and alias, as the store does.
func lookupOf(recs ...*vuln.Record) Lookup {
	by := map[string][]*vuln.Record{}
	for _, r := range recs {
		for _, id := range append([]string{r.ID}, r.Aliases...) {
			by[id] = append(by[id], r)
		}
	}
	return func(id string) []*vuln.Record { return by[id] }
}

// kevRecord is the real CISA KEV entry of id.
func kevRecord(t *testing.T, id string) *vuln.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedtest.Path(t, "cisa-kev"), "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cat, _, err := kev.Parse(f, "known_exploited_vulnerabilities.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range cat.Records {
		if cat.Records[i].ID == id {
			return &cat.Records[i]
		}
	}
	t.Fatalf("%s is not in the KEV catalog", id)
	return nil
}

// goRecord is a real record of the Go vulnerability database.
func goRecord(t *testing.T, id string) vuln.Record {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedtest.Path(t, "go-vulndb", "data", "osv"), id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := osvfeed.Parse(data, id+".json")
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestBuildGoVulnDBWithNVDAndKEV: the Go database's record of the Wazuh
// RCE names CVE-2025-24016 as its alias; NVD (synthetic: the NVD feed is not
// in the shared data) gives its CVSS score, and the real KEV catalog its
// exploitation. One finding comes out, critical by the default policy and
// exploited since CISA added it.
func TestBuildGoVulnDBWithNVDAndKEV(t *testing.T) {
	osvRec := goRecord(t, "GO-2025-3459")
	ix, problems := match.NewIndex([]vuln.Record{osvRec})
	if len(problems) > 0 {
		t.Fatalf("index problems: %v", problems)
	}
	c := Component{ID: 7, PURL: "pkg:golang/github.com/wazuh/wazuh@v4.7.0+incompatible", Name: "github.com/wazuh/wazuh",
		Version: "v4.7.0+incompatible", Ecosystem: "Go", Package: "github.com/wazuh/wazuh"}
	hits := ix.Match(match.Component{Ecosystem: c.Ecosystem, Package: c.Package, Version: c.Version})
	if len(hits) != 1 {
		t.Fatalf("%d hits, want 1", len(hits))
	}
	nvdRec := &vuln.Record{ID: "CVE-2025-24016", Source: vuln.SourceNVD, Summary: "Wazuh server RCE",
		Severity: []vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", Source: "security-advisories@github.com"}},
		CWEs:     []string{"CWE-502"}}
	kevRec := kevRecord(t, "CVE-2025-24016")
	p := policy.Default()

	got := Build(p, c, hits, lookupOf(nvdRec, kevRec))
	since := time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)
	want := []Finding{{
		Component: c, Vuln: "CVE-2025-24016", Aliases: []string{"GO-2025-3459"}, Records: []string{"osv:GO-2025-3459"},
		Summary:  "Remote code execution in Wazuh server in github.com/wazuh/wazuh",
		Severity: policy.Critical, SeverityName: "critical", Score: 9.9, Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
		Reasons: []string{
			"exploited in the wild according to kev:CVE-2025-24016",
			"CVSS 3.1 vector from nvd:CVE-2025-24016",
			"CVSS 3.1 base 9.9 >= 9.0",
		},
		Exploited: true, ExploitedSince: &since, FixedVersion: "4.9.1+incompatible",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Build (-want +got):\n%s", diff)
	}

	// Without NVD and KEV the Go record alone has no score: the default
	// policy's unscored severity.
	alone := Build(p, c, hits, nil)
	if len(alone) != 1 || alone[0].Severity != policy.Medium || alone[0].Exploited ||
		!strings.Contains(strings.Join(alone[0].Reasons, "; "), "no CVSS score known") {
		t.Fatalf("Build without lookup = %+v", alone)
	}

	// Decided on a pinned date: critical, detected 2026-01-31, is due a
	// calendar month later, clamped to February's end (upgrade-critical).
	// The CRA clocks start on exploitation too but stop on reports, not on
	// a release: they are not the upgrade deadline.
	f := got[0]
	f.DetectedAt = time.Date(2026, 1, 31, 10, 30, 0, 0, time.UTC)
	Decide(p, &f, nil, Target{Product: "appliance", Release: "2.1.4"}, f.DetectedAt)
	clock, _ := p.Clock("upgrade-critical")
	wantDue := p.Due(clock, f.DetectedAt)
	if !wantDue.Equal(time.Date(2026, 2, 28, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("policy.Due = %v", wantDue)
	}
	if f.Status != Affected || f.Clock != "upgrade-critical" || f.DueAt == nil || !f.DueAt.Equal(wantDue) || f.DueAt.Location() != time.UTC {
		t.Fatalf("Decide: status %s clock %q due %v", f.Status, f.Clock, f.DueAt)
	}
}

func TestBuildGroupsByIDAndAlias(t *testing.T) {
	goRec := &vuln.Record{ID: "GO-2023-1", Source: vuln.SourceOSV, Aliases: []string{"CVE-2023-9999", "GHSA-aaaa-bbbb-cccc"},
		Summary: "from the Go database"}
	// Related to GO-2023-1 only through the GHSA alias.
	ghsa := &vuln.Record{ID: "GHSA-aaaa-bbbb-cccc", Source: vuln.SourceOSV, Aliases: []string{"CVE-2023-10000"},
		Severity: []vuln.Score{
			// GHSA writes some CVSS 4.0 vectors out of the specification's order.
			{Type: vuln.CVSSv4, Vector: "CVSS:4.0/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:N/AC:L/AT:N/PR:N/UI:N"},
			{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"},
			{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:Q"},
			{Type: vuln.CVSSv2, Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
		}}
	debian := &vuln.Record{ID: "CVE-2023-9999", Source: vuln.SourceDebian, Summary: "from the tracker"}
	// A distribution advisory joins through its upstream CVE.
	dsa := &vuln.Record{ID: "DSA-5500-1", Source: vuln.SourceOSV, Upstream: []string{"CVE-2023-10000"}}
	other := &vuln.Record{ID: "GHSA-zzzz-zzzz-zzzz", Source: vuln.SourceOSV, Related: []string{"CVE-2023-9999"}}
	hits := []match.Hit{
		{Record: other, Fixed: "1.3.0"},
		{Record: debian, Fixed: "1.2.10"},
		{Record: goRec, Fixed: "1.2.9"},
		{Record: goRec, Affected: 1, Fixed: "1.2.11"}, // a second entry of the same record
		{Record: ghsa},
		{Record: dsa, Fixed: "1.2.9-rc.1"},
		{Record: nil},
	}
	c := Component{Name: "example.com/mod", Version: "v1.2.0", Ecosystem: "Go", Package: "example.com/mod"}
	got := Build(policy.Default(), c, hits, nil)
	if len(got) != 2 {
		t.Fatalf("%d findings, want 2: %+v", len(got), got)
	}
	f := got[0]
	want := Finding{
		// Two CVEs: the lowest advisory ID names the finding.
		Component: c, Vuln: "DSA-5500-1",
		Aliases: []string{"CVE-2023-10000", "CVE-2023-9999", "GHSA-aaaa-bbbb-cccc", "GO-2023-1"},
		Records: []string{"debian:CVE-2023-9999", "osv:DSA-5500-1", "osv:GHSA-aaaa-bbbb-cccc", "osv:GO-2023-1"},
		Summary: "from the Go database", FixedVersion: "1.2.9-rc.1",
		Severity: policy.Critical, SeverityName: "critical", Score: 9.3,
		Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	}
	if diff := cmp.Diff(want, f, cmpopts.IgnoreFields(Finding{}, "Reasons")); diff != "" {
		t.Errorf("grouped finding (-want +got):\n%s", diff)
	}
	reasons := strings.Join(f.Reasons, "\n")
	for _, w := range []string{`CVSS vector "CVSS:3.1/AV:N/AC:Q" of osv:GHSA-aaaa-bbbb-cccc skipped`, "CVSS 3.1 vector from osv:GHSA-aaaa-bbbb-cccc",
		"CVSS 4.0 vector from osv:GHSA-aaaa-bbbb-cccc", "CVSS 4.0 base 9.3 >= 9.0"} {
		if !strings.Contains(reasons, w) {
			t.Errorf("reasons lack %q:\n%s", w, reasons)
		}
	}
	if g := got[1]; g.Vuln != "GHSA-zzzz-zzzz-zzzz" || g.Aliases != nil || g.FixedVersion != "1.3.0" {
		t.Errorf("related record is its own finding: %+v", g)
	}
}

func TestBuildTags(t *testing.T) {
	p := policy.Default()
	hit := func(cwes ...string) []match.Hit {
		return []match.Hit{{Record: &vuln.Record{ID: "CVE-2024-1", Source: vuln.SourceNVD, CWEs: cwes,
			Severity: []vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N"}}}}}
	}
	tests := []struct {
		cwes []string
		want policy.Severity
	}{
		{nil, policy.Medium},
		{[]string{"CWE-78"}, policy.Critical},
		{[]string{"CWE-94", "CWE-95"}, policy.Critical},
		{[]string{"CWE-269"}, policy.High},
		{[]string{"CWE-79"}, policy.Medium},
	}
	for _, tt := range tests {
		got := Build(p, Component{Ecosystem: "npm", Package: "x", Version: "1.0.0"}, hit(tt.cwes...), nil)
		if len(got) != 1 || got[0].Severity != tt.want {
			t.Errorf("CWEs %v: %+v, want %s", tt.cwes, got, tt.want)
		}
	}
}

// trackerExport is a Debian security tracker export in its real format:
// no CVSS, urgency per release.
const trackerExport = `{"openssl":{` +
	`"CVE-2024-0001":{"description":"high urgency issue","scope":"remote","releases":{"bookworm":{"status":"open","repositories":{"bookworm":"3.0.15-1~deb12u1"},"urgency":"high"}}},` +
	`"CVE-2024-0002":{"description":"unimportant issue","releases":{"bookworm":{"status":"open","repositories":{"bookworm":"3.0.15-1~deb12u1"},"urgency":"unimportant"}}},` +
	`"CVE-2024-0003":{"description":"fixed medium issue","releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"3.0.15-1~deb12u1"},"fixed_version":"3.0.16-1~deb12u1","urgency":"medium"}}},` +
	`"CVE-2024-0004":{"description":"no urgency yet","releases":{"bookworm":{"status":"open","repositories":{"bookworm":"3.0.15-1~deb12u1"},"urgency":"not yet assigned"}}}` +
	`}}`

func TestBuildDebianTrackerUrgency(t *testing.T) {
	recs, problems, err := debtracker.Parse(strings.NewReader(trackerExport), "export.json")
	if err != nil || len(problems) > 0 {
		t.Fatalf("debtracker.Parse: %v %v", err, problems)
	}
	ix, _ := match.NewIndex(recs)
	c := Component{Name: "openssl", Version: "3.0.15-1~deb12u1", Ecosystem: "Debian:12", Package: "openssl"}
	got := Build(policy.Default(), c, ix.Match(match.Component{Ecosystem: c.Ecosystem, Package: c.Package, Version: c.Version}), nil)
	type row struct {
		Vuln, Severity, Fixed string
		Reasons               []string
	}
	var rows []row
	for _, f := range got {
		rows = append(rows, row{f.Vuln, f.SeverityName, f.FixedVersion, f.Reasons})
	}
	want := []row{
		{"CVE-2024-0001", "high", "", []string{"no CVSS score known", "Debian tracker urgency high"}},
		{"CVE-2024-0002", "low", "", []string{"no CVSS score known", "Debian tracker urgency unimportant"}},
		{"CVE-2024-0003", "medium", "3.0.16-1~deb12u1", []string{"no CVSS score known", "Debian tracker urgency medium"}},
		// Neither score nor urgency: the default policy's unscored severity.
		{"CVE-2024-0004", "medium", "", []string{"no CVSS score known", "the policy's severity of unscored vulnerabilities"}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Fatalf("Build (-want +got):\n%s", diff)
	}
	// A policy without unscored leaves it at what the rules say: none.
	p := policy.Default()
	p.Unscored = policy.None
	if f := Build(p, c, ix.Match(match.Component{Ecosystem: c.Ecosystem, Package: c.Package, Version: c.Version}), nil); f[3].Severity != policy.None {
		t.Errorf("without unscored, CVE-2024-0004 is %s, want none", f[3].SeverityName)
	}
	if got[0].Summary != "high urgency issue" || got[0].Records[0] != "debian:CVE-2024-0001" {
		t.Errorf("first finding: %+v", got[0])
	}
}

package casework_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// trackerJSON is a Debian Security Tracker export in its exact format: the
// xorg-server and openssl issues of bullseye the 3-package SBOM holds, one
// of them fixed in a later version, one not affecting bullseye ("0").
const trackerJSON = `{
  "xorg-server": {
    "CVE-2023-1393": {
      "description": "A use-after-free in the X.Org server's compositing.",
      "scope": "local",
      "debianbug": 1033500,
      "releases": {
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "2:1.20.11-1+deb11u6"}, "fixed_version": "2:1.20.11-1+deb11u6", "urgency": "high"}
      }
    },
    "CVE-2099-0001": {
      "description": "Not in bullseye's code.",
      "scope": "remote",
      "releases": {
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "2:1.20.11-1+deb11u6"}, "fixed_version": "0", "urgency": "unimportant"}
      }
    }
  },
  "openssl": {
    "CVE-2023-0286": {
      "description": "X.400 address type confusion in X.509 GeneralName.",
      "scope": "remote",
      "releases": {
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "1.1.1n-0+deb11u4"}, "fixed_version": "1.1.1n-0+deb11u4", "urgency": "medium"}
      }
    }
  }
}`

// nvdJSON is one page of the NVD CVE API 2.0 with the score of CVE-2023-0286.
const nvdJSON = `{
  "resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE", "version": "2.0",
  "timestamp": "2026-11-20T10:00:00.000",
  "vulnerabilities": [{"cve": {
    "id": "CVE-2023-0286", "sourceIdentifier": "openssl-security@openssl.org",
    "published": "2023-02-08T20:15:23.973", "lastModified": "2025-02-13T17:16:00.000", "vulnStatus": "Analyzed",
    "descriptions": [{"lang": "en", "value": "There is a type confusion vulnerability relating to X.400 address processing."}],
    "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
      "cvssData": {"version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H", "baseScore": 7.4, "baseSeverity": "HIGH"},
      "exploitabilityScore": 2.2, "impactScore": 5.2}]},
    "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary", "description": [{"lang": "en", "value": "CWE-843"}]}],
    "references": [{"url": "https://www.openssl.org/news/secadv/20230207.txt", "source": "openssl-security@openssl.org"}]
  }}]
}`

// kevJSON is a CISA KEV catalog in its exact format listing CVE-2023-1393
// as exploited (invented for the test: the real catalog does not).
const kevJSON = `{
  "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.20",
  "dateReleased": "2026-11-20T15:00:00.0000Z", "count": 1,
  "vulnerabilities": [{"cveID": "CVE-2023-1393", "vendorProject": "X.Org", "product": "X Server",
    "vulnerabilityName": "X.Org Server Use-After-Free Vulnerability", "dateAdded": "2026-11-20",
    "shortDescription": "Use-after-free in compositing.", "requiredAction": "Apply updates per vendor instructions.",
    "dueDate": "2026-12-11", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-416"]}]
}`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// importPath reads path as upstream data and imports every batch of it.
func (w *world) importPath(path, format string) []store.FeedRun {
	w.t.Helper()
	batches, err := upstream.ReadPath(w.ctx, path, format)
	if err != nil {
		w.t.Fatal(err)
	}
	var runs []store.FeedRun
	for _, b := range batches {
		run, err := w.svc.ImportFeed(w.ctx, casework.System, "import", b)
		if err != nil {
			w.t.Fatalf("import %s: %v", path, err)
		}
		runs = append(runs, run)
	}
	return runs
}

func (w *world) importSBOM(rel product.Release, path string) casework.MatchStats {
	w.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	doc, err := sbom.Parse(f, filepath.Base(path))
	if err != nil {
		w.t.Fatal(err)
	}
	_, stats, err := w.svc.ImportSBOM(w.ctx, alice, casework.SBOMInput{ReleaseID: rel.ID, Doc: doc, SHA256: "00"})
	if err != nil {
		w.t.Fatalf("import SBOM %s: %v", path, err)
	}
	return stats
}

func (w *world) release(branch product.Branch, version string, state product.ReleaseState) product.Release {
	w.t.Helper()
	r, err := w.svc.CreateRelease(w.ctx, alice, casework.NewRelease{BranchID: branch.ID, Version: version, State: state})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *world) findings(rel product.Release) map[string]finding.Finding {
	w.t.Helper()
	fs, err := w.svc.Store.FindingsOfRelease(w.ctx, rel.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]finding.Finding{}
	for _, f := range fs {
		key := f.Component.Package + " " + f.Vuln
		if _, dup := out[key]; dup {
			w.t.Errorf("two findings %s in release %s", key, rel.Version)
		}
		out[key] = f
	}
	return out
}

// TestMonitoring walks issue 5's "done when": a release with real SBOMs
// (Debian and Go) gets findings from every feed type, classified, with
// deadlines and a release plan; an applicability rule made on one release
// holds on the next; publishing the upgrade release fixes what it upgraded.
func TestMonitoring(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		ctx := w.ctx
		dir := t.TempDir()
		w.clk.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))

		// Every feed type: OSV (Debian DSAs as all.zip, the Go database as
		// a directory), the Debian tracker export, NVD and KEV.
		runs := w.importPath(sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), "")
		runs = append(runs, w.importPath(sharedtest.Path(t, "go-vulndb", "data", "osv"), "")...)
		runs = append(runs, w.importPath(writeFile(t, dir, "tracker.json", trackerJSON), "")...)
		runs = append(runs, w.importPath(writeFile(t, dir, "nvd.json", nvdJSON), "nvd")...)
		runs = append(runs, w.importPath(writeFile(t, dir, "kev.json", kevJSON), "")...)
		for _, r := range runs {
			if r.State != "ok" || r.Added == 0 {
				t.Errorf("run %s %s: state %s, %d added, error %q", r.Feed, r.Location, r.State, r.Added, r.Error)
			}
		}

		b := w.branches[0] // 7.3, maintained
		cur := w.release(b, "7.3.5", product.Published)
		w.importSBOM(cur, sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json"))
		fs := w.findings(cur)

		// xorg-server 2:1.20.11-1+deb11u5: DSA-5380-1 (OSV) and the tracker's
		// CVE-2023-1393 are one finding; KEV makes it exploited, which the
		// default policy plans urgently and starts the CRA clocks for (its
		// severity rules do not raise exploited findings).
		x, ok := fs["xorg-server CVE-2023-1393"]
		if !ok {
			t.Fatalf("no xorg-server CVE-2023-1393 finding; have %v", keys(fs))
		}
		if !slices.Contains(x.Records, "osv:DSA-5380-1") || !slices.Contains(x.Records, "debian:CVE-2023-1393") {
			t.Errorf("xorg finding records = %v, want the DSA and the tracker's record", x.Records)
		}
		if !x.Exploited || x.Status != finding.Affected || x.FixedVersion != "2:1.20.11-1+deb11u6" {
			t.Errorf("xorg finding = exploited %v, status %s, fixed %q", x.Exploited, x.Status, x.FixedVersion)
		}
		if x.DueAt == nil || x.Clock == "" {
			t.Errorf("xorg finding has no deadline: %+v", x)
		}
		if got, err := w.svc.Finding(ctx, x.ID); err != nil || len(got.CRA) != 2 || got.CRA[0].Clock != "cra-early-warning" ||
			!got.CRA[0].DueAt.Equal(w.clk.Now().Add(24*time.Hour)) {
			t.Errorf("the exploited xorg finding's CRA clocks = %+v, %v", got.CRA, err)
		}
		for k := range fs {
			if strings.Contains(k, "CVE-2099-0001") {
				t.Errorf("fixed_version 0 (not affected) gave finding %s", k)
			}
		}
		// openssl: the DSA names five CVEs; NVD scores CVE-2023-0286 7.4.
		var ossl *finding.Finding
		for k, f := range fs {
			if strings.HasPrefix(k, "openssl ") {
				ossl = &f
			}
		}
		if ossl == nil || ossl.Score < 7.4 || ossl.SeverityName != "high" {
			t.Fatalf("openssl finding = %+v, want high from NVD's 7.4", ossl)
		}
		due := w.svc.Policy.Due(mustClock(t, w.svc.Policy, "upgrade-high"), w.clk.Now())
		if ossl.DueAt == nil || !ossl.DueAt.Equal(due) {
			t.Errorf("openssl due %v, want %v (3 months)", ossl.DueAt, due)
		}

		// The Go SBOM on the 7.2 branch: the Go database's findings, medium
		// by the default policy's unscored severity, due in 6 months.
		goRel := w.release(w.branches[1], "7.2.10", product.Published)
		w.importSBOM(goRel, sharedtest.Path(t, "peer-outputs", "sbom-mailpit-gobinary.cdx.json"))
		gf := w.findings(goRel)
		if len(gf) < 40 {
			t.Fatalf("%d findings on the mailpit SBOM, want the Go database's 49", len(gf))
		}
		if f := gf["golang.org/x/text CVE-2026-56852"]; f.FixedVersion != "0.39.0" {
			t.Errorf("golang.org/x/text's fixed version = %q, want 0.39.0", f.FixedVersion)
		}
		sixMonths := w.svc.Policy.Due(mustClock(t, w.svc.Policy, "upgrade-medium"), w.clk.Now())
		for k, f := range gf {
			if f.Status != finding.Affected || f.DueAt == nil || f.SeverityName == "" ||
				f.SeverityName == "medium" && !f.DueAt.Equal(sixMonths) {
				t.Errorf("Go finding %s: status %s, severity %s, due %v, fixed %q", k, f.Status, f.SeverityName, f.DueAt, f.FixedVersion)
			}
		}

		// The plan proposes the next 7.3.Z (7.3.6, already planned), urgently because of the KEV entry.
		plans, err := w.svc.ReleasePlans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byBranch := map[string]finding.Plan{}
		for _, p := range plans {
			byBranch[p.Branch] = p
		}
		if p := byBranch["7.3"]; len(plans) != 2 || p.Next != "7.3.6" || p.Kind != policy.Urgent || !p.Exploited {
			t.Fatalf("plans = %+v, want an urgent 7.3.6", plans)
		}
		if p := byBranch["7.2"]; p.Next != "7.2.11" || p.Kind != policy.Regular || len(p.Upgrades) == 0 {
			t.Errorf("7.2 plan = %+v, want a regular 7.2.11 with upgrades", p)
		}

		// A rule on 7.3.5: openssl's finding does not apply (feature not
		// used). It holds on 7.3.6, whose SBOM is the same.
		rule, _, err := w.svc.CreateRule(ctx, alice, finding.Rule{Product: "vault", FromVersion: "7.3.5", Ecosystem: "Debian",
			Package: "openssl", Status: finding.NotAffected, Justification: finding.VulnerableCodeNotInExecutePath,
			Reason: finding.FeatureNotUsed, Note: "X.400 names are never parsed: certificates come from our own CA only."})
		if err != nil {
			t.Fatal(err)
		}
		if f := w.findings(cur)["openssl "+ossl.Vuln]; f.Status != finding.NotAffected || f.RuleID != rule.ID || f.DueAt != nil {
			t.Errorf("after the rule, openssl = %s rule %d due %v", f.Status, f.RuleID, f.DueAt)
		}
		next := w.release(b, "7.3.6", product.Planned)
		w.importSBOM(next, sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json"))
		if f := w.findings(next)["openssl "+ossl.Vuln]; f.Status != finding.NotAffected || f.RuleID != rule.ID {
			t.Errorf("the rule does not hold on 7.3.6: openssl = %s rule %d", f.Status, f.RuleID)
		}

		// 7.3.6 ships xorg-server deb11u6 instead: publishing it fixes the
		// xorg finding there and stops 7.3.5's clock.
		upgraded := strings.ReplaceAll(readFile(t, sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")),
			"xorg-server@2:1.20.11-1+deb11u5", "xorg-server@2:1.20.11-1+deb11u6")
		w.importSBOM(next, writeFile(t, dir, "7.3.6.cdx.json", upgraded))
		state := product.Published
		if _, err := w.svc.UpdateRelease(ctx, alice, next.ID, casework.ReleasePatch{State: &state}); err != nil {
			t.Fatal(err)
		}
		nf := w.findings(next)
		if f, ok := nf["xorg-server CVE-2023-1393"]; !ok || f.Status != finding.Fixed {
			t.Errorf("7.3.6's xorg finding = %+v, want fixed", f)
		}
		if f := w.findings(cur)["xorg-server CVE-2023-1393"]; f.ResolvedAt == nil || f.ResolvedBy != next.ID {
			t.Errorf("7.3.5's xorg finding not resolved by 7.3.6: %+v", f)
		}

		// Audit: the rule is in the trail with its author.
		evs, err := s.ListAudit(ctx, store.AuditFilter{Action: "rule.create", Actor: "user:alice"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("%d rule.create events by alice, want 1", len(evs))
		}
	})
}

// TestFeedDeltaRematchesOnlyTouched imports a changed record and checks that
// only the components of its package are matched again.
func TestFeedDeltaRematchesOnlyTouched(t *testing.T) {
	s := storetest.SQLite(t)
	w := newWorld(t, s)
	w.importPath(sharedtest.Path(t, "go-vulndb", "data", "osv"), "")
	rel := w.release(w.branches[0], "7.3.5", product.Published)
	all := w.importSBOM(rel, sharedtest.Path(t, "peer-outputs", "sbom-mailpit-gobinary.cdx.json"))
	if all.Components < 50 || all.Findings == 0 {
		t.Fatalf("mailpit SBOM: %+v", all)
	}
	// One record of golang.org/x/text, changed.
	data := readFile(t, sharedtest.Path(t, "go-vulndb", "data", "osv", "GO-2026-5970.json"))
	dir := t.TempDir()
	writeFile(t, dir, "GO-2026-5970.json", strings.Replace(data, `"summary": "`, `"summary": "Changed: `, 1))
	runs := w.importPath(dir, "osv")
	if len(runs) != 1 || runs[0].Updated != 1 || runs[0].Added != 0 {
		t.Fatalf("delta runs = %+v", runs)
	}
	if runs[0].Rematched != 1 {
		t.Errorf("delta rematched %d components, want 1 (golang.org/x/text)", runs[0].Rematched)
	}
	if !strings.HasPrefix(w.findings(rel)["golang.org/x/text "+findVuln(w.findings(rel), "golang.org/x/text")].Summary, "Changed: ") {
		t.Error("the changed summary did not reach the finding")
	}
}

// TestKEVDeltaRematchesTheFindingsNamingIt: a KEV entry, which matches no
// component itself, arriving after the SBOM makes the findings that name its
// CVE exploited; only the components of the records naming the CVE are
// matched again, whatever else the store holds.
func TestKEVDeltaRematchesTheFindingsNamingIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		dir := t.TempDir()
		w.clk.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
		w.importPath(sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), "")
		w.importPath(writeFile(t, dir, "tracker.json", trackerJSON), "")
		rel := w.release(w.branches[0], "7.3.5", product.Published)
		if st := w.importSBOM(rel, sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")); st.Components != 3 {
			t.Fatalf("SBOM: %+v", st)
		}
		before, ok := w.findings(rel)["xorg-server CVE-2023-1393"]
		if !ok || before.Exploited {
			t.Fatalf("before the KEV entry: xorg finding %v, exploited %v", ok, before.Exploited)
		}
		runs := w.importPath(writeFile(t, dir, "kev.json", kevJSON), "")
		if len(runs) != 1 || runs[0].Added != 1 {
			t.Fatalf("KEV runs = %+v", runs)
		}
		if runs[0].Rematched != 2 {
			t.Errorf("the KEV entry rematched %d components, want 2 (the two xorg-server versions)", runs[0].Rematched)
		}
		after := w.findings(rel)
		if x := after["xorg-server CVE-2023-1393"]; !x.Exploited || x.ExploitedSince == nil {
			t.Errorf("after the KEV entry: xorg finding exploited %v since %v", x.Exploited, x.ExploitedSince)
		}
		// What the delta left is what a full rematch gives.
		if _, err := w.svc.Rematch(w.ctx, casework.System); err != nil {
			t.Fatal(err)
		}
		full := w.findings(rel)
		if diff := cmp.Diff(full, after); diff != "" {
			t.Errorf("findings after the KEV delta differ from a full rematch (-full +delta):\n%s", diff)
		}
	})
}

// TestFeedImportFailureKeepsData: a batch that cannot be stored leaves the
// previous data and is recorded as a failed run.
func TestFeedImportFailureKeepsData(t *testing.T) {
	s := storetest.SQLite(t)
	w := newWorld(t, s)
	w.importPath(sharedtest.Path(t, "go-vulndb", "data", "osv"), "")
	before, err := s.CountRecords(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	batches, err := upstream.ReadPath(w.ctx, sharedtest.Path(t, "rustsec-osv", "crates"), "")
	if err != nil {
		t.Fatal(err)
	}
	// One record the store refuses (an ID beyond its bound) fails the whole batch.
	b := batches[0]
	bad := b.Records[0]
	bad.ID = strings.Repeat("X", 300)
	b.Records = append(b.Records, bad)
	run, err := w.svc.ImportFeed(w.ctx, casework.System, "import", b)
	if err == nil || run.State != "failed" || run.Error == "" || run.Added != 0 {
		t.Fatalf("refused import: run %+v, err %v", run, err)
	}
	after, err := s.CountRecords(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("records per feed %v after a failed import, want %v", after, before)
	}
	rs, err := w.svc.FeedRuns(w.ctx, "", 10)
	if err != nil || len(rs) == 0 || rs[0].State != "failed" {
		t.Errorf("feed runs = %+v, %v", rs, err)
	}
}

func findVuln(fs map[string]finding.Finding, pkg string) string {
	for _, f := range fs {
		if f.Component.Package == pkg {
			return f.Vuln
		}
	}
	return ""
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustClock(t *testing.T, p *policy.Policy, id string) policy.Clock {
	t.Helper()
	c, ok := p.Clock(id)
	if !ok {
		t.Fatalf("policy has no clock %s", id)
	}
	return c
}

// TestCPEMatchingOptIn: a component without a purl matches NVD's CPE
// configurations only when CPE matching is asked for.
func TestCPEMatchingOptIn(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	log4shell := vuln.Record{ID: "CVE-2021-44228", Source: vuln.SourceNVD, Summary: "Log4Shell",
		Published: time.Date(2021, 12, 10, 0, 0, 0, 0, time.UTC), Modified: time.Date(2025, 4, 3, 0, 0, 0, 0, time.UTC),
		Severity: []vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Source: "nvd@nist.gov"}},
		Configurations: []vuln.Configuration{{Nodes: []vuln.Node{{Operator: "OR", Matches: []vuln.CPEMatch{
			{Vulnerable: true, Criteria: "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", VersionStartIncluding: "2.13.0", VersionEndExcluding: "2.15.0"}}}}}}}
	if _, err := w.svc.ImportFeed(w.ctx, casework.System, "import", upstream.Batch{Feed: "nvd", Source: vuln.SourceNVD, Format: upstream.FormatNVD,
		Location: "test", Records: []vuln.Record{log4shell}}); err != nil {
		t.Fatal(err)
	}
	doc := &sbom.SBOM{Format: sbom.CycloneDXJSON, Name: "appliance", Components: []sbom.Component{
		{Name: "log4j", Version: "2.14.1", CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", Ref: "log4j"},
		{Name: "log4j", Version: "2.17.1", CPE: "cpe:2.3:a:apache:log4j:2.17.1:*:*:*:*:*:*:*", Ref: "log4j-new"}}}
	off, err := w.svc.Scan(w.ctx, doc, casework.ScanOptions{})
	if err != nil || len(off) != 0 {
		t.Fatalf("scan without CPE matching: %+v %v", off, err)
	}
	on, err := w.svc.Scan(w.ctx, doc, casework.ScanOptions{CPE: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(on) != 1 || on[0].Vuln != "CVE-2021-44228" || on[0].Component.Version != "2.14.1" || on[0].FixedVersion != "2.15.0" ||
		on[0].SeverityName != "critical" || on[0].Component.Ecosystem != "CPE" {
		t.Fatalf("scan with CPE matching = %+v", on)
	}
	// The same through a release, with the service's opt-in.
	w.svc.CPEMatching = true
	rel := w.release(w.branches[0], "7.3.5", product.Published)
	if _, _, err := w.svc.ImportSBOM(w.ctx, alice, casework.SBOMInput{ReleaseID: rel.ID, Doc: doc, SHA256: "00"}); err != nil {
		t.Fatal(err)
	}
	if fs := w.findings(rel); len(fs) != 1 {
		t.Errorf("release findings with CPE matching: %v", keys(fs))
	}
}

package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/csaf/csaftest"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// The demo release whose VEX the tests follow, and its documents.
const (
	vexCSAF    = "/.well-known/csaf/white/2026/vigil-vex-scheduler-2_7_2.json"
	vexOpenVEX = "/vex/scheduler-2.7.2.openvex.json"
	vexCDX     = "/vex/scheduler-2.7.2.cdx.json"
)

// releaseOf finds a demo release of the scheduler by version.
func releaseOf(t *testing.T, s *store.Store, version string) product.Release {
	t.Helper()
	ctx := context.Background()
	p, err := s.ProductBySlug(ctx, "scheduler")
	if err != nil {
		t.Fatal(err)
	}
	bs, err := s.ListBranches(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		rs, err := s.ListReleases(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Version.String() == version {
				return r
			}
		}
	}
	t.Fatalf("no release %s", version)
	return product.Release{}
}

// history is the revision history summaries of the release's CSAF VEX
// document, and the revisions of its three files.
func history(t *testing.T, s *store.Store) ([]string, [3]int) {
	t.Helper()
	ctx := context.Background()
	var revs [3]int
	var doc struct {
		Document struct {
			Tracking struct {
				RevisionHistory []struct {
					Summary string `json:"summary"`
				} `json:"revision_history"`
			} `json:"tracking"`
		} `json:"document"`
	}
	for i, p := range []string{vexCSAF, vexOpenVEX, vexCDX} {
		f, err := s.FileAt(ctx, p, 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		revs[i] = f.Revision
		if i == 0 {
			if err := json.Unmarshal(f.Content, &doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out []string
	for _, h := range doc.Document.Tracking.RevisionHistory {
		out = append(out, h.Summary)
	}
	return out, revs
}

// validateVEX checks the release's three VEX documents against their
// schemas and, with external set, the CSAF one with csaf_validator and
// Secvisogram.
func validateVEX(t *testing.T, s *store.Store, external bool) {
	t.Helper()
	ctx := context.Background()
	sch := schemas(t)
	dir := t.TempDir()
	for _, p := range []string{vexCSAF, vexOpenVEX, vexCDX} {
		f, err := s.FileAt(ctx, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Content))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if err := sch[f.Kind].Validate(doc); err != nil {
			t.Errorf("%s is not a valid %s document: %v", p, f.Kind, err)
		}
		if f.Kind == publish.KindCSAFVEX && external {
			file := filepath.Join(dir, path.Base(p))
			if err := os.WriteFile(file, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			csaftest.CSAFValidator(t, []string{file})
			csaftest.Secvisogram(t, []string{file})
		}
	}
}

// TestFindingsVEX: the findings of every status of a published release
// join its VEX documents, valid in every format; publishing again without a
// change adds no revision; a changed status adds exactly one.
func TestFindingsVEX(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	svc, _ := demo(t, s)
	rel, fix := releaseOf(t, s, "2.7.2"), releaseOf(t, s, "2.7.3")
	before, revs := history(t, s)

	comp := func(name, version, purl, eco string) finding.Component {
		return finding.Component{Name: name, Version: version, PURL: purl, Ecosystem: eco, Package: name}
	}
	fs := []finding.Finding{
		{Vuln: "CVE-2024-24790", Aliases: []string{"GO-2024-2887"}, Records: []string{"osv:GO-2024-2887"}, Status: finding.Affected,
			Summary: "Unexpected behavior from Is methods for IPv4-mapped IPv6 addresses in net/netip", Component: comp("stdlib", "1.22.3", "pkg:golang/stdlib@1.22.3", "Go"),
			Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FixedVersion: "1.22.4", ResolvedBy: fix.ID, ResolvedAt: &now,
			StatusNote: "the component's version is in an affected range of osv:GO-2024-2887"},
		{Vuln: "CVE-2023-45853", Records: []string{"debian:CVE-2023-45853"}, Status: finding.NotAffected, Justification: finding.VulnerableCodeNotInExecutePath,
			Component:  comp("zlib", "1:1.2.13.dfsg-1", "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?distro=debian-12", "Debian:12"),
			StatusNote: advisorytest.HostileNote},
		{Vuln: "CVE-2023-44487", Aliases: []string{"GO-2023-2102"}, Records: []string{"osv:GO-2023-2102"}, Status: finding.UnderInvestigation,
			Component: comp("golang.org/x/net", "v0.15.0", "pkg:golang/golang.org/x/net@v0.15.0", "Go"), StatusNote: "rule 4: other: being reviewed"},
		{Vuln: "GO-2099-0001", Records: []string{"osv:GO-2099-0001"}, Status: finding.Fixed,
			Component: comp("example.com/queue", "", "pkg:golang/example.com/queue", "Go"), FixedVersion: "1.5.0"},
	}
	for i := range fs {
		fs[i].ReleaseID, fs[i].DetectedAt, fs[i].Severity = rel.ID, now, 3
		fs[i].SeverityName = "high"
	}
	publishFindings := func(at time.Time) {
		t.Helper()
		if err := s.InTx(ctx, func(tx *store.Store) error {
			if _, _, _, err := tx.SyncFindings(ctx, rel.ID, nil, fs); err != nil {
				return err
			}
			return publish.ReleaseFindingsChanged(ctx, tx, *svc.Renderer, []int64{rel.ID}, at)
		}); err != nil {
			t.Fatal(err)
		}
	}
	publishFindings(now.Add(time.Hour))
	after, revs1 := history(t, s)
	if len(after) != len(before)+1 || revs1 != [3]int{revs[0] + 1, revs[1] + 1, revs[2] + 1} {
		t.Fatalf("history %d -> %d entries, files %v -> %v: want one more each", len(before), len(after), revs, revs1)
	}
	last := after[len(after)-1]
	if !strings.Contains(last, "Upstream vulnerabilities of components: 1 affected, 1 under investigation, 1 not affected, 1 fixed (digest ") {
		t.Errorf("summary %q", last)
	}
	validateVEX(t, s, true)

	f, err := s.FileAt(ctx, vexCSAF, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"category": "default_component_of"`, `"purl": "pkg:golang/stdlib@1.22.3"`,
		"Update Acme Job Scheduler to 2.7.3 or later, which no longer has stdlib vulnerable to CVE-2024-24790.",
		`"label": "vulnerable_code_not_in_execute_path"`, `"cve": "CVE-2023-44487"`} {
		if !strings.Contains(string(f.Content), want) {
			t.Errorf("the CSAF VEX lacks %s", want)
		}
	}

	publishFindings(now.Add(2 * time.Hour))
	if again, revs2 := history(t, s); len(again) != len(after) || revs2 != revs1 {
		t.Errorf("publishing unchanged findings: history %d -> %d, files %v -> %v", len(after), len(again), revs1, revs2)
	}

	fs[2].Status, fs[2].Justification, fs[2].StatusNote = finding.NotAffected, finding.ComponentNotPresent, "rule 5: other: not shipped"
	publishFindings(now.Add(3 * time.Hour))
	if changed, revs3 := history(t, s); len(changed) != len(after)+1 || revs3[0] != revs1[0]+1 ||
		!strings.Contains(changed[len(changed)-1], "1 affected, 2 not affected, 1 fixed") {
		t.Errorf("after a status change: history %d -> %d (%q), files %v -> %v", len(after), len(changed), changed[len(changed)-1], revs1, revs3)
	}
}

// TestRuleChangesVEX follows the VEX of a published release through the
// case service: an SBOM import and a feed import give it a finding; a rule
// that changes the finding's status adds exactly one revision; a rematch
// that changes nothing adds none; revoking the rule adds one.
func TestRuleChangesVEX(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	svc, _ := demo(t, s)
	rel := releaseOf(t, s, "2.7.2")
	rec := vuln.Record{ID: "GO-2099-0001", Source: vuln.SourceOSV, Aliases: []string{"CVE-2099-12345"},
		Summary: "Queue entries can be read across tenants", Published: now, Modified: now,
		Severity: []vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}},
		Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/queue",
			Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.5.0"}}}}}}}
	if _, err := svc.ImportFeed(ctx, casework.System, "import", upstream.Batch{Feed: "osv/Go", Source: vuln.SourceOSV,
		Format: upstream.FormatOSV, Location: "test", Records: []vuln.Record{rec}}); err != nil {
		t.Fatal(err)
	}
	doc := &sbom.SBOM{Name: "scheduler-2.7.2", Format: "cyclonedx-json", SpecVersion: "1.6", Components: []sbom.Component{
		{Name: "example.com/queue", Version: "v1.4.0", PURL: "pkg:golang/example.com/queue@v1.4.0", Ecosystem: "Go", Package: "example.com/queue"}}}
	if _, _, err := svc.ImportSBOM(ctx, casework.System, casework.SBOMInput{ReleaseID: rel.ID, Doc: doc, SHA256: "00"}); err != nil {
		t.Fatal(err)
	}
	h0, _ := history(t, s)
	if last := h0[len(h0)-1]; !strings.Contains(last, "1 affected") {
		t.Fatalf("after the SBOM import the VEX says %q", last)
	}
	svc.Now = func() time.Time { return now.Add(time.Hour) }
	rule, _, err := svc.CreateRule(ctx, casework.System, finding.Rule{Product: "scheduler", Ecosystem: "Go", Package: "example.com/queue",
		Status: finding.NotAffected, Justification: finding.VulnerableCodeNotInExecutePath, Reason: finding.FeatureNotUsed,
		Note: `the scheduler never reads queues of other tenants </script><script>alert("x")</script>`})
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := history(t, s)
	if len(h1) != len(h0)+1 || !strings.Contains(h1[len(h1)-1], "1 not affected") {
		t.Errorf("the rule: history %d -> %d entries (%q)", len(h0), len(h1), h1[len(h1)-1])
	}
	validateVEX(t, s, false) // the validators saw the same kinds of statement in TestFindingsVEX
	svc.Now = func() time.Time { return now.Add(2 * time.Hour) }
	if _, err := svc.Rematch(ctx, casework.System); err != nil {
		t.Fatal(err)
	}
	if h2, _ := history(t, s); len(h2) != len(h1) {
		t.Errorf("a rematch that changed nothing: history %d -> %d entries", len(h1), len(h2))
	}
	svc.Now = func() time.Time { return now.Add(3 * time.Hour) }
	if _, _, err := svc.RevokeRule(ctx, casework.System, rule.ID); err != nil {
		t.Fatal(err)
	}
	if h3, _ := history(t, s); len(h3) != len(h1)+1 || !strings.Contains(h3[len(h3)-1], "1 affected") {
		t.Errorf("revoking the rule: history %d -> %d entries", len(h1), len(h3))
	}
}

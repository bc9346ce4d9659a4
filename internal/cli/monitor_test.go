package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// TestScanExitCodes: vigil scan as a CI step, its outputs and exit codes.
func TestScanExitCodes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	bullseye := sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")

	// No data imported yet: the scan cannot run (3) and says why.
	if code, _, errs := vigil(t, nil, "scan", "--data", data, bullseye); code != exitScanError || !strings.Contains(errs, "schema") && !strings.Contains(errs, "no vulnerability data") {
		t.Errorf("scan before any import: %d %q", code, errs)
	}
	if code, out, errs := vigil(t, nil, "feed", "import", "--data", data, sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")); code != 0 || !strings.Contains(out, "osv/Debian") {
		t.Fatalf("feed import: %d %s %s", code, out, errs)
	}

	// Both findings are medium (no score: the default policy's unscored
	// severity), so the threshold decides.
	for _, c := range []struct {
		failOn string
		code   int
	}{{"low", exitFindings}, {"medium", exitFindings}, {"high", 0}, {"critical", 0}, {"off", 0}} {
		code, out, errs := vigil(t, nil, "scan", "--data", data, "--fail-on", c.failOn, bullseye)
		if code != c.code {
			t.Errorf("--fail-on %s: exit %d, want %d: %s", c.failOn, code, c.code, errs)
		}
		if !strings.Contains(out, "DSA-5343-1") || !strings.Contains(out, "CVE-2023-1393") || !strings.Contains(out, "2 medium") {
			t.Errorf("--fail-on %s: table lacks the findings:\n%s", c.failOn, out)
		}
	}

	code, out, errs := vigil(t, nil, "scan", "--data", data, "--format", "json", "--fail-on", "off", bullseye)
	if code != 0 {
		t.Fatalf("json: %d %s", code, errs)
	}
	var res ScanOutput
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if res.SBOM.Components != 3 || len(res.Findings) != 2 || res.SBOM.SHA256 == "" {
		t.Errorf("json output = %+v", res)
	}
	for _, f := range res.Findings {
		if f.Status != "affected" || f.SeverityName != "medium" || f.FixedVersion == "" || f.DueAt == nil {
			t.Errorf("finding %s: %+v", f.Vuln, f)
		}
	}

	// Usage errors (2) and bad input (3), each named.
	if code, _, errs := vigil(t, nil, "scan", "--data", data, "--fail-on", "severe", bullseye); code != 2 || !strings.Contains(errs, "fail-on") {
		t.Errorf("bad --fail-on: %d %q", code, errs)
	}
	if code, _, _ := vigil(t, nil, "scan", "--data", data); code != 2 {
		t.Errorf("no SBOM: %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.cdx.json")
	os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [`), 0o644)
	if code, _, errs := vigil(t, nil, "scan", "--data", data, bad); code != exitScanError || !strings.Contains(errs, "bad.cdx.json") {
		t.Errorf("truncated SBOM: %d %q", code, errs)
	}
}

// TestSBOMFindingsRulesAndPlan drives a product release through the
// command line: its SBOM, its findings, a rule and the plan.
func TestSBOMFindingsRulesAndPlan(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if code, _, errs := vigil(t, nil, "demo", "--data", data); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	if code, _, errs := vigil(t, nil, "feed", "import", "--data", data, sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")); code != 0 {
		t.Fatalf("feed import: %s", errs)
	}
	svc, closeStore, err := service(t.Context(), &env{getenv: func(string) string { return "" }, now: time.Now}, Config{Data: data}, false)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's first product and its latest published release.
	products, err := svc.Store.ListProducts(t.Context())
	if err != nil || len(products) == 0 {
		t.Fatal(err)
	}
	slug, version := latestPublished(t, svc, products[0].ID)
	closeStore()

	bullseye := sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")
	code, out, errs := vigil(t, nil, "sbom", "import", "--data", data, "--product", slug, "--release", version, bullseye)
	if code != 0 || !strings.Contains(out, "3 components") || !strings.Contains(out, "2 findings") {
		t.Fatalf("sbom import: %d %s %s", code, out, errs)
	}
	if code, _, errs := vigil(t, nil, "sbom", "import", "--data", data, "--product", slug, "--release", "99.0.0", bullseye); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("sbom import to an unknown release: %d %q", code, errs)
	}
	code, out, _ = vigil(t, nil, "findings", "list", "--data", data, "--product", slug, "--open")
	if code != 0 || !strings.Contains(out, "DSA-5343-1") || !strings.Contains(out, "2 of 2 findings") {
		t.Fatalf("findings list: %d\n%s", code, out)
	}
	// A rule without a justification is refused with every problem named.
	code, _, errs = vigil(t, nil, "findings", "rule", "--data", data, "--product", slug, "--from", version, "--vuln", "DSA-5343-1",
		"--reason", "feature_not_used", "--author", "alice")
	if code != 1 || !strings.Contains(errs, "justification") || !strings.Contains(errs, "note") {
		t.Errorf("incomplete rule: %d %q", code, errs)
	}
	code, out, errs = vigil(t, nil, "findings", "rule", "--data", data, "--product", slug, "--from", version, "--vuln", "DSA-5343-1",
		"--justification", "vulnerable_code_not_in_execute_path", "--reason", "feature_not_used", "--note", "No X.400 names are parsed.", "--author", "alice")
	if code != 0 || !strings.Contains(out, "rule 1 created") {
		t.Fatalf("rule: %d %s %s", code, out, errs)
	}
	code, out, _ = vigil(t, nil, "findings", "list", "--data", data, "--product", slug, "--open")
	if code != 0 || strings.Contains(out, "DSA-5343-1") || !strings.Contains(out, "1 of 1 findings") {
		t.Errorf("after the rule the openssl finding is still open:\n%s", out)
	}
	code, out, _ = vigil(t, nil, "findings", "plan", "--data", data)
	var plans []struct {
		Next     string  `json:"next"`
		Kind     string  `json:"kind"`
		Findings []int64 `json:"findings"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &plans) != nil || len(plans) != 1 || len(plans[0].Findings) != 1 {
		t.Errorf("plan: %d %s", code, out)
	}
	if code, out, _ := vigil(t, nil, "findings", "revoke", "--data", data, "1"); code != 0 || !strings.Contains(out, "rule 1 revoked") {
		t.Errorf("revoke: %d %s", code, out)
	}
	if code, out, _ := vigil(t, nil, "feed", "runs", "--data", data); code != 0 || !strings.Contains(out, "osv/Debian") {
		t.Errorf("feed runs: %d %s", code, out)
	}
}

// latestPublished is the highest published release of a maintained branch
// of the product.
func latestPublished(t *testing.T, svc *casework.Service, productID int64) (slug, version string) {
	t.Helper()
	p, err := svc.Store.ProductByID(t.Context(), productID)
	if err != nil {
		t.Fatal(err)
	}
	branches, err := svc.Store.ListBranches(t.Context(), productID)
	if err != nil {
		t.Fatal(err)
	}
	var best *product.Release
	for _, b := range branches {
		if b.Status != product.Maintained {
			continue
		}
		rs, err := svc.Store.ListReleases(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			if r.State == product.Published && (best == nil || r.Version.Compare(best.Version) > 0) {
				best = &rs[i]
			}
		}
	}
	if best == nil {
		t.Fatalf("product %s has no published release on a maintained branch", p.Slug)
	}
	return p.Slug, best.Version.String()
}

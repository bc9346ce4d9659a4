package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// TestOSVScanner gives osv-scanner (v2.6.0, installed in .tools by .ci/run)
// the demo's records as its offline database and an SBOM holding affected
// and fixed releases of the demo product: it must report exactly the
// affected releases, each with the advisory. A withdrawn advisory on the
// same product sits in the database too and must never be reported.
func TestOSVScanner(t *testing.T) {
	tool := sharedtest.Tool(t, "osv-scanner")
	pub := advisorytest.Publisher()
	dir := t.TempDir()

	adv := advisorytest.Advisory()
	gone := advisorytest.Advisory()
	gone.ID = "VIGIL-SA-2026-002"
	for i := range gone.Revisions {
		gone.Revisions[i].AdvisoryID = gone.ID
	}
	withdraw(&gone)
	var records []Vulnerability
	for _, a := range []advisory.Advisory{adv, gone} {
		v, err := FromAdvisory(pub, a)
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, v)
	}
	// osv-scanner 2.6.0 reads DIR/osv-scalibr/<ecosystem>/all.zip, a zip of
	// one JSON record per file, and never fetches anything with --offline.
	db := filepath.Join(dir, "db")
	writeDB(t, filepath.Join(db, "osv-scalibr", Ecosystem, "all.zip"), records)

	want := map[string][]string{}
	var components []map[string]string
	for _, rel := range advisorytest.Releases() {
		purl, err := PURL(pub, rel.ProductSlug, rel.Version)
		if err != nil {
			t.Fatal(err)
		}
		group, _ := GroupID(pub)
		components = append(components, map[string]string{
			"type": "application", "bom-ref": purl, "group": group, "name": rel.ProductSlug,
			"version": rel.Version, "purl": purl,
		})
		if rel.Statements[0].Status == advisory.StatusAffected {
			want[rel.Version] = []string{ID(adv.ID)}
		}
	}
	if len(want) != 3 || len(components) != 5 {
		t.Fatalf("the fixture changed: %d affected of %d releases, want 3 of 5", len(want), len(components))
	}
	got, stderr := scan(t, tool, dir, components)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("osv-scanner findings per version (-want +got):\n%s\nstderr:\n%s", diff, stderr)
	}
}

// TestOSVScannerIdentity pins what the package documentation says about
// the product's identity in an SBOM: a component of an affected release is
// not matched under a generic purl, nor under its display name.
func TestOSVScannerIdentity(t *testing.T) {
	tool := sharedtest.Tool(t, "osv-scanner")
	pub := advisorytest.Publisher()
	dir := t.TempDir()
	v, err := FromAdvisory(pub, advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	writeDB(t, filepath.Join(dir, "db", "osv-scalibr", Ecosystem, "all.zip"), []Vulnerability{v})
	purl, err := PURL(pub, "scheduler", "2.7.2")
	if err != nil {
		t.Fatal(err)
	}
	got, stderr := scan(t, tool, dir, []map[string]string{
		{"type": "application", "bom-ref": "generic", "name": "scheduler", "version": "2.7.2", "purl": "pkg:generic/acme/scheduler@2.7.2"},
		{"type": "application", "bom-ref": "display", "name": "Acme Job Scheduler", "version": "2.7.2", "purl": purl},
	})
	if len(got) != 0 {
		t.Errorf("findings %v; the package documentation is out of date\n%s", got, stderr)
	}
}

// scan runs osv-scanner offline on an SBOM of the components with the
// database in dir/db, and returns the IDs it reports per version.
func scan(t *testing.T, tool, dir string, components []map[string]string) (map[string][]string, string) {
	t.Helper()
	sbom, err := json.MarshalIndent(map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	sbomPath := filepath.Join(dir, "sbom.cdx.json")
	if err := os.WriteFile(sbomPath, sbom, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, "scan", "source", "--offline", "-L", sbomPath, "--format", "json")
	cmd.Env = append(os.Environ(), "OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="+filepath.Join(dir, "db"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// osv-scanner exits 1 when it found vulnerabilities, 0 when it found none.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("osv-scanner: %v\n%s", err, stderr.Bytes())
	}
	var out struct {
		Results []struct {
			Packages []struct {
				Package struct {
					Name, Version, Ecosystem string
				}
				Vulnerabilities []struct {
					ID      string
					Aliases []string
				}
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("osv-scanner output: %v\n%s\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	got := map[string][]string{}
	for _, r := range out.Results {
		for _, p := range r.Packages {
			if p.Package.Ecosystem != Ecosystem || p.Package.Name != "scheduler" {
				t.Errorf("reported package %+v, want the demo product in %s", p.Package, Ecosystem)
			}
			for _, v := range p.Vulnerabilities {
				got[p.Package.Version] = append(got[p.Package.Version], v.ID)
				if !slices.Contains(v.Aliases, "CVE-2026-41001") {
					t.Errorf("%s %s: aliases %v lack the CVE", p.Package.Version, v.ID, v.Aliases)
				}
			}
		}
	}
	return got, stderr.String()
}

// writeDB writes records as osv-scanner's offline database archive.
func writeDB(t *testing.T, path string, records []Vulnerability) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, v := range records {
		b, err := Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(v.ID + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

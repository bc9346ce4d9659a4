package cli

// The side-by-side comparison of `vigil scan` with osv-scanner (issue 5,
// "Compared with the peer"): both tools run as whole processes on the same
// SBOMs and the same OSV data, and must report the same vulnerabilities of
// the same packages, except for the differences listed in peerDifferences,
// each explained. BenchmarkCompareOSVScanner times both (figures in
// docs/benchmarks.md).

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// peerSBOMs are the SBOMs both tools scan: the peer outputs of the shared
// test data, then the ones generated for this comparison (testdata/sboms,
// see its README).
var peerSBOMs = []string{
	"peer-outputs/test-bullseye-3pkgs.cdx.json",
	"peer-outputs/sbom-mailpit-gobinary.cdx.json",
	"peer-outputs/sbom-debian-host.cdx.json",
	"peer-outputs/sbom-debian-host.spdx.json",
	"peer-outputs/sbom-debootstrap-bullseye-minbase.cdx.json",
	"testdata/sboms/osv-scanner-gobinary.cdx.json",
	"testdata/sboms/python-requirements.cdx.json",
	"testdata/sboms/rust-cargo-lock.cdx.json",
	"testdata/sboms/go-stdlib-go1.26.5.cdx.json",
	"testdata/sboms/debian-11.11-openssl.cdx.json",
}

// peerDifference is one explained difference between the findings of
// osv-scanner and vigil on one SBOM.
type peerDifference struct {
	SBOM string // base name of the SBOM
	// Side is who reports it: "osv-scanner" (vigil does not), "vigil"
	// (osv-scanner does not) or "grouping" (both report the records, grouped
	// differently).
	Side string
	// Package is "ecosystem|package|version" as normalised by peerKey.
	Package string
	// IDs are the record IDs concerned; empty for every record of the
	// package on that side.
	IDs []string
	Why string
}

// peerDifferences lists every difference the comparison finds, each with its
// reason. A difference not listed fails the test, and so does a listed one
// that no longer occurs.
var peerDifferences = []peerDifference{
	// osv-scanner matches the standard library by the CycloneDX version
	// syft writes, "go1.26.8", not by the purl's 1.26.8. Its Go version
	// parser (osv-scalibr's semantic package) orders "go1.26.8" below every
	// version, so every stdlib range that starts at "0" matches: it reports
	// all 149 such records of the Go database, GO-2021-0142 (fixed in
	// 1.13.15) included. No stdlib record affects 1.26.8 or 1.27.4 (their
	// ranges end at 1.26.6 and 1.27.0-rc.3); vigil is right.
	{SBOM: "sbom-mailpit-gobinary.cdx.json", Side: "osv-scanner", Package: "Go|stdlib|1.26.8",
		Why: "osv-scanner orders the version \"go1.26.8\" below every version"},
	{SBOM: "osv-scanner-gobinary.cdx.json", Side: "osv-scanner", Package: "Go|stdlib|1.27.4",
		Why: "osv-scanner orders the version \"go1.27.4\" below every version"},
	// The same with go1.26.5, which eight records do affect (fixed in
	// 1.26.6): osv-scanner reports all 149 records whose stdlib range starts
	// at "0" (seven of the eight among them) and misses GO-2026-5942, whose
	// range starts at 1.26.0-0, above what it takes "go1.26.5" for. vigil
	// reports exactly the eight (it reported none before 83766b2 taught
	// match the "go" prefix of the distribution's versions).
	{SBOM: "go-stdlib-go1.26.5.cdx.json", Side: "osv-scanner", Package: "Go|stdlib|1.26.5",
		Why: "osv-scanner orders the version \"go1.26.5\" below every version"},
	{SBOM: "go-stdlib-go1.26.5.cdx.json", Side: "vigil", Package: "Go|stdlib|1.26.5", IDs: []string{"GO-2026-5942"},
		Why: "osv-scanner orders \"go1.26.5\" below the range's introduced 1.26.0-0"},
	// PYSEC-2022-304 (CVE-2022-41323) affects Django from 3.2 up to 3.2.16
	// by its ECOSYSTEM range, and 3.2.0 is 3.2 (PEP 440). Its entry lists
	// a GIT range first; osv-scalibr's rangeAffectsVersion returns false at
	// the first range that is not ECOSYSTEM or SEMVER instead of skipping it,
	// so osv-scanner only tries the explicit versions list, which has "3.2"
	// but not "3.2.0". It does report the record for version "3.2". vigil is
	// right.
	// syft writes the point release of /etc/debian_version into the purl
	// (distro=debian-11.11, as in the minbase SBOM). osv-scanner reports
	// nothing for such a purl, though it reports DSA-5343-1 for the same
	// openssl with distro=debian-11 (test-bullseye-3pkgs): the data has
	// "Debian:11", not "Debian:11.11". vigil scopes a Debian component to
	// its release (match.DebianRelease: "debian-11.11" is 11) and is right.
	// On the real minbase SBOM this makes no difference only because its
	// 11.11 versions are newer than every fix of the 2023-04-02 data.
	{SBOM: "debian-11.11-openssl.cdx.json", Side: "vigil", Package: "Debian:11|openssl|1.1.1n-0+deb11u3", IDs: []string{"DSA-5343-1"},
		Why: "osv-scanner does not reduce distro=debian-11.11 to the release Debian:11"},
	{SBOM: "python-requirements.cdx.json", Side: "vigil", Package: "PyPI|django|3.2.0", IDs: []string{"PYSEC-2022-304"},
		Why: "osv-scanner stops at the GIT range listed before the ECOSYSTEM range"},
}

// peerFixture is what every comparison needs once per test binary: vigil
// built, osv-scanner's offline database laid out, and that data imported into
// a vigil data directory.
type peerFixture struct {
	vigil      string   // the vigil binary
	osvScanner string   // .tools/osv-scanner
	dbDir      string   // OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY
	zips       []string // the all.zip files, one per ecosystem
	data       string   // a vigil data directory holding the import of zips
	importTime time.Duration
}

var (
	peerOnce    sync.Once
	peerFix     *peerFixture
	peerErr     error
	peerTempDir string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if peerTempDir != "" {
		os.RemoveAll(peerTempDir)
	}
	os.Exit(code)
}

// peer returns the comparison fixture, building it on first use. It skips
// locally when osv-scanner or the shared data is missing (CI fails instead).
func peer(tb testing.TB) *peerFixture {
	tb.Helper()
	osvScanner := sharedtest.Tool(tb, "osv-scanner")
	testdata := sharedtest.Path(tb)
	root := sharedtest.Root(tb)
	peerOnce.Do(func() {
		peerFix, peerErr = newPeerFixture(root, testdata, osvScanner)
	})
	if peerErr != nil {
		tb.Fatalf("comparison fixture: %v", peerErr)
	}
	return peerFix
}

func newPeerFixture(root, testdata, osvScanner string) (*peerFixture, error) {
	dir, err := os.MkdirTemp("", "vigil-peer-")
	if err != nil {
		return nil, err
	}
	peerTempDir = dir
	f := &peerFixture{osvScanner: osvScanner, dbDir: filepath.Join(dir, "osv-db"), vigil: filepath.Join(dir, "vigil")}
	// A static binary, as a release of vigil is built (README) and as
	// .ci/run builds osv-scanner: no dynamic loader or libc to start.
	build := exec.Command("go", "build", "-o", f.vigil, "./cmd/vigil")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build vigil: %v\n%s", err, out)
	}
	if f.zips, err = layoutOfflineDB(testdata, f.dbDir); err != nil {
		return nil, fmt.Errorf("lay out the offline database: %w", err)
	}
	f.data = filepath.Join(dir, "data")
	start := time.Now()
	if _, err := f.importInto(f.data); err != nil {
		return nil, err
	}
	f.importTime = time.Since(start)
	return f, nil
}

// importInto runs `vigil feed import` of the offline database's zips into a
// data directory.
func (f *peerFixture) importInto(data string) (string, error) {
	args := append([]string{"feed", "import", "--data", data}, f.zips...)
	cmd := exec.Command(f.vigil, args...)
	cmd.Env = vigilEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("vigil %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// vigilEnv is the environment without VIGIL_* variables, so that the
// developer's own configuration cannot change the comparison.
func vigilEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIGIL_") {
			env = append(env, kv)
		}
	}
	return env
}

// layoutOfflineDB lays out the shared OSV data as osv-scanner's offline
// database in dir, as ../shared/tools/build-osv-offline-db does (without
// needing the zip program): dir/osv-scalibr/<Ecosystem>/all.zip. It returns
// the zip files.
func layoutOfflineDB(testdata, dir string) ([]string, error) {
	sources := []struct {
		eco, src string
		flat     bool // zip -j: entries without their directories
	}{
		{"Go", "go-vulndb/data/osv", false},
		{"crates.io", "rustsec-osv/crates", false},
		{"PyPI", "pypa-advisory-db/vulns-json", true},
	}
	var zips []string
	for _, s := range sources {
		out := filepath.Join(dir, "osv-scalibr", s.eco, "all.zip")
		if err := zipTree(filepath.Join(testdata, s.src), out, s.flat); err != nil {
			return nil, fmt.Errorf("%s: %w", s.eco, err)
		}
		zips = append(zips, out)
	}
	debian := filepath.Join(dir, "osv-scalibr", "Debian", "all.zip")
	if err := os.MkdirAll(filepath.Dir(debian), 0o755); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(testdata, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(debian, data, 0o644); err != nil {
		return nil, err
	}
	zips = append(zips, debian)
	// Older osv-scanner releases read dir/osv-scanner; the script links it.
	if err := os.Symlink("osv-scalibr", filepath.Join(dir, "osv-scanner")); err != nil {
		return nil, err
	}
	return zips, nil
}

// zipTree writes every regular file under src into a new zip archive out.
func zipTree(src, out string, flat bool) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		name, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if flat {
			name = filepath.Base(path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(name))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// sbomPath resolves an entry of peerSBOMs.
func sbomPath(tb testing.TB, name string) string {
	tb.Helper()
	if rest, ok := strings.CutPrefix(name, "peer-outputs/"); ok {
		return sharedtest.Path(tb, "peer-outputs", rest)
	}
	return name
}

// scanVigil runs `vigil scan --format json` and returns its output.
func (f *peerFixture) scanVigil(sbomFile string) ([]byte, error) {
	cmd := exec.Command(f.vigil, "scan", "--data", f.data, "--format", "json", sbomFile)
	cmd.Env = vigilEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// Exit code 1 means findings at or above the default --fail-on.
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("vigil scan %s: %v\n%s", sbomFile, err, stderr.Bytes())
	}
	return out, nil
}

// scanOSVScanner runs osv-scanner offline on the same data and returns its
// JSON output.
func (f *peerFixture) scanOSVScanner(sbomFile string) ([]byte, error) {
	cmd := exec.Command(f.osvScanner, "scan", "source", "--offline", "-L", sbomFile, "--format", "json")
	cmd.Env = append(os.Environ(), "OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="+f.dbDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// 1: vulnerabilities found; 128: no packages found (an SBOM without
	// any package osv-scanner knows, e.g. a Debian host it has no data for).
	if ee, ok := err.(*exec.ExitError); ok && (ee.ExitCode() == 1 || ee.ExitCode() == 128) {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("osv-scanner %s: %v\n%s", sbomFile, err, stderr.Bytes())
	}
	return out, nil
}

// peerHits is one tool's result on one SBOM, normalised: per package
// ("ecosystem|package|version"), the record IDs reported, and how the tool
// groups them into vulnerabilities.
type peerHits struct {
	IDs    map[string]map[string]bool // package -> record ID -> true
	Groups map[string]map[string]bool // package -> sorted IDs joined by "," -> true
}

func newPeerHits() peerHits {
	return peerHits{IDs: map[string]map[string]bool{}, Groups: map[string]map[string]bool{}}
}

func (h peerHits) add(pkg string, group []string) {
	if h.IDs[pkg] == nil {
		h.IDs[pkg] = map[string]bool{}
		h.Groups[pkg] = map[string]bool{}
	}
	g := slices.Clone(group)
	slices.Sort(g)
	g = slices.Compact(g)
	for _, id := range g {
		h.IDs[pkg][id] = true
	}
	h.Groups[pkg][strings.Join(g, ",")] = true
}

func (h peerHits) count() int {
	n := 0
	for _, ids := range h.IDs {
		n += len(ids)
	}
	return n
}

// peerKey normalises a package the way both tools can agree on: PyPI names
// by PEP 503, Go versions without their "v" or "go" prefix (osv-scanner
// gives "go1.26.8" for the standard library, vigil the purl's "1.26.8").
func peerKey(ecosystem, name, version string) string {
	switch ecosystem {
	case "PyPI":
		name = strings.ToLower(name)
		name = strings.NewReplacer("_", "-", ".", "-").Replace(name)
		for strings.Contains(name, "--") {
			name = strings.ReplaceAll(name, "--", "-")
		}
	case "Go":
		version = strings.TrimPrefix(strings.TrimPrefix(version, "go"), "v")
	}
	return ecosystem + "|" + name + "|" + version
}

// osvScannerHits normalises osv-scanner's JSON output.
func osvScannerHits(data []byte) (peerHits, error) {
	var out struct {
		Results []struct {
			Packages []struct {
				Package struct {
					Name      string `json:"name"`
					Version   string `json:"version"`
					Ecosystem string `json:"ecosystem"`
				} `json:"package"`
				Groups []struct {
					IDs []string `json:"ids"`
				} `json:"groups"`
			} `json:"packages"`
		} `json:"results"`
	}
	h := newPeerHits()
	if len(bytes.TrimSpace(data)) == 0 {
		return h, nil // no package found: nothing printed
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return h, fmt.Errorf("osv-scanner output: %w", err)
	}
	for _, r := range out.Results {
		for _, p := range r.Packages {
			key := peerKey(p.Package.Ecosystem, p.Package.Name, p.Package.Version)
			for _, g := range p.Groups {
				h.add(key, g.IDs)
			}
		}
	}
	return h, nil
}

// vigilHits normalises the output of vigil scan --format json: one finding
// per (component, vulnerability), its OSV records as the group.
func vigilHits(data []byte) (peerHits, error) {
	var out struct {
		Findings []struct {
			Component struct {
				Name      string `json:"name"`
				Version   string `json:"version"`
				Ecosystem string `json:"ecosystem"`
				Package   string `json:"package"`
			} `json:"component"`
			Vuln    string   `json:"vuln"`
			Records []string `json:"records"`
		} `json:"findings"`
	}
	h := newPeerHits()
	if err := json.Unmarshal(data, &out); err != nil {
		return h, fmt.Errorf("vigil output: %w", err)
	}
	for _, f := range out.Findings {
		var group []string
		for _, r := range f.Records {
			if id, ok := strings.CutPrefix(r, "osv:"); ok {
				group = append(group, id)
			}
		}
		if len(group) == 0 {
			continue // not from the OSV data osv-scanner has
		}
		c := f.Component
		h.add(peerKey(c.Ecosystem, c.Package, c.Version), group)
	}
	return h, nil
}

// diffPeer lists the differences between osv-scanner's (a) and vigil's (b)
// results on one SBOM.
func diffPeer(sbomName string, a, b peerHits) []peerDifference {
	var diffs []peerDifference
	only := func(side string, x, y peerHits) {
		for pkg, ids := range x.IDs {
			var missing []string
			for id := range ids {
				if !y.IDs[pkg][id] {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				slices.Sort(missing)
				diffs = append(diffs, peerDifference{SBOM: sbomName, Side: side, Package: pkg, IDs: missing})
			}
		}
	}
	only("osv-scanner", a, b)
	only("vigil", b, a)
	// Grouping: among the IDs both report, the partitions must agree.
	for pkg, ids := range a.IDs {
		common := func(h peerHits) []string {
			var gs []string
			for g := range h.Groups[pkg] {
				var kept []string
				for _, id := range strings.Split(g, ",") {
					if ids[id] && b.IDs[pkg][id] {
						kept = append(kept, id)
					}
				}
				if len(kept) > 0 {
					gs = append(gs, strings.Join(kept, ","))
				}
			}
			slices.Sort(gs)
			return slices.Compact(gs)
		}
		ga, gb := common(a), common(b)
		if !slices.Equal(ga, gb) {
			var differ []string
			for _, g := range ga {
				if !slices.Contains(gb, g) {
					differ = append(differ, strings.Split(g, ",")...)
				}
			}
			slices.Sort(differ)
			diffs = append(diffs, peerDifference{SBOM: sbomName, Side: "grouping", Package: pkg, IDs: slices.Compact(differ)})
		}
	}
	slices.SortFunc(diffs, func(x, y peerDifference) int {
		return strings.Compare(x.Side+x.Package, y.Side+y.Package)
	})
	return diffs
}

// explain attributes every record ID of a found difference to the explained
// difference that lists it, or else to one that lists no IDs (all of the
// package's), marking what it used; it returns the IDs nothing explains.
func explain(d peerDifference, used []bool) []string {
	var unexplained []string
	for _, id := range d.IDs {
		found := -1
		for i, e := range peerDifferences {
			if e.SBOM != d.SBOM || e.Side != d.Side || e.Package != d.Package {
				continue
			}
			if slices.Contains(e.IDs, id) {
				found = i
				break
			}
			if len(e.IDs) == 0 && found < 0 {
				found = i
			}
		}
		if found < 0 {
			unexplained = append(unexplained, id)
			continue
		}
		used[found] = true
	}
	return unexplained
}

func TestCompareOSVScanner(t *testing.T) {
	f := peer(t)
	t.Logf("vigil feed import of %d zips: %v", len(f.zips), f.importTime)
	used := make([]bool, len(peerDifferences))
	ran := map[string]bool{}
	for _, name := range peerSBOMs {
		base := filepath.Base(name)
		t.Run(base, func(t *testing.T) {
			ran[base] = true
			path := sbomPath(t, name)
			osvOut, err := f.scanOSVScanner(path)
			if err != nil {
				t.Fatal(err)
			}
			vigilOut, err := f.scanVigil(path)
			if err != nil {
				t.Fatal(err)
			}
			a, err := osvScannerHits(osvOut)
			if err != nil {
				t.Fatal(err)
			}
			b, err := vigilHits(vigilOut)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("osv-scanner: %d records on %d packages; vigil: %d records on %d packages", a.count(), len(a.IDs), b.count(), len(b.IDs))
			for _, d := range diffPeer(base, a, b) {
				if ids := explain(d, used); len(ids) > 0 {
					t.Errorf("unexplained difference (%s): %s %v", d.Side, d.Package, ids)
				}
			}
		})
	}
	for i, e := range peerDifferences {
		if ran[e.SBOM] && !used[i] {
			t.Errorf("explained difference no longer occurs: %s: %s %s %v", e.SBOM, e.Side, e.Package, e.IDs)
		}
	}
}

// BenchmarkCompareOSVScanner times whole processes on the same data and
// machine: vigil feed import of the four all.zip files into a fresh data
// directory (osv-scanner has no import: it reads the zips on every scan),
// then per SBOM osv-scanner scan --offline and vigil scan. The vigil
// sub-benchmark reports x-faster, osv-scanner's time over vigil's.
func BenchmarkCompareOSVScanner(b *testing.B) {
	f := peer(b)
	b.Run("import/vigil", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := f.importInto(filepath.Join(b.TempDir(), fmt.Sprint(i))); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range peerSBOMs {
		path := sbomPath(b, name)
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(name), ".json"), ".cdx")
		var osvPerOp time.Duration
		b.Run("scan/"+base+"/osv-scanner", func(b *testing.B) {
			for b.Loop() {
				if _, err := f.scanOSVScanner(path); err != nil {
					b.Fatal(err)
				}
			}
			osvPerOp = b.Elapsed() / time.Duration(b.N)
		})
		b.Run("scan/"+base+"/vigil", func(b *testing.B) {
			for b.Loop() {
				if _, err := f.scanVigil(path); err != nil {
					b.Fatal(err)
				}
			}
			if perOp := b.Elapsed() / time.Duration(b.N); perOp > 0 && osvPerOp > 0 {
				b.ReportMetric(float64(osvPerOp)/float64(perOp), "x-faster")
			}
		})
	}
}

// BenchmarkScanInProcess runs vigil scan inside the test process on the
// same data, without process start-up, for a CPU profile of the scan itself:
//
//	go test -run '^$' -bench ScanInProcess -cpuprofile cpu.out ./internal/cli/
func BenchmarkScanInProcess(b *testing.B) {
	f := peer(b)
	for _, name := range peerSBOMs {
		path := sbomPath(b, name)
		b.Run(strings.TrimSuffix(strings.TrimSuffix(filepath.Base(name), ".json"), ".cdx"), func(b *testing.B) {
			for b.Loop() {
				var out, errb bytes.Buffer
				e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
				if code := run(context.Background(), e, []string{"scan", "--data", f.data, "--format", "json", path}); code > 1 {
					b.Fatalf("vigil scan %s: exit %d: %s", path, code, errb.Bytes())
				}
			}
		})
	}
}

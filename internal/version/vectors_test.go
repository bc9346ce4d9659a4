package version_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/version"
)

// TestVectors checks every ordered pair of osv-scalibr's comparison vectors
// (../shared/testdata/version-compare-vectors) for each supported ecosystem,
// in both directions. The semver file is run for every semver ecosystem, as
// osv-scalibr does.
func TestVectors(t *testing.T) {
	dir := sharedtest.Path(t, "version-compare-vectors", "semantic", "testdata")
	tests := []struct {
		ecosystem string
		file      string
	}{
		{"Debian", "debian-versions.txt"},
		{"Debian", "debian-versions-generated.txt"},
		{"Debian:12", "debian-versions.txt"},
		{"SemVer", "semver-versions.txt"},
		{"Go", "semver-versions.txt"},
		{"npm", "semver-versions.txt"},
		{"crates.io", "semver-versions.txt"},
		{"PyPI", "pypi-versions.txt"},
		{"PyPI", "pypi-versions-generated.txt"},
		{"Maven", "maven-versions.txt"},
		{"Maven", "maven-versions-generated.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.ecosystem+"/"+tt.file, func(t *testing.T) {
			pairs := readVectors(t, filepath.Join(dir, tt.file))
			failed := 0
			for _, p := range pairs {
				if !checkPair(t, tt.ecosystem, p) {
					failed++
				}
			}
			t.Logf("%s %s: %d pairs, %d agree", tt.ecosystem, tt.file, len(pairs), len(pairs)-failed)
			if len(pairs) == 0 {
				t.Fatal("no pairs read")
			}
		})
	}
}

type vectorPair struct {
	line int
	a, b string
	want int
}

func readVectors(t *testing.T, path string) []vectorPair {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pairs []vectorPair
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") {
			continue
		}
		f := strings.Split(line, " ")
		if len(f) != 3 {
			t.Fatalf("%s:%d: not \"a op b\": %q", path, n, line)
		}
		want, ok := map[string]int{"<": -1, "=": 0, ">": 1}[f[1]]
		if !ok {
			t.Fatalf("%s:%d: unknown operator %q", path, n, f[1])
		}
		pairs = append(pairs, vectorPair{line: n, a: f[0], b: f[2], want: want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs
}

func checkPair(t *testing.T, ecosystem string, p vectorPair) bool {
	t.Helper()
	ok := true
	for _, dir := range []struct {
		a, b string
		want int
	}{{p.a, p.b, p.want}, {p.b, p.a, -p.want}} {
		got, err := version.Compare(ecosystem, dir.a, dir.b)
		if err != nil {
			t.Errorf("line %d: %v", p.line, err)
			return false
		}
		if got != dir.want {
			t.Errorf("line %d: Compare(%q, %q, %q) = %d, want %d", p.line, ecosystem, dir.a, dir.b, got, dir.want)
			ok = false
		}
	}
	return ok
}

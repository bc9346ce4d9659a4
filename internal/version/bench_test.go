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

// benchSets are the versions each benchmark runs over: the distinct versions
// of the real vector files.
var benchSets = []struct {
	ecosystem, file string
}{
	{"Debian", "debian-versions-generated.txt"},
	{"SemVer", "semver-versions.txt"},
	{"Go", "semver-versions.txt"},
	{"npm", "semver-versions.txt"},
	{"crates.io", "semver-versions.txt"},
	{"PyPI", "pypi-versions-generated.txt"},
	{"Maven", "maven-versions-generated.txt"},
}

func benchVersions(b *testing.B, file string) []string {
	b.Helper()
	f, err := os.Open(filepath.Join(sharedtest.Path(b, "version-compare-vectors", "semantic", "testdata"), file))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || strings.HasPrefix(fields[0], "/") || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for _, s := range []string{fields[0], fields[2]} {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.ecosystem, func(b *testing.B) {
			vs := benchVersions(b, set.file)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := version.Parse(set.ecosystem, vs[i%len(vs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompare(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set.ecosystem, func(b *testing.B) {
			var vs []version.Version
			for _, s := range benchVersions(b, set.file) {
				v, err := version.Parse(set.ecosystem, s)
				if err != nil {
					b.Fatal(err)
				}
				vs = append(vs, v)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				vs[i%len(vs)].Compare(vs[(i*7+1)%len(vs)])
			}
		})
	}
}

package cvss

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// referenceDir is the shared CVSS reference data, ../shared/testdata/cvss.
func referenceDir(t testing.TB) string { return sharedtest.Path(t, "cvss") }

// referenceVector is one line of a Red Hat reference file:
// "VECTOR - (base, temporal, environmental)" for 3.x, "VECTOR - (score,)" or
// "VECTOR - score" for 4.0.
type referenceVector struct {
	line   int
	vector string
	scores []float64
}

func readReference(t testing.TB, path string) []referenceVector {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []referenceVector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		vector, want, ok := strings.Cut(line, " - ")
		if !ok {
			t.Fatalf("%s:%d: no \" - \" in %q", path, n, line)
		}
		want = strings.Trim(want, "()")
		var scores []float64
		for _, f := range strings.Split(want, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			scores = append(scores, v)
		}
		out = append(out, referenceVector{line: n, vector: vector, scores: scores})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReference scores every vector of the Red Hat reference suites and
// compares every score given: base, temporal and environmental for 3.x (also
// where the vector gives no temporal or environmental metric), the score for
// 4.0.
func TestReference(t *testing.T) {
	ref := referenceDir(t)
	files := []struct {
		name    string
		version Version
		scores  int // scores per line
		min     int // lines the file must have, so a truncated file fails
	}{
		{"vectors_simple3", Version30, 3, 2592},
		{"vectors_simple31", Version31, 3, 2592},
		{"vectors_simple4", Version40, 1, 1058},
		{"vectors_supplemental4", Version40, 1, 576},
		// Small suites with temporal, environmental and out-of-order metrics.
		{"vectors_calculator3", Version30, 3, 2},
		{"vectors_cvsslib3", Version30, 3, 29},
		{"vectors_threat4", Version40, 1, 6},
		{"vectors_security4", Version40, 1, 54},
	}
	for _, file := range files {
		t.Run(file.name, func(t *testing.T) {
			path := filepath.Join(ref, "redhat-cvss-tests", file.name)
			vectors := readReference(t, path)
			if len(vectors) < file.min {
				t.Fatalf("%s has %d vectors, want at least %d", path, len(vectors), file.min)
			}
			var mismatches int
			for _, rv := range vectors {
				if len(rv.scores) != file.scores {
					t.Fatalf("%s:%d: %d scores, want %d", path, rv.line, len(rv.scores), file.scores)
				}
				s, err := Parse(rv.vector)
				if err != nil {
					t.Errorf("%s:%d: Parse(%q): %v", file.name, rv.line, rv.vector, err)
					mismatches++
					continue
				}
				if s.Version != file.version {
					t.Errorf("%s:%d: %q: version %q, want %q", file.name, rv.line, rv.vector, s.Version, file.version)
				}
				got := []float64{s.Base}
				if file.version != Version40 {
					got = append(got, s.Temporal, s.Environmental)
				}
				if fmt.Sprint(got) != fmt.Sprint(rv.scores) {
					mismatches++
					t.Errorf("%s:%d: %q: scores %v, want %v", file.name, rv.line, rv.vector, got, rv.scores)
				}
				if s.Severity != SeverityOf(s.Overall()) {
					t.Errorf("%s:%d: %q: severity %q, want %q", file.name, rv.line, rv.vector, s.Severity, SeverityOf(s.Overall()))
				}
			}
			t.Logf("%s: %d CVSS %s vectors checked, %d mismatches", file.name, len(vectors), file.version, mismatches)
		})
	}
}

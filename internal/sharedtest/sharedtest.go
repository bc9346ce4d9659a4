// Package sharedtest finds the third-party test data that lives beside the
// project at ../shared/testdata, and the peer tools installed in .tools.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root is the project root: the nearest directory upwards holding go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// Path returns a path inside ../shared/testdata, skipping the test with a
// message when it is absent (CI always has it; then it fails instead).
func Path(tb testing.TB, parts ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Root(tb), "..", "shared", "testdata"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("test data %s is missing: %v", p, err)
		}
		tb.Skipf("test data %s is absent (it lives in ../shared/testdata): %v", p, err)
	}
	return p
}

// Tool returns the path of a peer tool installed in .tools by .ci/run,
// skipping the test locally when it is missing and failing in CI.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Root(tb), ".tools", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not installed in .tools (bash .ci/run installs it): %v", name, err)
		}
		tb.Skipf("%s is not installed in .tools; bash .ci/run installs it", name)
	}
	return p
}

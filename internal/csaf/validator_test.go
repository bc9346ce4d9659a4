package csaf

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/csaf/csaftest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// The external validators the publishing issue names, pinned; .ci/run
// installs them into <root>/.tools.
const (
	gocsafModule       = "github.com/gocsaf/csaf/v3"
	gocsafVersion      = "v3.7.0"
	secvisogramPackage = "@secvisogram/csaf-validator-lib"
	secvisogramVersion = "2.0.10"
)

// missing skips the test when a validator is not installed, and fails it in
// CI (CI=true), where .ci/run must have installed it.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (skipped locally; required in CI)")
}

// written writes every document of the demo and the variants to a temporary
// directory, each under its Filename, and returns the paths.
func written(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i, d := range append(demo(t), variants(t)...) {
		data, err := Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		// A directory per document: two documents may share a tracking ID.
		path := filepath.Join(dir, strconv.Itoa(i), Filename(d.Document.Tracking.ID))
		if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

// TestCSAFValidator runs gocsaf's csaf_validator on every document.
func TestCSAFValidator(t *testing.T) { csaftest.CSAFValidator(t, written(t)) }

// TestSecvisogram runs the Secvisogram library's strict schema, mandatory and
// optional tests on every document.
func TestSecvisogram(t *testing.T) { csaftest.Secvisogram(t, written(t)) }

// TestCWEList keeps cwe.txt equal to the CWE catalogue of the Secvisogram
// library's test 6.1.11; -update rewrites it from there.
func TestCWEList(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH")
	}
	cat := filepath.Join(sharedtest.Root(t), ".tools", "node_modules", secvisogramPackage, "lib", "shared", "cwec.js")
	if _, err := os.Stat(cat); err != nil {
		missing(t, "%s is not installed", secvisogramPackage)
	}
	script := `import(process.argv[1]).then(m => console.log(JSON.stringify(m.default.weaknesses)))`
	out, err := exec.Command(node, "--input-type=module", "-e", script, "file://"+cat).Output()
	if err != nil {
		t.Fatalf("load %s: %v", cat, err)
	}
	var weaknesses []struct{ ID, Name string }
	if err := json.Unmarshal(out, &weaknesses); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, w := range weaknesses {
		want[w.ID] = w.Name
	}
	if *update {
		var b strings.Builder
		b.WriteString("# CWE weaknesses (ID, tab, name), as " + secvisogramPackage + " checks them in test 6.1.11.\n")
		for _, w := range sortedCWE(weaknesses) {
			b.WriteString(w.ID + "\t" + w.Name + "\n")
		}
		if err := os.WriteFile("cwe.txt", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(cweList), "\n") {
		if id, name, ok := strings.Cut(line, "\t"); ok {
			got[id] = name
		}
	}
	if len(got) != len(want) {
		t.Errorf("cwe.txt has %d weaknesses, the catalogue %d (run go test ./internal/csaf -update)", len(got), len(want))
	}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("%s: cwe.txt says %q, the catalogue %q", id, got[id], name)
		}
	}
}

// sortedCWE orders weaknesses by their number.
func sortedCWE(ws []struct{ ID, Name string }) []struct{ ID, Name string } {
	num := func(id string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "CWE-"))
		return n
	}
	out := slices.Clone(ws)
	slices.SortFunc(out, func(a, b struct{ ID, Name string }) int { return cmp.Compare(num(a.ID), num(b.ID)) })
	return out
}

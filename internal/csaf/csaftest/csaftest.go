// Package csaftest runs the external CSAF validators the project is held
// to, gocsaf's csaf_validator and the Secvisogram validator library, on
// documents a test wrote; .ci/run installs both into <root>/.tools.
package csaftest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// The external validators, pinned.
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

// CSAFValidator runs gocsaf's csaf_validator on the files: the CSAF 2.0
// schema (with the CVSS schemas), the file name rule and UTF-8; any finding
// fails the test.
func CSAFValidator(t *testing.T, files []string) {
	t.Helper()
	bin := filepath.Join(sharedtest.Root(t), ".tools", "csaf_validator")
	if _, err := os.Stat(bin); err != nil {
		missing(t, "csaf_validator is not installed: GOBIN=%s go install %s/cmd/csaf_validator@%s", filepath.Dir(bin), gocsafModule, gocsafVersion)
	}
	if info, err := exec.Command("go", "version", "-m", bin).Output(); err == nil && !strings.Contains(string(info), gocsafModule+"\t"+gocsafVersion) {
		t.Fatalf("%s is not %s %s:\n%s", bin, gocsafModule, gocsafVersion, info)
	}
	cmd := exec.Command(bin, files...)
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("csaf_validator: %v\n%s", err, out)
	}
	// Bit 4 of the exit code only says that no remote validator was given:
	// the Secvisogram test below runs those tests itself.
	if code&^4 != 0 {
		t.Errorf("csaf_validator exited %d", code)
	}
	for _, f := range files {
		if !strings.Contains(string(out), fmt.Sprintf("%q passes the schema validation.", f)) {
			t.Errorf("%s does not pass the schema validation", filepath.Base(f))
		}
	}
	for _, bad := range []string{"schema validation errors", "is not a valid advisory name", "does not match", "error:", "invalid UTF-8"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("csaf_validator reports %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("csaf_validator output:\n%s", out)
	}
}

// secvisogramResult is one file's entry in the output of testdata/secvisogram.mjs.
type secvisogramResult struct {
	File     string          `json:"file"`
	IsValid  bool            `json:"isValid"`
	Tests    int             `json:"tests"`
	Errors   []secvisogramAt `json:"errors"`
	Warnings []secvisogramAt `json:"warnings"`
	Infos    []secvisogramAt `json:"infos"`
}

type secvisogramAt struct {
	Test         string `json:"test"`
	InstancePath string `json:"instancePath"`
	Message      string `json:"message"`
}

// Secvisogram runs the Secvisogram validator library's strict schema test,
// mandatory tests and optional tests on the files: no error and no warning
// allowed.
func Secvisogram(t *testing.T, files []string) {
	t.Helper()
	root := sharedtest.Root(t)
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH")
	}
	lib := filepath.Join(root, ".tools", "node_modules", secvisogramPackage)
	data, err := os.ReadFile(filepath.Join(lib, "package.json"))
	if err != nil {
		missing(t, "%s is not installed: npm install --prefix %s %s@%s", secvisogramPackage, filepath.Join(root, ".tools"), secvisogramPackage, secvisogramVersion)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(data, &pkg); err != nil || pkg.Version != secvisogramVersion {
		t.Fatalf("%s is version %q (%v), want %s", lib, pkg.Version, err, secvisogramVersion)
	}
	cmd := exec.Command(node, append([]string{filepath.Join(root, "internal", "csaf", "testdata", "secvisogram.mjs")}, files...)...)
	cmd.Env = append(os.Environ(), "VIGIL_TOOLS="+filepath.Join(root, ".tools"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("secvisogram.mjs: %v\n%s", err, stderr.String())
	}
	var results []secvisogramResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("secvisogram.mjs output: %v\n%s", err, out)
	}
	if len(results) != len(files) {
		t.Fatalf("%d results for %d files", len(results), len(files))
	}
	for _, r := range results {
		name := filepath.Base(r.File)
		if r.Tests < 60 {
			t.Errorf("%s: only %d tests ran", name, r.Tests)
		}
		if !r.IsValid {
			t.Errorf("%s: not valid", name)
		}
		for _, e := range r.Errors {
			t.Errorf("%s: error: %s at %s: %s", name, e.Test, e.InstancePath, e.Message)
		}
		for _, w := range r.Warnings {
			t.Errorf("%s: warning: %s at %s: %s", name, w.Test, w.InstancePath, w.Message)
		}
		for _, i := range r.Infos {
			t.Logf("%s: info: %s at %s: %s", name, i.Test, i.InstancePath, i.Message)
		}
	}
}

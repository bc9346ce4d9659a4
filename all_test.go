// The project's own rules, checked on every test run: formatting, vet, a tidy
// go.mod, the import rules of DESIGN.md §3 and the allow-list of direct
// dependencies.
package vigil_test

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// allowed lists every direct dependency with why it is here.
var allowed = map[string]string{
	"modernc.org/sqlite":                       "embedded SQLite without cgo, the default store",
	"github.com/jackc/pgx/v5":                  "PostgreSQL driver for database/sql",
	"go.yaml.in/yaml/v3":                       "policy and configuration files (YAML, strict keys)",
	"github.com/google/go-cmp":                 "test comparisons with readable diffs",
	"golang.org/x/mod":                         "reads go.mod in this test",
	"github.com/santhosh-tekuri/jsonschema/v6": "validates API responses against the OpenAPI document's schemas (tests only)",
	"github.com/CycloneDX/cyclonedx-go":        "CycloneDX documents through the CycloneDX project's own library",
	"github.com/ProtonMail/go-crypto":          "OpenPGP keys and detached signatures for the CSAF provider (the library gocsaf itself uses)",
	"github.com/emersion/go-smtp":              "the inbound SMTP listener of the security address (the maintained Go SMTP server)",
	"golang.org/x/text":                        "the charsets of inbound mail (ISO-8859-*, windows-125x, ...), by their WHATWG names",
	"github.com/package-url/packageurl-go":     "parses and normalises package URLs (purl) in SBOMs: the purl project's own Go library",
	"github.com/spdx/tools-golang":             "reads SPDX 2.x JSON and tag-value SBOMs: the SPDX project's own Go library",
	"golang.org/x/crypto":                      "argon2id password hashes of the web UI's logins (the Go team's implementation)",
	"github.com/chromedp/chromedp":             "drives Debian's chromium in the web UI's browser test (tests only)",
	"github.com/go-json-experiment/json":       "encoding/json/v2 ahead of the standard library: single-pass JSON decoding on the scan path",
}

func TestDependencies(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Require {
		if r.Indirect {
			continue
		}
		if _, ok := allowed[r.Mod.Path]; !ok {
			t.Errorf("direct dependency %s is not on the allow-list in all_test.go (add it with a one-line reason, and to DEPENDENCIES.md)", r.Mod.Path)
		}
	}
	doc, err := os.ReadFile("DEPENDENCIES.md")
	if err != nil {
		t.Fatal(err)
	}
	for path := range allowed {
		if !bytes.Contains(doc, []byte(path)) {
			t.Errorf("DEPENDENCIES.md does not justify %s", path)
		}
	}
}

func goFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGofmt(t *testing.T) {
	for _, path := range goFiles(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if !bytes.Equal(src, out) {
			t.Errorf("%s is not gofmt-ed", path)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet is slow; skipped in -short")
	}
	run(t, "go", "vet", "./...")
}

func TestModTidy(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short")
	}
	run(t, "go", "mod", "tidy", "-diff")
}

// Import rules (DESIGN.md §3): domain packages are pure; the public site
// cannot reach the store or the case service, so no embargoed data can leak.
func TestImportRules(t *testing.T) {
	const mod = "github.com/vigil-psirt/vigil/internal/"
	domain := []string{"advisory", "audit", "cvss", "mail", "outbox", "policy", "product", "report", "secret", "subscription", "user", "vcase",
		"cdx", "csaf", "cve5", "feed", "openvex", "osv", "signing", "inmail", "sbom", "version",
		"vuln", "osvfeed", "debtracker", "nvd", "kev", "match", "finding", "sarif"} // pure formats too
	forbiddenForDomain := []string{"database/sql", "net/http", "os/exec", mod + "store", mod + "api", mod + "site", mod + "server", mod + "casework", mod + "cli"}
	out := run(t, "go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./internal/...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, imports := strings.TrimPrefix(fields[0], mod), fields[1:]
		top := strings.Split(pkg, "/")[0]
		if slices.Contains(domain, top) && !strings.HasSuffix(pkg, "test") {
			for _, imp := range imports {
				if slices.Contains(forbiddenForDomain, imp) {
					t.Errorf("domain package %s imports %s", pkg, imp)
				}
			}
		}
		if top == "site" {
			for _, imp := range imports {
				if imp == mod+"store" || imp == mod+"casework" || imp == mod+"vcase" {
					t.Errorf("the public site imports %s: it may reach published data only", imp)
				}
			}
		}
	}
}

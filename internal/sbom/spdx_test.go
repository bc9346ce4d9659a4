package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// TestSPDXJSONAgreesWithToolsGolang checks the lean SPDX JSON decode against
// tools-golang's reader on every SPDX JSON document of the shared test data
// and the fixtures: the same packages (as identification reads them) from
// every document tools-golang reads, and an error from every one it refuses
// over what identification reads.
func TestSPDXJSONAgreesWithToolsGolang(t *testing.T) {
	files := []string{filepath.Join("testdata", "small.spdx.json"), sharedtest.Path(t, "peer-outputs", "sbom-debian-host.spdx.json")}
	err := filepath.WalkDir(sharedtest.Path(t, "spdx-examples"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".spdx.json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d SPDX JSON documents", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := spdxjson.Read(bytes.NewReader(data))
		got, version, gotErr := readSPDXJSON(data)
		if wantErr != nil {
			t.Logf("%s: tools-golang refuses it: %v (lean: %v)", path, wantErr, gotErr)
			continue
		}
		if gotErr != nil {
			t.Errorf("%s: %v", path, gotErr)
			continue
		}
		// tools-golang converts 2.1 and 2.2 to its 2.3 model; the SBOM
		// keeps the version the document states.
		if !strings.HasPrefix(version, "SPDX-2.") || got.DocumentName != want.DocumentName {
			t.Errorf("%s: version %q name %q; tools-golang name %q", path, version, got.DocumentName, want.DocumentName)
		}
		if diff := cmp.Diff(leanPackages(want.Packages), leanPackages(got.Packages)); diff != "" {
			t.Errorf("%s: packages differ (-tools-golang +lean):\n%s", path, diff)
		}
	}
}

// leanPackage is what identification reads of a package.
type leanPackage struct {
	Name, Version, ID, Concluded, Declared, Purpose string
	Refs                                            []string
}

func leanPackages(ps []*spdx.Package) []*leanPackage {
	out := make([]*leanPackage, len(ps))
	for i, p := range ps {
		if p == nil {
			continue
		}
		q := &leanPackage{Name: p.PackageName, Version: p.PackageVersion, ID: string(p.PackageSPDXIdentifier),
			Concluded: p.PackageLicenseConcluded, Declared: p.PackageLicenseDeclared, Purpose: p.PrimaryPackagePurpose}
		for _, r := range p.PackageExternalReferences {
			if r == nil {
				q.Refs = append(q.Refs, "<nil>")
			} else {
				q.Refs = append(q.Refs, r.RefType+" "+r.Locator)
			}
		}
		out[i] = q
	}
	return out
}

func TestSPDXJSONBad(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"no version", `{"packages": []}`, "does not contain spdxVersion"},
		{"unknown version", `{"spdxVersion": "SPDX-3.0"}`, "unsupported SPDX version: SPDX-3.0"},
		{"version not a string", `{"spdxVersion": 2.3}`, "cannot use JSON number"},
		{"SPDXID without prefix", `{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "pkg-1"}]}`, `packages[0]: SPDXID "pkg-1"`},
		{"packages not an array", `{"spdxVersion": "SPDX-2.3", "packages": {}}`, "(packages): cannot use JSON object"},
		{"truncated", "{\"spdxVersion\": \"SPDX-2.3\",\n \"packages\": [{\"name\": \"a\"", "line 2, column 26: unexpected end of JSON input"},
		{"syntax", "{\"spdxVersion\": \"SPDX-2.3\",\n \"packages\": [{\"name\": \"a\" \"b\"}]}", "line 2, column 28 (packages[0]): invalid character '\"' after object value (expecting ',' or '}')"},
		{"name not a string", `{"spdxVersion": "SPDX-2.3", "packages": [{"externalRefs": [{"referenceLocator": true}]}]}`,
			"line 1, column 81 (packages[0].externalRefs[0].referenceLocator): cannot use JSON boolean as string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFormat(strings.NewReader(tt.input), "bad.spdx.json", SPDXJSON)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.spdx.json: invalid SBOM: ") {
				t.Errorf("error %v; want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDetectJSON(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"CycloneDX after $schema", `{"$schema": {"x": [1, 2]}, "bomFormat": "CycloneDX", "components": [`, CycloneDXJSON},
		{"SPDX first", `{"spdxVersion": "SPDX-2.3", "packages": [{]}`, SPDXJSON},
		{"key case as encoding/json", `{"BOMFORMAT": "CycloneDX"}`, CycloneDXJSON},
		{"empty value undecided", `{"bomFormat": "", "spdxVersion": "SPDX-2.3"}`, SPDXJSON},
		{"first deciding key wins", `{"spdxVersion": "SPDX-2.3", "bomFormat": "CycloneDX"}`, SPDXJSON},
		{"whole document when undecided", `{"x": 1, "spdxVersion": "", "bomFormat": "CycloneDX"}`, CycloneDXJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := detect([]byte(tt.input))
			if err != nil || got != tt.want {
				t.Errorf("detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{`{"bomFormat": 1}`, `{"x": tru}`, `{"foo": 1}`} {
		if got, err := detect([]byte(bad)); err == nil {
			t.Errorf("detect(%s) = %q, no error", bad, got)
		}
	}
}

package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzFormat parses arbitrary input as format. Any error is fine; a panic
// is not, and neither is the recovered panic of a format library (Parse turns
// it into an error so an import never crashes, but the fuzzer should still
// find it). A successful parse must keep the package's invariants.
func fuzzFormat(f *testing.F, format string, seeds ...string) {
	for _, name := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseFormat(bytes.NewReader(data), "fuzz", format)
		if err != nil {
			if strings.Contains(err.Error(), "parser failed") {
				t.Fatalf("format library panicked: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		checkInvariants(t, s)
		// Detection must not crash either, whatever it decides.
		_, _ = Parse(bytes.NewReader(data), "fuzz")
	})
}

func FuzzCycloneDXJSON(f *testing.F) { fuzzFormat(f, CycloneDXJSON, "small.cdx.json") }
func FuzzCycloneDXXML(f *testing.F)  { fuzzFormat(f, CycloneDXXML, "small.cdx.xml") }
func FuzzSPDXJSON(f *testing.F)      { fuzzFormat(f, SPDXJSON, "small.spdx.json") }
func FuzzSPDXTag(f *testing.F)       { fuzzFormat(f, SPDXTag, "small.spdx") }
func FuzzDpkgStatus(f *testing.F)    { fuzzFormat(f, DpkgStatus, "status") }

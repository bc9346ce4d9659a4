package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// FuzzWrite writes findings made of arbitrary strings. An input may be
// rejected, as ErrInvalid; otherwise the output must be valid JSON in UTF-8,
// hold one result per finding that is not fixed, and pass the official
// schema when it is installed (the fuzzer runs without it too).
func FuzzWrite(f *testing.F) {
	var s *jsonschema.Schema
	if p := filepath.Join(sharedtest.Root(f), ".tools", schemaFile); fileExists(p) {
		s = compile(f, p)
	}
	for _, fd := range findings(nil) {
		f.Add(fd.Vuln, fd.Summary, fd.StatusNote, fd.Component.PURL, fd.Component.Package, fd.Component.Version, fd.FixedVersion, "sbom/app.cdx.json", string(fd.Status), fd.Score)
	}
	for _, h := range hostile {
		f.Add("GHSA-"+h, h, h, h, h, h, h, h, "not_affected", 5.0)
	}
	f.Add("CVE-2024-1", "", "", "", "", "", "", `C:\bom.json`, "affected", -1.0)
	f.Fuzz(func(t *testing.T, vuln, summary, note, purl, pkg, version, fixed, artifact, status string, score float64) {
		fs := findings(func(fs []finding.Finding) {
			fs[1].Vuln, fs[1].Summary, fs[1].StatusNote = vuln, summary, note
			fs[1].Component.PURL, fs[1].Component.Package, fs[1].Component.Version = purl, pkg, version
			fs[1].FixedVersion, fs[1].Status, fs[1].Score = fixed, finding.Status(status), score
			fs[1].Aliases = append(fs[1].Aliases, summary)
		})
		in := input(fs)
		in.Artifact = artifact
		var buf bytes.Buffer
		if err := Write(&buf, in); err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			if buf.Len() != 0 {
				t.Fatalf("a rejected input wrote %d bytes", buf.Len())
			}
			return
		}
		b := buf.Bytes()
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("output is not valid JSON in UTF-8:\n%s", b)
		}
		want := 0
		for _, fd := range fs {
			if fd.Status != finding.Fixed {
				want++
			}
		}
		if d := decode(t, b); len(d.Runs[0].Results) != want {
			t.Fatalf("%d results, want %d", len(d.Runs[0].Results), want)
		}
		if s != nil {
			checkSchema(t, s, b)
		}
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// BenchmarkWrite writes a scan of 1,000 findings over 100 vulnerabilities.
func BenchmarkWrite(b *testing.B) {
	base := findings(nil)
	fs := make([]finding.Finding, 0, 1000)
	for i := range 1000 {
		fd := base[i%len(base)]
		fd.Vuln = fd.Vuln + "-" + string(rune('a'+i%100/10)) + string(rune('a'+i%10))
		fd.Component.PURL += "-" + string(rune('a'+i/100))
		fs = append(fs, fd)
	}
	in := input(fs)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, in); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

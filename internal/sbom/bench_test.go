package sbom

import (
	"bytes"
	"os"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// benchmarkParse parses one of the large peer-output SBOMs, detection
// included, as a scan does.
func benchmarkParse(b *testing.B, file string, components int) {
	data, err := os.ReadFile(sharedtest.Path(b, "peer-outputs", file))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(bytes.NewReader(data), file)
		if err != nil || len(s.Components) != components {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseDebootstrap parses syft's SBOM of a Debian 11 minbase root:
// 5,689 components (1.7 MB of CycloneDX JSON).
func BenchmarkParseDebootstrap(b *testing.B) {
	benchmarkParse(b, "sbom-debootstrap-bullseye-minbase.cdx.json", 96)
}

// BenchmarkParseDebianHostCycloneDX parses syft's CycloneDX SBOM of a Debian
// 12 root: 705 components with their properties (1.2 MB).
func BenchmarkParseDebianHostCycloneDX(b *testing.B) {
	benchmarkParse(b, "sbom-debian-host.cdx.json", 703)
}

// BenchmarkParseDebianHostSPDX parses syft's SPDX SBOM of the same root:
// 704 packages, files and relationships (1.6 MB).
func BenchmarkParseDebianHostSPDX(b *testing.B) {
	benchmarkParse(b, "sbom-debian-host.spdx.json", 703)
}

// BenchmarkParseBytesDebootstrap parses the same document in place, as a
// caller that has read the file already can (Parse copies it first).
func BenchmarkParseBytesDebootstrap(b *testing.B) {
	const file = "sbom-debootstrap-bullseye-minbase.cdx.json"
	data, err := os.ReadFile(sharedtest.Path(b, "peer-outputs", file))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseBytes(data, file)
		if err != nil || len(s.Components) != 96 {
			b.Fatal(err)
		}
	}
}

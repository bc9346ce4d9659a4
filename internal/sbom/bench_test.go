package sbom

import (
	"bytes"
	"os"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// BenchmarkParseDebootstrap parses syft's SBOM of a Debian 11 minbase root:
// 5,689 components (1.7 MB of CycloneDX JSON).
func BenchmarkParseDebootstrap(b *testing.B) {
	data, err := os.ReadFile(sharedtest.Path(b, "peer-outputs", "sbom-debootstrap-bullseye-minbase.cdx.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(bytes.NewReader(data), "sbom-debootstrap-bullseye-minbase.cdx.json")
		if err != nil || len(s.Components) != 96 {
			b.Fatal(err)
		}
	}
}

package store_test

import (
	"testing"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
)

// TestComponentKey: a component only a CPE identifies is stored under its
// CPE key; one with a purl under its package key, whatever CPE it has.
func TestComponentKey(t *testing.T) {
	for _, c := range []struct {
		comp store.Component
		want match.Key
	}{
		{store.Component{Component: sbom.Component{Name: "log4j", Version: "2.14.1", CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}},
			match.Key{Ecosystem: match.CPEEcosystem, Package: "a:apache:log4j"}},
		{store.Component{Component: sbom.Component{Name: "log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
			Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core", CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}},
			match.Key{Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core"}},
		{store.Component{Component: sbom.Component{Name: "libc6", Version: "2.36-9", PURL: "pkg:deb/debian/libc6@2.36-9?arch=amd64",
			Ecosystem: "Debian", Package: "libc6", Source: "glibc", SourceVersion: "2.36-9"}, Distro: "12"},
			match.Key{Ecosystem: "Debian:12", Package: "glibc"}},
	} {
		if got := c.comp.Key(); got != c.want {
			t.Errorf("%s: key %v, want %v", c.comp.Name, got, c.want)
		}
	}
}

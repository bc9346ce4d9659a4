package match

import (
	"net/url"
	"strings"

	"github.com/vigil-psirt/vigil/internal/sbom"
)

// FromSBOM returns the match input of an SBOM component: for Debian the
// source package and version, and the release from the purl's distro
// qualifier, or release when the purl names none.
func FromSBOM(c sbom.Component, release string) Component {
	if c.Ecosystem == "Go" && (c.Package == "stdlib" || c.Package == "toolchain") {
		// The Go distribution is versioned "go1.26.8" (runtime.Version, as
		// syft names it); the Go vulnerability database says "1.26.8".
		return Component{Ecosystem: c.Ecosystem, Package: c.Package, Version: strings.TrimPrefix(c.Version, "go")}
	}
	if c.Ecosystem != "Debian" {
		return Component{Ecosystem: c.Ecosystem, Package: c.Package, Version: c.Version}
	}
	if r := DebianRelease(distro(c.PURL)); r != "" {
		release = r
	}
	return Component{Ecosystem: "Debian", Package: c.Source, Version: c.SourceVersion, Release: release}
}

// distro is the distro qualifier of a normalised purl.
func distro(purl string) string {
	_, q, ok := strings.Cut(purl, "?")
	if !ok {
		return ""
	}
	q, _, _ = strings.Cut(q, "#")
	v, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	return v.Get("distro")
}

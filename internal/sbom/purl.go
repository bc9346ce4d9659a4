package sbom

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/package-url/packageurl-go"
)

// debianSource is what a document says about a Debian binary's source
// package, outside the purl.
type debianSource struct {
	name, version string
	// vendor and distro of the document's operating system ("debian",
	// "debian-11.11"), for deb purls that lack them
	vendor, distro string
}

// identify fills c.PURL, c.Ecosystem, c.Package and the Debian source fields
// from raw (a purl as the document gives it). It returns an error for a
// malformed purl; c is then left unidentified.
func identify(c *Component, raw string, src debianSource) error {
	p, err := packageurl.FromString(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("malformed purl %q: %v", truncate(raw), err)
	}
	if p.Type == packageurl.TypeGolang {
		// packageurl-go lowercases Go module paths, but they are
		// case-sensitive (github.com/BurntSushi/toml is not
		// github.com/burntsushi/toml to the module proxy or to OSV).
		ns, name, err := golangPath(raw)
		if err != nil {
			return fmt.Errorf("malformed purl %q: %v", truncate(raw), err)
		}
		p.Namespace, p.Name = ns, name
	}
	if p.Version == "" {
		p.Version = c.Version
	}
	if c.Version == "" {
		c.Version = p.Version
	}
	if c.Name == "" {
		c.Name = p.Name
	}
	if p.Type == packageurl.TypeDebian {
		// The last of a repeated qualifier counts, as in Qualifiers.Map.
		var arch, distro, upstream string
		for _, q := range p.Qualifiers {
			switch q.Key {
			case "arch":
				arch = q.Value
			case "distro":
				distro = q.Value
			case "upstream":
				upstream = q.Value
			}
		}
		if p.Namespace == "" {
			p.Namespace = src.vendor
			if distro == "" {
				distro = src.distro
			}
		}
		kept := make(packageurl.Qualifiers, 0, 2)
		if arch != "" {
			kept = append(kept, packageurl.Qualifier{Key: "arch", Value: arch})
		}
		if distro != "" {
			kept = append(kept, packageurl.Qualifier{Key: "distro", Value: distro})
		}
		p.Qualifiers = kept
		c.Source, c.SourceVersion = debianSourceOf(p, upstream, src)
	}
	c.PURL = p.ToString()
	c.Ecosystem = ecosystem(p)
	c.Package = packageName(p)
	if c.Ecosystem == "" {
		return fmt.Errorf("purl %s names no ecosystem vulnerability databases know (type %q, namespace %q)", c.PURL, p.Type, p.Namespace)
	}
	return nil
}

// debianSourceOf picks the source package of a Debian binary: the purl's
// upstream qualifier ("glibc" or "libxext@2:1.3.4-1"), then what the document
// says elsewhere, then the binary itself.
func debianSourceOf(p packageurl.PackageURL, upstream string, src debianSource) (name, version string) {
	if upstream != "" {
		name, version, _ = strings.Cut(upstream, "@")
	}
	if name == "" {
		name = src.name
	}
	if version == "" && src.version != "" && (src.name == "" || src.name == name) {
		version = src.version
	}
	if name == "" {
		name = p.Name
	}
	if version == "" {
		version = p.Version
	}
	return name, version
}

// golangPath takes the namespace and name of a pkg:golang purl with their
// case kept.
func golangPath(raw string) (namespace, name string, err error) {
	rest := strings.TrimSpace(raw)[len("pkg:"):]
	rest = strings.TrimLeft(rest, "/")
	_, rest, _ = strings.Cut(rest, "/")
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[:i]
	}
	var segs []string
	for _, s := range strings.Split(strings.Trim(rest, "/"), "/") {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", "", err
		}
		if d != "" {
			segs = append(segs, d)
		}
	}
	if len(segs) == 0 {
		return "", "", errors.New("no module path")
	}
	return strings.Join(segs[:len(segs)-1], "/"), segs[len(segs)-1], nil
}

// ecosystem names the OSV ecosystem of a purl (ossf/osv-schema
// ecosystems.json), or "" when OSV has none for it.
func ecosystem(p packageurl.PackageURL) string {
	switch p.Type {
	case packageurl.TypeDebian:
		switch p.Namespace {
		case "debian":
			return "Debian"
		case "ubuntu":
			return "Ubuntu"
		}
	case packageurl.TypeApk:
		switch p.Namespace {
		case "alpine":
			return "Alpine"
		case "wolfi":
			return "Wolfi"
		case "chainguard":
			return "Chainguard"
		}
	case packageurl.TypeRPM:
		switch p.Namespace {
		case "redhat":
			return "Red Hat"
		case "rocky", "rocky-linux":
			return "Rocky Linux"
		case "almalinux":
			return "AlmaLinux"
		case "opensuse":
			return "openSUSE"
		case "suse", "sles":
			return "SUSE"
		case "mariner":
			return "Mariner"
		}
	case packageurl.TypeGolang:
		return "Go"
	case packageurl.TypeNPM:
		return "npm"
	case packageurl.TypePyPi:
		return "PyPI"
	case packageurl.TypeMaven:
		return "Maven"
	case packageurl.TypeCargo:
		return "crates.io"
	case packageurl.TypeGem:
		return "RubyGems"
	case packageurl.TypeNuget:
		return "NuGet"
	case packageurl.TypeComposer:
		return "Packagist"
	case packageurl.TypeHex:
		return "Hex"
	case packageurl.TypePub:
		return "Pub"
	case packageurl.TypeHackage:
		return "Hackage"
	case packageurl.TypeCran:
		return "CRAN"
	case packageurl.TypeSwift:
		return "SwiftURL"
	case packageurl.TypeConan:
		return "ConanCenter"
	case packageurl.TypeBitnami:
		return "Bitnami"
	case "githubactions":
		return "GitHub Actions"
	}
	return ""
}

// packageName is the name OSV's affected[].package.name uses for p.
func packageName(p packageurl.PackageURL) string {
	switch p.Type {
	case packageurl.TypeMaven:
		if p.Namespace != "" {
			return p.Namespace + ":" + p.Name
		}
	case packageurl.TypeDebian, packageurl.TypeApk, packageurl.TypeRPM:
		return p.Name
	}
	if p.Namespace != "" {
		return p.Namespace + "/" + p.Name
	}
	return p.Name
}

func truncate(s string) string {
	const n = 200
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

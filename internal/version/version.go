// Package version provides version semantics per package ecosystem: parsing a
// version string as its ecosystem's own tools do and ordering two versions as
// those tools order them. It is the foundation of advisory matching.
//
// Supported ecosystems, spelled as OSV spells them:
//
//   - "Debian" (and "Debian:12" style release suffixes): dpkg's algorithm
//     exactly — epoch, upstream version, revision, '~' sorting before
//     everything (even the end), letters before non-letters.
//   - "SemVer", "npm", "crates.io": Semantic Versioning 2.0 precedence —
//     prerelease identifiers compared numerically or in ASCII order, build
//     metadata ignored. Parsing is as loose as npm's loose mode (a leading "v"
//     or "=", short forms such as "1.2" meaning "1.2.0", a prerelease without
//     its hyphen, leading zeros).
//   - "Go": module versions are semver with an optional leading "v" (OSV
//     records leave it out); "+incompatible" is build metadata and ignored;
//     pseudo-versions order as the prereleases they are.
//   - "PyPI": PEP 440 with packaging's normalisation (epochs, pre, post, dev
//     and local segments, alternative spellings, implicit post releases,
//     1.0 == 1.0.0); strings PEP 440 rejects order as setuptools'
//     LegacyVersion did, below every PEP 440 version.
//   - "Maven": the version order specification that Maven's
//     ComparableVersion implements: tokens split at '.', '-' and digit/letter
//     transitions; trailing null values trimmed; alpha < beta < milestone <
//     rc = cr < snapshot < "" = final = ga = release < sp < other qualifiers
//     (alphabetical); ".qualifier" < "-qualifier" < "-number" < ".number".
//     That last rule makes the specified order intransitive in corner cases
//     (1-SNAPSHOT < 1 < 1.a < 1-SNAPSHOT); it is kept because every
//     comparison vector generated with Maven agrees with it.
//
// Invariants: Parse and Compare do no I/O and keep no mutable state; a
// Version is immutable and safe to share between goroutines. For versions of
// one ecosystem, Compare is reflexive (v.Compare(v) == 0) and antisymmetric
// (a.Compare(b) == -b.Compare(a)), and transitive except for Maven's corner
// case above; "equal" means equal precedence, not equal text (1.0 and 1.0.0
// are equal in PyPI, build metadata is ignored in semver). Numbers of any
// length compare exactly.
// Errors name the ecosystem and the version and wrap ErrInvalidVersion or
// ErrUnknownEcosystem.
package version

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownEcosystem is returned for an ecosystem this package has no
// semantics for.
var ErrUnknownEcosystem = errors.New("unknown ecosystem")

// ErrInvalidVersion is wrapped by every *ParseError.
var ErrInvalidVersion = errors.New("invalid version")

// ParseError says which version of which ecosystem could not be parsed, and why.
type ParseError struct {
	Ecosystem string
	Version   string
	Reason    string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid %s version %q: %s", e.Ecosystem, e.Version, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalidVersion) hold.
func (e *ParseError) Unwrap() error { return ErrInvalidVersion }

// kind is an ecosystem family: ecosystems of one kind share semantics.
type kind uint8

const (
	kindNone kind = iota
	kindDebian
	kindSemVer
	kindGo
	kindNPM
	kindCrates
	kindPyPI
	kindMaven
)

var kindNames = [...]string{
	kindNone:   "",
	kindDebian: "Debian",
	kindSemVer: "SemVer",
	kindGo:     "Go",
	kindNPM:    "npm",
	kindCrates: "crates.io",
	kindPyPI:   "PyPI",
	kindMaven:  "Maven",
}

func kindOf(ecosystem string) (kind, error) {
	switch ecosystem {
	case "Debian":
		return kindDebian, nil
	case "SemVer":
		return kindSemVer, nil
	case "Go":
		return kindGo, nil
	case "npm":
		return kindNPM, nil
	case "crates.io":
		return kindCrates, nil
	case "PyPI":
		return kindPyPI, nil
	case "Maven":
		return kindMaven, nil
	}
	if base, _, ok := strings.Cut(ecosystem, ":"); ok && base == "Debian" {
		return kindDebian, nil
	}
	return kindNone, fmt.Errorf("%w: %q", ErrUnknownEcosystem, ecosystem)
}

// Supported reports whether ecosystem has version semantics here.
func Supported(ecosystem string) bool {
	_, err := kindOf(ecosystem)
	return err == nil
}

// parsed is one ecosystem's parsed form; cmp is only called with a value of
// the same concrete type.
type parsed interface {
	cmp(parsed) int
}

// Version is a parsed version of one ecosystem. The zero Version is invalid.
type Version struct {
	kind kind
	raw  string
	p    parsed
}

// Parse parses s as a version of ecosystem.
func Parse(ecosystem, s string) (Version, error) {
	k, err := kindOf(ecosystem)
	if err != nil {
		return Version{}, err
	}
	var p parsed
	var reason string
	switch k {
	case kindDebian:
		p, reason = parseDebian(s)
	case kindSemVer, kindGo, kindCrates:
		p, reason = parseSemver(s, false)
	case kindNPM:
		p, reason = parseSemver(s, true)
	case kindPyPI:
		p, reason = parsePyPI(s)
	case kindMaven:
		p, reason = parseMaven(s)
	}
	if reason != "" {
		return Version{}, &ParseError{Ecosystem: ecosystem, Version: s, Reason: reason}
	}
	return Version{kind: k, raw: s, p: p}, nil
}

// Compare parses a and b as versions of ecosystem and returns -1, 0 or +1 as
// a orders before, the same as, or after b.
func Compare(ecosystem, a, b string) (int, error) {
	va, err := Parse(ecosystem, a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(ecosystem, b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

// Compare returns -1, 0 or +1 as v orders before, the same as, or after w.
// Both must come from Parse with ecosystems of the same semantics ("Debian"
// and "Debian:12" are the same); comparing versions of different ecosystems
// is a programming error and panics, as there is no order between them.
func (v Version) Compare(w Version) int {
	if v.kind != w.kind || v.p == nil {
		panic(fmt.Sprintf("version: comparing %s version %q with %s version %q", kindNames[v.kind], v.raw, kindNames[w.kind], w.raw))
	}
	return v.p.cmp(w.p)
}

// String returns the version as it was given to Parse.
func (v Version) String() string { return v.raw }

// Ecosystem returns the canonical name of the version's ecosystem semantics
// ("Debian" for "Debian:12").
func (v Version) Ecosystem() string { return kindNames[v.kind] }

// cmpDigits compares two non-empty strings of ASCII digits numerically,
// whatever their length and leading zeros.
func cmpDigits(a, b string) int {
	a = trimZeros(a)
	b = trimZeros(b)
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func trimZeros(s string) string {
	i := 0
	for i < len(s) && s[i] == '0' {
		i++
	}
	return s[i:]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

package finding

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/product"
)

// Bounds of a rule's text fields.
const (
	MaxNoteLen    = 4000 // characters
	maxIDLen      = 256  // vulnerability IDs, ecosystems, authors, product slugs
	maxPackageLen = 1024 // package names (Go module paths, Maven coordinates)
)

// Validate reports every problem of the rule at once (errors.Join), each
// prefixed by the field's JSON name. A valid rule:
//   - sets status affected, not_affected or under_investigation; fixed is
//     never set by a rule, it is derived from published releases (Carry);
//   - has a valid justification exactly when its status is not_affected;
//   - has one of the four reasons, a note (1 to MaxNoteLen characters) and
//     an author;
//   - names a vulnerability or a package (a rule for everything is not an
//     applicability decision); a package needs its ecosystem;
//   - has from_version X.Y.Z with a product; versions parsing as a
//     constraint of its ecosystem (ParseConstraint);
//   - expires, if it does, after it was created.
func (r Rule) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch r.Status {
	case Affected, NotAffected, UnderInvestigation:
	case Fixed:
		add("status", "fixed is derived from published releases, a rule cannot set it")
	case "":
		add("status", "missing")
	default:
		add("status", "unknown status %q (want %s, %s or %s)", r.Status, NotAffected, Affected, UnderInvestigation)
	}
	switch {
	case r.Status == NotAffected && r.Justification == "":
		add("justification", "missing: not_affected needs a justification")
	case r.Status == NotAffected && !validJustification(r.Justification):
		add("justification", "unknown justification %q", r.Justification)
	case r.Status != NotAffected && r.Justification != "":
		add("justification", "only a not_affected rule has a justification")
	}
	switch r.Reason {
	case FeatureNotUsed, WorkaroundInPlace, CustomModification, OtherReason:
	case "":
		add("reason", "missing")
	default:
		add("reason", "unknown reason %q (want %s, %s, %s or %s)", r.Reason, FeatureNotUsed, WorkaroundInPlace, CustomModification, OtherReason)
	}
	switch n := utf8.RuneCountInString(r.Note); {
	case strings.TrimSpace(r.Note) == "":
		add("note", "missing")
	case n > MaxNoteLen:
		add("note", "%d characters, the limit is %d", n, MaxNoteLen)
	}
	if strings.TrimSpace(r.Author) == "" {
		add("author", "missing")
	}
	if r.Vuln == "" && r.Package == "" {
		add("vuln", "a rule names a vulnerability, a package or both")
	}
	if r.Package != "" && r.Ecosystem == "" {
		add("ecosystem", "missing: a package is named in an ecosystem")
	}
	if r.FromVersion != "" {
		if _, err := product.ParseVersion(r.FromVersion); err != nil {
			add("from_version", "%v", err)
		}
		if r.Product == "" {
			add("product", "missing: from_version is a release of a product")
		}
	}
	if r.Versions != "" {
		if r.Ecosystem == "" {
			add("ecosystem", "missing: versions are compared in an ecosystem")
		} else if _, err := ParseConstraint(r.Ecosystem, r.Versions); err != nil {
			add("versions", "%v", err)
		}
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"product", r.Product, maxIDLen}, {"ecosystem", r.Ecosystem, maxIDLen}, {"package", r.Package, maxPackageLen},
		{"vuln", r.Vuln, maxIDLen}, {"author", r.Author, maxIDLen}, {"versions", r.Versions, MaxConstraintLen},
	} {
		if len(f.value) > f.max {
			add(f.name, "%d bytes, the limit is %d", len(f.value), f.max)
		}
	}
	if r.ExpiresAt != nil && !r.ExpiresAt.After(r.CreatedAt) {
		add("expires_at", "%s is not after created_at %s", r.ExpiresAt.UTC().Format(time.RFC3339), r.CreatedAt.UTC().Format(time.RFC3339))
	}
	return errors.Join(errs...)
}

func validJustification(j Justification) bool {
	return slices.Contains([]Justification{ComponentNotPresent, VulnerableCodeNotPresent, VulnerableCodeNotInExecutePath,
		VulnerableCodeCannotBeControlledByAdversary, InlineMitigationsAlreadyExist}, j)
}

// Active reports whether the rule is in force at now: not expired
// (ExpiresAt nil or after now) and not revoked (RevokedAt nil or after now).
func (r Rule) Active(now time.Time) bool {
	return (r.ExpiresAt == nil || r.ExpiresAt.After(now)) && (r.RevokedAt == nil || r.RevokedAt.After(now))
}

// Applies reports whether the rule decides the target's finding at now.
// Every scope the rule sets must hold (an unset scope holds for everything):
//   - Product equals the target's product.
//   - FromVersion: the target's release is that version or a later one
//     (numeric X.Y.Z order, across branches: a rule made on 2.1.4 holds for
//     2.1.5 and 2.2.0, not 2.1.3). A target without a release never
//     satisfies it: an offline scan honours such a rule only when it names
//     the release it scans (vigil scan --release 2.1.4); without one nothing
//     says the scanned build is that release or a later one.
//   - Ecosystem: a rule without a ":release" suffix ("Debian") holds for
//     every release of the ecosystem ("Debian:11", "Debian:12"); with one,
//     only for that release.
//   - Package equals the component's package, PyPI names compared after
//     PEP 503 normalisation.
//   - Versions allows the component's version (a version the constraint
//     cannot parse, or a constraint that does not parse, does not apply).
//   - Vuln equals the finding's Vuln or one of its Aliases, ignoring case.
//
// and the rule is Active at now. A target without a finding never applies.
func (r Rule) Applies(t Target, now time.Time) bool {
	f := t.Finding
	if f == nil || !r.Active(now) {
		return false
	}
	if r.Product != "" && r.Product != t.Product {
		return false
	}
	if r.FromVersion != "" {
		from, err := product.ParseVersion(r.FromVersion)
		if err != nil || t.Release == "" {
			return false
		}
		rel, err := product.ParseVersion(t.Release)
		if err != nil || rel.Compare(from) < 0 {
			return false
		}
	}
	c := f.Component
	if r.Ecosystem != "" && r.Ecosystem != c.Ecosystem {
		if strings.Contains(r.Ecosystem, ":") || r.Ecosystem != baseEcosystem(c.Ecosystem) {
			return false
		}
	}
	if r.Package != "" && packageKey(c.Ecosystem, r.Package) != packageKey(c.Ecosystem, c.Package) {
		return false
	}
	if r.Versions != "" {
		eco := r.Ecosystem
		if eco == "" {
			eco = c.Ecosystem
		}
		cons, err := ParseConstraint(eco, r.Versions)
		if err != nil {
			return false
		}
		if ok, err := cons.Allows(c.Version); err != nil || !ok {
			return false
		}
	}
	if r.Vuln != "" && !strings.EqualFold(r.Vuln, f.Vuln) &&
		!slices.ContainsFunc(f.Aliases, func(a string) bool { return strings.EqualFold(r.Vuln, a) }) {
		return false
	}
	return true
}

// baseEcosystem is the OSV ecosystem without its ":release" suffix.
func baseEcosystem(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	return base
}

// packageKey is the package name as the matcher keys it in the ecosystem
// (PEP 503 normalised for PyPI).
func packageKey(eco, pkg string) string {
	return match.Component{Ecosystem: baseEcosystem(eco), Package: pkg}.Key().Package
}

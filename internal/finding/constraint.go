package finding

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/version"
)

// Bounds of a versions constraint.
const (
	// MaxConstraintLen bounds the text of a constraint, in bytes.
	MaxConstraintLen = 1024
	// MaxConstraintTerms bounds its number of comparisons.
	MaxConstraintTerms = 16
)

// ErrConstraint is wrapped by every error of ParseConstraint that is not a
// version's own.
var ErrConstraint = errors.New("invalid versions constraint")

// Constraint is a parsed versions constraint: comparisons that must all
// hold, evaluated with the version semantics of one ecosystem. The zero
// Constraint allows every version.
type Constraint struct {
	ecosystem string
	terms     []term
}

// term is one comparison: op is one of <, <=, >, >=, =.
type term struct {
	op string
	v  version.Version
}

// ParseConstraint parses a comma-separated list of comparisons (<, <=, >,
// >=, = or == followed by a version, spaces allowed around each part; a bare
// version means =) as versions of ecosystem, with the semantics of
// internal/version: "Debian:12" and "Debian" both order as dpkg does, epochs
// and tildes included. Every problem is reported at once. An empty
// constraint, an empty term, an unknown ecosystem, a version the ecosystem
// cannot parse, more than MaxConstraintTerms terms or more than
// MaxConstraintLen bytes are errors.
func ParseConstraint(ecosystem, s string) (Constraint, error) {
	if len(s) > MaxConstraintLen {
		return Constraint{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrConstraint, len(s), MaxConstraintLen)
	}
	if !version.Supported(ecosystem) {
		return Constraint{}, fmt.Errorf("%w: ecosystem %q: %w", ErrConstraint, ecosystem, version.ErrUnknownEcosystem)
	}
	if strings.TrimSpace(s) == "" {
		return Constraint{}, fmt.Errorf("%w: empty", ErrConstraint)
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxConstraintTerms {
		return Constraint{}, fmt.Errorf("%w: %d terms, the limit is %d", ErrConstraint, len(parts), MaxConstraintTerms)
	}
	c := Constraint{ecosystem: ecosystem}
	var errs []error
	for i, p := range parts {
		p = strings.TrimSpace(p)
		op := "="
		for _, o := range []string{"<=", ">=", "==", "<", ">", "="} {
			if strings.HasPrefix(p, o) {
				op, p = o, strings.TrimSpace(p[len(o):])
				if op == "==" {
					op = "="
				}
				break
			}
		}
		switch {
		case p == "":
			errs = append(errs, fmt.Errorf("term %d: %w: no version", i+1, ErrConstraint))
			continue
		case strings.ContainsAny(p, " \t\n\r<>="):
			errs = append(errs, fmt.Errorf("term %d %q: %w: one operator and one version expected", i+1, p, ErrConstraint))
			continue
		}
		v, err := version.Parse(ecosystem, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("term %d: %w", i+1, err))
			continue
		}
		c.terms = append(c.terms, term{op: op, v: v})
	}
	if len(errs) > 0 {
		return Constraint{}, errors.Join(errs...)
	}
	return c, nil
}

// Allows reports whether version v, parsed with the constraint's ecosystem,
// satisfies every comparison. A version the ecosystem cannot parse is an
// error (the rule it belongs to then does not apply).
func (c Constraint) Allows(v string) (bool, error) {
	if len(c.terms) == 0 {
		return true, nil
	}
	pv, err := version.Parse(c.ecosystem, v)
	if err != nil {
		return false, fmt.Errorf("versions constraint: %w", err)
	}
	for _, t := range c.terms {
		n := pv.Compare(t.v)
		var ok bool
		switch t.op {
		case "<":
			ok = n < 0
		case "<=":
			ok = n <= 0
		case ">":
			ok = n > 0
		case ">=":
			ok = n >= 0
		default:
			ok = n == 0
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// String returns the constraint in canonical form: terms joined by ", ",
// each with its operator.
func (c Constraint) String() string {
	parts := make([]string, len(c.terms))
	for i, t := range c.terms {
		parts[i] = t.op + t.v.String()
	}
	return strings.Join(parts, ", ")
}

package policy

import (
	"fmt"
	"strings"
)

// Severity is the ordered severity scale every policy classifies into.
// The zero value is None: nothing matched, or nothing is known yet.
type Severity int

// The severity scale, lowest first; comparisons such as sev >= High are meaningful.
const (
	None Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"none", "low", "medium", "high", "critical"}

// Severities lists the scale from None to Critical.
func Severities() []Severity { return []Severity{None, Low, Medium, High, Critical} }

// String returns the lower-case name ("none" .. "critical").
func (s Severity) String() string {
	if s < None || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// Valid reports whether s is on the scale.
func (s Severity) Valid() bool { return s >= None && s <= Critical }

// ParseSeverity parses a severity name, ignoring case and surrounding space.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, v := range severityNames {
		if n == v {
			return Severity(i), nil
		}
	}
	return None, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

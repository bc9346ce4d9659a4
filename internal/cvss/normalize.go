package cvss

import (
	"errors"
	"fmt"
	"strings"
)

// Normalize returns a CVSS 3.0, 3.1 or 4.0 vector with its metrics in the
// order of the specification, so that a CVSS 4.0 vector whose producer
// listed the metrics in another order (some GHSA and OSV records do) can be
// given to Parse, which requires that order for 4.0.
//
// Normalize only reorders: it rejects a missing or unknown version prefix,
// a malformed component, an unknown metric and a duplicate metric (every
// problem at once, joined, wrapping the sentinel errors of Parse), and keeps
// every value as written. Whether the values are valid and the mandatory
// metrics present is for Parse to say. An input longer than MaxVectorLen is
// rejected with ErrTooLong. A vector already in order is returned unchanged.
func Normalize(vector string) (string, error) {
	if len(vector) > MaxVectorLen {
		return "", fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLong, len(vector), MaxVectorLen)
	}
	var defs []metric
	prefix, rest, _ := strings.Cut(vector, "/")
	switch prefix {
	case "CVSS:3.0", "CVSS:3.1":
		defs = v3Metrics[:]
	case "CVSS:4.0":
		defs = v4Metrics[:]
	default:
		if len(prefix) > 16 {
			prefix = prefix[:16] + "..."
		}
		return "", fmt.Errorf("prefix %q: %w (want CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/)", prefix, ErrVersion)
	}
	if len(vector) == len(prefix) {
		return vector, nil // no component at all: Parse reports the missing metrics
	}
	var (
		vals     values
		problems []error
	)
	for n := 1; ; n++ {
		comp, tail, more := strings.Cut(rest, "/")
		name, value, ok := strings.Cut(comp, ":")
		switch i := metricIndex(defs, name); {
		case !ok || name == "" || value == "" || strings.Contains(value, ":"):
			problems = append(problems, fmt.Errorf("component %d %q: %w", n, comp, ErrSyntax))
		case i < 0:
			problems = append(problems, fmt.Errorf("%q: %w", name, ErrUnknownMetric))
		case vals[i] != "":
			problems = append(problems, fmt.Errorf("%s: %w", name, ErrDuplicateMetric))
		default:
			vals[i] = value
		}
		if !more {
			break
		}
		rest = tail
	}
	if len(problems) > 0 {
		return "", errors.Join(problems...)
	}
	var b strings.Builder
	b.Grow(len(vector))
	b.WriteString(prefix)
	for i, d := range defs {
		if vals[i] != "" {
			b.WriteString("/")
			b.WriteString(d.name)
			b.WriteString(":")
			b.WriteString(vals[i])
		}
	}
	return b.String(), nil
}

package cvss

import (
	"errors"
	"fmt"
	"strings"
)

// Version of a vector, as written after "CVSS:" in its prefix.
type Version string

// The versions Parse understands.
const (
	Version30 Version = "3.0"
	Version31 Version = "3.1"
	Version40 Version = "4.0"
)

// Qualitative severity ratings, spelled as the CVSS JSON schemas spell
// baseSeverity. They are shared by CVSS 3.x and 4.0.
const (
	SeverityNone     = "NONE"
	SeverityLow      = "LOW"
	SeverityMedium   = "MEDIUM"
	SeverityHigh     = "HIGH"
	SeverityCritical = "CRITICAL"
)

// MaxVectorLen bounds the input of Parse. The longest valid vector, a CVSS
// 4.0 vector with every metric given, has 178 bytes.
const MaxVectorLen = 512

// Errors wrapped by the problems Parse reports. One call may report several.
var (
	ErrTooLong         = errors.New("vector too long")
	ErrVersion         = errors.New("missing or unsupported CVSS version prefix")
	ErrSyntax          = errors.New("malformed component, want METRIC:VALUE")
	ErrUnknownMetric   = errors.New("unknown metric")
	ErrDuplicateMetric = errors.New("duplicate metric")
	ErrMissingMetric   = errors.New("missing mandatory metric")
	ErrValue           = errors.New("invalid metric value")
	ErrOrder           = errors.New("metric out of order")
)

// Score is a validated vector and its scores.
//
// For CVSS 3.x, Base, Temporal and Environmental are always the three scores
// the specification defines, whether or not the vector gives temporal or
// environmental metrics: a metric that is absent or X (Not Defined) takes its
// neutral value, so Temporal equals Base when no temporal metric is given,
// and Environmental is the environmental equation over the base values when
// no environmental metric is given (which can differ from Base by 0.1 under
// Scope:Changed in 3.1). HasTemporal and HasEnvironmental say whether the
// vector defines any; Overall picks the score accordingly. This matches the
// triples of the reference data and keeps a genuine 0.0 environmental score
// distinguishable from an absent one.
//
// For CVSS 4.0 there is a single score, in Base: the score of the vector as
// written (CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE, see Nomenclature). Temporal
// and Environmental are 0.
type Score struct {
	Version Version
	// Vector is the vector as given, validated. For CVSS 3.x its metrics are
	// put in the specification's order (values, X included, unchanged); a
	// CVSS 4.0 vector must already be in that order and is kept as given.
	Vector        string
	Base          float64
	Temporal      float64
	Environmental float64
	// Severity is the rating of Overall().
	Severity string
	// HasTemporal is true when a temporal metric (3.x: E, RL, RC) or the
	// threat metric (4.0: E) has a value other than X.
	HasTemporal bool
	// HasEnvironmental is true when an environmental metric (3.x: CR, IR, AR
	// and the modified base metrics; 4.0: likewise) has a value other than X.
	HasEnvironmental bool
}

// Overall is the score a policy should compare: for CVSS 3.x the
// environmental score if environmental metrics are given, else the temporal
// score if temporal metrics are given, else the base score; for CVSS 4.0 the
// single score.
func (s Score) Overall() float64 {
	if s.Version == Version40 {
		return s.Base
	}
	switch {
	case s.HasEnvironmental:
		return s.Environmental
	case s.HasTemporal:
		return s.Temporal
	}
	return s.Base
}

// Nomenclature names what a CVSS 4.0 score covers, as the specification
// requires it to be labelled: "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE".
// It is "" for CVSS 3.x.
func (s Score) Nomenclature() string {
	if s.Version != Version40 {
		return ""
	}
	n := "CVSS-B"
	if s.HasTemporal {
		n += "T"
	}
	if s.HasEnvironmental {
		n += "E"
	}
	return n
}

// SeverityOf returns the qualitative rating of a score: NONE for 0.0, LOW up
// to 3.9, MEDIUM from 4.0 to 6.9, HIGH from 7.0 to 8.9 and CRITICAL from 9.0
// to 10.0. A score between two bands (3.95) belongs to the lower one. It
// returns "" for a value outside [0, 10] or NaN, which no CVSS score is.
func SeverityOf(score float64) string {
	switch {
	case !(score >= 0 && score <= 10): // also catches NaN
		return ""
	case score == 0:
		return SeverityNone
	case score < 4:
		return SeverityLow
	case score < 7:
		return SeverityMedium
	case score < 9:
		return SeverityHigh
	}
	return SeverityCritical
}

// metric describes one metric of a version: its abbreviation and its allowed
// values. Values of optional metrics start with "X" (Not Defined).
type metric struct {
	name      string
	values    []string
	mandatory bool
}

// maxMetrics is the number of metrics of the largest version (4.0).
const maxMetrics = 32

// values holds the value given for each metric of a version, indexed like
// the version's metric table; "" where the metric is absent.
type values [maxMetrics]string

// Parse validates a CVSS 3.0, 3.1 or 4.0 vector and computes its scores.
//
// A CVSS 3.x vector may list its metrics in any order; a CVSS 4.0 vector must
// list them in the order of the specification (and of the FIRST JSON schema).
// Every base metric is mandatory, the others may be omitted or given as X.
// Names and values are case-sensitive. On failure Parse returns the zero
// Score and all the problems found, joined.
func Parse(vector string) (Score, error) {
	if len(vector) > MaxVectorLen {
		return Score{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLong, len(vector), MaxVectorLen)
	}
	var (
		ver  Version
		defs []metric
	)
	switch prefix, _, _ := strings.Cut(vector, "/"); prefix {
	case "CVSS:3.0":
		ver, defs = Version30, v3Metrics[:]
	case "CVSS:3.1":
		ver, defs = Version31, v3Metrics[:]
	case "CVSS:4.0":
		ver, defs = Version40, v4Metrics[:]
	default:
		if len(prefix) > 16 {
			prefix = prefix[:16] + "..."
		}
		return Score{}, fmt.Errorf("prefix %q: %w (want CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/)", prefix, ErrVersion)
	}

	p := parser{defs: defs, ordered: ver == Version40}
	p.parse(vector[len("CVSS:x.y"):])
	if len(p.problems) > 0 {
		return Score{}, errors.Join(p.problems...)
	}
	vals := &p.vals

	s := Score{Version: ver, Vector: vector}
	if ver == Version40 {
		s.Base = scoreV4(vals)
		s.HasTemporal, s.HasEnvironmental = definedV4(vals)
	} else {
		if !p.inOrder {
			s.Vector = canonicalV3(ver, vals)
		}
		s.Base, s.Temporal, s.Environmental = scoreV3(ver, vals)
		s.HasTemporal, s.HasEnvironmental = definedV3(vals)
	}
	s.Severity = SeverityOf(s.Overall())
	return s, nil
}

// parser reads the "/NAME:VALUE" components that follow the prefix.
type parser struct {
	defs    []metric
	ordered bool // an out-of-order metric is a problem (CVSS 4.0)

	vals     values
	seen     uint64 // bit i: defs[i] was given, valid or not
	last     int    // highest index given so far
	inOrder  bool   // every metric came after the ones before it
	problems []error
}

func (p *parser) parse(rest string) {
	p.last, p.inOrder = -1, true
	// rest is "" ("CVSS:3.1" alone: no component at all) or starts with "/".
	if rest != "" {
		rest = rest[1:]
		for n := 1; ; n++ {
			comp, tail, more := strings.Cut(rest, "/")
			p.component(n, comp)
			if !more {
				break
			}
			rest = tail
		}
	}
	for i, d := range p.defs {
		if d.mandatory && p.seen&(1<<i) == 0 {
			p.fail(fmt.Errorf("%s: %w", d.name, ErrMissingMetric))
		}
	}
}

func (p *parser) component(n int, comp string) {
	name, value, ok := strings.Cut(comp, ":")
	if !ok || name == "" || value == "" || strings.Contains(value, ":") {
		p.fail(fmt.Errorf("component %d %q: %w", n, comp, ErrSyntax))
		return
	}
	i := metricIndex(p.defs, name)
	if i < 0 {
		p.fail(fmt.Errorf("%q: %w", name, ErrUnknownMetric))
		return
	}
	d := p.defs[i]
	if p.seen&(1<<i) != 0 {
		p.fail(fmt.Errorf("%s: %w", d.name, ErrDuplicateMetric))
		return
	}
	p.seen |= 1 << i
	if i < p.last {
		p.inOrder = false
		if p.ordered {
			p.fail(fmt.Errorf("%s: %w (must come before %s)", d.name, ErrOrder, p.defs[p.last].name))
		}
	} else {
		p.last = i
	}
	if !validValue(d, value) {
		p.fail(fmt.Errorf("%s: %w %q (want one of %s)", d.name, ErrValue, value, strings.Join(d.values, ", ")))
		return
	}
	p.vals[i] = value
}

func (p *parser) fail(err error) {
	p.problems = append(p.problems, err)
}

func metricIndex(defs []metric, name string) int {
	for i := range defs {
		if defs[i].name == name {
			return i
		}
	}
	return -1
}

func validValue(d metric, v string) bool {
	for _, a := range d.values {
		if a == v {
			return true
		}
	}
	return false
}

// defined reports whether vals gives a value other than X to any metric with
// an index in [from, to).
func defined(vals *values, from, to int) bool {
	for _, v := range vals[from:to] {
		if v != "" && v != "X" {
			return true
		}
	}
	return false
}

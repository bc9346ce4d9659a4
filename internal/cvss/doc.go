// Package cvss parses CVSS vector strings of versions 3.0, 3.1 and 4.0 and
// computes their scores and qualitative severity ratings.
//
// [Parse] is the single entry point: it detects the version from the
// "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix, validates every metric and
// returns a [Score]. Version 2 vectors and anything else are rejected.
//
// Invariants:
//
//   - The package is pure: no I/O, no clock, no package-level state that
//     changes. The tables below are read-only after initialisation.
//   - Parse never panics, reads at most [MaxVectorLen] bytes of input and, on
//     failure, reports every problem it found at once (joined with
//     [errors.Join]), each prefixed by the metric or component it concerns and
//     wrapping one of the sentinel errors (ErrUnknownMetric, ...), so callers
//     can test with [errors.Is].
//   - Every score is a multiple of 0.1 in [0, 10] and equal to the float64
//     nearest to its one-decimal representation, so 7.5 == s.Base holds.
//   - A parsed vector re-parses to the same Score: Parse(s.Vector) returns s.
//   - Scores are exact with respect to the specifications:
//     CVSS 3.1 uses the Roundup function of its Appendix A, CVSS 3.0 rounds up
//     to one decimal as its specification defines (the mathematical ceiling,
//     free of floating-point artefacts), and CVSS 4.0 follows FIRST's reference
//     calculator, MacroVector lookup and interpolation, including the
//     October 2024 rounding fix (round half up after an epsilon of 1e-6, so
//     values that floating point leaves just below x.x5 round up). The tests
//     check every vector of the Red Hat reference suites.
//
// The package is hand-written rather than built on a CVSS library because the
// Go libraries available score some CVSS 4.0 vectors 0.1 too low (they
// predate the rounding fix).
package cvss

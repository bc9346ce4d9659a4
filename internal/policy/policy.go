// Package policy is vigil's policy engine: how a PSIRT classifies
// vulnerabilities, which clocks run against a report, case or finding, on
// which business days, and when fixes ship. A policy is data, loaded from a
// YAML file, so that processes as different as a vendor's vulnerability
// handling (5 business days for a fix) and another's security upgrade policy
// (1 to 6 months by severity, monthly releases) are configuration, not code.
//
// It provides:
//
//   - Load, LoadFile and Default: a validated *Policy; Load reports every
//     problem at once (errors.Join of *FieldError, each with its field path
//     such as `clocks[2].duration` and its YAML line). Unknown keys, events,
//     severities, calendars, zones and malformed durations are errors.
//   - Classify: the severity of a Risk (CVSS 3.x/4.0 vectors, type tags such
//     as rce/lpe, exploitation, public proof of concept) by threshold rules,
//     with human-readable reasons.
//   - Clocks and Due/Deadlines: deadlines in exact hours, calendar days,
//     business days of a holiday Calendar, or calendar months.
//   - PlanRelease: a regular release window or an urgent release.
//   - Example policies, embedded: see ExampleNames and ExampleFile.
//
// Invariants:
//
//   - Pure: no I/O besides LoadFile (and the time zone database behind
//     time.LoadLocation, embedded with time/tzdata as a fallback so that a
//     policy that loads on one machine loads on every machine), no clock
//     reads (every "now" is a parameter), no mutable package state.
//   - A *Policy returned by Load is valid and is not changed by any method;
//     it is safe for concurrent use.
//   - Every computation is deterministic: the same policy and inputs give the
//     same times, which are returned in the policy zone. Dates (weekends,
//     holidays, calendar days and months, release windows) are evaluated in
//     the policy zone, never in the zone of the time.Time passed in.
//   - Load never panics, whatever the input (fuzzed by FuzzLoad).
package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // policies name IANA zones; do not depend on the host's zoneinfo
)

// Policy is a loaded, validated policy. Build it with Load, LoadFile or
// Default; a hand-built Policy works as long as it satisfies what Load checks.
type Policy struct {
	Name        string
	Description string
	// Zone is the policy's time zone (`timezone`, an IANA name; UTC by default).
	Zone *time.Location
	// Severities gives each severity its color and label for display.
	Severities []SeverityInfo
	// ScoreSource picks the CVSS score when both 3.x and 4.0 are given.
	ScoreSource ScoreSource
	// Unscored is the severity of an upstream vulnerability that no source
	// has scored yet (classification.unscored; None when unset): the Go
	// vulnerability database and Debian's advisories carry no CVSS, and a
	// finding without a score must still get a deadline.
	Unscored Severity
	// Rules is the classification table (R13), in file order.
	Rules []Rule
	// Clocks are the deadline rules, in file order.
	Clocks []Clock
	// Calendars are the named business-day calendars.
	Calendars map[string]*Calendar
	// Releases is the release calendar (R16).
	Releases ReleaseCalendar
	// CustomerAdvance, when not zero, lets entitled customers hear of a
	// coming disclosure this long before it (notifications.customer_advance:
	// hours or days): what will be announced and when, no technical details.
	CustomerAdvance Duration
}

// CustomerNoticeAt is when entitled customers are told of a disclosure
// planned at planned, and false when the policy does not allow it.
func (p *Policy) CustomerNoticeAt(planned time.Time) (time.Time, bool) {
	d := p.CustomerAdvance
	switch d.Unit {
	case Hours:
		return planned.Add(-time.Duration(d.N) * time.Hour), d.N > 0
	case Days:
		return planned.In(p.zone()).AddDate(0, 0, -d.N).UTC(), d.N > 0
	}
	return time.Time{}, false
}

// SeverityInfo is how a policy shows a severity: a color ("purple" or
// "#7b1fa2") and a label ("Critical").
type SeverityInfo struct {
	Severity Severity
	Color    string
	Label    string
}

// Clock returns the clock with the given ID.
func (p *Policy) Clock(id string) (Clock, bool) {
	i := slices.IndexFunc(p.Clocks, func(c Clock) bool { return c.ID == id })
	if i < 0 {
		return Clock{}, false
	}
	return p.Clocks[i], true
}

//go:embed examples/*.yaml
var examples embed.FS

// DefaultName is the example file Default loads.
const DefaultName = "default.yaml"

// Default returns the embedded default policy (examples/default.yaml), the
// one vigil uses without --policy. Each call returns a fresh copy that the
// caller may change.
//
// It parses no YAML: every vigil process calls it, and Load costs about a
// millisecond, a noticeable part of a short `vigil scan`. default_gen.go
// builds the same value as Go code, generated from the YAML file, and
// TestDefaultMatchesYAML fails whenever the two differ.
func Default() *Policy {
	return defaultPolicy()
}

//go:generate go run -tags gendefault ./internal/gendefault -o default_gen.go

// ExampleNames lists the embedded example policy files, sorted.
func ExampleNames() []string {
	entries, err := fs.ReadDir(examples, "examples")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	return names
}

// ExampleFile returns the contents of an embedded example policy file, such
// as "stamus-security-upgrade.yaml".
func ExampleFile(name string) ([]byte, error) {
	if name != path.Base(name) || !strings.HasSuffix(name, ".yaml") {
		return nil, fmt.Errorf("example policy %q: no such file", name)
	}
	data, err := examples.ReadFile("examples/" + name)
	if err != nil {
		return nil, fmt.Errorf("example policy %q: no such file", name)
	}
	return data, nil
}

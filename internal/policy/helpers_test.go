package policy

import (
	"testing"
	"time"
)

// zone loads an IANA zone or fails the test.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at parses "2006-01-02 15:04" in loc.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// example loads an embedded example policy or fails the test.
func example(t testing.TB, name string) *Policy {
	t.Helper()
	data, err := ExampleFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(data)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return p
}

// clock returns the policy's clock id or fails the test.
func clock(t testing.TB, p *Policy, id string) Clock {
	t.Helper()
	c, ok := p.Clock(id)
	if !ok {
		t.Fatalf("policy %q has no clock %q", p.Name, id)
	}
	return c
}

const (
	sos     = "sos-vulnerability-handling.yaml"
	stamus  = "stamus-security-upgrade.yaml"
	dflt    = "default.yaml"
	layout  = "2006-01-02 15:04 MST"
	utcZone = "UTC"
)

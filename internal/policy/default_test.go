package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// policyOpts compares policies field by field, a calendar's zone included;
// a zone is its IANA name, as two loads of one zone are equal.
var policyOpts = cmp.Options{
	cmp.AllowUnexported(Calendar{}),
	cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() }),
}

// TestDefaultMatchesYAML keeps default_gen.go equal to what Load makes of
// examples/default.yaml, the one source of the default policy: unexported
// fields included (a calendar's zone), nil and empty slices told apart.
func TestDefaultMatchesYAML(t *testing.T) {
	want := example(t, DefaultName)
	got := Default()
	if diff := cmp.Diff(want, got, policyOpts); diff != "" {
		t.Errorf("Default() differs from Load(examples/%s) (-yaml +generated); run `go generate ./internal/policy`:\n%s", DefaultName, diff)
	}
	for name, c := range got.Calendars {
		if c.Zone() != got.Zone {
			t.Errorf("calendar %s evaluates in %v, not in the policy zone %v", name, c.Zone(), got.Zone)
		}
	}
}

// TestDefaultIsACopy changes everything reachable in one Default() and
// expects the next call untouched: callers (tests, commands) modify it.
func TestDefaultIsACopy(t *testing.T) {
	a := Default()
	a.Name = "changed"
	a.Severities[0].Color = "black"
	*a.Rules[0].MinScore = 1
	a.Rules[0].Tags[0] = "changed"
	a.Clocks[0].RemindBefore[0].N = 99
	a.Clocks[2].Severities[0] = Low
	cal := a.Calendars["office"]
	cal.Weekend[0] = time.Wednesday
	cal.Holidays[0].Name = "changed"
	a.Calendars["other"] = cal
	a.Releases.Regular.FromDay = 20
	a.Releases.UrgentSeverities[0] = Low

	want := example(t, DefaultName)
	if diff := cmp.Diff(want, Default(), policyOpts); diff != "" {
		t.Errorf("a change to one Default() shows in the next (-want +got):\n%s", diff)
	}
}

// BenchmarkDefault compares the generated default policy with loading the
// YAML file, what Default did before default_gen.go.
func BenchmarkDefault(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Default()
		}
	})
	b.Run("yaml", func(b *testing.B) {
		data, err := ExampleFile(sos)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Load(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

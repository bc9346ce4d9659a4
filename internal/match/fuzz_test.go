package match

import (
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/version"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// pool is the versions fuzzed event lists and components are drawn from:
// prereleases, equal-but-different spellings and "0" included.
var pool = []string{"0", "0.0.1", "1.0.0-alpha", "1.0.0", "1.0", "1.0.1", "1.2.0-rc.1", "1.2.0", "2.0.0", "2.0.0+build", "3.1.4", "10.0.0"}

// reference is the specification's IsVulnerable for one affected entry,
// written as literally as the pseudocode: parse at every comparison, sort
// the events by insertion (stable), "0" first, limits by "*".
func reference(eco string, a vuln.Affected, v string) bool {
	for _, s := range a.Versions {
		if s == v {
			return true
		}
	}
	// "0" sorts before every version as an introduced event only; as any
	// other event it is the version 0.
	zero := func(e vuln.Event) bool { return e.Introduced == "0" }
	cmp := func(x, y string) int {
		c, err := version.Compare(eco, x, y)
		if err != nil {
			panic(err)
		}
		return c
	}
	at := func(e vuln.Event) string { return e.Introduced + e.Fixed + e.LastAffected + e.Limit }
	less := func(x, y vuln.Event) bool {
		if zero(x) || zero(y) {
			return zero(x) && !zero(y)
		}
		return cmp(at(x), at(y)) < 0
	}
	for _, r := range a.Ranges {
		limited, before := false, false
		for _, e := range r.Events {
			if e.Limit != "" {
				limited = true
				if strings.Contains(e.Limit, "*") || cmp(v, e.Limit) < 0 {
					before = true
				}
			}
		}
		if limited && !before {
			continue
		}
		var sorted []vuln.Event
		for _, e := range r.Events {
			if e.Limit != "" || at(e) == "" {
				continue
			}
			i := len(sorted)
			for i > 0 && less(e, sorted[i-1]) {
				i--
			}
			sorted = append(sorted[:i], append([]vuln.Event{e}, sorted[i:]...)...)
		}
		vulnerable := false
		for _, e := range sorted {
			if e.Introduced != "" && (e.Introduced == "0" || cmp(v, e.Introduced) >= 0) {
				vulnerable = true
			} else if e.Fixed != "" && cmp(v, e.Fixed) >= 0 {
				vulnerable = false
			} else if e.LastAffected != "" && cmp(v, e.LastAffected) > 0 {
				vulnerable = false
			}
		}
		if vulnerable {
			return true
		}
	}
	return false
}

// FuzzRange decodes data as event lists over pool and checks that matching
// never panics and agrees with reference.
func FuzzRange(f *testing.F) {
	f.Add([]byte{0, 0, 1, 5}, uint8(4))
	f.Add([]byte{0, 3, 1, 7, 0, 8, 2, 9}, uint8(9))
	f.Add([]byte{3, 0, 0, 4, 3, 11}, uint8(5))
	f.Add([]byte{0, 0, 2, 3, 5, 6, 0, 0, 1, 3}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, vi uint8) {
		a := vuln.Affected{Ecosystem: "SemVer", Package: "p", Status: vuln.StatusAffected}
		var r vuln.Range
		for i := 0; i+1 < len(data) && i < 64; i += 2 {
			s := pool[int(data[i+1])%len(pool)]
			switch data[i] % 6 {
			case 0:
				r.Events = append(r.Events, vuln.Event{Introduced: s})
			case 1:
				r.Events = append(r.Events, vuln.Event{Fixed: s})
			case 2:
				r.Events = append(r.Events, vuln.Event{LastAffected: s})
			case 3:
				if s == "0" {
					s = "*"
				}
				r.Events = append(r.Events, vuln.Event{Limit: s})
			case 4:
				a.Versions = append(a.Versions, s)
			case 5:
				a.Ranges = append(a.Ranges, r)
				r = vuln.Range{}
			}
		}
		a.Ranges = append(a.Ranges, r)
		for i := range a.Ranges {
			a.Ranges[i].Type = vuln.RangeSemver
		}
		ix, problems := NewIndex([]vuln.Record{{ID: "F", Source: vuln.SourceOSV, Affected: []vuln.Affected{a}}})
		if len(problems) != 0 {
			t.Fatal(problems)
		}
		v := pool[1+int(vi)%(len(pool)-1)]
		got := len(ix.Match(Component{Ecosystem: "SemVer", Package: "p", Version: v})) == 1
		if want := reference("SemVer", a, v); got != want {
			t.Errorf("%s in %+v: got %v, want %v", v, a, got, want)
		}
	})
}

// FuzzStrings feeds arbitrary event and component versions to every
// ecosystem: building and matching never panic, and where every version
// parses the result agrees with reference.
func FuzzStrings(f *testing.F) {
	f.Add("Debian:12", "0", "1.2-3", "", "1.0-1")
	f.Add("PyPI", "1.0", "2.0rc1", "*", "1.5.post1")
	f.Add("Maven", "1-SNAPSHOT", "1.a", "", "1")
	f.Add("npm", "0", "", "2.0.0", "1.0.0-x")
	f.Fuzz(func(t *testing.T, eco, intro, fixed, limit, v string) {
		switch eco {
		case "Debian:12", "PyPI", "Maven", "npm", "Go", "crates.io", "SemVer":
		default:
			eco = "Debian:12"
		}
		a := vuln.Affected{Ecosystem: eco, Package: "p", Status: vuln.StatusAffected, Versions: []string{fixed},
			Ranges: []vuln.Range{{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: intro}, {Fixed: fixed}, {Limit: limit}}}}}
		ix, problems := NewIndex([]vuln.Record{{ID: "F", Affected: []vuln.Affected{a}}})
		got := len(ix.Match(Component{Ecosystem: eco, Package: "p", Version: v})) == 1
		if len(problems) != 0 {
			return
		}
		for _, s := range []string{intro, fixed, limit, v} {
			if s == "" || s == "0" || strings.Contains(s, "*") {
				continue
			}
			if _, err := version.Parse(eco, s); err != nil {
				return
			}
		}
		if _, err := version.Parse(eco, v); err != nil || eco == "Maven" {
			return // Maven's order is not transitive: sorting may differ
		}
		if want := reference(eco, a, v); got != want {
			t.Errorf("%s %q in %+v: got %v, want %v", eco, v, a, got, want)
		}
	})
}

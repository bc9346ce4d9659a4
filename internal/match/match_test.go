package match

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// rec builds a one-entry record; mutate adjusts it.
func rec(id, eco, pkg string, events []vuln.Event, mutate ...func(*vuln.Record)) vuln.Record {
	r := vuln.Record{ID: id, Source: vuln.SourceOSV, Affected: []vuln.Affected{{
		Ecosystem: eco, Package: pkg, Status: vuln.StatusAffected,
		Ranges: []vuln.Range{{Type: vuln.RangeEcosystem, Events: events}},
	}}}
	for _, m := range mutate {
		m(&r)
	}
	return r
}

func in(v string) vuln.Event  { return vuln.Event{Introduced: v} }
func fix(v string) vuln.Event { return vuln.Event{Fixed: v} }
func la(v string) vuln.Event  { return vuln.Event{LastAffected: v} }
func lim(v string) vuln.Event { return vuln.Event{Limit: v} }

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Record.ID)
	}
	return out
}

// TestSpecExamples are the examples of the OSV specification's evaluation
// section, for versions around every boundary.
func TestSpecExamples(t *testing.T) {
	cases := []struct {
		name     string
		events   []vuln.Event
		affected []string
		not      []string
	}{
		{"unfixed", []vuln.Event{in("0")}, []string{"0.0.1", "1.0.0", "99.0.0"}, nil},
		{"fixed", []vuln.Event{in("0"), fix("1.0.2")}, []string{"0.0.1", "1.0.1", "1.0.2-rc.1"}, []string{"1.0.2", "1.0.3", "2.0.0"}},
		{"multiple", []vuln.Event{in("1.0.0"), fix("1.0.2"), in("3.0.0"), fix("3.2.5")},
			[]string{"1.0.0", "1.0.1", "3.0.0", "3.2.4"}, []string{"0.9.0", "1.0.2", "2.0.0", "3.2.5", "4.0.0"}},
		{"multiple unsorted", []vuln.Event{fix("3.2.5"), in("3.0.0"), fix("1.0.2"), in("1.0.0")},
			[]string{"1.0.0", "1.0.1", "3.0.0", "3.2.4"}, []string{"0.9.0", "1.0.2", "2.0.0", "3.2.5", "4.0.0"}},
		{"last_affected", []vuln.Event{in("0"), la("2.1.214")}, []string{"1.0.0", "2.1.214"}, []string{"2.1.215", "3.0.0"}},
		{"fixed vs last_affected", []vuln.Event{in("0"), fix("2.1.214")}, []string{"2.1.213"}, []string{"2.1.214"}},
		{"limit", []vuln.Event{in("1.0.0"), lim("2.0.0")}, []string{"1.0.0", "1.9.9"}, []string{"0.9.0", "2.0.0", "3.0.0"}},
		{"limit star", []vuln.Event{in("1.0.0"), lim("*")}, []string{"1.0.0", "9.0.0"}, []string{"0.9.0"}},
		{"two limits", []vuln.Event{in("0"), lim("1.0.0"), lim("3.0.0")}, []string{"2.0.0"}, []string{"3.0.0"}},
		{"introduced equals fixed", []vuln.Event{in("1.0.0"), fix("1.0.0")}, nil, []string{"0.1.0", "1.0.0", "2.0.0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ix, problems := NewIndex([]vuln.Record{rec("X", "SemVer", "p", tc.events)})
			if len(problems) != 0 {
				t.Fatal(problems)
			}
			for _, v := range tc.affected {
				if len(ix.Match(Component{Ecosystem: "SemVer", Package: "p", Version: v})) != 1 {
					t.Errorf("%s is not affected, want affected", v)
				}
			}
			for _, v := range tc.not {
				if hits := ix.Match(Component{Ecosystem: "SemVer", Package: "p", Version: v}); len(hits) != 0 {
					t.Errorf("%s is affected (%+v), want not", v, hits[0])
				}
			}
		})
	}
}

func TestHitReason(t *testing.T) {
	ix, _ := NewIndex([]vuln.Record{
		rec("R", "Go", "example.com/m", []vuln.Event{in("0"), fix("1.19.6"), in("1.20.0-0"), fix("1.20.1")}),
		rec("L", "Go", "example.com/m", []vuln.Event{in("1.0.0"), la("1.20.0")}),
		rec("V", "Go", "example.com/m", nil, func(r *vuln.Record) {
			r.Affected[0].Ranges = nil
			r.Affected[0].Versions = []string{"1.20.0"}
		}),
	})
	got := ix.Match(Component{Ecosystem: "Go", Package: "example.com/m", Version: "v1.20.0"})
	for i := range got {
		got[i].Record = nil
	}
	want := []Hit{
		{Range: 0, Introduced: "1.20.0-0", Fixed: "1.20.1"},
		{Range: 0, Introduced: "1.0.0", LastAffected: "1.20.0"},
		{Range: -1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}
}

func TestEcosystems(t *testing.T) {
	records := []vuln.Record{
		rec("DEB12", "Debian:12", "openssl", []vuln.Event{in("0"), fix("3.0.11-1~deb12u2")}),
		rec("DEB11", "Debian:11", "openssl", []vuln.Event{in("0"), fix("1.1.1n-0+deb11u4")}),
		rec("DEBNA", "Debian:12", "openssl", []vuln.Event{in("0")}, func(r *vuln.Record) { r.Affected[0].Status = vuln.StatusNotAffected }),
		rec("NPM", "npm", "lodash", []vuln.Event{in("0"), fix("4.17.21")}),
		rec("PY", "PyPI", "Django", []vuln.Event{in("4.0"), fix("4.0.2")}),
		rec("MVN", "Maven", "org.apache.logging.log4j:log4j-core", []vuln.Event{in("2.0-beta9"), fix("2.15.0")}),
		rec("RS", "crates.io", "smallvec", []vuln.Event{in("0.6.3"), fix("0.6.13")}),
		rec("WD", "npm", "lodash", []vuln.Event{in("0")}, func(r *vuln.Record) { w := time.Unix(0, 0); r.Withdrawn = &w }),
		rec("GIT", "Go", "example.com/g", nil, func(r *vuln.Record) {
			r.Affected[0].Ranges = []vuln.Range{{Type: vuln.RangeGit, Repo: "https://x", Events: []vuln.Event{in("0")}}}
		}),
	}
	ix, problems := NewIndex(records)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	cases := []struct {
		c    Component
		want []string
	}{
		{Component{Ecosystem: "Debian", Release: "12", Package: "openssl", Version: "3.0.11-1~deb12u1"}, []string{"DEB12"}},
		{Component{Ecosystem: "Debian", Release: "12", Package: "openssl", Version: "3.0.11-1~deb12u2"}, nil},
		{Component{Ecosystem: "Debian", Release: "11", Package: "openssl", Version: "1.1.1n-0+deb11u3"}, []string{"DEB11"}},
		{Component{Ecosystem: "Debian:11", Package: "openssl", Version: "1.1.1n-0+deb11u4"}, nil},
		{Component{Ecosystem: "Debian", Package: "openssl", Version: "1.0"}, nil}, // no release: no release-scoped entry
		{Component{Ecosystem: "npm", Package: "lodash", Version: "4.17.20"}, []string{"NPM"}},
		{Component{Ecosystem: "npm", Package: "lodash", Version: "4.17.21"}, nil},
		{Component{Ecosystem: "PyPI", Package: "django", Version: "4.0.1"}, []string{"PY"}},
		{Component{Ecosystem: "PyPI", Package: "Django", Version: "4.0.2"}, nil},
		{Component{Ecosystem: "PyPI", Package: "DJANGO", Version: "4.0rc1"}, nil},
		{Component{Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, []string{"MVN"}},
		{Component{Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core", Version: "2.0-alpha1"}, nil},
		{Component{Ecosystem: "crates.io", Package: "smallvec", Version: "0.6.10"}, []string{"RS"}},
		{Component{Ecosystem: "crates.io", Package: "smallvec", Version: "1.0.0"}, nil},
		{Component{Ecosystem: "Go", Package: "example.com/g", Version: "v1.0.0"}, nil},
		{Component{Ecosystem: "npm", Package: "lodash", Version: "not a version"}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s@%s", tc.c.Key().Ecosystem, tc.c.Package, tc.c.Version), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(ix.Match(tc.c))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	_, problems := NewIndex([]vuln.Record{
		rec("BAD", "npm", "x", []vuln.Event{in("0"), fix("not@version")}),
		rec("ECO", "Hex", "y", []vuln.Event{in("0")}),
	})
	if len(problems) != 2 {
		t.Fatalf("problems = %v, want one unparseable range and one unknown ecosystem", problems)
	}
}

func TestDebianRelease(t *testing.T) {
	for in, want := range map[string]string{"debian-12": "12", "debian-11.11": "11", "bookworm": "12", "debian-sid": "sid", "ubuntu-22.04": "", "": ""} {
		if got := DebianRelease(in); got != want {
			t.Errorf("DebianRelease(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUpdate(t *testing.T) {
	a := rec("A", "npm", "x", []vuln.Event{in("0"), fix("2.0.0")})
	b := rec("B", "npm", "y", []vuln.Event{in("0")})
	old, _ := NewIndex([]vuln.Record{a, b})
	// A moves from x to z, B is removed, C is new on x.
	a2 := rec("A", "npm", "z", []vuln.Event{in("0"), fix("2.0.0")})
	c := rec("C", "npm", "x", []vuln.Event{in("1.0.0")})
	nx, problems := old.Update([]vuln.Record{a2, c}, []string{"B"})
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	want := []Key{{"npm", "x"}, {"npm", "y"}, {"npm", "z"}}
	if diff := cmp.Diff(want, Touched(old, nx, []string{"A", "B", "C"})); diff != "" {
		t.Errorf("touched (-want +got):\n%s", diff)
	}
	x := Component{Ecosystem: "npm", Package: "x", Version: "1.5.0"}
	if got := ids(old.Match(x)); !slices.Equal(got, []string{"A"}) {
		t.Errorf("old index changed: %v", got)
	}
	if got := ids(nx.Match(x)); !slices.Equal(got, []string{"C"}) {
		t.Errorf("new index x: %v, want C", got)
	}
	if got := nx.Match(Component{Ecosystem: "npm", Package: "y", Version: "1.0.0"}); got != nil {
		t.Errorf("removed record still matches: %v", ids(got))
	}
	if got := ids(nx.Match(Component{Ecosystem: "npm", Package: "z", Version: "1.0.0"})); !slices.Equal(got, []string{"A"}) {
		t.Errorf("new index z: %v, want A", got)
	}
	// the same result as building from scratch
	fresh, _ := NewIndex([]vuln.Record{a2, c})
	for _, k := range want {
		comp := Component{Ecosystem: k.Ecosystem, Package: k.Package, Version: "1.5.0"}
		if !slices.Equal(ids(fresh.Match(comp)), ids(nx.Match(comp))) {
			t.Errorf("%v: updated index disagrees with a fresh one", k)
		}
	}
}

func TestMatchAll(t *testing.T) {
	ix, _ := NewIndex([]vuln.Record{rec("A", "npm", "x", []vuln.Event{in("0"), fix("2.0.0")})})
	var cs []Component
	for i := range 10000 {
		cs = append(cs, Component{Ecosystem: "npm", Package: "x", Version: fmt.Sprintf("%d.0.0", i%4)})
	}
	for i, hits := range ix.MatchAll(cs, 4) {
		if want := i%4 < 2; (len(hits) == 1) != want {
			t.Fatalf("component %d (%s): %d hits", i, cs[i].Version, len(hits))
		}
	}
}

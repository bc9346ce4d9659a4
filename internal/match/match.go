// Package match provides vulnerability matching: which imported records
// affect a component (ecosystem, package, version), evaluated exactly as the
// OSV specification defines it (https://ossf.github.io/osv-schema/#evaluation).
//
// An Index is built once from the imported records. It is keyed by
// (ecosystem, package): for Debian the source package and the release
// ("Debian:12"), for PyPI the PEP 503 normalised name. Every event version is
// parsed once, at build time, with the semantics of the entry's ecosystem
// (internal/version), and the events of every range are sorted then, so that
// matching a component costs one map look-up, one parse of its version and a
// few comparisons.
//
// Invariants:
//   - The package is pure: no I/O, no clock, no mutable package state. An
//     Index is immutable once built; Update returns a new Index sharing what
//     did not change, so an Index is safe for concurrent Match calls.
//   - Withdrawn records, GIT ranges (not matchable by version), entries of
//     ecosystems without version semantics, and Debian entries whose status
//     is not_affected (the tracker's fixed_version "0") are never matched.
//   - A range whose event versions do not all parse is left out and reported
//     as a Problem: evaluating it without one of its events could report the
//     wrong versions.
//   - A component of a Debian release only matches entries of that release
//     ("Debian:11"); a Debian component without a release only matches
//     entries without one ("Debian").
//   - Events of equal version keep their order in the record (a stable
//     sort), "0" as introduced sorts before every version, and a limit
//     containing "*" is infinity, as the specification says.
//   - ECOSYSTEM and SEMVER ranges are both evaluated with the semantics of
//     the entry's ecosystem: Version.Compare only orders versions of one
//     ecosystem, and for Go, npm and crates.io (the SEMVER users) those
//     semantics are SemVer 2.0's.
//   - Explicit versions lists match by equal strings, as the specification's
//     IncludedInVersions does (Go's leading "v" aside): PyPI's "1.0" does not
//     equal a listed "1.0.0" there, though the ranges order them equal.
//   - Record IDs are unique across the indexed records; Update and Keys
//     identify records by ID.
package match

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-psirt/vigil/internal/debtracker"
	"github.com/vigil-psirt/vigil/internal/version"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Problem is a record entry or range the index could not use.
type Problem = vuln.Problem

// Key is what an index entry and a component are matched on.
type Key struct {
	// Ecosystem is the OSV ecosystem, for Debian with its release
	// ("Debian:12").
	Ecosystem string
	// Package is the package name as OSV names it in the ecosystem (the
	// source package for Debian, the normalised name for PyPI).
	Package string
}

// Component is the minimal input of a match.
type Component struct {
	Ecosystem string // OSV ecosystem: "Go", "npm", "Debian" or "Debian:12", ...
	Package   string // for Debian the source package
	Version   string // for Debian the source version
	// Release is the Debian release ("12", "sid") when Ecosystem is plain
	// "Debian"; ignored otherwise.
	Release string
}

// Key returns the index key the component is looked up by.
func (c Component) Key() Key {
	eco := c.Ecosystem
	if eco == "Debian" && c.Release != "" {
		eco = "Debian:" + c.Release
	}
	return makeKey(eco, c.Package)
}

// KeyOf returns the key of a package of an ecosystem as a record's affected
// entry names them ("Debian:12" and a source package, PyPI names in any
// spelling): the key a store indexes records and components by.
func KeyOf(ecosystem, pkg string) Key { return makeKey(ecosystem, pkg) }

// RecordKeys returns the keys of a record's affected entries, without
// repetition, in the record's order.
func RecordKeys(r *vuln.Record) []Key {
	var keys []Key
	for _, a := range r.Affected {
		k := makeKey(a.Ecosystem, a.Package)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func makeKey(ecosystem, pkg string) Key {
	if ecosystem == "PyPI" {
		pkg = normalisePyPI(pkg)
	}
	return Key{Ecosystem: ecosystem, Package: pkg}
}

// normalisePyPI is PEP 503's normalisation: lowercase, runs of "-", "_" and
// "." as one "-". It allocates only when the name changes.
func normalisePyPI(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || c == '_' || c == '.' || c == '-' && i > 0 && s[i-1] == '-' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// DebianRelease returns the release of a purl distro qualifier as the
// suffix of a "Debian:" ecosystem: "debian-12" and "debian-11.11" give
// "12" and "11", a codename ("bookworm") its number, and "" when the
// qualifier names no Debian release.
func DebianRelease(distro string) string {
	d := strings.ToLower(distro)
	d = strings.TrimPrefix(d, "debian-")
	if d == "" {
		return ""
	}
	if eco, ok := debtracker.Ecosystem(d); ok {
		return strings.TrimPrefix(eco, "Debian:")
	}
	major, _, _ := strings.Cut(d, ".")
	for i := 0; i < len(major); i++ {
		if major[i] < '0' || major[i] > '9' {
			return ""
		}
	}
	return major
}

// Hit is one affected entry of one record that matches a component, and why.
type Hit struct {
	Record *vuln.Record
	// Affected is the index of the matching entry in Record.Affected.
	Affected int
	// Range is the index of the matching range in the entry's Ranges, -1
	// when the version is in the entry's explicit Versions list.
	Range int
	// Introduced is the introduced event that opened the matching interval
	// ("0" for all versions before).
	Introduced string
	// Fixed is the first fixed event above the version, empty when none:
	// the version to upgrade to.
	Fixed string
	// LastAffected is the last_affected event closing the interval, if any.
	LastAffected string
}

type eventKind uint8

const (
	introduced eventKind = iota + 1
	fixed
	lastAffected
)

type event struct {
	kind eventKind
	zero bool // introduced "0": before every version
	raw  string
	v    version.Version
}

type prange struct {
	index  int
	events []event // sorted, limits excluded
	limits []version.Version
	// limited is set when the range has limit events; infinite when one of
	// them is "*".
	limited, infinite bool
}

type entry struct {
	rec      *vuln.Record
	affected int
	eco      string // the entry's ecosystem, for parsing the component's version
	versions []string
	// versionSet holds versions when the list is long (PyPA lists hundreds).
	versionSet map[string]bool
	ranges     []prange
}

// Index is the matchable form of a set of records. It is immutable.
type Index struct {
	byKey map[Key][]*entry
	byID  map[string][]Key
}

// NewIndex builds an index of records; the Problems are the entries and
// ranges it had to leave out.
func NewIndex(records []vuln.Record) (*Index, []Problem) {
	ix := &Index{byKey: make(map[Key][]*entry), byID: make(map[string][]Key)}
	var problems []Problem
	for i := range records {
		problems = append(problems, ix.add(&records[i])...)
	}
	return ix, problems
}

// Len is the number of (ecosystem, package) keys in the index.
func (ix *Index) Len() int { return len(ix.byKey) }

func (ix *Index) add(rec *vuln.Record) []Problem {
	if rec.Withdrawn != nil {
		return nil
	}
	var problems []Problem
	for ai := range rec.Affected {
		a := &rec.Affected[ai]
		if a.Status == vuln.StatusNotAffected {
			continue
		}
		name := fmt.Sprintf("%s: affected[%d]", rec.ID, ai)
		if !version.Supported(a.Ecosystem) {
			problems = append(problems, Problem{Name: name, Err: fmt.Errorf("ecosystem %q: %w", a.Ecosystem, version.ErrUnknownEcosystem)})
			continue
		}
		e := &entry{rec: rec, affected: ai, eco: a.Ecosystem, versions: a.Versions}
		if len(e.versions) > 8 {
			e.versionSet = make(map[string]bool, len(e.versions))
			for _, s := range e.versions {
				if a.Ecosystem == "Go" {
					s = strings.TrimPrefix(s, "v")
				}
				e.versionSet[s] = true
			}
		}
		for ri, r := range a.Ranges {
			if r.Type == vuln.RangeGit {
				continue
			}
			pr, err := parseRange(a.Ecosystem, ri, r)
			if err != nil {
				problems = append(problems, Problem{Name: fmt.Sprintf("%s.ranges[%d]", name, ri), Err: err})
				continue
			}
			e.ranges = append(e.ranges, pr)
		}
		if len(e.ranges) == 0 && len(e.versions) == 0 {
			continue
		}
		k := makeKey(a.Ecosystem, a.Package)
		ix.byKey[k] = append(ix.byKey[k], e)
		if keys := ix.byID[rec.ID]; !slices.Contains(keys, k) {
			ix.byID[rec.ID] = append(keys, k)
		}
	}
	return problems
}

func parseRange(eco string, index int, r vuln.Range) (prange, error) {
	pr := prange{index: index}
	for i, ev := range r.Events {
		var e event
		switch {
		case ev.Introduced != "":
			e = event{kind: introduced, raw: ev.Introduced, zero: ev.Introduced == "0"}
		case ev.Fixed != "":
			e = event{kind: fixed, raw: ev.Fixed}
		case ev.LastAffected != "":
			e = event{kind: lastAffected, raw: ev.LastAffected}
		case ev.Limit != "":
			pr.limited = true
			if strings.Contains(ev.Limit, "*") {
				pr.infinite = true
				continue
			}
			v, err := version.Parse(eco, ev.Limit)
			if err != nil {
				return prange{}, fmt.Errorf("events[%d]: %w", i, err)
			}
			pr.limits = append(pr.limits, v)
			continue
		default:
			continue
		}
		if !e.zero {
			v, err := version.Parse(eco, e.raw)
			if err != nil {
				return prange{}, fmt.Errorf("events[%d]: %w", i, err)
			}
			e.v = v
		}
		pr.events = append(pr.events, e)
	}
	slices.SortStableFunc(pr.events, compareEvents)
	return pr, nil
}

func compareEvents(a, b event) int {
	switch {
	case a.zero && b.zero:
		return 0
	case a.zero:
		return -1
	case b.zero:
		return 1
	}
	return a.v.Compare(b.v)
}

// contains evaluates the range for v as the specification's
// IncludedInRanges does for one range, and says which events bound the
// interval v is in.
func (r *prange) contains(v version.Version) (ok bool, intro, fix, last string) {
	if r.limited && !r.infinite {
		before := false
		for _, l := range r.limits {
			if v.Compare(l) < 0 {
				before = true
				break
			}
		}
		if !before {
			return false, "", "", ""
		}
	}
	vulnerable := false
	at := -1
	for i := range r.events {
		e := &r.events[i]
		if e.zero {
			vulnerable, at = true, i
			continue
		}
		c := v.Compare(e.v)
		if c < 0 {
			// sorted: no later event can fire either
			break
		}
		switch e.kind {
		case introduced:
			vulnerable, at = true, i
		case fixed:
			vulnerable = false
		case lastAffected:
			if c > 0 {
				vulnerable = false
			}
		}
	}
	if !vulnerable {
		return false, "", "", ""
	}
	intro = r.events[at].raw
	for _, e := range r.events[at+1:] {
		if e.kind == fixed && fix == "" && v.Compare(e.v) < 0 {
			fix = e.raw
		}
		if e.kind == lastAffected && last == "" && v.Compare(e.v) <= 0 {
			last = e.raw
		}
	}
	return true, intro, fix, last
}

// Match returns the hits of the component, one per matching affected entry,
// in index order. A version its ecosystem cannot parse only matches explicit
// versions lists.
func (ix *Index) Match(c Component) []Hit {
	entries := ix.byKey[c.Key()]
	if len(entries) == 0 {
		return nil
	}
	var hits []Hit
	var v version.Version
	parsedEco := ""
	valid := false
	for _, e := range entries {
		if inVersions(e, c) {
			hits = append(hits, Hit{Record: e.rec, Affected: e.affected, Range: -1})
			continue
		}
		if len(e.ranges) == 0 {
			continue
		}
		if parsedEco != e.eco {
			var err error
			v, err = version.Parse(e.eco, c.Version)
			valid = err == nil
			parsedEco = e.eco
		}
		if !valid {
			continue
		}
		for i := range e.ranges {
			if ok, intro, fix, last := e.ranges[i].contains(v); ok {
				hits = append(hits, Hit{Record: e.rec, Affected: e.affected, Range: e.ranges[i].index, Introduced: intro, Fixed: fix, LastAffected: last})
				break
			}
		}
	}
	return hits
}

// inVersions is the specification's IncludedInVersions: equal strings, with
// Go's optional leading "v" (OSV records leave it out, modules have it).
func inVersions(e *entry, c Component) bool {
	if len(e.versions) == 0 || c.Version == "" {
		return false
	}
	want := c.Version
	if e.eco == "Go" {
		want = strings.TrimPrefix(want, "v")
	}
	if e.versionSet != nil {
		return e.versionSet[want]
	}
	for _, s := range e.versions {
		if s == want || (e.eco == "Go" && strings.TrimPrefix(s, "v") == want) {
			return true
		}
	}
	return false
}

// MatchAll matches every component on workers goroutines (at least one);
// the result is aligned with components.
func (ix *Index) MatchAll(components []Component, workers int) [][]Hit {
	out := make([][]Hit, len(components))
	workers = max(1, min(workers, len(components)))
	const chunk = 4096
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= len(components) {
					return
				}
				for i := lo; i < min(lo+chunk, len(components)); i++ {
					out[i] = ix.Match(components[i])
				}
			}
		})
	}
	wg.Wait()
	return out
}

// Keys returns the keys the records with these IDs have in the index,
// sorted: the components to match again when those records change.
func (ix *Index) Keys(ids ...string) []Key {
	var keys []Key
	for _, id := range ids {
		keys = append(keys, ix.byID[id]...)
	}
	return SortKeys(keys)
}

// Touched returns the keys whose components must be matched again when
// moving from old to new after the records with these IDs changed: the
// keys they had before (a removed or narrowed entry) and after.
func Touched(old, new *Index, ids []string) []Key {
	return SortKeys(append(old.Keys(ids...), new.Keys(ids...)...))
}

// SortKeys sorts keys by ecosystem, then package, and drops repetitions.
func SortKeys(keys []Key) []Key {
	slices.SortFunc(keys, func(a, b Key) int {
		return cmp.Or(strings.Compare(a.Ecosystem, b.Ecosystem), strings.Compare(a.Package, b.Package))
	})
	return slices.Compact(keys)
}

// Update returns a new index in which the records with the IDs of changed
// are replaced by changed (a withdrawn one is removed) and the records with
// the IDs in removed are gone. The work is proportional to the change, plus
// one copy of the key maps; ix is left as it was.
func (ix *Index) Update(changed []vuln.Record, removed []string) (*Index, []Problem) {
	nx := &Index{byKey: maps.Clone(ix.byKey), byID: maps.Clone(ix.byID)}
	drop := make(map[string]bool, len(changed)+len(removed))
	for _, id := range removed {
		drop[id] = true
	}
	for i := range changed {
		drop[changed[i].ID] = true
	}
	for id := range drop {
		for _, k := range nx.byID[id] {
			kept := slices.DeleteFunc(slices.Clone(nx.byKey[k]), func(e *entry) bool { return e.rec.ID == id })
			if len(kept) == 0 {
				delete(nx.byKey, k)
			} else {
				nx.byKey[k] = kept
			}
		}
		delete(nx.byID, id)
	}
	var problems []Problem
	for i := range changed {
		rec := &changed[i]
		// entries of a key are appended to: never write into a slice the
		// old index still shares.
		for _, a := range rec.Affected {
			k := makeKey(a.Ecosystem, a.Package)
			if es, ok := nx.byKey[k]; ok {
				nx.byKey[k] = slices.Clip(es)
			}
		}
		problems = append(problems, nx.add(rec)...)
	}
	return nx, problems
}

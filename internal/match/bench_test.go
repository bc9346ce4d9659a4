package match

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// allRecords is every OSV record of the shared test data: go-vulndb, the
// Debian DSA/DLA export, RustSec and the PyPA advisory database.
func allRecords(b *testing.B) []vuln.Record {
	b.Helper()
	recs := append(goVulnDB(b), debianZip(b)...)
	for _, dir := range [][]string{{"rustsec-osv", "crates"}, {"pypa-advisory-db", "vulns-json"}} {
		more, _, err := osvfeed.ParseDir(os.DirFS(sharedtest.Path(b, dir...)), ".")
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, more...)
	}
	return recs
}

// synthesise draws n component instances from the index's own packages and
// the versions its events name (Go versions with their "v"), half of them
// Go, a third Debian, the rest RustSec and PyPA; one in ten is a package no
// record names, as most components of a real SBOM are.
func synthesise(ix *Index, n int) []Component {
	rng := rand.New(rand.NewPCG(1, 2))
	type pkg struct {
		k        Key
		versions []string
	}
	var goPkgs, debPkgs, other []pkg
	keys := slices.Collect(maps.Keys(ix.byKey))
	keys = SortKeys(keys) // deterministic: map order is random
	for _, k := range keys {
		entries := ix.byKey[k]
		p := pkg{k: k}
		for _, e := range entries {
			for _, r := range e.ranges {
				for _, ev := range r.events {
					if !ev.zero {
						p.versions = append(p.versions, ev.raw)
					}
				}
			}
			p.versions = append(p.versions, e.versions...)
		}
		if len(p.versions) == 0 {
			continue
		}
		switch {
		case k.Ecosystem == "Go":
			goPkgs = append(goPkgs, p)
		case strings.HasPrefix(k.Ecosystem, "Debian"):
			debPkgs = append(debPkgs, p)
		default:
			other = append(other, p)
		}
	}
	all := slices.Concat(goPkgs, debPkgs, other)
	out := make([]Component, n)
	for i := range out {
		var from []pkg
		switch r := rng.IntN(6); {
		case r < 3:
			from = goPkgs
		case r < 5:
			from = debPkgs
		default:
			from = other
		}
		if len(from) == 0 { // an index of one feed only
			from = all
		}
		p := from[rng.IntN(len(from))]
		v := p.versions[rng.IntN(len(p.versions))]
		name := p.k.Package
		if rng.IntN(10) == 0 {
			name += "-unaffected"
		}
		if p.k.Ecosystem == "Go" {
			v = "v" + v
		}
		out[i] = Component{Ecosystem: p.k.Ecosystem, Package: name, Version: v}
	}
	return out
}

// BenchmarkFullRematch matches 1,000,000 component instances against every
// record; run with -cpu 2 for the 2-core figure.
func BenchmarkFullRematch(b *testing.B) {
	recs := allRecords(b)
	ix, _ := NewIndex(recs)
	cs := synthesise(ix, 1_000_000)
	workers := runtime.GOMAXPROCS(0) // what -cpu sets
	b.ResetTimer()
	hits := 0
	for b.Loop() {
		hits = 0
		for _, h := range ix.MatchAll(cs, workers) {
			hits += len(h)
		}
	}
	b.ReportMetric(float64(len(cs))*float64(b.N)/b.Elapsed().Seconds(), "components/s")
	b.ReportMetric(float64(hits), "hits")
	b.ReportMetric(float64(len(recs)), "records")
}

// BenchmarkBuildIndex is the cost of building the index from every record.
func BenchmarkBuildIndex(b *testing.B) {
	recs := allRecords(b)
	for b.Loop() {
		NewIndex(recs)
	}
	b.ReportMetric(float64(len(recs)), "records")
}

// BenchmarkIncremental applies a delta of N changed records to the index
// and matches again only the components of the keys the delta touches, out
// of the same 1,000,000 instances, looked up by key as a store's index on
// (ecosystem, package) would.
func BenchmarkIncremental(b *testing.B) {
	recs := allRecords(b)
	ix, _ := NewIndex(recs)
	cs := synthesise(ix, 1_000_000)
	byKey := make(map[Key][]int)
	for i, c := range cs {
		byKey[c.Key()] = append(byKey[c.Key()], i)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("delta=%d", n), func(b *testing.B) {
			changed := make([]vuln.Record, n)
			ids := make([]string, n)
			for i := range changed {
				changed[i] = recs[rng.IntN(len(recs))]
				ids[i] = changed[i].ID
			}
			rematched := 0
			var batch []Component
			for b.Loop() {
				nx, _ := ix.Update(changed, nil)
				batch = batch[:0]
				for _, k := range Touched(ix, nx, ids) {
					for _, i := range byKey[k] {
						batch = append(batch, cs[i])
					}
				}
				nx.MatchAll(batch, runtime.GOMAXPROCS(0))
				rematched = len(batch)
			}
			b.ReportMetric(float64(rematched), "components/op")
		})
	}
}

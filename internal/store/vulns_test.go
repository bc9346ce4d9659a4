package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// newRecord is an OSV record of a Go module with every field the tests
// look at; the mutators change it.
func newRecord(id string, mut ...func(*vuln.Record)) vuln.Record {
	r := vuln.Record{
		ID: id, Source: vuln.SourceOSV,
		Aliases: []string{"CVE-" + id}, Summary: "summary of " + id, Details: "details",
		Published: t0, Modified: t0.Add(1),
		Severity:   []vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		CWEs:       []string{"CWE-79"},
		References: []vuln.Reference{{Type: "ADVISORY", URL: "https://example.com/" + id}},
		Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/" + strings.ToLower(id), Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.2.3"}}}}}},
	}
	for _, m := range mut {
		m(&r)
	}
	return r
}

func refsOf(recs []vuln.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, string(r.Source)+":"+r.ID)
	}
	return out
}

func TestImportRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newRecord("A", func(r *vuln.Record) {
			r.Upstream = []string{"CVE-UP-A", "CVE-A"} // CVE-A is an alias too: kept once
			r.Withdrawn = ptr(t0)
			r.Exploited = &vuln.Exploitation{DateAdded: t0, DueDate: t0.AddDate(0, 0, 21), RequiredAction: "patch"}
			r.DatabaseSpecific = &vuln.DatabaseSpecific{NVDStatus: "Analyzed"}
			r.Configurations = []vuln.Configuration{{Operator: "AND", Nodes: []vuln.Node{{Operator: "OR",
				Matches: []vuln.CPEMatch{{Vulnerable: true, Criteria: "cpe:2.3:a:x:y:*:*:*:*:*:*:*:*", VersionEndExcluding: "2"}}}}}}
		})
		b := newRecord("B", func(r *vuln.Record) {
			r.Affected = append(r.Affected,
				vuln.Affected{Ecosystem: "PyPI", Package: "Django_Thing", Status: vuln.StatusAffected, Versions: []string{"1.0"}},
				vuln.Affected{Ranges: []vuln.Range{{Type: vuln.RangeGit, Repo: "https://x", Events: []vuln.Event{{Introduced: "0"}}}}})
		})
		deb := newRecord("DSA-1-1", func(r *vuln.Record) {
			r.Aliases, r.Upstream = nil, []string{"CVE-A"}
			r.Affected = []vuln.Affected{{Ecosystem: "Debian:12", Package: "openssl", Status: vuln.StatusFixed,
				DatabaseSpecific: &vuln.AffectedSpecific{Urgency: "high", Repositories: map[string]string{"bookworm": "3.0.1"}},
				Ranges:           []vuln.Range{{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "3.0.2"}}}}}}
		})
		nvd := newRecord("A", func(r *vuln.Record) { r.Source = vuln.SourceNVD }) // same ID, other source: another record

		st, err := s.ImportRecords(ctx, "osv/Go", []vuln.Record{a, b}, true)
		must(t, err)
		diff(t, "first import", store.ImportStats{Added: 2, Changed: []string{"osv:A", "osv:B"},
			Keys: []match.Key{{Ecosystem: "CPE", Package: "a:x:y"}, // A's CPE configuration, for the opt-in CPE matching
				{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}, {Ecosystem: "PyPI", Package: "django-thing"}}}, st)
		st, err = s.ImportRecords(ctx, "osv/Debian", []vuln.Record{deb}, true)
		must(t, err)
		diff(t, "debian import", store.ImportStats{Added: 1, Changed: []string{"osv:DSA-1-1"}, Keys: []match.Key{{Ecosystem: "Debian:12", Package: "openssl"}}}, st)
		st, err = s.ImportRecords(ctx, "nvd", []vuln.Record{nvd}, false)
		must(t, err)
		diff(t, "nvd import", store.ImportStats{Added: 1, Changed: []string{"nvd:A"}, Keys: []match.Key{{Ecosystem: "Go", Package: "example.com/a"}}}, st)

		allRecs, err := s.AllRecords(ctx)
		must(t, err)
		diff(t, "AllRecords", []vuln.Record{nvd, a, b, deb}, allRecs)
		counts, err := s.CountRecords(ctx)
		must(t, err)
		diff(t, "CountRecords", map[string]int{"osv/Go": 2, "osv/Debian": 1, "nvd": 1}, counts)

		// The same import again changes nothing.
		st, err = s.ImportRecords(ctx, "osv/Go", []vuln.Record{a, b}, true)
		must(t, err)
		diff(t, "unchanged import", store.ImportStats{Unchanged: 2}, st)

		byKeys := func(keys ...match.Key) []string {
			t.Helper()
			rs, err := s.RecordsByKeys(ctx, keys)
			must(t, err)
			return refsOf(rs)
		}
		byAliases := func(a ...string) []string {
			t.Helper()
			rs, err := s.RecordsByAliases(ctx, a)
			must(t, err)
			return refsOf(rs)
		}
		diff(t, "by Go key", []string{"nvd:A", "osv:A"}, byKeys(match.Key{Ecosystem: "Go", Package: "example.com/a"}))
		diff(t, "by normalised PyPI key", []string{"osv:B"}, byKeys(match.Key{Ecosystem: "PyPI", Package: "django-thing"}))
		diff(t, "by Debian:12 key", []string{"osv:DSA-1-1"}, byKeys(match.Key{Ecosystem: "Debian:12", Package: "openssl"}))
		diff(t, "by several keys", []string{"nvd:A", "osv:A", "osv:B"}, byKeys(match.Key{Ecosystem: "Go", Package: "example.com/a"},
			match.Key{Ecosystem: "Go", Package: "example.com/b"}, match.Key{Ecosystem: "PyPI", Package: "django-thing"}))
		diff(t, "by no key", []string{}, byKeys())
		diff(t, "by alias", []string{"nvd:A", "osv:A", "osv:DSA-1-1"}, byAliases("CVE-A"))
		diff(t, "by upstream", []string{"osv:A"}, byAliases("CVE-UP-A"))
		diff(t, "by ID", []string{"nvd:A", "osv:A", "osv:B"}, byAliases("A", "B", "nothing"))
		rs, err := s.RecordsByRefs(ctx, []string{"osv:A", "nvd:A", "osv:DSA-1-1", "kev:A", "garbage", "osv:A"})
		must(t, err)
		diff(t, "RecordsByRefs", []vuln.Record{nvd, a, deb}, rs)

		// An update changes the record, its aliases and its keys; an
		// incomplete import removes nothing.
		b2 := b
		b2.Aliases = []string{"GHSA-new"}
		b2.Affected = []vuln.Affected{{Ecosystem: "npm", Package: "left-pad", Status: vuln.StatusAffected, Versions: []string{"1.0.0"}}}
		c := newRecord("C")
		st, err = s.ImportRecords(ctx, "osv/Go", []vuln.Record{b2, c}, false)
		must(t, err)
		diff(t, "incomplete import", store.ImportStats{Added: 1, Updated: 1, Changed: []string{"osv:B", "osv:C"},
			Keys: []match.Key{{Ecosystem: "Go", Package: "example.com/b"}, {Ecosystem: "Go", Package: "example.com/c"}, {Ecosystem: "PyPI", Package: "django-thing"}, {Ecosystem: "npm", Package: "left-pad"}}}, st)
		diff(t, "old alias of B", []string{}, byAliases("CVE-B"))
		diff(t, "new alias of B", []string{"osv:B"}, byAliases("GHSA-new"))
		diff(t, "old key of B", []string{}, byKeys(match.Key{Ecosystem: "PyPI", Package: "django-thing"}))
		diff(t, "new key of B", []string{"osv:B"}, byKeys(match.Key{Ecosystem: "npm", Package: "left-pad"}))
		rs, err = s.RecordsByRefs(ctx, []string{"osv:B"})
		must(t, err)
		diff(t, "updated B", []vuln.Record{b2}, rs)

		// A complete import removes the feed's records it lacks, with
		// their aliases and keys, and leaves other feeds alone.
		st, err = s.ImportRecords(ctx, "osv/Go", []vuln.Record{c}, true)
		must(t, err)
		diff(t, "complete import", store.ImportStats{Unchanged: 1, Removed: 2, Changed: []string{"osv:A", "osv:B"},
			Keys: []match.Key{{Ecosystem: "CPE", Package: "a:x:y"}, {Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "npm", Package: "left-pad"}}}, st)
		diff(t, "aliases of removed", []string{"nvd:A", "osv:DSA-1-1"}, byAliases("CVE-A", "CVE-UP-A", "GHSA-new"))
		diff(t, "keys of removed", []string{"nvd:A"}, byKeys(match.Key{Ecosystem: "Go", Package: "example.com/a"},
			match.Key{Ecosystem: "npm", Package: "left-pad"}))
		counts, err = s.CountRecords(ctx)
		must(t, err)
		diff(t, "CountRecords after removal", map[string]int{"osv/Go": 1, "osv/Debian": 1, "nvd": 1}, counts)

		// A record another feed imports moves to that feed, unchanged; the
		// later of two copies in one import counts.
		c2 := c
		c2.Summary = "later"
		st, err = s.ImportRecords(ctx, "osv/all", []vuln.Record{c, c2}, true)
		must(t, err)
		diff(t, "moved and updated", store.ImportStats{Updated: 1, Changed: []string{"osv:C"}, Keys: []match.Key{{Ecosystem: "Go", Package: "example.com/c"}}}, st)
		st, err = s.ImportRecords(ctx, "osv/Go", nil, true)
		must(t, err)
		diff(t, "the old feed no longer has it", store.ImportStats{}, st)
		rs, err = s.RecordsByRefs(ctx, []string{"osv:C"})
		must(t, err)
		diff(t, "moved C", []vuln.Record{c2}, rs)
		counts, err = s.CountRecords(ctx)
		must(t, err)
		diff(t, "CountRecords after move", map[string]int{"osv/all": 1, "osv/Debian": 1, "nvd": 1}, counts)
	})
}

// TestImportRecordsAtomic: an import that fails leaves the stored records as
// they were.
func TestImportRecordsAtomic(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var before []vuln.Record
		for i := range 50 {
			before = append(before, newRecord(fmt.Sprintf("R%03d", i)))
		}
		_, err := s.ImportRecords(ctx, "osv/Go", before, true)
		must(t, err)
		unchanged := func(what string) {
			t.Helper()
			got, err := s.AllRecords(ctx)
			must(t, err)
			diff(t, what, before, got)
			rs, err := s.RecordsByAliases(ctx, []string{"CVE-R001", "CVE-new"})
			must(t, err)
			diff(t, what+": aliases", []string{"osv:R001"}, refsOf(rs))
		}

		// Every invalid record is reported, and nothing is written.
		next := []vuln.Record{newRecord("R001", func(r *vuln.Record) { r.Summary = "changed" }),
			newRecord(strings.Repeat("x", store.MaxRecordIDLen+1)), newRecord("ok"), newRecord("nosource", func(r *vuln.Record) { r.Source = "" })}
		_, err = s.ImportRecords(ctx, "osv/Go", next, true)
		if err == nil || !strings.Contains(err.Error(), "records[1]") || !strings.Contains(err.Error(), "records[3]") {
			t.Errorf("import of invalid records: got %v, want both records[1] and records[3] named", err)
		}
		unchanged("after invalid records")

		// A context cancelled part-way through the transaction: some
		// statements ran, the rest did not, and none of it stays.
		var many []vuln.Record
		for i := range 1200 { // three batches of the multi-row insert
			many = append(many, newRecord(fmt.Sprintf("N%04d", i), func(r *vuln.Record) { r.Aliases = []string{"CVE-new"} }))
		}
		many = append(many, newRecord("R001", func(r *vuln.Record) { r.Summary = "changed" }))
		// How often the import asks, measured in a transaction rolled back.
		probe := newCountdown(ctx, 1<<40)
		errRollback := errors.New("roll back")
		err = s.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.ImportRecords(probe, "osv/Go", many, true); err != nil {
				return err
			}
			return errRollback
		})
		wantErr(t, err, errRollback)
		unchanged("after a rolled back import")
		checks := 1<<40 - probe.left.Load()
		for _, n := range []int64{checks / 3, checks / 2, checks * 9 / 10} {
			cctx := newCountdown(ctx, n)
			_, err = s.ImportRecords(cctx, "osv/Go", many, true)
			if err == nil {
				t.Fatalf("import with a context cancelled after %d of %d checks succeeded", n, checks)
			}
			unchanged(fmt.Sprintf("after a cancel after %d of %d checks", n, checks))
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.ImportRecords(cctx, "osv/Go", many, true)
		wantErr(t, err, context.Canceled)
		unchanged("after a cancelled context")

		_, err = s.ImportRecords(ctx, "", many, true)
		if err == nil {
			t.Error("import without a feed name succeeded")
		}
	})
}

// countdown is a context that is cancelled after its Done has been asked
// for n times: database/sql asks before each statement, so it cancels an
// operation part-way.
type countdown struct {
	context.Context
	left atomic.Int64
	once sync.Once
	done chan struct{}
}

func newCountdown(parent context.Context, n int64) *countdown {
	c := &countdown{Context: parent, done: make(chan struct{})}
	c.left.Store(n)
	return c
}

func (c *countdown) Done() <-chan struct{} {
	if c.left.Add(-1) < 0 {
		c.once.Do(func() { close(c.done) })
	}
	return c.done
}

func (c *countdown) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// goVulnDB is every record of the Go vulnerability database in the shared
// test data.
func goVulnDB(tb testing.TB) []vuln.Record {
	tb.Helper()
	recs, problems, err := osvfeed.ParseDir(os.DirFS(sharedtest.Path(tb, "go-vulndb", "data", "osv")), ".")
	if err != nil || len(problems) != 0 {
		tb.Fatal(err, problems)
	}
	return recs
}

// TestImportRealRecords stores a third of the Go vulnerability database
// (the benchmarks take all of it) and reads every record back as it was
// parsed.
func TestImportRealRecords(t *testing.T) {
	t.Parallel()
	var recs []vuln.Record
	for i, r := range goVulnDB(t) {
		if i%3 == 0 || r.ID == "GO-2023-1571" {
			recs = append(recs, r)
		}
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		st, err := s.ImportRecords(ctx, "osv/Go", recs, true)
		must(t, err)
		if st.Added != len(recs) || len(st.Changed) != len(recs) {
			t.Errorf("added %d (changed %d) of %d records", st.Added, len(st.Changed), len(recs))
		}
		got, err := s.AllRecords(ctx)
		must(t, err)
		byID := map[string]vuln.Record{}
		for _, r := range recs {
			byID[r.ID] = r
		}
		if len(got) != len(recs) {
			t.Fatalf("AllRecords: %d records, want %d", len(got), len(recs))
		}
		for _, r := range got {
			diff(t, r.ID, byID[r.ID], r)
		}
		st, err = s.ImportRecords(ctx, "osv/Go", recs, true)
		must(t, err)
		diff(t, "second import", store.ImportStats{Unchanged: len(recs)}, st)

		// GO-2023-1571: golang.org/x/net and stdlib.
		rs, err := s.RecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "golang.org/x/net"}})
		must(t, err)
		if !slices.Contains(refsOf(rs), "osv:GO-2023-1571") {
			t.Errorf("RecordsByKeys(golang.org/x/net) lacks GO-2023-1571: %d records", len(rs))
		}
		rs, err = s.RecordsByAliases(ctx, []string{"CVE-2022-41723"})
		must(t, err)
		if !slices.Contains(refsOf(rs), "osv:GO-2023-1571") {
			t.Errorf("RecordsByAliases(CVE-2022-41723) = %v, want GO-2023-1571", refsOf(rs))
		}
	})
}

func validUTF8(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// FuzzImportRecords stores records with arbitrary IDs, aliases and package
// names and reads them back by ID, alias and key.
func FuzzImportRecords(f *testing.F) {
	f.Add("GO-2023-1571", "CVE-2022-41723", "Go", "golang.org/x/net")
	f.Add("PYSEC-1", "GHSA-x", "PyPI", "Django__Rest.Framework")
	f.Add("DSA-5000-1", "CVE-1", "Debian:12", "openssl")
	f.Add("a:b", "%_\\'\"", "", "")
	f.Add("\x00", "é", "npm", "@scope/pkg")
	f.Add("x", "\xff", "Go", "m")
	s := storetest.SQLite(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, id, alias, eco, pkg string) {
		r := vuln.Record{ID: id, Source: vuln.SourceOSV, Aliases: []string{alias}, Published: t0,
			Affected: []vuln.Affected{{Ecosystem: eco, Package: pkg, Status: vuln.StatusAffected}}}
		_, err := s.ImportRecords(ctx, "fuzz", []vuln.Record{r}, true)
		if id == "" || len(id) > store.MaxRecordIDLen || !validUTF8(id+alias+eco+pkg) {
			if err == nil {
				t.Fatalf("record %q (alias %q, %q %q) stored", id, alias, eco, pkg)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.RecordsByRefs(ctx, []string{"osv:" + id})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != id || got[0].Aliases[0] != alias {
			t.Fatalf("RecordsByRefs(%q) = %v", id, got)
		}
		if alias != "" {
			got, err = s.RecordsByAliases(ctx, []string{alias})
			if err != nil || len(got) != 1 {
				t.Fatalf("RecordsByAliases(%q) = %d records, %v", alias, len(got), err)
			}
		}
		if eco != "" && pkg != "" {
			k := match.Component{Ecosystem: eco, Package: pkg}.Key()
			got, err = s.RecordsByKeys(ctx, []match.Key{k})
			if err != nil || len(got) != 1 {
				t.Fatalf("RecordsByKeys(%v) = %d records, %v", k, len(got), err)
			}
		}
	})
}

// benchRecords is every OSV record of the shared test data (go-vulndb, the
// Debian DSA/DLA export, RustSec, PyPA), about 17,000, copied times times
// under other IDs and packages.
func benchRecords(b *testing.B, times int) []vuln.Record {
	b.Helper()
	recs := goVulnDB(b)
	for _, dir := range [][]string{{"rustsec-osv", "crates"}, {"pypa-advisory-db", "vulns-json"}} {
		more, _, err := osvfeed.ParseDir(os.DirFS(sharedtest.Path(b, dir...)), ".")
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, more...)
	}
	p := sharedtest.Path(b, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	deb, _, err := osvfeed.ParseZip(f, st.Size(), "debian.zip")
	if err != nil {
		b.Fatal(err)
	}
	recs = append(recs, deb...)
	n := len(recs)
	for c := 1; c < times; c++ {
		for _, r := range recs[:n] {
			r.ID = fmt.Sprintf("%s-copy%d", r.ID, c)
			r.Affected = slices.Clone(r.Affected)
			for i := range r.Affected {
				r.Affected[i].Package = fmt.Sprintf("%s-copy%d", r.Affected[i].Package, c)
			}
			recs = append(recs, r)
		}
	}
	return recs
}

// BenchmarkImportRecords imports real records into an empty SQLite store
// (first) and again unchanged (the daily case), at go-vulndb's size and at
// the size of the whole OSV data times four (about 68,000 records).
func BenchmarkImportRecords(b *testing.B) {
	for _, size := range []struct {
		name string
		recs func(*testing.B) []vuln.Record
	}{
		{"go-vulndb", func(b *testing.B) []vuln.Record { return goVulnDB(b) }},
		{"osv-x4", func(b *testing.B) []vuln.Record { return benchRecords(b, 4) }},
	} {
		b.Run(size.name, func(b *testing.B) {
			recs := size.recs(b)
			ctx := context.Background()
			b.Run("first", func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					s := storetest.SQLite(b)
					b.StartTimer()
					if _, err := s.ImportRecords(ctx, "osv", recs, true); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(recs)), "records")
			})
			b.Run("unchanged", func(b *testing.B) {
				s := storetest.SQLite(b)
				if _, err := s.ImportRecords(ctx, "osv", recs, true); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := s.ImportRecords(ctx, "osv", recs, true); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(recs)), "records")
			})
		})
	}
}

// BenchmarkReadRecords reads every record of the shared OSV data (about
// 17,000) back, and the records of 1,000 keys, on SQLite.
func BenchmarkReadRecords(b *testing.B) {
	recs := benchRecords(b, 1)
	s := storetest.SQLite(b)
	ctx := context.Background()
	if _, err := s.ImportRecords(ctx, "osv", recs, true); err != nil {
		b.Fatal(err)
	}
	var keys []match.Key
	for _, r := range recs {
		for _, a := range r.Affected {
			if len(keys) < 1000 && a.Package != "" {
				keys = append(keys, match.Component{Ecosystem: a.Ecosystem, Package: a.Package}.Key())
			}
		}
	}
	b.Run("AllRecords", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.AllRecords(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(recs)), "records")
	})
	b.Run("RecordsByKeys", func(b *testing.B) {
		n := 0
		for b.Loop() {
			rs, err := s.RecordsByKeys(ctx, keys)
			if err != nil {
				b.Fatal(err)
			}
			n = len(rs)
		}
		b.ReportMetric(float64(len(keys)), "keys")
		b.ReportMetric(float64(n), "records")
	})
}

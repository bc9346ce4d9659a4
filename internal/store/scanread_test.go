package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// TestScanReads: what vigil scan reads, through a read-only store on both
// databases.
func TestScanReads(t *testing.T) {
	t.Parallel()
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		w, err := store.Open(ctx, cfg)
		must(t, err)
		defer w.Close()
		_, err = w.Migrate(ctx)
		must(t, err)

		r, err := store.OpenReadOnly(ctx, cfg)
		must(t, err)
		defer r.Close()
		must(t, r.Check(ctx))
		has, err := r.HasRecords(ctx)
		must(t, err)
		diff(t, "HasRecords before an import", false, has)

		a := newRecord("A", func(r *vuln.Record) {
			r.Upstream, r.Related = []string{"CVE-UP-A"}, []string{"GHSA-x"}
			r.Withdrawn = ptr(t0)
			r.Exploited = &vuln.Exploitation{DateAdded: t0, DueDate: t0.AddDate(0, 0, 21), RequiredAction: "patch"}
			r.DatabaseSpecific = &vuln.DatabaseSpecific{NVDStatus: "Analyzed"}
			r.Configurations = []vuln.Configuration{{Operator: "AND", Nodes: []vuln.Node{{Operator: "OR",
				Matches: []vuln.CPEMatch{{Vulnerable: true, Criteria: "cpe:2.3:a:x:y:*:*:*:*:*:*:*:*", VersionEndExcluding: "2"}}}}}}
		})
		b := newRecord("B")
		dsa := newRecord("DSA-1-1", func(r *vuln.Record) { r.Aliases, r.Upstream = nil, []string{"CVE-A"} })
		_, err = w.ImportRecords(ctx, "osv/Go", []vuln.Record{a, b, dsa}, true)
		must(t, err)
		has, err = r.HasRecords(ctx)
		must(t, err)
		diff(t, "HasRecords after an import", true, has)

		// A known record comes back as the caller holds it, without being
		// decoded again; the others are read.
		held := a
		held.Summary = "as the caller holds it"
		recsA, rowsA, err := r.MatchRecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "example.com/a"}})
		must(t, err)
		diff(t, "MatchRecordsByKeys of A", []string{"osv:A"}, refsOf(recsA))
		known, err := r.RecordsByAliasesKnown(ctx, []string{"CVE-A", "A", "CVE-B"}, map[int64]*vuln.Record{rowsA[0]: &held})
		must(t, err)
		diff(t, "RecordsByAliasesKnown", []vuln.Record{held, project(b), project(dsa)}, values(known))
		if known[0] != &held {
			t.Error("RecordsByAliasesKnown: the known record is a copy, not the caller's")
		}
		want, err := r.RecordsByAliases(ctx, []string{"CVE-A", "A", "CVE-B"})
		must(t, err)
		for i := range want {
			want[i] = project(want[i])
		}
		known, err = r.RecordsByAliasesKnown(ctx, []string{"CVE-A", "A", "CVE-B"}, nil)
		must(t, err)
		diff(t, "RecordsByAliasesKnown without known records", want, values(known))

		// The match projection: every field but the prose, references,
		// related IDs and dates.
		full, err := r.RecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}})
		must(t, err)
		for i := range full {
			full[i] = project(full[i])
		}
		lean, _, err := r.MatchRecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}})
		must(t, err)
		diff(t, "MatchRecordsByKeys", full, lean)
		full, err = r.AllRecords(ctx)
		must(t, err)
		for i := range full {
			full[i] = project(full[i])
		}
		lean, rows, err := r.AllMatchRecords(ctx)
		must(t, err)
		diff(t, "AllMatchRecords", full, lean)
		// A row found again through the alias index is the same record.
		again, err := r.RecordsByAliasesKnown(ctx, []string{lean[0].ID}, map[int64]*vuln.Record{rows[0]: &lean[0]})
		must(t, err)
		if len(again) == 0 || again[0] != &lean[0] {
			t.Errorf("AllMatchRecords: row %d of %s is not the row the alias index names", rows[0], lean[0].ID)
		}

		if r.Dialect() == "sqlite" {
			if _, err := r.ImportRecords(ctx, "osv/Go", []vuln.Record{newRecord("C")}, false); err == nil {
				t.Error("import through a read-only SQLite store: no error")
			}
		}
	})
}

func TestOpenReadOnlyMissing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "none")
	if _, err := store.OpenReadOnly(context.Background(), store.Config{Data: dir}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OpenReadOnly of a missing database: %v, want ErrNotFound", err)
	}
}

// project is the match projection of r.
func values(rs []*vuln.Record) []vuln.Record {
	out := make([]vuln.Record, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out
}

func project(r vuln.Record) vuln.Record {
	r.Details, r.References, r.Related = "", nil, nil
	r.Published, r.Modified = time.Time{}, time.Time{}
	return r
}

// TestScanReadsMany: the reads of a scan with more keys and IDs than one
// statement's list holds, more records than one decoding batch, and a key
// or ID that is not valid UTF-8 (on SQLite the lists go as one JSON array,
// which such a string cannot be part of): all come back, on both databases.
func TestScanReadsMany(t *testing.T) {
	t.Parallel()
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		w, err := store.Open(ctx, cfg)
		must(t, err)
		defer w.Close()
		_, err = w.Migrate(ctx)
		must(t, err)
		var recs []vuln.Record
		var keys []match.Key
		var ids []string
		for i := range 150 {
			id := fmt.Sprintf("R%03d", i)
			recs = append(recs, newRecord(id))
			keys = append(keys, match.Key{Ecosystem: "Go", Package: "example.com/" + strings.ToLower(id)})
			ids = append(ids, "CVE-"+id)
		}
		// A record of two packages whose keys fall in the first and the
		// last chunk of a query on PostgreSQL: read twice, kept once.
		multi := newRecord("MULTI", func(r *vuln.Record) {
			r.Affected = append(r.Affected, r.Affected[0], r.Affected[0])
			r.Affected[1].Package, r.Affected[2].Package = "example.com/aaa-first", "example.com/zzz-last"
		})
		recs = append(recs, multi)
		keys = append(keys, match.Key{Ecosystem: "Go", Package: "example.com/aaa-first"}, match.Key{Ecosystem: "Go", Package: "example.com/zzz-last"})
		ids = append(ids, "CVE-MULTI")
		_, err = w.ImportRecords(ctx, "osv/Go", recs, true)
		must(t, err)
		for i := range 1000 {
			keys = append(keys, match.Key{Ecosystem: "Go", Package: fmt.Sprintf("example.com/none-%d", i)})
			ids = append(ids, fmt.Sprintf("CVE-NONE-%d", i))
		}
		var want []string
		for _, rec := range recs {
			want = append(want, "osv:"+rec.ID)
		}
		slices.Sort(want)

		r, err := store.OpenReadOnly(ctx, cfg)
		must(t, err)
		defer r.Close()
		for _, c := range []struct {
			name string
			keys []match.Key
			ids  []string
		}{
			{"many", keys, ids},
			{"with invalid UTF-8", append(slices.Clone(keys), match.Key{Ecosystem: "Go", Package: "example.com/\xff"}), append(slices.Clone(ids), "CVE-\xff")},
		} {
			got, rows, err := r.MatchRecordsByKeys(ctx, c.keys)
			must(t, err)
			diff(t, c.name+": MatchRecordsByKeys", want, refsOf(got))
			if len(rows) != len(got) {
				t.Errorf("%s: MatchRecordsByKeys: %d rows for %d records", c.name, len(rows), len(got))
			}
			known := map[int64]*vuln.Record{}
			for i := range rows[:len(rows)/2] {
				known[rows[i]] = &got[i]
			}
			held, err := r.RecordsByAliasesKnown(ctx, c.ids, known)
			must(t, err)
			diff(t, c.name+": RecordsByAliasesKnown, half known", want, refsOf(values(held)))
			got, err = r.RecordsByKeys(ctx, c.keys)
			must(t, err)
			diff(t, c.name+": RecordsByKeys", want, refsOf(got))
			got, err = r.RecordsByAliases(ctx, c.ids)
			must(t, err)
			diff(t, c.name+": RecordsByAliases", want, refsOf(got))
			held, err = r.RecordsByAliasesKnown(ctx, c.ids, nil)
			must(t, err)
			diff(t, c.name+": RecordsByAliasesKnown", want, refsOf(values(held)))
		}
	})
}

// TestMatchDataMigration: migration 0010 derives the match projection of
// the records stored before it, and a scan reads from it what it reads from
// the projection an import writes, on both databases.
func TestMatchDataMigration(t *testing.T) {
	t.Parallel()
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		s, err := store.Open(ctx, cfg)
		must(t, err)
		defer s.Close()
		must(t, s.MigrateTo(ctx, 9))
		recs := []vuln.Record{
			newRecord("A", func(r *vuln.Record) {
				r.Upstream, r.Related = []string{"CVE-UP-A"}, []string{"GHSA-x"}
				r.Withdrawn = ptr(t0)
				r.Exploited = &vuln.Exploitation{DateAdded: t0, DueDate: t0.AddDate(0, 0, 21), RequiredAction: "patch"}
				r.DatabaseSpecific = &vuln.DatabaseSpecific{NVDStatus: "Analyzed"}
				r.Details = "a NUL \x00 in the prose"
			}),
			newRecord("B", func(r *vuln.Record) { r.Summary = "<b>&</b> \u2603" }),
		}
		for i, r := range recs {
			data, err := json.Marshal(r)
			must(t, err)
			_, err = s.DB().ExecContext(ctx, rebind(s, `INSERT INTO vuln_records (source, vuln_id, feed, hash, data) VALUES (?, ?, 'osv/Go', ?, ?)`),
				string(r.Source), r.ID, fmt.Sprint("hash", i), string(data))
			must(t, err)
			_, err = s.DB().ExecContext(ctx, rebind(s, `INSERT INTO vuln_keys (ecosystem, package, record_id)
				SELECT 'Go', ?, id FROM vuln_records WHERE vuln_id = ?`), "example.com/"+strings.ToLower(r.ID), r.ID)
			must(t, err)
		}
		_, err = s.Migrate(ctx)
		must(t, err)
		keys := []match.Key{{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}}
		migrated, _, err := s.MatchRecordsByKeys(ctx, keys)
		must(t, err)
		want := make([]vuln.Record, len(recs))
		for i, r := range recs {
			want[i] = project(r)
		}
		diff(t, "projection derived by the migration", want, migrated)
		// Each record is found by its own ID through the aliases the
		// migration added.
		byID, err := s.RecordsByAliases(ctx, []string{"A", "B"})
		must(t, err)
		diff(t, "records by their own IDs after the migration", []string{"osv:A", "osv:B"}, refsOf(byID))
		var proj string
		must(t, s.DB().QueryRowContext(ctx, `SELECT match_data FROM vuln_records WHERE vuln_id = 'B'`).Scan(&proj))
		for _, field := range []string{"Details", "References", "Related", "Published", "Modified"} {
			if strings.Contains(proj, `"`+field+`"`) {
				t.Errorf("match_data of B after the migration holds %s: %s", field, proj)
			}
		}

		// Imported again unchanged (same JSON, other hash): written anew.
		_, err = s.ImportRecords(ctx, "osv/Go", recs, true)
		must(t, err)
		imported, _, err := s.MatchRecordsByKeys(ctx, keys)
		must(t, err)
		diff(t, "projection written by an import", want, imported)
	})
}

// rebind turns ? placeholders into PostgreSQL's $n where needed.
func rebind(s *store.Store, q string) string {
	if s.Dialect() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

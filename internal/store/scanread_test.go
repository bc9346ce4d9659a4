package store_test

import (
	"context"
	"errors"
	"path/filepath"
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
		got, err := r.RecordsByAliasesKnown(ctx, []string{"CVE-A", "A", "CVE-B"}, map[string]*vuln.Record{"osv:A": &held})
		must(t, err)
		diff(t, "RecordsByAliasesKnown", []vuln.Record{held, project(b), project(dsa)}, got)
		want, err := r.RecordsByAliases(ctx, []string{"CVE-A", "A", "CVE-B"})
		must(t, err)
		for i := range want {
			want[i] = project(want[i])
		}
		got, err = r.RecordsByAliasesKnown(ctx, []string{"CVE-A", "A", "CVE-B"}, nil)
		must(t, err)
		diff(t, "RecordsByAliasesKnown without known records", want, got)

		// The match projection: every field but the prose, references,
		// related IDs and dates.
		full, err := r.RecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}})
		must(t, err)
		for i := range full {
			full[i] = project(full[i])
		}
		lean, err := r.MatchRecordsByKeys(ctx, []match.Key{{Ecosystem: "Go", Package: "example.com/a"}, {Ecosystem: "Go", Package: "example.com/b"}})
		must(t, err)
		diff(t, "MatchRecordsByKeys", full, lean)

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
func project(r vuln.Record) vuln.Record {
	r.Details, r.References, r.Related = "", nil, nil
	r.Published, r.Modified = time.Time{}, time.Time{}
	return r
}

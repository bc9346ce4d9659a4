package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"runtime"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Reads of an offline scan (vigil scan), which opens the store, reads the
// records of one SBOM and exits: every step here saves work a short-lived
// process would otherwise do on each run.

// HasRecords tells whether any record is stored, without counting them.
func (s *Store) HasRecords(ctx context.Context) (bool, error) {
	n, err := one(ctx, s, `SELECT COUNT(*) FROM (SELECT 1 FROM vuln_records LIMIT 1) AS x`, nil, scanInt)
	if err != nil {
		return false, fmt.Errorf("has records: %w", err)
	}
	return n > 0, nil
}

// matchRecord is the match projection of a stored record: the fields of
// vuln.Record that matching and findings read. Decoding the JSON into it
// skips the prose, references and dates (a third of the decoding time of a
// whole record).
type matchRecord struct {
	ID               string
	Source           vuln.Source
	Aliases          []string
	Upstream         []string
	Summary          string
	Withdrawn        *time.Time
	Severity         []vuln.Score
	CWEs             []string
	Affected         []vuln.Affected
	Configurations   []vuln.Configuration
	Exploited        *vuln.Exploitation
	DatabaseSpecific *vuln.DatabaseSpecific
}

// decodeMatchRecord decodes the match projection of a record's JSON.
func decodeMatchRecord(data []byte) (vuln.Record, error) {
	var m matchRecord
	if err := jsonv2.Unmarshal(data, &m); err != nil {
		return vuln.Record{}, fmt.Errorf("scan json: %w", err)
	}
	return vuln.Record{ID: m.ID, Source: m.Source, Aliases: m.Aliases, Upstream: m.Upstream, Summary: m.Summary,
		Withdrawn: m.Withdrawn, Severity: m.Severity, CWEs: m.CWEs, Affected: m.Affected, Configurations: m.Configurations,
		Exploited: m.Exploited, DatabaseSpecific: m.DatabaseSpecific}, nil
}

// MatchRecordsByKeys is RecordsByKeys for matching alone: each record holds
// its match projection (ID, source, aliases, upstream, summary, withdrawal,
// severity, CWEs, affected, configurations, exploitation, database
// specifics), without details, references, related IDs and dates. The
// records are decoded by other goroutines while the query steps on, in
// batches of raw rows.
func (s *Store) MatchRecordsByKeys(ctx context.Context, keys []match.Key) ([]vuln.Record, error) {
	type row struct {
		id   int64
		data []byte
	}
	const batchRows = 32
	batches := make(chan []row, runtime.GOMAXPROCS(0))
	var (
		mu      sync.Mutex
		m       = map[int64]vuln.Record{}
		decErr  error
		workers sync.WaitGroup
	)
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Go(func() {
			for b := range batches {
				for _, r := range b {
					rec, err := decodeMatchRecord(r.data)
					mu.Lock()
					m[r.id] = rec
					decErr = cmp.Or(decErr, err)
					mu.Unlock()
				}
			}
		})
	}
	batch := make([]row, 0, batchRows)
	err := s.byKeys(ctx, `SELECT id, data FROM vuln_records WHERE id IN (SELECT record_id FROM vuln_keys WHERE (ecosystem, package) IN `,
		")", keys, func(r scanner) error {
			var id int64
			var data sql.RawBytes
			if err := r.Scan(&id, &data); err != nil {
				return err
			}
			batch = append(batch, row{id, bytes.Clone(data)})
			if len(batch) == batchRows {
				batches <- batch
				batch = make([]row, 0, batchRows)
			}
			return nil
		})
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	workers.Wait()
	if err = cmp.Or(err, decErr); err != nil {
		return nil, fmt.Errorf("records by keys: %w", err)
	}
	return sortedRecords(m), nil
}

// RecordsByAliasesKnown is RecordsByAliases for a caller that already holds
// some records, by RecordRef in known: those are returned as known has them
// instead of being decoded again (a scan looks up the aliases of records it
// has just read by their keys, and most lead back to those records). The
// records read hold their match projection, as MatchRecordsByKeys.
func (s *Store) RecordsByAliasesKnown(ctx context.Context, ids []string, known map[string]*vuln.Record) ([]vuln.Record, error) {
	m := map[int64]vuln.Record{}
	err := s.byAliases(ctx, "id, source, vuln_id, data", ids, func(r scanner) error {
		var id int64
		var source, vulnID string
		var data sql.RawBytes
		if err := r.Scan(&id, &source, &vulnID, &data); err != nil {
			return err
		}
		if k := known[source+":"+vulnID]; k != nil {
			m[id] = *k
			return nil
		}
		rec, err := decodeMatchRecord(data)
		m[id] = rec
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("records by aliases: %w", err)
	}
	return sortedRecords(m), nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

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

// RecordsByAliasesKnown is RecordsByAliases for a caller that already holds
// some records, by RecordRef in known: those are returned as known has them
// instead of being decoded again (a scan looks up the aliases of records it
// has just read by their keys, and most lead back to those records).
func (s *Store) RecordsByAliasesKnown(ctx context.Context, ids []string, known map[string]*vuln.Record) ([]vuln.Record, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	m := map[int64]vuln.Record{}
	for chunk := range slices.Chunk(ids, byIDsChunk) {
		args := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, args...)
		ph := placeholders(len(chunk))
		err := s.each(ctx, s.reader(), `SELECT id, source, vuln_id, data FROM vuln_records WHERE vuln_id IN (`+ph+`)
			OR id IN (SELECT record_id FROM vuln_aliases WHERE alias IN (`+ph+`))`, args, func(r scanner) error {
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
			var rec vuln.Record
			if err := jsonv(&rec).Scan([]byte(data)); err != nil {
				return err
			}
			m[id] = rec
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("records by aliases: %w", err)
		}
	}
	return sortedRecords(m), nil
}

package store

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
// vuln.Record that matching and findings read, stored apart from the
// record's JSON (match_data) so that a scan reads and decodes none of the
// prose, references and dates.
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

// encodeMatchRecord is the JSON of r's match projection, as imports store
// it in match_data: without the zero fields (a third of the bytes of the
// record's JSON). json/v2 replaces invalid UTF-8 as encoding/json does for
// the record's own JSON.
func encodeMatchRecord(r *vuln.Record) (string, error) {
	m := matchRecord{ID: r.ID, Source: r.Source, Aliases: r.Aliases, Upstream: r.Upstream, Summary: r.Summary,
		Withdrawn: r.Withdrawn, Severity: r.Severity, CWEs: r.CWEs, Affected: r.Affected, Configurations: r.Configurations,
		Exploited: r.Exploited, DatabaseSpecific: r.DatabaseSpecific}
	b, err := jsonv2.Marshal(m, jsonv2.OmitZeroStructFields(true), jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return "", fmt.Errorf("encode match projection: %w", err)
	}
	return string(b), nil
}

// decodeMatchRecord decodes the match projection of a record from its
// match_data or from the JSON of the whole record.
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
// specifics), without details, references, related IDs and dates. rows[i]
// is the stored row of records[i], for RecordsByAliasesKnown.
func (s *Store) MatchRecordsByKeys(ctx context.Context, keys []match.Key) (records []vuln.Record, rows []int64, err error) {
	records, rows, err = decodeProjections(func(fn func(scanner) error) error {
		return s.byKeys(ctx, `SELECT id, match_data FROM vuln_records WHERE id IN (SELECT record_id FROM vuln_keys WHERE (ecosystem, package) IN `,
			")", keys, fn)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("records by keys: %w", err)
	}
	return records, rows, nil
}

// AllMatchRecords is AllRecords for matching alone, as MatchRecordsByKeys:
// every record's match projection, and its row.
func (s *Store) AllMatchRecords(ctx context.Context) (records []vuln.Record, rows []int64, err error) {
	records, rows, err = decodeProjections(func(fn func(scanner) error) error {
		return s.each(ctx, s.reader(), `SELECT id, match_data FROM vuln_records`, nil, fn)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("all records: %w", err)
	}
	return records, rows, nil
}

// decodeProjections runs query, which hands fn rows of (id, match_data),
// and decodes the projections on other goroutines while the query steps on,
// in batches of rows. The records come sorted by source and ID, each once,
// with their rows.
func decodeProjections(query func(fn func(scanner) error) error) (records []vuln.Record, rows []int64, err error) {
	type row struct {
		id   int64
		data []byte
	}
	const batchRows = 32
	batches := make(chan []row, runtime.GOMAXPROCS(0))
	var (
		mu      sync.Mutex
		decoded []rowRecord
		decErr  error
		workers sync.WaitGroup
	)
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Go(func() {
			for b := range batches {
				for _, r := range b {
					rec, err := decodeMatchRecord(r.data)
					mu.Lock()
					decoded = append(decoded, rowRecord{r.id, &rec})
					decErr = cmp.Or(decErr, err)
					mu.Unlock()
				}
			}
		})
	}
	batch := make([]row, 0, batchRows)
	err = query(func(r scanner) error {
		// A string takes the driver's copy of the text as it is; a []byte
		// or sql.RawBytes would copy it once more.
		var id int64
		var data string
		if err := r.Scan(&id, &data); err != nil {
			return err
		}
		batch = append(batch, row{id, []byte(data)})
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
		return nil, nil, err
	}
	decoded = sortRows(decoded)
	records, rows = make([]vuln.Record, len(decoded)), make([]int64, len(decoded))
	for i, d := range decoded {
		records[i], rows[i] = *d.rec, d.row
	}
	return records, rows, nil
}

// RecordsByAliasesKnown is RecordsByAliases for a caller that already holds
// some records, by stored row in known (as MatchRecordsByKeys returns
// them): those are returned as the pointers known has instead of being read
// again
// (a scan looks up the aliases of records it has just read by their keys,
// and most lead back to those records). The rows are looked up in the
// alias index alone; only the records not known are read then, and they
// hold their match projection, as MatchRecordsByKeys.
func (s *Store) RecordsByAliasesKnown(ctx context.Context, ids []string, known map[int64]*vuln.Record) ([]*vuln.Record, error) {
	var out []rowRecord
	var unknown []int64
	seen := map[int64]bool{}
	err := inValues(ctx, s, `SELECT record_id FROM vuln_aliases WHERE alias IN `, "", ids, func(r scanner) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		if seen[id] {
			return nil // a record two of the IDs name, or a row of an earlier chunk
		}
		seen[id] = true
		if k := known[id]; k != nil {
			out = append(out, rowRecord{id, k})
		} else {
			unknown = append(unknown, id)
		}
		return nil
	})
	if err == nil {
		err = inValues(ctx, s, "SELECT id, match_data FROM vuln_records WHERE id IN ", "", unknown, func(r scanner) error {
			var id int64
			var data string
			if err := r.Scan(&id, &data); err != nil {
				return err
			}
			rec, err := decodeMatchRecord([]byte(data))
			out = append(out, rowRecord{id, &rec})
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("records by aliases: %w", err)
	}
	out = sortRows(out)
	records := make([]*vuln.Record, len(out))
	for i, o := range out {
		records[i] = o.rec
	}
	return records, nil
}

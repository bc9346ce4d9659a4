package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Bounds of ImportRecords.
const (
	// MaxImportRecords is how many records one import may carry (NVD, the
	// largest feed, has about 300,000).
	MaxImportRecords = 1_000_000
	// MaxRecordIDLen is the longest record ID (and source name: 32) stored.
	MaxRecordIDLen = 256
	maxSourceLen   = 32
	// MaxRecordSize bounds the JSON of one record.
	MaxRecordSize = 4 << 20
	// maxReported bounds the invalid records an error names.
	maxReported = 100
)

// ImportStats says what an import did to the stored records.
type ImportStats struct {
	Added, Updated, Unchanged, Removed int
	// Changed are the "source:id" of the records added, updated and
	// removed, sorted.
	Changed []string
	// Keys are the match keys of the changed records, before and after the
	// import (a record narrowed or removed leaves its old keys): the
	// components to match again. Sorted, without repetition.
	Keys []match.Key
}

// RecordRef is the "source:id" reference of a record, as findings and
// ImportStats.Changed name it.
func RecordRef(r *vuln.Record) string { return string(r.Source) + ":" + r.ID }

// encodedRecord is a record ready to store.
type encodedRecord struct {
	rec     *vuln.Record
	ref     string
	data    string
	match   string // the match projection's JSON
	hash    string
	aliases []string
	keys    []match.Key
	id      int64 // the stored row, once known
}

func encodeRecord(r *vuln.Record) (encodedRecord, error) {
	var errs []error
	if r.ID == "" || len(r.ID) > MaxRecordIDLen {
		errs = append(errs, fmt.Errorf("id: %d bytes, want 1 to %d", len(r.ID), MaxRecordIDLen))
	}
	if r.Source == "" || len(r.Source) > maxSourceLen {
		errs = append(errs, fmt.Errorf("source: %d bytes, want 1 to %d", len(r.Source), maxSourceLen))
	}
	// Text both databases store as it is: PostgreSQL refuses NUL and
	// invalid UTF-8, and JSON would replace the latter.
	texts := slices.Concat([]string{r.ID, string(r.Source)}, r.Aliases, r.Upstream)
	for _, a := range r.Affected {
		texts = append(texts, a.Ecosystem, a.Package)
	}
	for _, t := range texts {
		if !utf8.ValidString(t) || strings.Contains(t, "\x00") {
			errs = append(errs, fmt.Errorf("%q: not UTF-8 text", t))
			break
		}
	}
	if len(errs) > 0 {
		return encodedRecord{}, errors.Join(errs...)
	}
	data, err := jsonText(r)
	if err != nil {
		return encodedRecord{}, err
	}
	if len(data) > MaxRecordSize {
		return encodedRecord{}, fmt.Errorf("%d bytes of JSON, at most %d", len(data), MaxRecordSize)
	}
	proj, err := encodeMatchRecord(r)
	if err != nil {
		return encodedRecord{}, err
	}
	sum := sha256.Sum256([]byte(data))
	e := encodedRecord{rec: r, ref: RecordRef(r), data: data, match: proj, hash: hex.EncodeToString(sum[:])}
	// The record's own ID is one of its aliases: a lookup by ID is then
	// one index probe per ID (vuln_aliases), not two.
	for _, a := range slices.Concat([]string{r.ID}, r.Aliases, r.Upstream) {
		if a != "" && !slices.Contains(e.aliases, a) {
			e.aliases = append(e.aliases, a)
		}
	}
	for _, a := range r.Affected {
		if a.Ecosystem == "" || a.Package == "" {
			continue // a GIT-only entry: no package to match
		}
		// Component.Key without a Release is the key of the ecosystem as
		// written ("Debian:12" stays), with PyPI's normalisation.
		k := match.Component{Ecosystem: a.Ecosystem, Package: a.Package}.Key()
		if !slices.Contains(e.keys, k) {
			e.keys = append(e.keys, k)
		}
	}
	// NVD's CPE applicability statements, for the opt-in CPE matching of
	// components without a purl.
	for _, k := range match.CPERecordKeys(r) {
		if !slices.Contains(e.keys, k) {
			e.keys = append(e.keys, k)
		}
	}
	return e, nil
}

// encodeRecords encodes recs on every core: JSON and SHA-256 are most of
// the work of an import of unchanged records.
func encodeRecords(recs []vuln.Record) ([]encodedRecord, []error) {
	encs := make([]encodedRecord, len(recs))
	errs := make([]error, len(recs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(recs)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				encs[i], errs[i] = encodeRecord(&recs[i])
			}
		})
	}
	wg.Wait()
	return encs, errs
}

// storedRecord is what an import needs to know of a stored record.
type storedRecord struct {
	id         int64
	ref        string
	hash, feed string
}

func scanStoredRecord(r scanner) (storedRecord, error) {
	var x storedRecord
	var source, id string
	err := r.Scan(&x.id, &source, &id, &x.hash, &x.feed)
	x.ref = source + ":" + id
	return x, err
}

// ImportRecords upserts the records of one feed in one transaction. A
// record is identified by (Source, ID) and stored as the JSON of
// vuln.Record with its SHA-256, so an identical record counts as Unchanged
// and is not written again. feed names the feed ("osv/Go", "debian", "nvd",
// "kev"); a record belongs to the feed that imported it last. When
// complete is true, the records of the feed that recs lacks are removed.
// Aliases (Aliases and Upstream) and match keys (of every Affected entry
// with a package, keyed as internal/match keys them) are kept with the
// record. When recs holds a record twice, the later one counts.
//
// Every record is checked before anything is written, and every problem
// reported at once; a failure leaves the stored records as they were.
func (s *Store) ImportRecords(ctx context.Context, feed string, recs []vuln.Record, complete bool) (ImportStats, error) {
	var st ImportStats
	if feed == "" {
		return st, errors.New("import records: no feed named")
	}
	if len(recs) > MaxImportRecords {
		return st, fmt.Errorf("import records of %s: %d records, at most %d", feed, len(recs), MaxImportRecords)
	}
	encs := make([]encodedRecord, 0, len(recs))
	at := make(map[string]int, len(recs)) // ref -> index in encs
	var errs []error
	encoded, encErrs := encodeRecords(recs)
	for i, e := range encoded {
		if err := encErrs[i]; err != nil {
			errs = append(errs, fmt.Errorf("records[%d] (%s): %w", i, recs[i].ID, err))
			continue
		}
		if j, ok := at[e.ref]; ok {
			encs[j] = e
			continue
		}
		at[e.ref] = len(encs)
		encs = append(encs, e)
	}
	if len(errs) > 0 {
		if n := len(errs) - maxReported; n > 0 {
			errs = append(errs[:maxReported], fmt.Errorf("and %d more invalid records", n))
		}
		return st, fmt.Errorf("import records of %s: %w", feed, errors.Join(errs...))
	}
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		st, err = tx.importRecords(ctx, feed, encs, at, complete)
		return err
	})
	if err != nil {
		return ImportStats{}, fmt.Errorf("import records of %s: %w", feed, err)
	}
	return st, nil
}

func (s *Store) importRecords(ctx context.Context, feed string, encs []encodedRecord, at map[string]int, complete bool) (ImportStats, error) {
	var st ImportStats
	// What is stored: the feed's records, and those of recs that another
	// feed imported last.
	known := make(map[string]storedRecord, len(encs))
	ofFeed, err := collect(ctx, s, s.writer(), `SELECT id, source, vuln_id, hash, feed FROM vuln_records WHERE feed = ?`,
		[]any{feed}, scanStoredRecord)
	if err != nil {
		return st, err
	}
	for _, r := range ofFeed {
		known[r.ref] = r
	}
	var elsewhere []string
	for i := range encs {
		if _, ok := known[encs[i].ref]; !ok {
			elsewhere = append(elsewhere, encs[i].rec.ID)
		}
	}
	slices.Sort(elsewhere)
	elsewhere = slices.Compact(elsewhere)
	for chunk := range slices.Chunk(elsewhere, byIDsChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rs, err := collect(ctx, s, s.writer(), `SELECT id, source, vuln_id, hash, feed FROM vuln_records WHERE vuln_id IN (`+
			placeholders(len(chunk))+`)`, args, scanStoredRecord)
		if err != nil {
			return st, err
		}
		for _, r := range rs {
			if _, ok := at[r.ref]; ok {
				known[r.ref] = r
			}
		}
	}

	var added, updated []int // indexes in encs
	var moved, stale []int64 // rows whose feed changes; rows whose aliases and keys are rewritten
	for i := range encs {
		e := &encs[i]
		k, ok := known[e.ref]
		switch {
		case !ok:
			added = append(added, i)
		case k.hash != e.hash:
			e.id = k.id
			updated = append(updated, i)
			stale = append(stale, k.id)
		default:
			st.Unchanged++
			if k.feed != feed {
				moved = append(moved, k.id)
			}
		}
	}
	var removed []int64
	if complete {
		for _, r := range ofFeed {
			if _, ok := at[r.ref]; !ok {
				removed = append(removed, r.id)
				st.Changed = append(st.Changed, r.ref)
			}
		}
	}

	touched := map[match.Key]bool{}
	for chunk := range slices.Chunk(slices.Concat(stale, removed), byIDsChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		old, err := collect(ctx, s, s.writer(), `SELECT DISTINCT ecosystem, package FROM vuln_keys WHERE record_id IN (`+placeholders(len(chunk))+`)`,
			args, func(r scanner) (match.Key, error) {
				var k match.Key
				err := r.Scan(&k.Ecosystem, &k.Package)
				return k, err
			})
		if err != nil {
			return st, err
		}
		for _, k := range old {
			touched[k] = true
		}
	}
	for _, i := range slices.Concat(added, updated) {
		for _, k := range encs[i].keys {
			touched[k] = true
		}
	}
	for k := range touched {
		st.Keys = append(st.Keys, k)
	}
	st.Keys = match.SortKeys(st.Keys)

	if err := s.execIDs(ctx, `DELETE FROM vuln_aliases WHERE record_id IN `, stale); err != nil {
		return st, err
	}
	if err := s.execIDs(ctx, `DELETE FROM vuln_keys WHERE record_id IN `, stale); err != nil {
		return st, err
	}
	if len(updated) > 0 {
		up, err := s.prepare(ctx, `UPDATE vuln_records SET feed = ?, hash = ?, data = ?, match_data = ? WHERE id = ?`)
		if err != nil {
			return st, err
		}
		defer up.Close()
		for _, i := range updated {
			e := &encs[i]
			if _, err := up.ExecContext(ctx, feed, e.hash, e.data, e.match, e.id); err != nil {
				return st, normalize(err)
			}
		}
	}
	for chunk := range slices.Chunk(moved, byIDsChunk) {
		args := []any{feed}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := s.exec(ctx, `UPDATE vuln_records SET feed = ? WHERE id IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return st, err
		}
	}
	rows := make([][]any, len(added))
	for j, i := range added {
		e := &encs[i]
		rows[j] = []any{string(e.rec.Source), e.rec.ID, feed, e.hash, e.data, e.match}
	}
	err = s.insertBatches(ctx, `INSERT INTO vuln_records (source, vuln_id, feed, hash, data, match_data) VALUES `, ` RETURNING id, source, vuln_id`,
		rows, func(r scanner) error {
			x, err := scanRef(r)
			if err != nil {
				return err
			}
			i, ok := at[x.ref]
			if !ok {
				return fmt.Errorf("inserted record %s is not in the import", x.ref)
			}
			encs[i].id = x.id
			return nil
		})
	if err != nil {
		return st, err
	}
	var aliases, keys [][]any
	for _, i := range slices.Concat(added, updated) {
		e := &encs[i]
		for _, a := range e.aliases {
			aliases = append(aliases, []any{a, e.id})
		}
		for _, k := range e.keys {
			keys = append(keys, []any{k.Ecosystem, k.Package, e.id})
		}
		st.Changed = append(st.Changed, e.ref)
	}
	// In index order: the b-trees grow at their ends, not everywhere.
	slices.SortFunc(aliases, func(a, b []any) int {
		return cmp.Or(strings.Compare(a[0].(string), b[0].(string)), cmp.Compare(a[1].(int64), b[1].(int64)))
	})
	slices.SortFunc(keys, func(a, b []any) int {
		return cmp.Or(strings.Compare(a[0].(string), b[0].(string)), strings.Compare(a[1].(string), b[1].(string)),
			cmp.Compare(a[2].(int64), b[2].(int64)))
	})
	if err := s.insertBatches(ctx, `INSERT INTO vuln_aliases (alias, record_id) VALUES `, "", aliases, nil); err != nil {
		return st, err
	}
	if err := s.insertBatches(ctx, `INSERT INTO vuln_keys (ecosystem, package, record_id) VALUES `, "", keys, nil); err != nil {
		return st, err
	}
	// Aliases and keys go with the record.
	for _, q := range []string{`DELETE FROM vuln_aliases WHERE record_id IN `, `DELETE FROM vuln_keys WHERE record_id IN `,
		`DELETE FROM vuln_records WHERE id IN `} {
		if err := s.execIDs(ctx, q, removed); err != nil {
			return st, err
		}
	}
	st.Added, st.Updated, st.Removed = len(added), len(updated), len(removed)
	slices.Sort(st.Changed)
	return st, nil
}

func scanRef(r scanner) (storedRecord, error) {
	var x storedRecord
	var source, id string
	err := r.Scan(&x.id, &source, &id)
	x.ref = source + ":" + id
	return x, err
}

// scanRecord reads a record's row id and its JSON.
func scanRecord(r scanner) (idRecord, error) {
	var x idRecord
	err := r.Scan(&x.id, jsonv(&x.rec))
	return x, err
}

type idRecord struct {
	id  int64
	rec vuln.Record
}

// sortedRecords returns the records of m by source and ID.
func sortedRecords(m map[int64]vuln.Record) []vuln.Record {
	out := make([]vuln.Record, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, compareRecords)
	return out
}

// rowRecord is a record with its stored row.
type rowRecord struct {
	row int64
	rec *vuln.Record
}

// sortRows orders rs by source and ID and drops a row read twice (by two
// chunks of a query).
func sortRows(rs []rowRecord) []rowRecord {
	slices.SortFunc(rs, func(a, b rowRecord) int { return compareRecords(*a.rec, *b.rec) })
	return slices.CompactFunc(rs, func(a, b rowRecord) bool { return a.row == b.row })
}

func compareRecords(a, b vuln.Record) int {
	return cmp.Or(strings.Compare(string(a.Source), string(b.Source)), strings.Compare(a.ID, b.ID))
}

// RecordsByKeys returns the records with an affected entry whose match key
// is one of keys, by source and ID.
func (s *Store) RecordsByKeys(ctx context.Context, keys []match.Key) ([]vuln.Record, error) {
	m := map[int64]vuln.Record{}
	err := s.byKeys(ctx, `SELECT id, data FROM vuln_records WHERE id IN (SELECT record_id FROM vuln_keys WHERE (ecosystem, package) IN `,
		")", keys, func(r scanner) error {
			x, err := scanRecord(r)
			m[x.id] = x.rec
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("records by keys: %w", err)
	}
	return sortedRecords(m), nil
}

// RecordsByAliases returns the records whose ID or one of whose aliases
// (or upstream IDs) is one of ids, by source and ID.
func (s *Store) RecordsByAliases(ctx context.Context, ids []string) ([]vuln.Record, error) {
	m := map[int64]vuln.Record{}
	err := inValues(ctx, s, `SELECT id, data FROM vuln_records WHERE id IN (SELECT record_id FROM vuln_aliases WHERE alias IN `, ")", ids, func(r scanner) error {
		x, err := scanRecord(r)
		m[x.id] = x.rec
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("records by aliases: %w", err)
	}
	return sortedRecords(m), nil
}

// inValues runs q + "(vals...)" + suffix (q ends in "IN ") for the
// distinct vals and hands each row to fn. On SQLite they are one JSON array
// that json_each reads (a statement of one placeholder per value costs more
// to prepare than to run), unless a string is not valid UTF-8 (JSON would
// replace its bytes); elsewhere, and then, chunks of placeholders.
func inValues[T string | int64](ctx context.Context, s *Store, q, suffix string, vals []T, fn func(scanner) error) error {
	vals = slices.Compact(slices.Sorted(slices.Values(vals)))
	invalid := func(v T) bool {
		str, ok := any(v).(string)
		return ok && !utf8.ValidString(str)
	}
	if s.dialect == dialectPostgres {
		// PostgreSQL's text holds UTF-8 only: no stored text is anything else.
		vals = slices.DeleteFunc(vals, invalid)
	}
	if s.dialect == dialectSQLite && len(vals) > 0 && !slices.ContainsFunc(vals, invalid) {
		list, err := json.Marshal(vals)
		if err != nil {
			return err
		}
		return s.each(ctx, s.reader(), q+`(SELECT value FROM json_each(?))`+suffix, []any{string(list)}, fn)
	}
	for chunk := range slices.Chunk(vals, byIDsChunk) {
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		if err := s.each(ctx, s.reader(), q+`(`+placeholders(len(chunk))+`)`+suffix, args, fn); err != nil {
			return err
		}
	}
	return nil
}

// RecordsByRefs returns the records of the "source:id" references that
// exist, by source and ID.
func (s *Store) RecordsByRefs(ctx context.Context, refs []string) ([]vuln.Record, error) {
	var pairs [][2]string
	for _, ref := range refs {
		if src, id, ok := strings.Cut(ref, ":"); ok {
			pairs = append(pairs, [2]string{src, id})
		}
	}
	m := map[int64]vuln.Record{}
	err := s.byPairs(ctx, `SELECT id, data FROM vuln_records WHERE (source, vuln_id) IN `, "", pairs, func(r scanner) error {
		x, err := scanRecord(r)
		m[x.id] = x.rec
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("records by refs: %w", err)
	}
	return sortedRecords(m), nil
}

// AllRecords returns every stored record, by source and ID.
func (s *Store) AllRecords(ctx context.Context) ([]vuln.Record, error) {
	rs, err := all(ctx, s, `SELECT data FROM vuln_records`, nil, func(r scanner) (vuln.Record, error) {
		var x vuln.Record
		err := r.Scan(jsonv(&x))
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("all records: %w", err)
	}
	slices.SortFunc(rs, compareRecords)
	return rs, nil
}

// CountRecords returns the number of stored records per feed.
func (s *Store) CountRecords(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.each(ctx, s.reader(), `SELECT feed, COUNT(*) FROM vuln_records GROUP BY feed`, nil, func(r scanner) error {
		var feed string
		var n int
		err := r.Scan(&feed, &n)
		out[feed] = n
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count records: %w", err)
	}
	return out, nil
}

// Helpers for the bulk statements of the monitoring tables.

// maxBatchParams bounds the parameters of one multi-row statement, well
// under SQLite's 32,766 and PostgreSQL's 65,535.
const maxBatchParams = 2000

// byPairsChunk bounds the pairs of one "(a, b) IN (VALUES ...)" query.
const byPairsChunk = 400

// stmtQuerier runs a prepared statement through the querier interface, so
// that each (the one place that iterates rows) serves it too; the query
// text it is given is ignored.
type stmtQuerier struct{ st *sql.Stmt }

func (q stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return q.st.ExecContext(ctx, args...)
}

func (q stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return q.st.QueryRowContext(ctx, args...)
}

// preparedStmt is a statement prepared inside a transaction, taking the
// same arguments as exec (times converted for the dialect).
type preparedStmt struct {
	s  *Store
	st *sql.Stmt
}

func (p preparedStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return p.st.ExecContext(ctx, p.s.args(args)...)
}

func (p preparedStmt) Close() error { return p.st.Close() }

// prepare prepares q (with "?" placeholders) in the transaction.
func (s *Store) prepare(ctx context.Context, q string) (preparedStmt, error) {
	if s.tx == nil {
		return preparedStmt{}, errors.New("prepare: not in a transaction")
	}
	st, err := s.tx.PrepareContext(ctx, s.rebind(q))
	if err != nil {
		return preparedStmt{}, normalize(err)
	}
	return preparedStmt{s: s, st: st}, nil
}

// insertBatches inserts rows (all of one width) with multi-row INSERTs:
// head ends in "VALUES ", tail follows the rows (" RETURNING ..." or "").
// With a tail, scan gets every returned row. The statement of a full batch
// is prepared once in the transaction.
func (s *Store) insertBatches(ctx context.Context, head, tail string, rows [][]any, scan func(scanner) error) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, maxBatchParams/width)
	tuple := "(" + placeholders(width) + ")"
	text := func(n int) string {
		return head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ") + tail
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for batch := range slices.Chunk(rows, per) {
		args := make([]any, 0, len(batch)*width)
		for _, r := range batch {
			if len(r) != width {
				return fmt.Errorf("insert batch: a row of %d values, want %d", len(r), width)
			}
			args = append(args, r...)
		}
		var db querier = s.writer()
		q := text(len(batch))
		if len(batch) == per && len(rows) > per && s.tx != nil {
			if full == nil {
				st, err := s.tx.PrepareContext(ctx, s.rebind(q))
				if err != nil {
					return normalize(err)
				}
				full = st
			}
			db, q = stmtQuerier{full}, ""
		}
		if tail == "" {
			if _, err := db.ExecContext(ctx, s.rebind(q), s.args(args)...); err != nil {
				return normalize(err)
			}
			continue
		}
		if err := s.each(ctx, db, q, args, scan); err != nil {
			return err
		}
	}
	return nil
}

// execIDs runs q + "(ids...)" (q ends in "IN ") for the ids in chunks.
func (s *Store) execIDs(ctx context.Context, q string, ids []int64) error {
	for chunk := range slices.Chunk(ids, byIDsChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if _, err := s.exec(ctx, q+"("+placeholders(len(chunk))+")", args...); err != nil {
			return err
		}
	}
	return nil
}

// byKeys runs q + "(VALUES (?, ?), ...)" + suffix for the keys in chunks
// (q ends in "(a, b) IN ") and hands each row to fn. Duplicate keys are
// asked for once.
func (s *Store) byKeys(ctx context.Context, q, suffix string, keys []match.Key, fn func(scanner) error) error {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Ecosystem, k.Package}
	}
	return s.byPairs(ctx, q, suffix, pairs, fn)
}

func (s *Store) byPairs(ctx context.Context, q, suffix string, pairs [][2]string, fn func(scanner) error) error {
	slices.SortFunc(pairs, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	pairs = slices.Compact(pairs)
	invalid := func(p [2]string) bool { return !utf8.ValidString(p[0]) || !utf8.ValidString(p[1]) }
	if s.dialect == dialectPostgres {
		// PostgreSQL's text holds UTF-8 only: no stored key is anything else.
		pairs = slices.DeleteFunc(pairs, invalid)
	}
	// As inValues, with the pairs as two-element arrays.
	if s.dialect == dialectSQLite && len(pairs) > 0 && !slices.ContainsFunc(pairs, invalid) {
		list, err := json.Marshal(pairs)
		if err != nil {
			return err
		}
		return s.each(ctx, s.reader(), q+"(SELECT value->>0, value->>1 FROM json_each(?))"+suffix, []any{string(list)}, fn)
	}
	for chunk := range slices.Chunk(pairs, byPairsChunk) {
		args := make([]any, 0, 2*len(chunk))
		for _, p := range chunk {
			args = append(args, p[0], p[1])
		}
		values := "(VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ") + ")"
		if err := s.each(ctx, s.reader(), q+values+suffix, args, fn); err != nil {
			return err
		}
	}
	return nil
}

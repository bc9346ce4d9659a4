// Package store provides all of vigil's SQL: the one place that reads and
// writes the database, on embedded SQLite or on PostgreSQL, with database/sql
// and no ORM. One file per aggregate holds its SQL, written once with "?"
// placeholders and rebound to "$n" for PostgreSQL.
//
// Invariants:
//   - Errors leaving the package wrap ErrNotFound, ErrConflict or a plain
//     error; no driver type escapes. A lookup never returns a zero value
//     with a nil error for a missing row.
//   - Times are stored in UTC with microsecond precision on both dialects
//     (PostgreSQL's timestamptz precision), and read back as UTC time.Time;
//     a value therefore reads back identically from either database.
//   - A Store runs either on the database or inside one transaction (InTx);
//     the methods are the same. Writes of more than one statement always run
//     in a transaction, the caller's if there is one.
//   - The schema is changed only by the embedded, numbered, forward-only
//     migrations (migrate.go).
//
// SQLite is set up for a server: WAL journal, foreign keys on, a busy
// timeout, synchronous=NORMAL, and a single writer. The Store holds two
// pools on the same file: a write pool of exactly one connection whose
// transactions begin with BEGIN IMMEDIATE (taking the write lock up front,
// so that a transaction never fails upgrading a read lock to a write lock),
// and a read pool of several query-only connections that WAL lets run beside
// the writer. Outside InTx, reads go to the read pool and writes to the
// writer; inside InTx everything goes through the transaction. Consequence:
// code inside InTx must use the tx Store it is given, never the outer one,
// for writes, or it waits for the one writer connection that it holds itself.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors, wrapped by every error that reports the condition.
var (
	// ErrNotFound: the row asked for, or a row it references, does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is taken, an optimistic lock (a case's
	// Version, an advisory's next revision number) did not match, or a
	// concurrent transaction won (PostgreSQL serialization failure after
	// the retries of InTx).
	ErrConflict = errors.New("conflict")
)

// Config says which database to use.
type Config struct {
	// Data is the SQLite data directory, created if missing; the database is
	// the file vigil.db inside.
	Data string
	// Database is a PostgreSQL URL (postgres://...); it wins over Data.
	Database string
}

const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

// SQLite connection settings; see the package comment.
const (
	sqliteFile        = "vigil.db"
	sqliteBusyTimeout = 10 * time.Second
)

// PostgreSQL pool settings: enough for several request handlers and the
// background jobs of one process, few enough that several vigil serve
// processes fit in PostgreSQL's default max_connections of 100.
const (
	pgMaxConns    = 20
	pgTxRetries   = 4 // attempts of a transaction that hit a serialization failure or deadlock
	pgConnTimeout = 10 * time.Second
)

// Store is the database, or one transaction on it (inside InTx).
type Store struct {
	dialect string
	w       *sql.DB // writes; on SQLite the single writer connection
	r       *sql.DB // reads outside a transaction; on PostgreSQL the same pool as w
	tx      *sql.Tx // non-nil inside InTx
}

// Open connects to the database cfg names. It does not migrate: call Check
// (refuse an old schema) or Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database != "" {
		return openPostgres(ctx, cfg.Database)
	}
	if cfg.Data == "" {
		return nil, errors.New("open store: neither a data directory nor a database URL given")
	}
	return openSQLite(ctx, cfg.Data)
}

// OpenReadOnly connects for reading alone, as a CI scan does. On SQLite
// that is one query-only pool on the file opened read-only: no writer
// connection, nothing created (a missing database is an error wrapping
// ErrNotFound), no WAL checkpoint when it closes, and every write fails. On
// PostgreSQL it is Open: a pool costs nothing at start-up there.
func OpenReadOnly(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database != "" {
		return openPostgres(ctx, cfg.Database)
	}
	if cfg.Data == "" {
		return nil, errors.New("open store: neither a data directory nor a database URL given")
	}
	uri, path, err := sqliteURI(cfg.Data)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open sqlite %s: %w", path, ErrNotFound)
	}
	// Opened read-only, the connection needs none of the settings of
	// writes: each pragma is a statement every connection parses and runs.
	// It reads the file through a memory map (up to 1 GiB): pages come
	// straight from the page cache, not copied into buffers SQLite
	// allocates for each.
	r, err := sql.Open("sqlite", uri+"?mode=ro&_txlock=deferred&_pragma=mmap_size(1073741824)&_pragma=busy_timeout("+strconv.Itoa(int(sqliteBusyTimeout/time.Millisecond))+")")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %s", err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, normalize(err))
	}
	return &Store{dialect: dialectSQLite, w: r, r: r}, nil
}

// sqliteCommon are the settings of every SQLite connection.
var sqliteCommon = "&_pragma=foreign_keys(1)" +
	"&_pragma=busy_timeout(" + strconv.Itoa(int(sqliteBusyTimeout/time.Millisecond)) + ")" +
	"&_pragma=synchronous(NORMAL)"

// sqliteURI is the file: URI of the database in dir, and its path.
func sqliteURI(dir string) (uri, path string, err error) {
	path, err = filepath.Abs(filepath.Join(dir, sqliteFile))
	if err != nil {
		return "", "", fmt.Errorf("open sqlite: %w", err)
	}
	// A file: URI, so the path's '?', '#' and '%' must be escaped.
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.ToSlash(path)), path, nil
}

func openPostgres(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %s", err)
	}
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, pgConnTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", normalize(err))
	}
	return &Store{dialect: dialectPostgres, w: db, r: db}, nil
}

func openSQLite(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	uri, path, err := sqliteURI(dir)
	if err != nil {
		return nil, err
	}
	common := sqliteCommon
	w, err := sql.Open("sqlite", uri+"?_txlock=immediate&_pragma=journal_mode(WAL)"+common)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %s", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first, so the file exists and is in WAL mode
	// before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, normalize(err))
	}
	r, err := sql.Open("sqlite", uri+"?_txlock=deferred"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %s", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, normalize(err))
	}
	return &Store{dialect: dialectSQLite, w: w, r: r}, nil
}

// Close closes the database. It is an error to close a transaction's Store.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("close store: inside a transaction")
	}
	if s.r == s.w {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// DB is the raw write pool, for tests and tools that must step around the
// Store (for example to show that tampering with the audit trail is found).
// Application code never uses it.
func (s *Store) DB() *sql.DB { return s.w }

// InTx runs fn in a transaction and commits if fn returns nil, rolls back
// otherwise. The Store fn gets runs every method inside the transaction; a
// nested InTx on it just runs its fn in the same transaction (it is not a
// savepoint: an error fails the whole transaction). On PostgreSQL a
// transaction that fails with a serialization failure or a deadlock is run
// again, a few times, so fn must not have effects outside the transaction
// that cannot be repeated.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		var retry *retryError
		if err == nil || s.dialect != dialectPostgres || attempt >= pgTxRetries || !errors.As(err, &retry) {
			return err
		}
		// Back off a little, with jitter, so the competing transactions
		// do not collide again at once.
		d := time.Duration(attempt*attempt)*5*time.Millisecond + time.Duration(rand.Int64N(int64(5*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
	}
}

func (s *Store) runTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", normalize(err))
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&Store{dialect: s.dialect, w: s.w, r: s.r, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", normalize(err))
	}
	return nil
}

// retryError is a PostgreSQL serialization failure or deadlock: InTx runs
// the transaction again; after the last attempt it is an ErrConflict.
type retryError struct{ msg string }

func (e *retryError) Error() string        { return "conflict: concurrent transaction: " + e.msg }
func (e *retryError) Is(target error) bool { return target == ErrConflict }

// normalize turns a driver error into the package's errors, once, at the
// point where a statement returns: constraint violations become ErrConflict
// or ErrNotFound, and any other driver error becomes a plain error with the
// driver's message, so that no caller can depend on a driver type.
func normalize(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ctxErr := context.Canceled
		if errors.Is(err, context.DeadlineExceeded) {
			ctxErr = context.DeadlineExceeded
		}
		if err == ctxErr {
			return err
		}
		return fmt.Errorf("%w: %s", ctxErr, err)
	case errors.As(err, &pg):
		switch pg.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s already taken", ErrConflict, pg.ConstraintName)
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: a row that %s references", ErrNotFound, pg.ConstraintName)
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return &retryError{msg: pg.Message}
		}
		return fmt.Errorf("postgres: %s (SQLSTATE %s)", pg.Message, pg.Code)
	case errors.As(err, &lite):
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, lite.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: a row that is referenced (%s)", ErrNotFound, lite.Error())
		}
		return fmt.Errorf("sqlite: %s", lite.Error())
	case errors.Is(err, sql.ErrTxDone), errors.Is(err, sql.ErrConnDone):
		return err
	}
	return fmt.Errorf("database: %s", err)
}

// querier is what a pool and a transaction have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader is where a read goes: the transaction, or the read pool.
func (s *Store) reader() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.r
}

// writer is where a write goes: the transaction, or the write pool.
func (s *Store) writer() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.w
}

// rebind rewrites the "?" placeholders of q for the dialect: "$1", "$2", ...
// on PostgreSQL. The package's SQL never has a "?" inside a string literal.
func (s *Store) rebind(q string) string {
	if s.dialect != dialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// timeFormat is SQLite's fixed-width time text: it sorts as a string.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// args converts the arguments for the dialect: a time.Time or *time.Time
// becomes UTC with microsecond precision, as text on SQLite.
func (s *Store) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = s.timeArg(v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = s.timeArg(*v)
			}
		}
	}
	return args
}

func (s *Store) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.dialect == dialectSQLite {
		return t.Format(timeFormat)
	}
	return t
}

// exec runs a write statement.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.writer().ExecContext(ctx, s.rebind(q), s.args(args)...)
	return res, normalize(err)
}

// execOne runs a write statement that must touch a row; ErrNotFound if none.
func (s *Store) execOne(ctx context.Context, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return normalize(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (s *Store) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := s.writer().QueryRowContext(ctx, s.rebind(q+" RETURNING id"), s.args(args)...).Scan(&id)
	return id, normalize(err)
}

// scanner is a row: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// each runs q on db and calls fn for each row. It is the one place that
// iterates rows: it closes them and checks rows.Err, so no query can forget.
func (s *Store) each(ctx context.Context, db querier, q string, args []any, fn func(scanner) error) error {
	rows, err := db.QueryContext(ctx, s.rebind(q), s.args(args)...)
	if err != nil {
		return normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		// fn's error is the caller's (or a Scan error of database/sql):
		// it passes through unchanged.
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return normalize(err)
	}
	return normalize(rows.Close())
}

// all collects the rows of a read query; an empty result is an empty,
// non-nil slice.
func all[T any](ctx context.Context, s *Store, q string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	return collect(ctx, s, s.reader(), q, args, scan)
}

func collect[T any](ctx context.Context, s *Store, db querier, q string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	err := s.each(ctx, db, q, args, func(r scanner) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// one reads the single row of a query; ErrNotFound if there is none.
func one[T any](ctx context.Context, s *Store, q string, args []any, scan func(scanner) (T, error)) (T, error) {
	v, err := scan(s.reader().QueryRowContext(ctx, s.rebind(q), s.args(args)...))
	if err != nil {
		var zero T
		return zero, normalize(err)
	}
	return v, nil
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Paging bounds of the List methods.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// page bounds a List method's limit and offset: 0 means DefaultLimit, and
// at most MaxLimit rows come back.
func page(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), max(offset, 0)
}

// nullString stores "" as NULL, for optional columns under a unique index.
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// jsonText encodes v for a JSON text column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// rawText stores a raw JSON value as text, NULL when empty.
func rawText(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// Scan destinations for the column types that the drivers return
// differently: SQLite gives text for times and JSON, PostgreSQL gives
// time.Time for timestamptz.

type timeCol struct{ p *time.Time }

// tm scans a NOT NULL time column.
func tm(p *time.Time) sql.Scanner { return timeCol{p} }

func (c timeCol) Scan(src any) error {
	t, ok, err := parseTime(src)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("scan time: NULL")
	}
	*c.p = t
	return nil
}

type nullTimeCol struct{ p **time.Time }

// tmp scans a nullable time column.
func tmp(p **time.Time) sql.Scanner { return nullTimeCol{p} }

func (c nullTimeCol) Scan(src any) error {
	t, ok, err := parseTime(src)
	if err != nil {
		return err
	}
	if !ok {
		*c.p = nil
		return nil
	}
	*c.p = &t
	return nil
}

func parseTime(src any) (time.Time, bool, error) {
	var s string
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return time.Time{}, false, fmt.Errorf("scan time: unexpected %T", src)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("scan time: %w", err)
	}
	return t.UTC(), true, nil
}

type stringCol struct{ p *string }

// str scans a nullable text column into a string, NULL as "".
func str(p *string) sql.Scanner { return stringCol{p} }

func (c stringCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = ""
	case string:
		*c.p = v
	case []byte:
		*c.p = string(v)
	default:
		return fmt.Errorf("scan text: unexpected %T", src)
	}
	return nil
}

type jsonCol struct{ p any }

// jsonv scans a JSON text column into the value p points to; NULL leaves it
// untouched.
func jsonv(p any) sql.Scanner { return jsonCol{p} }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan json: unexpected %T", src)
	}
	if err := json.Unmarshal(b, c.p); err != nil {
		return fmt.Errorf("scan json: %w", err)
	}
	return nil
}

type rawCol struct{ p *json.RawMessage }

// raw scans a JSON text column's exact bytes; NULL is nil.
func raw(p *json.RawMessage) sql.Scanner { return rawCol{p} }

func (c rawCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = nil
	case string:
		*c.p = json.RawMessage(v)
	case []byte:
		*c.p = append(json.RawMessage(nil), v...)
	default:
		return fmt.Errorf("scan json: unexpected %T", src)
	}
	return nil
}

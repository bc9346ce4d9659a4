package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"sync"
)

// Migrations are embedded SQL files per dialect, named NNNN_name.sql,
// numbered from 0001 without gaps, forward-only (a file, once released, is
// never edited: a change is a new file), and each dialect has the same
// numbers. Each runs in its own transaction together with the row that
// records it in schema_migrations.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

var (
	// ErrSchemaOld: the database lacks migrations this vigil needs; run
	// Migrate (vigil migrate, or serve told to migrate).
	ErrSchemaOld = errors.New("database schema is older than this vigil")
	// ErrSchemaNew: the database was migrated by a newer vigil.
	ErrSchemaNew = errors.New("database schema is newer than this vigil")
)

// migrateLockKey is the PostgreSQL advisory lock that serialises Migrate
// across processes sharing a database ("vigil" in ASCII, then 1).
const migrateLockKey int64 = 0x76696769_6c_0001

type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]{4})_([a-z0-9_]+)\.sql$`) })

// migrations returns the dialect's migrations in order, checking that they
// are numbered 1, 2, 3, ... without gaps.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations of %s: %w", dialect, err)
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName().FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s/%s: name is not NNNN_name.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if v != len(ms)+1 {
			return nil, fmt.Errorf("migration %s/%s: expected number %04d", dir, e.Name(), len(ms)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(b)})
	}
	return ms, nil
}

// Migrate applies the migrations the database lacks and returns how many
// it applied. Two processes may run it at once: on PostgreSQL each
// migration's transaction takes an advisory lock, on SQLite the write lock
// (BEGIN IMMEDIATE), and then checks again whether it is still to be done.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	if s.tx != nil {
		return 0, errors.New("migrate: inside a transaction")
	}
	ms, err := migrations(s.dialect)
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		did, err := s.migrate(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

func (s *Store) migrate(ctx context.Context, m migration) (bool, error) {
	var did bool
	err := s.InTx(ctx, func(tx *Store) error {
		did = false
		ddl := `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`
		if s.dialect == dialectPostgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, migrateLockKey); err != nil {
				return err
			}
			ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`
		}
		if _, err := tx.exec(ctx, ddl); err != nil {
			return err
		}
		n, err := one(ctx, tx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, []any{m.version}, scanInt)
		if err != nil || n > 0 {
			return err
		}
		// Run as one string without arguments: both drivers then execute
		// every statement in it (PostgreSQL through the simple protocol).
		if _, err := tx.writer().ExecContext(ctx, m.sql); err != nil {
			return normalize(err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, m.version, m.name); err != nil {
			return err
		}
		did = true
		return nil
	})
	return did, err
}

// SchemaVersion returns the number of the last migration applied to the
// database (0 for an empty database) and of the last one this vigil has.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	// The embedded files are numbered 1..n without gaps (Migrate and the
	// package tests check it): the last one's number is their count.
	entries, err := fs.ReadDir(migrationFiles, path.Join("migrations", s.dialect))
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	latest = len(entries)
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.dialect == dialectPostgres {
		q = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	n, err := one(ctx, s, q, nil, scanInt)
	if err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	if n == 0 {
		return 0, latest, nil
	}
	current, err = one(ctx, s, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`, nil, scanInt)
	if err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	return current, latest, nil
}

// Check returns an error wrapping ErrSchemaOld when the database lacks
// migrations, ErrSchemaNew when it has migrations this vigil does not know.
func (s *Store) Check(ctx context.Context) error {
	current, latest, err := s.SchemaVersion(ctx)
	switch {
	case err != nil:
		return err
	case current < latest:
		return fmt.Errorf("%w: schema version %d, this vigil needs %d; run vigil migrate", ErrSchemaOld, current, latest)
	case current > latest:
		return fmt.Errorf("%w: schema version %d, this vigil knows up to %d", ErrSchemaNew, current, latest)
	}
	return nil
}

func scanInt(r scanner) (int, error) {
	var n int
	err := r.Scan(&n)
	return n, err
}

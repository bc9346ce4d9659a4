// Package storetest provides real, migrated databases for the tests of any
// package: a SQLite store in the test's temporary directory and a fresh
// PostgreSQL database per test, dropped when the test ends.
//
// PostgreSQL is found at DefaultPostgres, or at the URL in the environment
// variable VIGIL_TEST_DATABASE (a postgres:// URL of a role that may create
// databases). When it is not reachable, the PostgreSQL half of a test is
// skipped with a message, except when CI=true, where it fails: CI always
// runs both dialects.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/vigil-psirt/vigil/internal/store"
)

// DefaultPostgres is the PostgreSQL server the tests use unless
// VIGIL_TEST_DATABASE names another.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs fn twice, as the subtests "sqlite" and "postgres", each with a
// fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachConfig runs fn twice, as the subtests "sqlite" and "postgres", each
// with the configuration of a fresh, empty (unmigrated) database.
func EachConfig(t *testing.T, fn func(t *testing.T, cfg store.Config)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteConfig(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresConfig(t)) })
}

// SQLite returns a migrated SQLite store in a temporary directory, closed
// when the test ends.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, SQLiteConfig(tb))
}

// Postgres returns a migrated store on a fresh PostgreSQL database, closed
// and dropped when the test ends; see the package comment for when it
// skips.
func Postgres(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, PostgresConfig(tb))
}

// SQLiteConfig returns the configuration of an empty SQLite database in a
// temporary directory.
func SQLiteConfig(tb testing.TB) store.Config {
	return store.Config{Data: tb.TempDir()}
}

// PostgresConfig creates an empty PostgreSQL database, dropped when the test
// ends, and returns its configuration.
func PostgresConfig(tb testing.TB) store.Config {
	tb.Helper()
	admin, base, err := server()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL is required in CI: %v", err)
		}
		tb.Skipf("PostgreSQL half skipped: %v (start it, or set VIGIL_TEST_DATABASE)", err)
	}
	name := "vigil_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u := *base
	u.Path = "/" + name
	return store.Config{Database: u.String()}
}

func open(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// The administrative connection to the PostgreSQL server, shared by the
// tests of one process and found once.
var (
	serverOnce sync.Once
	serverDB   *sql.DB
	serverURL  *url.URL
	serverErr  error
)

func server() (*sql.DB, *url.URL, error) {
	serverOnce.Do(func() {
		raw := os.Getenv("VIGIL_TEST_DATABASE")
		if raw == "" {
			raw = DefaultPostgres
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			serverErr = fmt.Errorf("VIGIL_TEST_DATABASE must be a postgres:// URL")
			return
		}
		db, err := sql.Open("pgx", raw)
		if err != nil {
			serverErr = fmt.Errorf("PostgreSQL at %s: %v", u.Redacted(), err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			serverErr = fmt.Errorf("PostgreSQL at %s not reachable: %v", u.Redacted(), err)
			return
		}
		db.SetMaxOpenConns(4)
		serverDB, serverURL = db, u
	})
	return serverDB, serverURL, serverErr
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

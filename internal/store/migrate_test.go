package store_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// TestMigrationNumbers: both dialects have the same migrations, by number
// and name.
func TestMigrationNumbers(t *testing.T) {
	names := func(dialect string) []string {
		es, err := os.ReadDir(filepath.Join("migrations", dialect))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("sqlite"), names("postgres")
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	diff(t, "migrations (sqlite vs postgres)", lite, pg)
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		s, err := store.Open(ctx, cfg)
		must(t, err)
		defer s.Close()

		cur, latest, err := s.SchemaVersion(ctx)
		must(t, err)
		if cur != 0 || latest < 1 {
			t.Errorf("SchemaVersion of an empty database = %d, %d", cur, latest)
		}
		wantErr(t, s.Check(ctx), store.ErrSchemaOld)

		n, err := s.Migrate(ctx)
		must(t, err)
		if n != latest {
			t.Errorf("Migrate applied %d, want %d", n, latest)
		}
		must(t, s.Check(ctx))
		n, err = s.Migrate(ctx)
		must(t, err)
		if n != 0 {
			t.Errorf("second Migrate applied %d, want 0", n)
		}
		cur, _, err = s.SchemaVersion(ctx)
		must(t, err)
		if cur != latest {
			t.Errorf("SchemaVersion after Migrate = %d, want %d", cur, latest)
		}

		// A database migrated by a newer vigil is refused too.
		_, err = s.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')`)
		must(t, err)
		wantErr(t, s.Check(ctx), store.ErrSchemaNew)
	})
}

// TestMigrateConcurrent runs Migrate from several processes' worth of
// stores on one empty database at once: every migration is applied once.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	storetest.EachConfig(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		const n = 4
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int
		)
		for range n {
			s, err := store.Open(ctx, cfg)
			must(t, err)
			defer s.Close()
			wg.Go(func() {
				k, err := s.Migrate(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += k
				mu.Unlock()
			})
		}
		wg.Wait()
		s, err := store.Open(ctx, cfg)
		must(t, err)
		defer s.Close()
		_, latest, err := s.SchemaVersion(ctx)
		must(t, err)
		if total != latest {
			t.Errorf("migrations applied in all: %d, want %d", total, latest)
		}
		must(t, s.Check(ctx))
	})
}

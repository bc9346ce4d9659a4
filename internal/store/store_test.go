package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
)

// t0 is the tests' "now": UTC with microseconds, the precision kept.
var t0 = time.Date(2026, 3, 2, 9, 30, 15, 123456000, time.UTC)

// opts compare what was stored with what was read: empty and nil slices
// are the same (JSON columns keep the difference, the fixes list does not).
var opts = cmp.Options{cmpopts.EquateEmpty()}

func ptr[T any](v T) *T { return &v }

func diff(t testing.TB, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// Fixtures: each builds a valid value, applies the mutators and stores it.

func createUser(t testing.TB, s *store.Store, mut ...func(*user.User)) user.User {
	t.Helper()
	u := user.User{Name: "alice", Email: "alice@example.com", Role: user.PSIRT, CreatedAt: t0}
	for _, m := range mut {
		m(&u)
	}
	must(t, s.CreateUser(context.Background(), &u))
	return u
}

func createProduct(t testing.TB, s *store.Store, mut ...func(*product.Product)) product.Product {
	t.Helper()
	p := product.Product{Slug: "gateway", Name: "Gateway", Description: "The gateway appliance",
		Upstreams: []string{"Debian 12", "OpenSearch"}, CreatedAt: t0}
	for _, m := range mut {
		m(&p)
	}
	must(t, s.CreateProduct(context.Background(), &p))
	return p
}

func createBranch(t testing.TB, s *store.Store, productID int64, mut ...func(*product.Branch)) product.Branch {
	t.Helper()
	b := product.Branch{ProductID: productID, Name: "41", Status: product.Maintained, Since: ptr(t0.AddDate(-1, 0, 0)), CreatedAt: t0}
	for _, m := range mut {
		m(&b)
	}
	must(t, s.CreateBranch(context.Background(), &b))
	return b
}

func createRelease(t testing.TB, s *store.Store, branchID int64, mut ...func(*product.Release)) product.Release {
	t.Helper()
	r := product.Release{BranchID: branchID, Version: product.MustVersion("41.0.1"), Kind: product.Regular,
		State: product.Planned, PlannedAt: ptr(t0.AddDate(0, 1, 0)), Notes: "monthly", CreatedAt: t0}
	for _, m := range mut {
		m(&r)
	}
	must(t, s.CreateRelease(context.Background(), &r))
	return r
}

func TestOpenNeedsConfig(t *testing.T) {
	if _, err := store.Open(context.Background(), store.Config{}); err == nil {
		t.Fatal("Open with an empty Config succeeded")
	}
}

func TestOpenSQLiteCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b?c#d")
	s, err := store.Open(context.Background(), store.Config{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != "sqlite" {
		t.Errorf("Dialect() = %q", s.Dialect())
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "vigil.db")); err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteSettings(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "10000",
		"synchronous":  "1", // NORMAL
	} {
		var got string
		must(t, s.DB().QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got))
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestDialect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		want := "sqlite"
		if filepath.Base(t.Name()) == "postgres" {
			want = "postgres"
		}
		if s.Dialect() != want {
			t.Errorf("Dialect() = %q, want %q", s.Dialect(), want)
		}
		must(t, s.InTx(context.Background(), func(tx *store.Store) error {
			if tx.Dialect() != want {
				t.Errorf("tx Dialect() = %q, want %q", tx.Dialect(), want)
			}
			if err := tx.Close(); err == nil {
				t.Error("Close inside a transaction succeeded")
			}
			return nil
		}))
	})
}

func TestInTxRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Store) error {
			createUser(t, tx)
			p := createProduct(t, tx)
			createBranch(t, tx, p.ID)
			if _, err := tx.NextSeq(ctx, "report", 2026); err != nil {
				return err
			}
			// Nested: the same transaction, rolled back with it.
			return tx.InTx(ctx, func(tx2 *store.Store) error {
				createUser(t, tx2, func(u *user.User) { u.Name = "bob" })
				return boom
			})
		})
		wantErr(t, err, boom)
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Errorf("CountUsers = %d, %v; want 0 after rollback", n, err)
		}
		if ps, err := s.ListProducts(ctx); err != nil || len(ps) != 0 {
			t.Errorf("ListProducts = %v, %v; want none after rollback", ps, err)
		}
		if n, err := s.NextSeq(ctx, "report", 2026); err != nil || n != 1 {
			t.Errorf("NextSeq = %d, %v; want 1 after rollback", n, err)
		}
	})
}

func TestInTxCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var u user.User
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			u = createUser(t, tx)
			// Reads inside the transaction see its writes.
			got, err := tx.UserByName(ctx, "alice")
			if err != nil {
				return err
			}
			diff(t, "user in tx", u, got)
			return nil
		}))
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		diff(t, "user", u, got)
	})
}

func TestInTxPanicRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic did not propagate")
				}
			}()
			s.InTx(ctx, func(tx *store.Store) error {
				createUser(t, tx)
				panic("boom")
			})
		}()
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Errorf("CountUsers = %d, %v; want 0", n, err)
		}
		// The writer is free again.
		createUser(t, s)
	})
}

func TestTimePrecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 1, 2, 3, 4, 5, 987654321, time.FixedZone("CET", 3600))
		u := createUser(t, s, func(u *user.User) { u.CreatedAt = at })
		got, err := s.UserByID(ctx, u.ID)
		must(t, err)
		want := time.Date(2026, 1, 2, 2, 4, 5, 987654000, time.UTC)
		if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, want)
		}
	})
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestInTxRetriesDeadlock makes two PostgreSQL transactions lock two rows
// in opposite orders: PostgreSQL aborts one with a deadlock, InTx runs it
// again, and both succeed.
func TestInTxRetriesDeadlock(t *testing.T) {
	t.Parallel()
	s := storetest.Postgres(t)
	ctx := context.Background()
	a := createUser(t, s)
	b := createUser(t, s, func(u *user.User) { u.Name = "bob" })
	var (
		attempts atomic.Int32
		wg       sync.WaitGroup
		locked   = [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	)
	run := func(i int, first, second user.User) {
		defer wg.Done()
		try := 0
		err := s.InTx(ctx, func(tx *store.Store) error {
			attempts.Add(1)
			try++
			first.Email = fmt.Sprintf("w%d@example.com", i)
			if err := tx.UpdateUser(ctx, first); err != nil {
				return err
			}
			if try == 1 {
				// Both hold their first row before either takes its second.
				close(locked[i])
				select {
				case <-locked[1-i]:
				case <-time.After(10 * time.Second):
					return errors.New("the other transaction did not start")
				}
			}
			second.Email = first.Email
			return tx.UpdateUser(ctx, second)
		})
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	wg.Add(2)
	go run(0, a, b)
	go run(1, b, a)
	wg.Wait()
	if n := attempts.Load(); n != 3 {
		t.Errorf("%d attempts, want 3 (one deadlock victim run again)", n)
	}
	// The retried transaction committed last: both rows carry its e-mail.
	ga, err := s.UserByID(ctx, a.ID)
	must(t, err)
	gb, err := s.UserByID(ctx, b.ID)
	must(t, err)
	if ga.Email != gb.Email {
		t.Errorf("e-mails %s and %s, want the same", ga.Email, gb.Email)
	}
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("CountUsers on an empty database = %d, %v", n, err)
		}
		alice := createUser(t, s, func(u *user.User) { u.LastSeen = ptr(t0.Add(1)) })
		alice.LastSeen = ptr(t0) // nanoseconds are not kept
		bob := createUser(t, s, func(u *user.User) { u.Name, u.Role, u.Email = "bob", user.Engineer, "" })
		if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
			t.Fatalf("ids %d, %d", alice.ID, bob.ID)
		}

		got, err := s.UserByID(ctx, alice.ID)
		must(t, err)
		diff(t, "UserByID", alice, got)
		got, err = s.UserByName(ctx, "bob")
		must(t, err)
		diff(t, "UserByName", bob, got)

		_, err = s.UserByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.UserByName(ctx, "carol")
		wantErr(t, err, store.ErrNotFound)

		dup := user.User{Name: "alice", Role: user.Admin, CreatedAt: t0}
		wantErr(t, s.CreateUser(ctx, &dup), store.ErrConflict)

		bob.Role, bob.Email, bob.Disabled = user.Admin, "bob@example.com", true
		bob.Name = "ignored" // the name is fixed
		must(t, s.UpdateUser(ctx, bob))
		bob.Name = "bob"
		got, err = s.UserByID(ctx, bob.ID)
		must(t, err)
		diff(t, "updated user", bob, got)
		wantErr(t, s.UpdateUser(ctx, user.User{ID: 999, Role: user.Admin}), store.ErrNotFound)

		us, err := s.ListUsers(ctx)
		must(t, err)
		diff(t, "ListUsers", []user.User{alice, bob}, us)
		if n, err := s.CountUsers(ctx); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := createUser(t, s)
		bob := createUser(t, s, func(u *user.User) { u.Name = "bob" })

		t1 := user.Token{UserID: alice.ID, Label: "laptop", Hash: "h1", CreatedAt: t0, ExpiresAt: ptr(t0.AddDate(1, 0, 0))}
		t2 := user.Token{UserID: alice.ID, Label: "ci", Hash: "h2", CreatedAt: t0.Add(time.Second)}
		t3 := user.Token{UserID: bob.ID, Label: "x", Hash: "h3", CreatedAt: t0}
		for _, tk := range []*user.Token{&t1, &t2, &t3} {
			must(t, s.CreateToken(ctx, tk))
		}
		dup := user.Token{UserID: bob.ID, Hash: "h1", CreatedAt: t0}
		wantErr(t, s.CreateToken(ctx, &dup), store.ErrConflict)
		orphan := user.Token{UserID: 999, Hash: "h9", CreatedAt: t0}
		wantErr(t, s.CreateToken(ctx, &orphan), store.ErrNotFound)

		tk, u, err := s.TokenByHash(ctx, "h2")
		must(t, err)
		diff(t, "token", t2, tk)
		diff(t, "token user", alice, u)
		_, _, err = s.TokenByHash(ctx, "nope")
		wantErr(t, err, store.ErrNotFound)

		ts, err := s.ListTokens(ctx, alice.ID)
		must(t, err)
		diff(t, "ListTokens", []user.Token{t1, t2}, ts)
		ts, err = s.ListTokens(ctx, 999)
		must(t, err)
		diff(t, "ListTokens of nobody", []user.Token{}, ts)

		must(t, s.RevokeToken(ctx, t1.ID, t0.Add(time.Hour)))
		must(t, s.RevokeToken(ctx, t1.ID, t0.Add(2*time.Hour))) // the first time stays
		wantErr(t, s.RevokeToken(ctx, 999, t0), store.ErrNotFound)
		must(t, s.TouchToken(ctx, t2.ID, t0.Add(3*time.Hour)))
		wantErr(t, s.TouchToken(ctx, 999, t0), store.ErrNotFound)

		t1.RevokedAt = ptr(t0.Add(time.Hour))
		t2.LastUsed = ptr(t0.Add(3 * time.Hour))
		ts, err = s.ListTokens(ctx, alice.ID)
		must(t, err)
		diff(t, "tokens after revoke and touch", []user.Token{t1, t2}, ts)
		got, err := s.UserByID(ctx, alice.ID)
		must(t, err)
		alice.LastSeen = ptr(t0.Add(3 * time.Hour))
		diff(t, "user seen", alice, got)
	})
}

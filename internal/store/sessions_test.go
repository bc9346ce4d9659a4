package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := createUser(t, s)
		bob := createUser(t, s, func(u *user.User) { u.Name, u.Email = "bob", "" })

		a := store.Session{IDHash: "h-a", UserID: alice.ID, CSRF: "c-a", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour)}
		must(t, s.CreateSession(ctx, a))
		wantErr(t, s.CreateSession(ctx, a), store.ErrConflict)
		wantErr(t, s.CreateSession(ctx, store.Session{IDHash: "h-x", UserID: 999, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0}), store.ErrNotFound)

		got, u, err := s.SessionByHash(ctx, "h-a")
		must(t, err)
		a.CreatedAt, a.LastSeen, a.ExpiresAt = t0.Truncate(time.Microsecond), t0.Truncate(time.Microsecond), a.ExpiresAt.Truncate(time.Microsecond)
		diff(t, "SessionByHash", a, got)
		diff(t, "session user", alice, u)
		_, _, err = s.SessionByHash(ctx, "nope")
		wantErr(t, err, store.ErrNotFound)

		later := t0.Add(time.Hour)
		must(t, s.TouchSession(ctx, "h-a", later))
		got, u, err = s.SessionByHash(ctx, "h-a")
		must(t, err)
		if !got.LastSeen.Equal(later.Truncate(time.Microsecond)) || u.LastSeen == nil || !u.LastSeen.Equal(later.Truncate(time.Microsecond)) {
			t.Errorf("after touch: session last seen %v, user last seen %v, want %v", got.LastSeen, u.LastSeen, later)
		}
		wantErr(t, s.TouchSession(ctx, "nope", later), store.ErrNotFound)

		// Expiry: absolute end reached, or idle too long.
		must(t, s.CreateSession(ctx, store.Session{IDHash: "h-old", UserID: bob.ID, CSRF: "c", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour)}))
		must(t, s.CreateSession(ctx, store.Session{IDHash: "h-idle", UserID: bob.ID, CSRF: "c", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(48 * time.Hour)}))
		n, err := s.DeleteExpiredSessions(ctx, t0.Add(time.Hour), t0.Add(30*time.Minute))
		must(t, err)
		if n != 2 {
			t.Errorf("DeleteExpiredSessions removed %d, want 2 (h-old expired, h-idle idle)", n)
		}
		if _, _, err := s.SessionByHash(ctx, "h-a"); err != nil {
			t.Errorf("a live session was removed: %v", err)
		}

		// Logout and a second logout.
		must(t, s.DeleteSession(ctx, "h-a"))
		must(t, s.DeleteSession(ctx, "h-a"))
		_, _, err = s.SessionByHash(ctx, "h-a")
		wantErr(t, err, store.ErrNotFound)

		// Passwords: none at first; setting one ends the user's sessions.
		_, h, err := s.PasswordByName(ctx, "bob")
		must(t, err)
		if h != "" {
			t.Errorf("new user has password hash %q", h)
		}
		must(t, s.CreateSession(ctx, store.Session{IDHash: "h-b", UserID: bob.ID, CSRF: "c", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour)}))
		must(t, s.SetPassword(ctx, bob.ID, "$argon2id$x"))
		u, h, err = s.PasswordByName(ctx, "bob")
		must(t, err)
		if h != "$argon2id$x" || u.ID != bob.ID {
			t.Errorf("PasswordByName = %d, %q", u.ID, h)
		}
		if _, _, err := s.SessionByHash(ctx, "h-b"); err == nil {
			t.Error("a new password left the user's session alive")
		}
		wantErr(t, s.SetPassword(ctx, 999, "x"), store.ErrNotFound)
		_, _, err = s.PasswordByName(ctx, "carol")
		wantErr(t, err, store.ErrNotFound)

		must(t, s.CreateSession(ctx, store.Session{IDHash: "h-b2", UserID: bob.ID, CSRF: "c", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour)}))
		if n, err := s.DeleteUserSessions(ctx, bob.ID); err != nil || n != 1 {
			t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
		}
	})
}

func TestListCasePage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mk := func(seq int, st vcase.State, sev string, tf ...string) {
			c := newCase(seq, func(c *vcase.Case) {
				c.State, c.Severity, c.TaskForce = st, sev, tf
				c.ReceivedAt = t0.Add(time.Duration(seq) * time.Minute)
			})
			must(t, s.CreateCase(ctx, &c))
		}
		mk(1, vcase.Received, "")
		mk(2, vcase.Triage, "high", "alice")
		mk(3, vcase.Confirmed, "critical", "al_ce", "bob")
		mk(4, vcase.Triage, "medium", "bob")
		mk(5, vcase.Triage, "high")

		keys := func(cs []vcase.Case) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.Key)
			}
			return out
		}
		for _, tc := range []struct {
			name  string
			f     store.CasePage
			want  []string
			total int
		}{
			{"all", store.CasePage{}, []string{vcase.Key(2026, 5), vcase.Key(2026, 4), vcase.Key(2026, 3), vcase.Key(2026, 2), vcase.Key(2026, 1)}, 5},
			{"state", store.CasePage{States: []vcase.State{vcase.Triage}}, []string{vcase.Key(2026, 5), vcase.Key(2026, 4), vcase.Key(2026, 2)}, 3},
			{"severity", store.CasePage{Severities: []string{"high", "critical"}}, []string{vcase.Key(2026, 5), vcase.Key(2026, 3), vcase.Key(2026, 2)}, 3},
			{"unrated", store.CasePage{Severities: []string{""}}, []string{vcase.Key(2026, 1)}, 1},
			{"both", store.CasePage{States: []vcase.State{vcase.Triage}, Severities: []string{"high"}}, []string{vcase.Key(2026, 5), vcase.Key(2026, 2)}, 2},
			{"page", store.CasePage{Limit: 2, Offset: 2}, []string{vcase.Key(2026, 3), vcase.Key(2026, 2)}, 5},
			{"member", store.CasePage{Member: "bob"}, []string{vcase.Key(2026, 4), vcase.Key(2026, 3)}, 2},
			// "_" is a LIKE wildcard: "al_ce" must not match "alice".
			{"member wildcard", store.CasePage{Member: "al_ce"}, []string{vcase.Key(2026, 3)}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cs, total, err := s.ListCasePage(ctx, tc.f)
				must(t, err)
				diff(t, "keys", tc.want, keys(cs))
				if total != tc.total {
					t.Errorf("total = %d, want %d", total, tc.total)
				}
			})
		}
	})
}

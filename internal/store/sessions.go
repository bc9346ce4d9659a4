package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/user"
)

// Session is a browser's signed-in session of the web UI. Only the hash of
// its random ID is stored (package secret), so a copy of the database does
// not sign anyone in; the CSRF token is the synchronizer token the session's
// forms carry.
type Session struct {
	IDHash    string
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // the absolute end; the idle end is LastSeen plus the idle timeout
}

const sessionCols = `s.id_hash, s.user_id, s.csrf, s.created_at, s.last_seen, s.expires_at`

// CreateSession stores a new session; ErrNotFound if the user does not
// exist, ErrConflict if the hash is taken.
func (s *Store) CreateSession(ctx context.Context, ss Session) error {
	_, err := s.exec(ctx, `INSERT INTO web_sessions (id_hash, user_id, csrf, created_at, last_seen, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ss.IDHash, ss.UserID, ss.CSRF, ss.CreatedAt, ss.LastSeen, ss.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create session of user %d: %w", ss.UserID, err)
	}
	return nil
}

// SessionByHash returns the session with an ID hash and its user, whether
// or not it expired or the user is disabled: deciding that is the caller's.
func (s *Store) SessionByHash(ctx context.Context, hash string) (Session, user.User, error) {
	type pair struct {
		s Session
		u user.User
	}
	p, err := one(ctx, s, `SELECT `+sessionCols+`, `+userCols+`
		FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, []any{hash},
		func(r scanner) (pair, error) {
			var p pair
			err := r.Scan(&p.s.IDHash, &p.s.UserID, &p.s.CSRF, tm(&p.s.CreatedAt), tm(&p.s.LastSeen), tm(&p.s.ExpiresAt),
				&p.u.ID, &p.u.Name, &p.u.Email, &p.u.Role, &p.u.Disabled, tm(&p.u.CreatedAt), tmp(&p.u.LastSeen))
			return p, err
		})
	if err != nil {
		return Session{}, user.User{}, fmt.Errorf("session: %w", err)
	}
	return p.s, p.u, nil
}

// TouchSession records that a session was used at at, and that its user
// was seen then. ErrNotFound if there is no such session.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?`, at, hash); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE users SET last_seen = ? WHERE id = (SELECT user_id FROM web_sessions WHERE id_hash = ?)`, at, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; ending one that does not exist is not an
// error (a second logout, or one after expiry).
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.exec(ctx, `DELETE FROM web_sessions WHERE id_hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (a new password, a
// disabled account) and returns how many it ended.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return n, normalize(err)
}

// DeleteExpiredSessions removes the sessions whose absolute end is at or
// before now, or that were idle since before idleSince, and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen < ?`, now, idleSince)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return n, normalize(err)
}

// SetPassword stores a user's password hash ("" removes the password) and
// ends the user's sessions, in one transaction. ErrNotFound if there is no
// such user.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return nil
}

// PasswordByName returns the user with a login name and the user's password
// hash ("" when the user has none).
func (s *Store) PasswordByName(ctx context.Context, name string) (user.User, string, error) {
	type pair struct {
		u    user.User
		hash string
	}
	p, err := one(ctx, s, `SELECT `+userCols+`, u.password_hash FROM users u WHERE u.name = ?`, []any{name},
		func(r scanner) (pair, error) {
			var p pair
			err := r.Scan(&p.u.ID, &p.u.Name, &p.u.Email, &p.u.Role, &p.u.Disabled, tm(&p.u.CreatedAt), tmp(&p.u.LastSeen), &p.hash)
			return p, err
		})
	if err != nil {
		return user.User{}, "", fmt.Errorf("user %s: %w", name, err)
	}
	return p.u, p.hash, nil
}

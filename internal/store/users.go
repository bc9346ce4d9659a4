package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/user"
)

const userCols = `u.id, u.name, u.email, u.role, u.disabled, u.created_at, u.last_seen`

func scanUser(r scanner) (user.User, error) {
	var u user.User
	err := r.Scan(&u.ID, &u.Name, &u.Email, &u.Role, &u.Disabled, tm(&u.CreatedAt), tmp(&u.LastSeen))
	return u, err
}

// CreateUser stores a new user and sets u.ID; ErrConflict if the name is taken.
func (s *Store) CreateUser(ctx context.Context, u *user.User) error {
	id, err := s.insert(ctx, `INSERT INTO users (name, email, role, disabled, created_at, last_seen)
		VALUES (?, ?, ?, ?, ?, ?)`,
		u.Name, u.Email, string(u.Role), u.Disabled, u.CreatedAt, u.LastSeen)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	u.ID = id
	return nil
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (user.User, error) {
	u, err := one(ctx, s, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, []any{id}, scanUser)
	if err != nil {
		return user.User{}, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns the user with a login name.
func (s *Store) UserByName(ctx context.Context, name string) (user.User, error) {
	u, err := one(ctx, s, `SELECT `+userCols+` FROM users u WHERE u.name = ?`, []any{name}, scanUser)
	if err != nil {
		return user.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// ListUsers returns every user, by name.
func (s *Store) ListUsers(ctx context.Context) ([]user.User, error) {
	us, err := all(ctx, s, `SELECT `+userCols+` FROM users u ORDER BY u.name`, nil, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// CountUsers returns how many users exist (0: first-run setup).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	n, err := one(ctx, s, `SELECT COUNT(*) FROM users`, nil, scanInt)
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// UpdateUser writes a user's role, e-mail and disabled flag; the name is
// fixed at creation.
func (s *Store) UpdateUser(ctx context.Context, u user.User) error {
	err := s.execOne(ctx, `UPDATE users SET role = ?, email = ?, disabled = ? WHERE id = ?`,
		string(u.Role), u.Email, u.Disabled, u.ID)
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return nil
}

const tokenCols = `t.id, t.user_id, t.label, t.hash, t.created_at, t.expires_at, t.revoked_at, t.last_used`

func scanToken(r scanner) (user.Token, error) {
	var t user.Token
	err := r.Scan(&t.ID, &t.UserID, &t.Label, &t.Hash, tm(&t.CreatedAt), tmp(&t.ExpiresAt), tmp(&t.RevokedAt), tmp(&t.LastUsed))
	return t, err
}

// CreateToken stores a token's record and sets t.ID; ErrNotFound if the
// user does not exist, ErrConflict if the hash is taken.
func (s *Store) CreateToken(ctx context.Context, t *user.Token) error {
	id, err := s.insert(ctx, `INSERT INTO tokens (user_id, label, hash, created_at, expires_at, revoked_at, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.UserID, t.Label, t.Hash, t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsed)
	if err != nil {
		return fmt.Errorf("create token for user %d: %w", t.UserID, err)
	}
	t.ID = id
	return nil
}

// TokenByHash returns the token with a hash and its user, whether or not
// the token is revoked or expired or the user disabled: deciding that is
// the caller's.
func (s *Store) TokenByHash(ctx context.Context, hash string) (user.Token, user.User, error) {
	type pair struct {
		t user.Token
		u user.User
	}
	p, err := one(ctx, s, `SELECT `+tokenCols+`, `+userCols+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, []any{hash},
		func(r scanner) (pair, error) {
			var p pair
			err := r.Scan(&p.t.ID, &p.t.UserID, &p.t.Label, &p.t.Hash, tm(&p.t.CreatedAt), tmp(&p.t.ExpiresAt), tmp(&p.t.RevokedAt), tmp(&p.t.LastUsed),
				&p.u.ID, &p.u.Name, &p.u.Email, &p.u.Role, &p.u.Disabled, tm(&p.u.CreatedAt), tmp(&p.u.LastSeen))
			return p, err
		})
	if err != nil {
		return user.Token{}, user.User{}, fmt.Errorf("token: %w", err)
	}
	return p.t, p.u, nil
}

// ListTokens returns a user's tokens, oldest first, revoked ones included.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]user.Token, error) {
	ts, err := all(ctx, s, `SELECT `+tokenCols+` FROM tokens t WHERE t.user_id = ? ORDER BY t.created_at, t.id`,
		[]any{userID}, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens of user %d: %w", userID, err)
	}
	return ts, nil
}

// RevokeToken marks a token revoked at at; revoking it again keeps the
// first time. ErrNotFound if there is no such token.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	if err := s.execOne(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, at, id); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// TouchToken records that a token was used at at, and that its user was
// seen then. ErrNotFound if there is no such token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, at, id); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE users SET last_seen = ? WHERE id = (SELECT user_id FROM tokens WHERE id = ?)`, at, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

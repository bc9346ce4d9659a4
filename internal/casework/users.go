package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, a Actor, u user.User) (user.User, error) {
	if err := u.Validate(); err != nil {
		return u, invalid(err)
	}
	u.CreatedAt = s.now()
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return record(ctx, tx, u.CreatedAt, a, "user.create", "user:"+u.Name, map[string]any{"role": u.Role})
	})
	return u, err
}

// IssueToken creates an API token for a user and returns its secret, which
// is shown this once.
func (s *Service) IssueToken(ctx context.Context, a Actor, userID int64, label string, expires *time.Time) (user.Token, string, error) {
	label = strings.TrimSpace(label)
	var problems []error
	if label == "" || len(label) > 100 || !utf8.ValidString(label) || strings.ContainsRune(label, 0) {
		problems = append(problems, errors.New("label: required, at most 100 characters of UTF-8 text without NUL"))
	}
	now := s.now()
	if expires != nil && !expires.After(now) {
		problems = append(problems, errors.New("expires_at: must be in the future"))
	}
	if len(problems) > 0 {
		return user.Token{}, "", invalid(errors.Join(problems...))
	}
	plain, hash := secret.New(user.TokenPrefix)
	t := user.Token{UserID: userID, Label: label, Hash: hash, CreatedAt: now, ExpiresAt: expires}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, &t); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "token.issue", "user:"+u.Name, map[string]any{"token": t.ID, "label": label})
	})
	if err != nil {
		return user.Token{}, "", err
	}
	return t, plain, nil
}

// RevokeToken revokes an API token at once.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	now := s.now()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeToken(ctx, id, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "token.revoke", fmt.Sprintf("token:%d", id), nil)
	})
}

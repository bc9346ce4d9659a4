package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
)

const ruleCols = `id, product, from_version, ecosystem, package, versions, vuln, status, justification, reason, note, author,
	created_at, expires_at, revoked_at`

func scanRule(r scanner) (finding.Rule, error) {
	var x finding.Rule
	err := r.Scan(&x.ID, &x.Product, &x.FromVersion, &x.Ecosystem, &x.Package, &x.Versions, &x.Vuln, &x.Status,
		&x.Justification, &x.Reason, &x.Note, &x.Author, tm(&x.CreatedAt), tmp(&x.ExpiresAt), tmp(&x.RevokedAt))
	return x, err
}

// CreateRule stores a new applicability rule and sets r.ID. Rules are never
// deleted, only revoked, so a finding can always name the rule that
// decided it.
func (s *Store) CreateRule(ctx context.Context, r *finding.Rule) error {
	id, err := s.insert(ctx, `INSERT INTO applicability_rules (product, from_version, ecosystem, package, versions, vuln, status,
		justification, reason, note, author, created_at, expires_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Product, r.FromVersion, r.Ecosystem, r.Package, r.Versions, r.Vuln, string(r.Status), string(r.Justification),
		string(r.Reason), r.Note, r.Author, r.CreatedAt, r.ExpiresAt, r.RevokedAt)
	if err != nil {
		return fmt.Errorf("create rule: %w", err)
	}
	r.ID = id
	return nil
}

// RuleByID returns a rule.
func (s *Store) RuleByID(ctx context.Context, id int64) (finding.Rule, error) {
	r, err := one(ctx, s, `SELECT `+ruleCols+` FROM applicability_rules WHERE id = ?`, []any{id}, scanRule)
	if err != nil {
		return finding.Rule{}, fmt.Errorf("rule %d: %w", id, err)
	}
	return r, nil
}

// ListRules returns the rules of a product (its slug) together with the
// rules for every product, or every rule when product is "". Unless
// includeInactive, only the rules active at now: not revoked, and not
// expired (ExpiresAt after now). Newest first.
func (s *Store) ListRules(ctx context.Context, product string, includeInactive bool, now time.Time) ([]finding.Rule, error) {
	var where []string
	var args []any
	if product != "" {
		where, args = append(where, "(product = ? OR product = '')"), append(args, product)
	}
	if !includeInactive {
		where = append(where, "revoked_at IS NULL", "(expires_at IS NULL OR expires_at > ?)")
		args = append(args, now)
	}
	rs, err := all(ctx, s, `SELECT `+ruleCols+` FROM applicability_rules`+whereClause(where)+` ORDER BY created_at DESC, id DESC`,
		args, scanRule)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	return rs, nil
}

// RevokeRule revokes a rule at a time; ErrConflict if it is revoked
// already, ErrNotFound if it does not exist.
func (s *Store) RevokeRule(ctx context.Context, id int64, at time.Time) error {
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.RuleByID(ctx, id)
		if err != nil {
			return err
		}
		if r.RevokedAt != nil {
			return fmt.Errorf("%w: revoked at %s", ErrConflict, r.RevokedAt.Format(time.RFC3339))
		}
		return tx.execOne(ctx, `UPDATE applicability_rules SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at, id)
	})
	if err != nil {
		return fmt.Errorf("revoke rule %d: %w", id, err)
	}
	return nil
}

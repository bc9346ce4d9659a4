package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vigil-psirt/vigil/internal/vcase"
)

// CaseFilter selects cases for ListCases; zero fields select all.
type CaseFilter struct {
	States    []vcase.State // any of these
	ProductID int64
	Limit     int // 0: DefaultLimit; at most MaxLimit
	Offset    int
}

const caseCols = `id, key, title, summary, details, workaround, state, reject_reason, duplicate_of, product_id,
	risk, severity, score, cve_id, cve_state, cve_draft, change_request, task_force, planned_disclosure, credits, refs,
	received_at, triaged_at, confirmed_at, exploitation_known_at, fix_available_at, ready_at, disclosed_at, closed_at, version`

func scanCase(r scanner) (vcase.Case, error) {
	var c vcase.Case
	err := r.Scan(&c.ID, &c.Key, &c.Title, &c.Summary, &c.Details, &c.Workaround, &c.State, &c.RejectReason,
		&c.DuplicateOf, &c.ProductID, jsonv(&c.Risk), &c.Severity, &c.Score, str(&c.CVEID), &c.CVEState, jsonv(&c.CVEDraft),
		jsonv(&c.ChangeRequest), jsonv(&c.TaskForce), tmp(&c.PlannedDisclose), jsonv(&c.Credits), jsonv(&c.References),
		tm(&c.ReceivedAt), tmp(&c.TriagedAt), tmp(&c.ConfirmedAt), tmp(&c.ExploitedKnown), tmp(&c.FixAvailableAt),
		tmp(&c.ReadyAt), tmp(&c.DisclosedAt), tmp(&c.ClosedAt), &c.Version)
	c.Fixes = []vcase.Fix{}
	return c, err
}

// caseArgs returns the values of every column of caseCols but id, key and
// version, in order.
func caseArgs(c *vcase.Case) ([]any, error) {
	var js [6]string
	for i, v := range []any{c.Risk, c.CVEDraft, c.ChangeRequest, c.TaskForce, c.Credits, c.References} {
		s, err := jsonText(v)
		if err != nil {
			return nil, err
		}
		js[i] = s
	}
	return []any{c.Title, c.Summary, c.Details, c.Workaround, string(c.State), string(c.RejectReason), c.DuplicateOf, c.ProductID,
		js[0], c.Severity, c.Score, nullString(c.CVEID), string(c.CVEState), js[1], js[2], js[3], c.PlannedDisclose, js[4], js[5],
		c.ReceivedAt, c.TriagedAt, c.ConfirmedAt, c.ExploitedKnown, c.FixAvailableAt, c.ReadyAt, c.DisclosedAt, c.ClosedAt}, nil
}

// CreateCase stores a new case with its fixes, sets c.ID and c.Version = 1.
// ErrConflict if the key or the CVE ID is taken; ErrNotFound if a product,
// branch, release or duplicate-of case it names does not exist.
func (s *Store) CreateCase(ctx context.Context, c *vcase.Case) error {
	args, err := caseArgs(c)
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.Key, err)
	}
	var id int64
	err = s.InTx(ctx, func(tx *Store) error {
		var err error
		id, err = tx.insert(ctx, `INSERT INTO cases (key, title, summary, details, workaround, state, reject_reason,
			duplicate_of, product_id, risk, severity, score, cve_id, cve_state, cve_draft, change_request, task_force,
			planned_disclosure, credits, refs, received_at, triaged_at, confirmed_at, exploitation_known_at,
			fix_available_at, ready_at, disclosed_at, closed_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			append([]any{c.Key}, args...)...)
		if err != nil {
			return err
		}
		return tx.insertFixes(ctx, id, c.Fixes)
	})
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.Key, err)
	}
	c.ID, c.Version = id, 1
	return nil
}

// UpdateCase writes a case and replaces its fixes, if c.Version is still
// the stored version; then it increments c.Version. ErrConflict if the case
// was changed since it was read (or if the CVE ID is taken), ErrNotFound if
// it does not exist. Inside a transaction that is later rolled back,
// c.Version is one ahead of the database.
func (s *Store) UpdateCase(ctx context.Context, c *vcase.Case) error {
	args, err := caseArgs(c)
	if err != nil {
		return fmt.Errorf("update case %d: %w", c.ID, err)
	}
	err = s.InTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE cases SET title = ?, summary = ?, details = ?, workaround = ?, state = ?,
			reject_reason = ?, duplicate_of = ?, product_id = ?, risk = ?, severity = ?, score = ?, cve_id = ?,
			cve_state = ?, cve_draft = ?, change_request = ?, task_force = ?, planned_disclosure = ?, credits = ?, refs = ?,
			received_at = ?, triaged_at = ?, confirmed_at = ?, exploitation_known_at = ?, fix_available_at = ?,
			ready_at = ?, disclosed_at = ?, closed_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, append(args, c.ID, c.Version)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return normalize(err)
		}
		if n == 0 {
			stored, err := one(ctx, tx, `SELECT version FROM cases WHERE id = ?`, []any{c.ID}, scanInt)
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: version %d was read, version %d is stored", ErrConflict, c.Version, stored)
		}
		if _, err := tx.exec(ctx, `DELETE FROM case_fixes WHERE case_id = ?`, c.ID); err != nil {
			return err
		}
		return tx.insertFixes(ctx, c.ID, c.Fixes)
	})
	if err != nil {
		return fmt.Errorf("update case %d: %w", c.ID, err)
	}
	c.Version++
	return nil
}

func (s *Store) insertFixes(ctx context.Context, caseID int64, fixes []vcase.Fix) error {
	for _, f := range fixes {
		commits, err := jsonText(f.Commits)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, `INSERT INTO case_fixes (case_id, branch_id, status, commits, release_id, affected_from,
			evidence, verified_by, verified_at, fixed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caseID, f.BranchID, string(f.Status), commits, f.ReleaseID, f.AffectedFrom, f.Evidence, f.VerifiedBy,
			f.VerifiedAt, f.FixedAt)
		if err != nil {
			return fmt.Errorf("fix of branch %d: %w", f.BranchID, err)
		}
	}
	return nil
}

// CaseByID returns a case with its fixes, ordered by branch id.
func (s *Store) CaseByID(ctx context.Context, id int64) (vcase.Case, error) {
	c, err := s.caseWhere(ctx, `id = ?`, id)
	if err != nil {
		return vcase.Case{}, fmt.Errorf("case %d: %w", id, err)
	}
	return c, nil
}

// CaseByKey returns the case with a key ("VC-2026-0007") with its fixes.
func (s *Store) CaseByKey(ctx context.Context, key string) (vcase.Case, error) {
	c, err := s.caseWhere(ctx, `key = ?`, key)
	if err != nil {
		return vcase.Case{}, fmt.Errorf("case %s: %w", key, err)
	}
	return c, nil
}

func (s *Store) caseWhere(ctx context.Context, cond string, arg any) (vcase.Case, error) {
	var c vcase.Case
	// One transaction on SQLite's read pool too, so that the case and its
	// fixes come from the same snapshot.
	err := s.readTx(ctx, func(tx *Store) error {
		var err error
		c, err = one(ctx, tx, `SELECT `+caseCols+` FROM cases WHERE `+cond, []any{arg}, scanCase)
		if err != nil {
			return err
		}
		cs := []vcase.Case{c}
		if err := tx.loadFixes(ctx, cs); err != nil {
			return err
		}
		c = cs[0]
		return nil
	})
	return c, err
}

// ListCases returns the cases f selects, newest first, with their fixes.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) ([]vcase.Case, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		where = append(where, "state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.ProductID != 0 {
		where, args = append(where, "product_id = ?"), append(args, f.ProductID)
	}
	limit, offset := page(f.Limit, f.Offset)
	var cs []vcase.Case
	err := s.readTx(ctx, func(tx *Store) error {
		var err error
		cs, err = all(ctx, tx, `SELECT `+caseCols+` FROM cases`+whereClause(where)+
			` ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset), scanCase)
		if err != nil {
			return err
		}
		return tx.loadFixes(ctx, cs)
	})
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return cs, nil
}

// loadFixes fills in the fixes of cs with one query per chunk of cases.
func (s *Store) loadFixes(ctx context.Context, cs []vcase.Case) error {
	if len(cs) == 0 {
		return nil
	}
	at := make(map[int64]int, len(cs))
	ids := make([]int64, len(cs))
	for i, c := range cs {
		at[c.ID], ids[i] = i, c.ID
	}
	type row struct {
		caseID int64
		fix    vcase.Fix
	}
	return byIDs(ctx, s, `SELECT case_id, branch_id, status, commits, release_id, affected_from, evidence, verified_by,
		verified_at, fixed_at FROM case_fixes WHERE case_id IN `, ` ORDER BY case_id, branch_id`, ids, func(r scanner) (row, error) {
		var x row
		f := &x.fix
		err := r.Scan(&x.caseID, &f.BranchID, &f.Status, jsonv(&f.Commits), &f.ReleaseID, &f.AffectedFrom, &f.Evidence,
			&f.VerifiedBy, tmp(&f.VerifiedAt), tmp(&f.FixedAt))
		return x, err
	}, func(x row) {
		c := &cs[at[x.caseID]]
		c.Fixes = append(c.Fixes, x.fix)
	})
}

// readTx runs fn on one consistent snapshot: inside the caller's
// transaction, or in a read-only transaction of its own (on PostgreSQL
// REPEATABLE READ, which for a read-only transaction never fails; on
// SQLite any read transaction is a snapshot).
func (s *Store) readTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == dialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin read: %w", normalize(err))
	}
	defer tx.Rollback()
	if err := fn(&Store{dialect: s.dialect, w: s.w, r: s.r, tx: tx}); err != nil {
		return err
	}
	return normalize(tx.Commit())
}

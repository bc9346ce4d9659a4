package store

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-psirt/vigil/internal/audit"
)

// AuditFilter selects events for ListAudit; empty fields select all.
type AuditFilter struct {
	Object string // "case:VC-2026-0001"
	Actor  string // "user:alice"
	Action string // "case.confirm"
	Limit  int    // 0: DefaultLimit; at most MaxLimit
	Offset int
}

const auditCols = `seq, at, actor, action, object, detail, prev_hash, hash`

func scanAudit(r scanner) (audit.Event, error) {
	var e audit.Event
	err := r.Scan(&e.Seq, tm(&e.At), &e.Actor, &e.Action, &e.Object, raw(&e.Detail), &e.PrevHash, &e.Hash)
	return e, err
}

type auditHead struct {
	seq  int64
	hash string
}

func scanHead(r scanner) (auditHead, error) {
	var h auditHead
	err := r.Scan(&h.seq, &h.hash)
	return h, err
}

// AppendAudit appends e to the audit trail, in the caller's transaction if
// there is one (so the event commits or rolls back with the change it
// records), and fills in e.Seq, e.PrevHash and e.Hash. e.At is first made
// UTC and truncated to microseconds, the precision both databases keep, so
// that the hash recomputes from what is read back. The head of the chain is
// locked (SELECT ... FOR UPDATE on PostgreSQL, the single writer on
// SQLite): two writers never fork the chain, the second waits and follows.
func (s *Store) AppendAudit(ctx context.Context, e *audit.Event) error {
	ev := *e
	ev.At = ev.At.UTC().Truncate(time.Microsecond)
	err := s.InTx(ctx, func(tx *Store) error {
		q := `SELECT seq, hash FROM audit_head WHERE id = 1`
		if tx.dialect == dialectPostgres {
			q += ` FOR UPDATE`
		}
		h, err := one(ctx, tx, q, nil, scanHead)
		if err != nil {
			return fmt.Errorf("read head: %w", err)
		}
		var prev *audit.Event
		if h.seq > 0 {
			prev = &audit.Event{Seq: h.seq, Hash: h.hash}
		}
		audit.Seal(prev, &ev)
		if _, err := tx.exec(ctx, `INSERT INTO audit_events (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			ev.Seq, ev.At, ev.Actor, ev.Action, ev.Object, rawText(ev.Detail), ev.PrevHash, ev.Hash); err != nil {
			return err
		}
		return tx.execOne(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, ev.Seq, ev.Hash)
	})
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", e.Action, e.Object, err)
	}
	*e = ev
	return nil
}

// EachAudit calls fn for every event in seq order, streaming, and stops at
// fn's first error, which it returns.
func (s *Store) EachAudit(ctx context.Context, fn func(audit.Event) error) error {
	return s.eachAudit(ctx, s, `SELECT `+auditCols+` FROM audit_events ORDER BY seq`, nil, fn)
}

func (s *Store) eachAudit(ctx context.Context, tx *Store, q string, args []any, fn func(audit.Event) error) error {
	return s.each(ctx, tx.reader(), q, args, func(r scanner) error {
		e, err := scanAudit(r)
		if err != nil {
			return err
		}
		return fn(e)
	})
}

// ListAudit returns the events f selects, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]audit.Event, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"object", f.Object}, {"actor", f.Actor}, {"action", f.Action}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	limit, offset := page(f.Limit, f.Offset)
	es, err := all(ctx, s, `SELECT `+auditCols+` FROM audit_events`+whereClause(where)+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset), scanAudit)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return es, nil
}

// VerifyAudit checks the whole chain, in one snapshot: every event links to
// the one before it and hashes to its stored hash, and the last event is
// the head that appending recorded (so events removed from the end are
// noticed too). It returns how many events verified; on a break, an error
// wrapping audit.ErrBroken that names the first broken event.
func (s *Store) VerifyAudit(ctx context.Context) (count int64, err error) {
	var v audit.Verifier
	err = s.readTx(ctx, func(tx *Store) error {
		h, err := one(ctx, tx, `SELECT seq, hash FROM audit_head WHERE id = 1`, nil, scanHead)
		if err != nil {
			return fmt.Errorf("read head: %w", err)
		}
		var last audit.Event
		err = s.eachAudit(ctx, tx, `SELECT `+auditCols+` FROM audit_events WHERE seq <= ? ORDER BY seq`, []any{h.seq},
			func(e audit.Event) error {
				if err := v.Next(e); err != nil {
					return err
				}
				last = e
				return nil
			})
		if err != nil {
			return err
		}
		if last.Seq != h.seq || (h.seq > 0 && last.Hash != h.hash) {
			return fmt.Errorf("%w: the chain ends at event %d, but event %d was the last appended", audit.ErrBroken, last.Seq, h.seq)
		}
		return nil
	})
	if err != nil {
		return v.Count, fmt.Errorf("verify audit: %w", err)
	}
	return v.Count, nil
}

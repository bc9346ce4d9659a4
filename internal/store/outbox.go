package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/outbox"
)

// ClaimLease is how long a claimed message is kept from other deliverers:
// ClaimMessages moves its next attempt this far ahead, so that a deliverer
// that dies after claiming leaves the message to be claimed again later
// rather than lost, and one that lives ends the lease with MarkSent or
// MarkRetry.
const ClaimLease = 5 * time.Minute

// OutboxFilter selects messages for ListMessages; zero fields select all.
type OutboxFilter struct {
	State   outbox.State
	Channel outbox.Channel
	Limit   int // 0: DefaultLimit; at most MaxLimit
	Offset  int
}

const messageCols = `id, key, channel, topic, payload, state, attempts, next_attempt, last_error, created_at, sent_at`

func scanMessage(r scanner) (outbox.Message, error) {
	var m outbox.Message
	err := r.Scan(&m.ID, &m.Key, &m.Channel, &m.Topic, raw(&m.Payload), &m.State, &m.Attempts,
		tm(&m.NextAttempt), &m.LastError, tm(&m.CreatedAt), tmp(&m.SentAt))
	return m, err
}

// Enqueue adds a message to the outbox, in the caller's transaction if
// there is one, and sets m.ID. It is idempotent by m.Key: if a message with
// the key exists already it adds nothing and returns false (m.ID stays
// unset). An empty State is Pending.
func (s *Store) Enqueue(ctx context.Context, m *outbox.Message) (bool, error) {
	state := m.State
	if state == "" {
		state = outbox.Pending
	}
	// RETURNING yields no row when the key exists, so collect, not one.
	ids, err := collect(ctx, s, s.writer(), `INSERT INTO outbox (key, channel, topic, payload, state, attempts,
		next_attempt, last_error, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING RETURNING id`,
		[]any{m.Key, string(m.Channel), m.Topic, rawText(m.Payload), string(state), m.Attempts,
			m.NextAttempt, m.LastError, m.CreatedAt, m.SentAt},
		func(r scanner) (int64, error) {
			var id int64
			err := r.Scan(&id)
			return id, err
		})
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", m.Key, err)
	}
	if len(ids) == 0 {
		return false, nil
	}
	m.ID, m.State = ids[0], state
	return true, nil
}

// ListMessages returns the messages f selects, newest first.
func (s *Store) ListMessages(ctx context.Context, f OutboxFilter) ([]outbox.Message, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Channel != "" {
		where, args = append(where, "channel = ?"), append(args, string(f.Channel))
	}
	limit, offset := page(f.Limit, f.Offset)
	ms, err := all(ctx, s, `SELECT `+messageCols+` FROM outbox`+whereClause(where)+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset), scanMessage)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return ms, nil
}

// ClaimMessages claims up to limit pending messages due at now (0:
// DefaultLimit, at most MaxLimit), the longest due first: it counts the
// attempt (Attempts is then the number of the attempt under way) and moves
// their next attempt to now + ClaimLease. On PostgreSQL the rows are picked
// with FOR UPDATE SKIP LOCKED, so concurrent deliverers, in other
// transactions or processes, never claim the same message; on SQLite the
// single writer serialises claims. It works inside InTx or on its own.
//
// With channels given, only messages of those channels are claimed: the
// others wait, untouched, until a deliverer for them runs.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, limit int, channels ...outbox.Channel) ([]outbox.Message, error) {
	limit, _ = page(limit, 0)
	lock := ""
	if s.dialect == dialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	only := ""
	args := []any{now.Add(ClaimLease), string(outbox.Pending), now}
	if len(channels) > 0 {
		only = ` AND channel IN (` + placeholders(len(channels)) + `)`
		for _, c := range channels {
			args = append(args, string(c))
		}
	}
	ms, err := collect(ctx, s, s.writer(), `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?
		WHERE id IN (SELECT id FROM outbox WHERE state = ? AND next_attempt <= ?`+only+`
			ORDER BY next_attempt, id LIMIT ?`+lock+`)
		RETURNING `+messageCols,
		append(args, limit), scanMessage)
	if err != nil {
		return nil, fmt.Errorf("claim outbox messages: %w", err)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(ms, func(a, b outbox.Message) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return ms, nil
}

// MarkSent records that a pending message was delivered at at. ErrNotFound
// if there is no such message, ErrConflict if it is not pending.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	err := s.markPending(ctx, id, `UPDATE outbox SET state = ?, sent_at = ? WHERE id = ? AND state = ?`,
		string(outbox.Sent), at, id, string(outbox.Pending))
	if err != nil {
		return fmt.Errorf("mark message %d sent: %w", id, err)
	}
	return nil
}

// MarkRetry records that delivering a pending message failed with errText:
// it is tried again at next, or, if final, it is failed for good.
// ErrNotFound if there is no such message, ErrConflict if it is not pending.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, errText string, final bool) error {
	state := outbox.Pending
	if final {
		state = outbox.Failed
	}
	err := s.markPending(ctx, id, `UPDATE outbox SET state = ?, next_attempt = ?, last_error = ? WHERE id = ? AND state = ?`,
		string(state), next, errText, id, string(outbox.Pending))
	if err != nil {
		return fmt.Errorf("mark message %d for retry: %w", id, err)
	}
	return nil
}

// markPending runs an update of a pending message; a message only ever
// leaves the pending state.
func (s *Store) markPending(ctx context.Context, id int64, q string, args ...any) error {
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.execOne(ctx, q, args...)
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		st, err := one(ctx, tx, `SELECT state FROM outbox WHERE id = ?`, []any{id}, func(r scanner) (string, error) {
			var st string
			err := r.Scan(&st)
			return st, err
		})
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: message is %s", ErrConflict, st)
	})
}

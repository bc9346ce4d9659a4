// Package deliver runs the outbox: it claims the messages that are due,
// hands each to the handler of its channel and records the outcome: sent;
// retried later with exponential back-off; failed after the last attempt or
// at once when the error is permanent.
//
// Invariants: a message is marked sent only after its handler returned nil;
// a claimed message that is never marked (the process died) is claimed again
// when its lease ends, so nothing is lost; handlers make delivery idempotent
// by the message key where the far side allows it, so a retry after such a
// crash sends nothing twice.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Handler delivers the messages of one channel.
type Handler interface {
	Deliver(ctx context.Context, m outbox.Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m outbox.Message) error

// Deliver calls f.
func (f HandlerFunc) Deliver(ctx context.Context, m outbox.Message) error { return f(ctx, m) }

// permanent marks an error that no retry can mend.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps an error that retrying cannot mend, such as an invalid
// address or a record the far side refuses: the message fails at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Worker delivers outbox messages.
type Worker struct {
	Store    *store.Store
	Handlers map[outbox.Channel]Handler
	Now      func() time.Time
	Log      *slog.Logger
	// MaxAttempts is the number of attempts before a message fails (default 12).
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (default: 30 s
	// doubling up to 6 h).
	Backoff func(attempt int) time.Duration
	// Batch is how many messages one round claims (default 50).
	Batch int
}

// DefaultBackoff waits 30 s after the first failure, doubling up to 6 h.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

func (w *Worker) defaults() {
	if w.MaxAttempts == 0 {
		w.MaxAttempts = 12
	}
	if w.Backoff == nil {
		w.Backoff = DefaultBackoff
	}
	if w.Batch == 0 {
		w.Batch = 50
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Result counts what a round did.
type Result struct {
	Sent, Retried, Failed int
}

// RunOnce claims the due messages and delivers them, one after the other.
func (w *Worker) RunOnce(ctx context.Context) (Result, error) {
	w.defaults()
	var res Result
	// Only channels with a handler: the others' messages wait, untouched,
	// until their channel is configured.
	channels := make([]outbox.Channel, 0, len(w.Handlers))
	for ch := range w.Handlers {
		channels = append(channels, ch)
	}
	if len(channels) == 0 {
		return res, nil
	}
	ms, err := w.Store.ClaimMessages(ctx, w.Now().UTC(), w.Batch, channels...)
	if err != nil {
		return res, err
	}
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return res, err // the rest keeps its lease and is claimed again later
		}
		derr := deliverOne(ctx, w.Handlers[m.Channel], m)
		now := w.Now().UTC()
		switch {
		case derr == nil:
			if err := w.Store.MarkSent(ctx, m.ID, now); err != nil {
				return res, err
			}
			res.Sent++
			w.Log.Info("outbox message sent", "key", m.Key, "channel", m.Channel, "attempt", m.Attempts)
		case IsPermanent(derr) || m.Attempts >= w.MaxAttempts:
			if err := w.Store.MarkRetry(ctx, m.ID, now, derr.Error(), true); err != nil {
				return res, err
			}
			res.Failed++
			w.Log.Error("outbox message failed", "key", m.Key, "channel", m.Channel, "attempt", m.Attempts, "err", derr)
		default:
			if err := w.Store.MarkRetry(ctx, m.ID, now.Add(w.Backoff(m.Attempts)), derr.Error(), false); err != nil {
				return res, err
			}
			res.Retried++
			w.Log.Warn("outbox message retried", "key", m.Key, "channel", m.Channel, "attempt", m.Attempts, "err", derr)
		}
	}
	return res, nil
}

// deliverOne turns a handler's panic into an error, so one bad message
// cannot stop the others.
func deliverOne(ctx context.Context, h Handler, m outbox.Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = Permanent(fmt.Errorf("handler panicked: %v", v))
		}
	}()
	return h.Deliver(ctx, m)
}

// Run delivers until ctx ends, a round every interval (and at once after a
// round that found work, so a backlog drains quickly).
func (w *Worker) Run(ctx context.Context, interval time.Duration) error {
	w.defaults()
	for {
		res, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Error("outbox round", "err", err)
		}
		wait := interval
		if res.Sent+res.Retried+res.Failed == w.Batch {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

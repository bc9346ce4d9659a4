package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func newMessage(key string, mut ...func(*outbox.Message)) outbox.Message {
	m := outbox.Message{Key: key, Channel: outbox.Email, Topic: "report.ack",
		Payload: json.RawMessage(`{"to":"eve@example.org","b":1,"a":[2, 1]}`), NextAttempt: t0, CreatedAt: t0}
	for _, f := range mut {
		f(&m)
	}
	return m
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m1 := newMessage("ack:VR-2026-00001")
		ok, err := s.Enqueue(ctx, &m1)
		must(t, err)
		if !ok || m1.ID == 0 || m1.State != outbox.Pending {
			t.Fatalf("Enqueue = %v; ID %d, State %q", ok, m1.ID, m1.State)
		}
		again := newMessage("ack:VR-2026-00001", func(m *outbox.Message) { m.Topic = "other" })
		ok, err = s.Enqueue(ctx, &again)
		must(t, err)
		if ok || again.ID != 0 {
			t.Errorf("Enqueue of a known key = %v, ID %d; want false, 0", ok, again.ID)
		}
		m2 := newMessage("disclose:VC-2026-0001:social", func(m *outbox.Message) {
			m.Channel, m.Topic, m.Payload, m.NextAttempt = outbox.Social, "advisory.published", nil, t0.Add(time.Hour)
		})
		m3 := newMessage("disclose:VC-2026-0001:feed", func(m *outbox.Message) { m.Channel = outbox.Feed })
		for _, m := range []*outbox.Message{&m2, &m3} {
			ok, err := s.Enqueue(ctx, m)
			must(t, err)
			if !ok {
				t.Fatalf("Enqueue %s = false", m.Key)
			}
		}
		got, err := s.ListMessages(ctx, store.OutboxFilter{})
		must(t, err)
		diff(t, "ListMessages, newest first", []outbox.Message{m3, m2, m1}, got)

		// At t0, m1 and m3 are due, m2 is not.
		claimed, err := s.ClaimMessages(ctx, t0, 2)
		must(t, err)
		for _, m := range []*outbox.Message{&m1, &m3} {
			m.Attempts, m.NextAttempt = 1, t0.Add(store.ClaimLease)
		}
		diff(t, "claimed", []outbox.Message{m1, m3}, claimed)
		// Claimed messages are leased: not claimed again before the lease ends.
		claimed, err = s.ClaimMessages(ctx, t0.Add(time.Minute), 10)
		must(t, err)
		diff(t, "second claim", []outbox.Message{}, claimed)

		must(t, s.MarkSent(ctx, m1.ID, t0.Add(time.Second)))
		m1.State, m1.SentAt = outbox.Sent, ptr(t0.Add(time.Second))
		must(t, s.MarkRetry(ctx, m3.ID, t0.Add(10*time.Minute), "503 from the feed host", false))
		m3.NextAttempt, m3.LastError = t0.Add(10*time.Minute), "503 from the feed host"
		wantErr(t, s.MarkSent(ctx, m1.ID, t0), store.ErrConflict) // already sent
		wantErr(t, s.MarkRetry(ctx, m1.ID, t0, "x", false), store.ErrConflict)
		wantErr(t, s.MarkSent(ctx, 999, t0), store.ErrNotFound)
		wantErr(t, s.MarkRetry(ctx, 999, t0, "x", true), store.ErrNotFound)

		got, err = s.ListMessages(ctx, store.OutboxFilter{State: outbox.Sent})
		must(t, err)
		diff(t, "sent", []outbox.Message{m1}, got)

		// The retry is due at +10 min, m2 at +1 h.
		claimed, err = s.ClaimMessages(ctx, t0.Add(time.Hour), 10)
		must(t, err)
		m2.Attempts, m2.NextAttempt = 1, t0.Add(time.Hour+store.ClaimLease)
		m3.Attempts, m3.NextAttempt = 2, t0.Add(time.Hour+store.ClaimLease)
		diff(t, "claimed later", []outbox.Message{m2, m3}, claimed)
		must(t, s.MarkRetry(ctx, m3.ID, t0.Add(2*time.Hour), "gave up", true))
		m3.State, m3.NextAttempt, m3.LastError = outbox.Failed, t0.Add(2*time.Hour), "gave up"

		for _, tc := range []struct {
			name string
			f    store.OutboxFilter
			want []outbox.Message
		}{
			{"failed", store.OutboxFilter{State: outbox.Failed}, []outbox.Message{m3}},
			{"channel", store.OutboxFilter{Channel: outbox.Social}, []outbox.Message{m2}},
			{"channel and state", store.OutboxFilter{Channel: outbox.Email, State: outbox.Pending}, []outbox.Message{}},
			{"page", store.OutboxFilter{Limit: 1, Offset: 2}, []outbox.Message{m1}},
		} {
			got, err := s.ListMessages(ctx, tc.f)
			must(t, err)
			diff(t, tc.name, tc.want, got)
		}
		// After its lease, m2 is claimed again; sent m1 and failed m3 never are.
		claimed, err = s.ClaimMessages(ctx, t0.Add(24*time.Hour), 10)
		must(t, err)
		if len(claimed) != 1 || claimed[0].ID != m2.ID || claimed[0].Attempts != 2 {
			t.Errorf("claim after the lease: %v", claimed)
		}
	})
}

func TestEnqueueInTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.InTx(ctx, func(tx *store.Store) error {
			m := newMessage("k")
			if ok, err := tx.Enqueue(ctx, &m); err != nil || !ok {
				t.Errorf("Enqueue in tx = %v, %v", ok, err)
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("InTx did not fail")
		}
		got, err := s.ListMessages(ctx, store.OutboxFilter{})
		must(t, err)
		diff(t, "messages after rollback", []outbox.Message{}, got)
		m := newMessage("k")
		if ok, err := s.Enqueue(ctx, &m); err != nil || !ok {
			t.Errorf("Enqueue after a rolled back Enqueue = %v, %v", ok, err)
		}
	})
}

// TestClaimConcurrent claims from several workers at once, each in its own
// transaction: every message is claimed exactly once.
func TestClaimConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 60
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			for i := range n {
				m := newMessage(fmt.Sprintf("k%d", i))
				if _, err := tx.Enqueue(ctx, &m); err != nil {
					return err
				}
			}
			return nil
		}))
		var (
			mu   sync.Mutex
			seen = map[int64]int{}
			wg   sync.WaitGroup
		)
		for range 6 {
			wg.Go(func() {
				for {
					var ms []outbox.Message
					err := s.InTx(ctx, func(tx *store.Store) error {
						var err error
						ms, err = tx.ClaimMessages(ctx, t0, 4)
						if err != nil {
							return err
						}
						for _, m := range ms {
							if err := tx.MarkSent(ctx, m.ID, t0); err != nil {
								return err
							}
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						seen[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d messages claimed, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("message %d claimed %d times", id, k)
			}
		}
	})
}

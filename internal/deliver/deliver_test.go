package deliver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestWorker(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		now := t0
		for _, m := range []struct {
			key string
			ch  outbox.Channel
		}{{"a", outbox.Email}, {"b", outbox.Social}, {"c", outbox.Webhook}, {"d", outbox.Feed}, {"e", outbox.CVEServices}} {
			msg := outbox.Message{Key: m.key, Channel: m.ch, Topic: "t", Payload: []byte(`{}`), State: outbox.Pending, NextAttempt: t0, CreatedAt: t0}
			if _, err := s.Enqueue(ctx, &msg); err != nil {
				t.Fatal(err)
			}
		}
		socialFails := 2
		var sent []string
		w := &deliver.Worker{Store: s, Now: func() time.Time { return now }, MaxAttempts: 3,
			Handlers: map[outbox.Channel]deliver.Handler{
				outbox.Email: deliver.HandlerFunc(func(ctx context.Context, m outbox.Message) error { sent = append(sent, m.Key); return nil }),
				outbox.Social: deliver.HandlerFunc(func(ctx context.Context, m outbox.Message) error {
					if socialFails > 0 {
						socialFails--
						return errors.New("503 from the server")
					}
					sent = append(sent, m.Key)
					return nil
				}),
				outbox.Webhook:     deliver.HandlerFunc(func(context.Context, outbox.Message) error { return deliver.Permanent(errors.New("410 gone")) }),
				outbox.CVEServices: deliver.HandlerFunc(func(context.Context, outbox.Message) error { panic("boom") }),
			}}
		res, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res != (deliver.Result{Sent: 1, Retried: 1, Failed: 2}) {
			t.Errorf("first round: %+v", res)
		}
		state := func(key string) outbox.Message {
			t.Helper()
			ms, err := s.ListMessages(ctx, store.OutboxFilter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Key == key {
					return m
				}
			}
			t.Fatalf("no message %s", key)
			return outbox.Message{}
		}
		if m := state("c"); m.State != outbox.Failed || m.LastError != "410 gone" {
			t.Errorf("permanent failure: %+v", m)
		}
		if m := state("e"); m.State != outbox.Failed {
			t.Errorf("a panicking handler: %+v", m)
		}
		if m := state("d"); m.State != outbox.Pending || m.Attempts != 0 || m.LastError != "" {
			t.Errorf("unconfigured channel: %+v; want it waiting untouched", m)
		}
		// Not due yet: nothing happens.
		if res, _ := w.RunOnce(ctx); res != (deliver.Result{}) {
			t.Errorf("round before the back-off: %+v", res)
		}
		now = now.Add(deliver.DefaultBackoff(1))
		if res, _ := w.RunOnce(ctx); res.Retried != 1 {
			t.Errorf("second attempt: %+v", res)
		}
		now = now.Add(deliver.DefaultBackoff(2))
		if res, _ := w.RunOnce(ctx); res.Sent != 1 {
			t.Errorf("third attempt: %+v", res)
		}
		if m := state("b"); m.State != outbox.Sent || m.Attempts != 3 {
			t.Errorf("retried message: %+v", m)
		}
		now = now.Add(24 * time.Hour)
		if res, _ := w.RunOnce(ctx); res != (deliver.Result{}) {
			t.Errorf("later round: %+v; nothing is left for the configured channels", res)
		}
		// Once the channel is configured, its waiting message goes out.
		w.Handlers[outbox.Feed] = deliver.HandlerFunc(func(ctx context.Context, m outbox.Message) error { sent = append(sent, m.Key); return nil })
		if res, _ := w.RunOnce(ctx); res.Sent != 1 || state("d").State != outbox.Sent {
			t.Errorf("after configuring the feed channel: %+v", res)
		}
		if len(sent) != 3 || sent[0] != "a" || sent[1] != "b" || sent[2] != "d" {
			t.Errorf("delivered %v, want a, b, d, each once", sent)
		}
	})
}

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 5: 8 * time.Minute, 12: 6 * time.Hour, 40: 6 * time.Hour} {
		if got := deliver.DefaultBackoff(attempt); got != want {
			t.Errorf("attempt %d: %v, want %v", attempt, got, want)
		}
	}
}

package cli

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// TestRunReminders: the loop queues a breached clock's reminder once and
// stops with its context.
func TestRunReminders(t *testing.T) {
	s := storetest.SQLite(t)
	at := time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)
	now := at
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: func() time.Time { return now }}
	if _, _, err := svc.Submit(context.Background(), casework.Public, report.Report{Channel: report.Web, Title: "t", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	now = at.Add(25 * time.Hour) // the 24 h triage clock is breached
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runReminders(ctx, svc, slog.New(slog.DiscardHandler), 5*time.Millisecond) }()
	count := func() int {
		ms, err := s.ListMessages(context.Background(), store.OutboxFilter{Channel: outbox.Email})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range ms {
			if m.Topic == casework.ReminderTemplate {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); count() == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	time.Sleep(30 * time.Millisecond) // more rounds
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runReminders: %v", err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d reminders, want the breach's one", n)
	}
}

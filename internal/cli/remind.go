package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
)

// runReminders queues the clocks' reminders (casework.Remind) every
// interval until ctx ends; the outbox then mails them.
func runReminders(ctx context.Context, svc *casework.Service, log *slog.Logger, interval time.Duration) error {
	for {
		n, err := svc.Remind(ctx, svc.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("reminders", "err", err)
		case n > 0:
			log.Info("reminders queued", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

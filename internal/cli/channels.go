package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// builder adds the handlers of the channels it serves when their
// configuration section is set; each lives in the file of its channel.
type builder func(c Config, svc *casework.Service, log *slog.Logger, h map[outbox.Channel]deliver.Handler) error

// builders lists every channel's builder.
func builders() []builder {
	return []builder{socialChannel, webhookChannel, mailHandlers, cveServicesChannel}
}

// handlers builds the outbox handlers of every configured channel,
// reporting every configuration problem at once.
func handlers(c Config, svc *casework.Service, log *slog.Logger) (map[outbox.Channel]deliver.Handler, error) {
	h := map[outbox.Channel]deliver.Handler{}
	var errs []error
	if c.OutboxInterval != 0 && c.OutboxInterval < minOutboxInterval {
		errs = append(errs, fmt.Errorf("outbox_interval: %v is below %v (leave it unset for %v)", c.OutboxInterval, minOutboxInterval, defaultOutboxInterval))
	}
	errs = append(errs, c.Feeds.validate()...)
	for _, build := range builders() {
		if err := build(c, svc, log, h); err != nil {
			errs = append(errs, err)
		}
	}
	return h, errors.Join(errs...)
}

// The outbox worker's rest between rounds (config outbox_interval).
const (
	defaultOutboxInterval = 5 * time.Second
	minOutboxInterval     = 100 * time.Millisecond
)

// runOutbox delivers the outbox through the handlers until ctx ends,
// resting interval (0: the default) between rounds.
func runOutbox(ctx context.Context, h map[outbox.Channel]deliver.Handler, svc *casework.Service, log *slog.Logger, interval time.Duration) error {
	if interval == 0 {
		interval = defaultOutboxInterval
	}
	var names []string
	for ch := range h {
		names = append(names, string(ch))
	}
	log.Info("outbox delivery", "channels", names, "interval", interval)
	w := &deliver.Worker{Store: svc.Store, Handlers: h, Now: svc.Now, Log: log}
	return w.Run(ctx, interval)
}

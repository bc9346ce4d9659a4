package cli

import (
	"context"
	"errors"
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
	for _, build := range builders() {
		if err := build(c, svc, log, h); err != nil {
			errs = append(errs, err)
		}
	}
	return h, errors.Join(errs...)
}

// runOutbox delivers the outbox through the handlers until ctx ends.
func runOutbox(ctx context.Context, h map[outbox.Channel]deliver.Handler, svc *casework.Service, log *slog.Logger) error {
	var names []string
	for ch := range h {
		names = append(names, string(ch))
	}
	log.Info("outbox delivery", "channels", names)
	w := &deliver.Worker{Store: svc.Store, Handlers: h, Now: svc.Now, Log: log}
	return w.Run(ctx, 5*time.Second)
}

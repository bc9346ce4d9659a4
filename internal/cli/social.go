package cli

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/social"
	"github.com/vigil-psirt/vigil/internal/webhook"
)

// socialChannel posts at disclosure when channels.mastodon is set.
func socialChannel(c Config, svc *casework.Service, log *slog.Logger, h map[outbox.Channel]deliver.Handler) error {
	m := c.Channels.Mastodon
	if m.URL == "" && m.Token == "" {
		return nil
	}
	var errs []error
	if !strings.HasPrefix(m.URL, "https://") && !strings.HasPrefix(m.URL, "http://") {
		errs = append(errs, errors.New("channels.mastodon.url: must be the instance's http(s) URL"))
	}
	if m.Token == "" {
		errs = append(errs, errors.New("channels.mastodon.token: required (or VIGIL_MASTODON_TOKEN)"))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	h[outbox.Social] = social.Handler{Client: &social.Mastodon{URL: m.URL, Token: m.Token}, Svc: svc}
	return nil
}

// webhookChannel sends to every channels.webhooks entry.
func webhookChannel(c Config, svc *casework.Service, log *slog.Logger, h map[outbox.Channel]deliver.Handler) error {
	if len(c.Channels.Webhooks) == 0 {
		return nil
	}
	hooks := make([]webhook.Hook, 0, len(c.Channels.Webhooks))
	for _, w := range c.Channels.Webhooks {
		f := webhook.Format(w.Format)
		if f == "" {
			f = webhook.Generic
		}
		hooks = append(hooks, webhook.Hook{URL: w.URL, Format: f, Secret: w.Secret})
	}
	if err := webhook.Validate(hooks); err != nil {
		return prefixed("channels.", err)
	}
	h[outbox.Webhook] = webhook.Handler{Hooks: hooks, Svc: svc, Sender: webhook.Sender{Now: svc.Now}}
	return nil
}

// prefixed puts a prefix before each line of a joined error.
func prefixed(prefix string, err error) error {
	var out []error
	for _, l := range strings.Split(err.Error(), "\n") {
		out = append(out, errors.New(prefix+l))
	}
	return errors.Join(out...)
}

package cli

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// TestSocialAndWebhookChannels: the channels are built from their
// configuration sections, and every problem of them is reported at once.
func TestSocialAndWebhookChannels(t *testing.T) {
	svc := &casework.Service{}
	log := slog.New(slog.DiscardHandler)
	build := func(c Config) (map[outbox.Channel]deliver.Handler, error) {
		h := map[outbox.Channel]deliver.Handler{}
		err1 := socialChannel(c, svc, log, h)
		err2 := webhookChannel(c, svc, log, h)
		if err1 != nil || err2 != nil {
			return h, errors.Join(err1, err2)
		}
		return h, nil
	}
	h, err := build(Config{})
	if err != nil || len(h) != 0 {
		t.Errorf("no sections: %v, %d handlers", err, len(h))
	}
	var c Config
	c.Channels.Mastodon = MastodonConfig{URL: "https://social.example", Token: "t"}
	c.Channels.Webhooks = []WebhookConfig{{URL: "https://hooks.example/a", Secret: "s"}, {URL: "https://hooks.slack.example/b", Format: "slack"}}
	h, err = build(c)
	if err != nil || h[outbox.Social] == nil || h[outbox.Webhook] == nil {
		t.Errorf("configured: %v, %v", err, h)
	}
	c.Channels.Mastodon = MastodonConfig{URL: "social.example"}
	c.Channels.Webhooks = []WebhookConfig{{URL: "https://hooks.example/a"}, {URL: "https://x.example", Format: "irc"}}
	_, err = build(c)
	for _, want := range []string{"channels.mastodon.url", "channels.mastodon.token", "channels.webhooks[0].secret", "channels.webhooks[1].format"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

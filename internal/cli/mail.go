package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/mailer"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

// mailHandlers sends the email channel over channels.smtp and fans the
// subscribers channel out to one email row per subscriber, when
// channels.smtp.host is set.
func mailHandlers(c Config, svc *casework.Service, log *slog.Logger, h map[outbox.Channel]deliver.Handler) error {
	sc := c.Channels.SMTP
	if sc.Host == "" {
		return nil
	}
	security := mailer.Security(sc.Security)
	if security == "" {
		security = mailer.StartTLS
	}
	sender := &mailer.Sender{Host: sc.Host, Port: sc.Port, Security: security, Username: sc.Username, Password: sc.Password}
	var errs []error
	if err := sender.Validate(); err != nil {
		errs = append(errs, prefixed("channels.smtp.", err))
	}
	if sc.From == "" {
		errs = append(errs, errors.New("channels.smtp.from: required, e.g. \"Acme PSIRT <security@acme.example>\""))
	}
	from, err := mail.ParseAddress(sc.From)
	if sc.From != "" && err != nil {
		errs = append(errs, fmt.Errorf("channels.smtp.from: %w", err))
	}
	templates, err := mail.Parse()
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	h[outbox.Email] = &mailer.Email{Store: svc.Store, Transport: sender, From: from, Templates: templates,
		Site: mail.Site{Name: c.Name, BaseURL: svc.BaseURL}, Now: svc.Now, Log: log}
	h[outbox.Subscribers] = &mailer.Subscribers{Store: svc.Store, BaseURL: svc.BaseURL, Now: svc.Now, Log: log}
	return nil
}

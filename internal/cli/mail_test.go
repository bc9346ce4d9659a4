package cli

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/outbox"
)

func TestMailHandlersConfig(t *testing.T) {
	svc := &casework.Service{BaseURL: "https://psirt.example"}
	log := slog.New(slog.DiscardHandler)
	h, err := handlers(Config{}, svc, log)
	if err != nil || h[outbox.Email] != nil {
		t.Fatalf("no smtp section: %v %v", h, err)
	}
	var c Config
	c.Channels.SMTP = SMTPConfig{Host: "smtp.acme.example", Username: "vigil", Password: "x", From: "Acme PSIRT <security@acme.example>"}
	if h, err := handlers(c, svc, log); err != nil || h[outbox.Email] == nil || h[outbox.Subscribers] == nil {
		t.Fatalf("smtp configured: %v %v", h, err)
	}
	c.Channels.SMTP = SMTPConfig{Host: "smtp.acme.example", Security: "none", Username: "vigil", From: "a@b.c\r\nBcc: x@y.z"}
	_, err = handlers(c, svc, log)
	for _, want := range []string{"channels.smtp.security: none is allowed for a loopback host only", "channels.smtp.username: authentication needs TLS",
		"channels.smtp.password: required", "channels.smtp.from:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad smtp section: %v; want %q", err, want)
		}
	}
}

func TestUserEntitle(t *testing.T) {
	flag := []string{"--data", t.TempDir()}
	with := func(args ...string) []string { return append(args, flag...) }
	if code, _, errs := vigil(t, nil, with("migrate")...); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := vigil(t, nil, with("demo")...); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := vigil(t, nil, with("user", "entitle", "dave", "scheduler", "central")...)
	if code != 0 || !strings.Contains(out, "dave: advisories of scheduler to dave@vendor.example (confirmed)") || !strings.Contains(out, "central") {
		t.Errorf("entitle: %d %q %q", code, out, errs)
	}
	if code, _, errs := vigil(t, nil, with("user", "entitle", "alice", "scheduler")...); code != 1 || !strings.Contains(errs, "customer") {
		t.Errorf("entitle a non-customer: %d %q", code, errs)
	}
}

package mailer_test

import (
	"context"
	"crypto/tls"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/mail/mailtest"
	"github.com/vigil-psirt/vigil/internal/mailer"
)

var from = netmail.Address{Name: "Acme PSIRT", Address: "security@acme.example"}

func compose(t *testing.T, key, subject string) []byte {
	t.Helper()
	raw, err := mail.Message{Key: key, From: from, To: []netmail.Address{{Address: "reader@example.org"}}, Subject: subject,
		Date: time.Now(), Text: "text", HTML: "<p>html</p>"}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sender(s *mailtest.Server, sec mailer.Security) *mailer.Sender {
	return &mailer.Sender{Host: s.Host, Port: s.SMTPPort, Security: sec, TLS: &tls.Config{RootCAs: s.CertPool()}, Timeout: 10 * time.Second}
}

// received returns the subjects mailpit holds.
func received(s *mailtest.Server) []string {
	var out []string
	for _, m := range s.Messages() {
		out = append(out, m.Subject)
	}
	return out
}

func TestSenderSecurity(t *testing.T) {
	ctx := context.Background()
	creds := &mailtest.Credentials{User: "vigil", Password: "s3cret pass"}
	t.Run("starttls with auth", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{RequireSTARTTLS: true, Auth: creds})
		snd := sender(s, mailer.StartTLS)
		snd.Username, snd.Password = creds.User, creds.Password
		if _, err := snd.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "a", "over starttls")); err != nil {
			t.Fatalf("%v\n%s", err, s.Log())
		}
		snd.Password = "wrong"
		_, err := snd.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "b", "wrong password"))
		if err == nil || deliver.IsPermanent(err) {
			t.Errorf("wrong password: %v; want a retryable error (the configuration's fault, not the message's)", err)
		}
		// Without TLS the server refuses the mail, and the client would
		// never send its password.
		plain := sender(s, mailer.NoTLS)
		if _, err := plain.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "c", "no tls")); err == nil {
			t.Error("mail without STARTTLS accepted by a server requiring it")
		}
		plain.Username, plain.Password = creds.User, creds.Password
		if err := plain.Validate(); err == nil {
			t.Error("authentication without TLS validates")
		}
		if _, err := plain.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "d", "no tls")); err == nil || !strings.Contains(err.Error(), "unencrypted") {
			t.Errorf("authentication without TLS: %v", err)
		}
		if got := received(s); len(got) != 1 || got[0] != "over starttls" {
			t.Errorf("received %q", got)
		}
	})
	t.Run("implicit tls", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{RequireTLS: true, Auth: creds})
		snd := sender(s, mailer.ImplicitTLS)
		snd.Username, snd.Password = creds.User, creds.Password
		if _, err := snd.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "a", "over tls")); err != nil {
			t.Fatalf("%v\n%s", err, s.Log())
		}
		if _, err := sender(s, mailer.StartTLS).Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "b", "starttls to a tls port")); err == nil {
			t.Error("starttls against an implicit TLS port succeeded")
		}
		untrusted := sender(s, mailer.ImplicitTLS)
		untrusted.TLS = nil
		if _, err := untrusted.Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "c", "untrusted")); err == nil || deliver.IsPermanent(err) {
			t.Errorf("untrusted certificate: %v; want a retryable error", err)
		}
		if got := received(s); len(got) != 1 || got[0] != "over tls" {
			t.Errorf("received %q", got)
		}
	})
	t.Run("starttls offered but not required", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{TLS: true, Args: []string{"--smtp-auth-accept-any"}})
		if _, err := sender(s, mailer.StartTLS).Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "a", "upgraded")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("starttls required by the client", func(t *testing.T) {
		s := mailtest.Start(t, mailtest.Options{})
		_, err := sender(s, mailer.StartTLS).Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "a", "downgraded"))
		if err == nil || deliver.IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("server without STARTTLS: %v; want a retryable refusal", err)
		}
		if got := received(s); len(got) != 0 {
			t.Errorf("sent in the clear: %q", got)
		}
	})
}

func TestSenderErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, chaos string
		permanent   bool
	}{
		{"recipient refused permanently", "Recipient:550:100", true},
		{"recipient deferred", "Recipient:451:100", false},
		{"sender refused permanently", "Sender:553:100", true},
		{"sender deferred", "Sender:421:100", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mailtest.Start(t, mailtest.Options{Chaos: tc.chaos})
			_, err := sender(s, mailer.NoTLS).Send(ctx, from.Address, []string{"reader@example.org"}, compose(t, "a", tc.name))
			if err == nil || deliver.IsPermanent(err) != tc.permanent {
				t.Errorf("%v: permanent %v, want %v", err, deliver.IsPermanent(err), tc.permanent)
			}
		})
	}
	s := mailtest.Start(t, mailtest.Options{Args: []string{"--smtp-allowed-recipients", "^ok@"}})
	refused, err := sender(s, mailer.NoTLS).Send(ctx, from.Address, []string{"no@example.org", "ok@example.org"}, compose(t, "b", "partly refused"))
	if err != nil || len(refused) != 1 || refused[0] != "no@example.org" {
		t.Errorf("one of two recipients refused: %v, %v", refused, err)
	}
	small := sender(s, mailer.NoTLS)
	small.MaxSize = 100
	if _, err := small.Send(ctx, from.Address, []string{"ok@example.org"}, compose(t, "c", "too big")); !deliver.IsPermanent(err) {
		t.Errorf("oversized message: %v, want permanent", err)
	}
	s.Stop()
	if _, err := sender(s, mailer.NoTLS).Send(ctx, from.Address, []string{"ok@example.org"}, compose(t, "d", "down")); err == nil || deliver.IsPermanent(err) {
		t.Errorf("server down: %v, want a retryable error", err)
	}
	if err := (&mailer.Sender{Host: "smtp.example.org", Security: mailer.NoTLS}).Validate(); err == nil {
		t.Error("security none to a remote host validates")
	}
	if err := (&mailer.Sender{Host: "smtp.example.org", Security: "ssl"}).Validate(); err == nil {
		t.Error("an unknown security validates")
	}
}

// TestTemplatesArrive sends every kind of mail to mailpit and reads it back:
// headers, subject and both parts.
func TestTemplatesArrive(t *testing.T) {
	ctx := context.Background()
	s := mailtest.Start(t, mailtest.Options{RequireSTARTTLS: true})
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]mail.Message{}
	for kind, data := range mailtest.Samples() {
		v := mail.View{Site: mail.Site{Name: "Acme", BaseURL: "https://psirt.example"}, Data: data}
		if kind == mail.KindAdvisory || kind == mail.KindConfirm {
			v.Unsubscribe = "https://psirt.example/unsubscribe/vsu_" + strings.ReplaceAll(kind, ".", "_")
		}
		r, err := tpl.Render(kind, v)
		if err != nil {
			t.Fatal(err)
		}
		m := mail.Message{Key: "test:" + kind, From: from, To: []netmail.Address{{Address: "reader@example.org"}}, Subject: r.Subject,
			Date: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Unsubscribe: v.Unsubscribe, Text: r.Text, HTML: r.HTML}
		raw, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sender(s, mailer.StartTLS).Send(ctx, from.Address, []string{"reader@example.org"}, raw); err != nil {
			t.Fatal(err)
		}
		want[m.MessageID()] = m
	}
	list := s.Messages()
	if len(list) != len(want) {
		t.Fatalf("%d messages, want %d", len(list), len(want))
	}
	dec := new(mime.WordDecoder)
	for _, sum := range list {
		w, ok := want[sum.MessageID]
		if !ok {
			t.Errorf("unexpected Message-ID %s", sum.MessageID)
			continue
		}
		got := s.Message(sum.ID)
		if got.Subject != w.Subject {
			t.Errorf("%s: subject %q, want %q", w.Key, got.Subject, w.Subject)
		}
		if !strings.Contains(got.Text, "Acme Product Security") || !strings.Contains(got.HTML, "Acme") {
			t.Errorf("%s: parts\n%s\n%s", w.Key, got.Text, got.HTML)
		}
		if lf(got.Text) != lf(w.Text) {
			t.Errorf("%s: text part changed in transit:\n%q\n%q", w.Key, got.Text, w.Text)
		}
		h := got.Headers
		if first(h, "Auto-Submitted") != "auto-generated" || first(h, "Date") != "Tue, 24 Nov 2026 09:00:00 +0000" {
			t.Errorf("%s: headers %v", w.Key, h)
		}
		if f, _ := dec.DecodeHeader(first(h, "From")); f != `"Acme PSIRT" <security@acme.example>` {
			t.Errorf("%s: From %q", w.Key, f)
		}
		if len(h["Bcc"]) > 0 || len(h["To"]) != 1 {
			t.Errorf("%s: recipients %v", w.Key, h)
		}
		if w.Unsubscribe != "" {
			if first(h, "List-Unsubscribe") != "<"+w.Unsubscribe+">" || first(h, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: unsubscribe headers %v", w.Key, h)
			}
		} else if len(h["List-Unsubscribe"]) > 0 {
			t.Errorf("%s: List-Unsubscribe on non-list mail", w.Key)
		}
	}
}

func first(h map[string][]string, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func lf(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

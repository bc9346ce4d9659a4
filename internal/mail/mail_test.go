package mail_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/mail/mailtest"
)

var date = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func TestRenderEveryKind(t *testing.T) {
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	s := mailtest.Samples()
	for _, kind := range mail.Kinds() {
		t.Run(kind, func(t *testing.T) {
			data, ok := s[kind]
			if !ok {
				t.Fatalf("no sample for %s", kind)
			}
			r, err := tpl.Render(kind, mail.View{Site: mail.Site{Name: "Acme", BaseURL: "https://psirt.example"}, Data: data})
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("subject %q", r.Subject)
			}
			if !strings.Contains(r.Text, "Acme Product Security") || !strings.Contains(r.HTML, "<!DOCTYPE html>") {
				t.Errorf("missing layout:\n%s\n%s", r.Text, r.HTML)
			}
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>we</b>") {
				t.Errorf("HTML not escaped:\n%s", r.HTML)
			}
			if strings.Contains(r.Text, "<no value>") || strings.Contains(r.HTML, "<no value>") {
				t.Errorf("a missing value:\n%s", r.Text)
			}
			m := mail.Message{Key: "k:" + kind, From: netmail.Address{Name: "Acme PSIRT", Address: "security@acme.example"},
				To: []netmail.Address{{Address: "someone@example.org"}}, Subject: r.Subject, Date: date, Text: r.Text, HTML: r.HTML}
			if _, err := m.Bytes(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := tpl.Render(mail.KindAcknowledgement, mail.View{Data: mail.CVEAssigned{}}); err == nil {
		t.Error("rendered with the data of another kind")
	}
	if _, err := tpl.Render("nope", mail.View{}); err == nil {
		t.Error("rendered an unknown kind")
	}
}

func TestCustomerNotice(t *testing.T) {
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(mail.KindCustomerNotice, mail.View{Data: mailtest.Samples()[mail.KindCustomerNotice]})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Pre-notification] medium security update for Acme", "Tuesday, 1 December 2026, 08:00 UTC", "2.7.3", "Update soon.", "under your support"} {
		if !strings.Contains(r.Subject+r.Text, want) {
			t.Errorf("customer notice lacks %q:\n%s\n%s", want, r.Subject, r.Text)
		}
	}
}

func TestLiaisonNoticeHasNoTechnicalDetails(t *testing.T) {
	tpl, err := mail.Parse()
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(mail.KindLiaisonNotice, mail.View{Data: mailtest.Samples()[mail.KindLiaisonNotice]})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Stored XSS", "Tuesday, 1 December 2026, 08:00 UTC", "2.7, 2.6", "2.7.3", "medium", "Update soon.", "CONFIDENTIAL"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, r.Text)
		}
	}
}

// parse reads a composed message back with the standard library.
func parse(t *testing.T, raw []byte) (*netmail.Message, map[string]string) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i, len(line))
		}
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Error("a bare CR or LF")
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q: %v", mt, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		switch cte := p.Header.Get("Content-Transfer-Encoding"); cte {
		case "quoted-printable":
			r = quotedprintable.NewReader(p)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, p)
		default:
			t.Fatalf("part %q: transfer encoding %q", p.Header.Get("Content-Type"), cte)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(body)
	}
	return msg, parts
}

func TestCompose(t *testing.T) {
	m := mail.Message{Key: "disclose:VIGIL-SA-2026-001:1:subscribers:7",
		From:    netmail.Address{Name: "Acme PSIRT", Address: "security@acme.example"},
		To:      []netmail.Address{{Address: "a@example.org"}},
		Subject: "Sicherheitslücke in Über-Produkt – bitte aktualisieren", Date: date,
		Unsubscribe: "https://psirt.example/unsubscribe/vsu_abc",
		Text:        "Grüße\nline two " + strings.Repeat("x", 200), HTML: "<p>Grüße</p>"}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.Bytes()
	if !bytes.Equal(raw, again) {
		t.Error("composing twice gives different bytes")
	}
	msg, parts := parse(t, raw)
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("subject %q (%v)", subj, err)
	}
	for h, want := range map[string]string{
		"Message-ID": "<" + m.MessageID() + ">", "Date": "Tue, 24 Nov 2026 09:30:00 +0000", "Auto-Submitted": "auto-generated",
		"List-Unsubscribe": "<https://psirt.example/unsubscribe/vsu_abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"From": `"Acme PSIRT" <security@acme.example>`, "To": "<a@example.org>", "MIME-Version": "1.0",
	} {
		if got := msg.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.HasSuffix(m.MessageID(), "@acme.example") {
		t.Errorf("Message-ID %s", m.MessageID())
	}
	if parts["text/plain"] != strings.ReplaceAll(m.Text, "\n", "\r\n") || parts["text/html"] != m.HTML {
		t.Errorf("parts %q", parts)
	}
	m2 := m
	m2.Key = "other"
	if m2.MessageID() == m.MessageID() {
		t.Error("two keys, one Message-ID")
	}
	m.Unsubscribe = ""
	raw, _ = m.Bytes()
	if msg, _ := parse(t, raw); msg.Header.Get("List-Unsubscribe") != "" {
		t.Error("List-Unsubscribe on mail that is not subscription mail")
	}
}

// TestHeaderInjection sends hostile values through every header a user can
// reach: either the composer refuses them or they stay inside their header.
func TestHeaderInjection(t *testing.T) {
	hostile := []string{
		"Hi\r\nBcc: victim@example.org", "Hi\nBcc: victim@example.org", "Hi\rBcc: victim@example.org",
		"Hi\r\n\r\n<html>body</html>", "Hi\u2028Bcc: x@y.z", "Hi\x00there", "Hi\x85Bcc: x", "=?utf-8?q?=0D=0ABcc:_x@y.z?=",
		strings.Repeat("A", 5000), strings.Repeat("ü", 300), "\"quoted\" <evil@x.y>, other@x.y",
	}
	base := mail.Message{Key: "k", From: netmail.Address{Name: "Acme", Address: "security@acme.example"},
		To: []netmail.Address{{Address: "a@example.org"}}, Subject: "s", Date: date, Text: "t", HTML: "h"}
	check := func(t *testing.T, m mail.Message) {
		t.Helper()
		raw, err := m.Bytes()
		if err != nil {
			if !errors.Is(err, mail.ErrHeader) {
				t.Errorf("refused without ErrHeader: %v", err)
			}
			return
		}
		msg, _ := parse(t, raw)
		if len(msg.Header["Bcc"]) > 0 || len(msg.Header["To"]) != 1 {
			t.Errorf("header injected: %v", msg.Header)
		}
		if got := msg.Header.Get("To"); strings.Contains(got, "victim") {
			t.Errorf("To %q", got)
		}
	}
	for i, h := range hostile {
		t.Run("subject", func(t *testing.T) {
			m := base
			m.Subject = h
			check(t, m)
			m.Subject = mail.OneLine(h, mail.MaxSubject)
			if _, err := m.Bytes(); err != nil {
				t.Errorf("%d: a subject through OneLine is refused: %v", i, err)
			}
			check(t, m)
		})
		t.Run("name", func(t *testing.T) {
			m := base
			m.From.Name = h
			check(t, m)
			m = base
			m.To = []netmail.Address{{Name: h, Address: "a@example.org"}}
			check(t, m)
		})
		t.Run("address", func(t *testing.T) {
			m := base
			m.To = []netmail.Address{{Address: h}}
			if _, err := m.Bytes(); err == nil {
				t.Errorf("address %q accepted", h)
			}
			if _, err := mail.ParseAddress(h); err == nil && strings.ContainsAny(h, "\r\n") {
				t.Errorf("ParseAddress accepted %q", h)
			}
			m = base
			m.Unsubscribe = "https://x.example/" + h
			check(t, m)
		})
	}
	for _, bad := range []string{"a@b.c\r\nBcc: x@y.z", "a@b.c, d@e.f", "Name <a@b.c>", "a@b.c>\r\nBcc: <x@y.z", "ü@example.org", "", "@", strings.Repeat("a", 250) + "@b.cd"} {
		m := base
		m.To = []netmail.Address{{Address: bad}}
		if _, err := m.Bytes(); !errors.Is(err, mail.ErrHeader) {
			t.Errorf("recipient %q: %v, want ErrHeader", bad, err)
		}
	}
	if a, err := mail.ParseAddress(`"Acme, PSIRT" <security@acme.example>`); err != nil || a.Name != "Acme, PSIRT" {
		t.Errorf("ParseAddress: %v %v", a, err)
	}
	if _, err := mail.ParseAddress("Acme <security@acme.example>\r\nBcc: x@y.z"); !errors.Is(err, mail.ErrHeader) {
		t.Errorf("ParseAddress with CRLF: %v", err)
	}
}

func FuzzCompose(f *testing.F) {
	for _, s := range []string{"Hi\r\nBcc: x@y.z", "ü", "=?utf-8?b?QmNjOg==?=", strings.Repeat("x ", 600), "\"a\" <b@c.d>"} {
		f.Add(s, s, "a@example.org", s)
	}
	f.Fuzz(func(t *testing.T, subject, name, addr, body string) {
		m := mail.Message{Key: subject + name, From: netmail.Address{Name: name, Address: "security@acme.example"},
			To: []netmail.Address{{Name: name, Address: addr}}, Subject: subject, Date: date, Text: body, HTML: body,
			Unsubscribe: "https://x.example/u/" + name}
		for _, m := range []mail.Message{m, func() mail.Message { m.Subject = mail.OneLine(subject, mail.MaxSubject); return m }()} {
			raw, err := m.Bytes()
			if err != nil {
				return
			}
			head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
			if !ok {
				t.Fatal("no end of header")
			}
			for _, line := range strings.Split(string(head), "\r\n") {
				if strings.ContainsAny(line, "\r\n") || len(line) > 998 {
					t.Fatalf("header line %q", line)
				}
				if line == "" || strings.TrimSpace(line) == "" {
					t.Fatalf("empty header line in %q", head)
				}
				if line[0] != ' ' && line[0] != '\t' {
					name, _, _ := strings.Cut(line, ":")
					switch name {
					case "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Auto-Submitted",
						"X-Auto-Response-Suppress", "List-Unsubscribe", "List-Unsubscribe-Post", "Precedence":
					default:
						t.Fatalf("unexpected header %q in %q", name, head)
					}
				}
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("composed message does not parse: %v", err)
			}
			if len(msg.Header["To"]) != 1 || len(msg.Header["Subject"]) != 1 || len(msg.Header["From"]) != 1 {
				t.Fatalf("headers %v", msg.Header)
			}
		}
	})
}

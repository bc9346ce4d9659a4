package smtpd_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/inmail"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/smtpd"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

const security = "security@acme.example"

type world struct {
	t    *testing.T
	st   *store.Store
	srv  *smtpd.Server
	addr string
}

// start runs a listener on loopback over st with cfg (Address set here).
func start(t *testing.T, st *store.Store, cfg smtpd.Config) *world {
	t.Helper()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	svc := &casework.Service{Store: st, Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: "https://vigil.example"}
	cfg.Address = security
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	srv, err := smtpd.New(cfg, svc, log)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &world{t: t, st: st, srv: srv, addr: l.Addr().String()}
}

// send delivers raw with Go's SMTP client.
func (w *world) send(from string, to []string, raw string) error {
	w.t.Helper()
	return smtp.SendMail(w.addr, nil, from, to, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func (w *world) mustSend(from string, to []string, raw string) {
	w.t.Helper()
	if err := w.send(from, to, raw); err != nil {
		w.t.Fatalf("send: %v", err)
	}
}

func (w *world) reports() []report.Report {
	w.t.Helper()
	rs, err := w.st.ListReports(context.Background(), store.ReportFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	return rs
}

func (w *world) messages(r report.Report) []report.Message {
	w.t.Helper()
	ms, err := w.st.ListReportMessages(context.Background(), r.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ms
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../inmail/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const first = `From: Alice Example <alice@researcher.example>
To: security@acme.example
Subject: Heap overflow in the image parser
Message-ID: <first@researcher.example>
Content-Type: text/plain; charset=utf-8

A crafted PNG crashes vault 7.3.4.
`

func TestThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := start(t, st, smtpd.Config{})
		w.mustSend("alice@researcher.example", []string{security}, first)

		rs := w.reports()
		if len(rs) != 1 {
			t.Fatalf("%d reports", len(rs))
		}
		r := rs[0]
		if r.TrackingID != "VR-2026-00001" || r.Channel != report.Email || r.Visibility != report.Private ||
			r.Reporter.Email != "alice@researcher.example" || r.Reporter.Name != "Alice Example" ||
			r.Title != "Heap overflow in the image parser" || r.ExternalRef != "first@researcher.example" ||
			!strings.Contains(r.Body, "A crafted PNG crashes vault 7.3.4.") || r.CaseID == nil {
			t.Errorf("report: %+v", r)
		}
		out, err := st.ListMessages(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Key != "report:VR-2026-00001:ack" || !bytes.Contains(out[0].Payload, []byte("alice@researcher.example")) {
			t.Errorf("acknowledgement not queued: %+v", out)
		}

		// The sender's server retries: no second report, no second acknowledgement.
		w.mustSend("alice@researcher.example", []string{security}, first)
		if n := len(w.reports()); n != 1 {
			t.Errorf("a retried mail made %d reports", n)
		}

		// The reporter answers the acknowledgement: the subject carries the ID.
		w.mustSend("alice@researcher.example", []string{security}, `From: alice@researcher.example
To: security@acme.example
Subject: Re: [vr-2026-00001] Your report was received
Message-ID: <second@researcher.example>

Here is the crash log.
`)
		// Retried: not twice on the thread.
		w.mustSend("alice@researcher.example", []string{security}, `From: alice@researcher.example
To: security@acme.example
Subject: Re: [vr-2026-00001] Your report was received
Message-ID: <second@researcher.example>

Here is the crash log.
`)
		// Someone else writes to the plus-address.
		w.mustSend("bob@other.example", []string{"Security+VR-2026-00001@ACME.example"}, `From: Bob <bob@other.example>
To: security+VR-2026-00001@acme.example
Subject: same bug
Message-ID: <third@other.example>

I see it too.
`)
		if n := len(w.reports()); n != 1 {
			t.Fatalf("replies made new reports: %d", n)
		}
		ms := w.messages(r)
		if len(ms) != 2 || ms[0].From != report.FromReporter || !strings.Contains(ms[0].Body, "crash log") ||
			ms[1].From != "mail:bob@other.example" || !strings.Contains(ms[1].Body, "I see it too.") {
			t.Errorf("thread: %+v", ms)
		}

		// A tracking ID no report has: a new report rather than a lost mail.
		w.mustSend("carol@example.net", []string{security}, "From: carol@example.net\nSubject: about VR-2026-00999\n\nhello\n")
		rs = w.reports()
		if len(rs) != 2 || !strings.Contains(rs[0].Body, "VR-2026-00999, which no report has") {
			t.Errorf("unknown tracking ID: %+v", rs)
		}
		if s := w.srv.Stats(); s.Reports != 2 || s.Replies != 3 || s.Retries != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestNotReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := start(t, st, smtpd.Config{MaxSize: 64 << 10})
		w.mustSend("alice@researcher.example", []string{security}, first)

		// An out-of-office answer to the acknowledgement, and a bounce: neither a report nor a thread message.
		w.mustSend("dave@example.com", []string{security}, testdata(t, "autoreply.eml"))
		w.mustSend("", []string{security}, testdata(t, "bounce.eml"))
		w.mustSend("", []string{security}, "From: Mail Delivery System <MAILER-DAEMON@mx.example>\nSubject: Re: [VR-2026-00001]\n\nfailed\n")
		// vigil's own mail come back.
		w.mustSend("security@acme.example", []string{security}, "From: security@acme.example\nX-Loop: security@acme.example\nSubject: [VR-2026-00001] ack\n\nours\n")
		rs := w.reports()
		if len(rs) != 1 || len(w.messages(rs[0])) != 0 {
			t.Errorf("auto-replies, bounces or loops were taken in: %d reports, %+v", len(rs), w.messages(rs[0]))
		}
		if s := w.srv.Stats(); s.AutoReplies != 1 || s.Bounces != 2 || s.Loops != 1 {
			t.Errorf("stats %+v", s)
		}

		// Refused outright.
		if err := w.send("x@example.com", []string{"ceo@acme.example"}, first); code(err) != 550 {
			t.Errorf("wrong recipient: %v, want 550", err)
		}
		if err := w.send("x@example.com", []string{"security@evil.example"}, first); code(err) != 550 {
			t.Errorf("wrong domain: %v, want 550", err)
		}
		if err := w.send("x@example.com", []string{"security-x@acme.example"}, first); code(err) != 550 {
			t.Errorf("look-alike recipient: %v, want 550", err)
		}
		big := first + strings.Repeat("A long line of the proof of concept.\n", 3000)
		if err := w.send("x@example.com", []string{security}, big); code(err) != 552 {
			t.Errorf("oversized: %v, want 552", err)
		}
		if err := w.send("x@example.com", []string{security}, "this is no header\n\nbody\n"); code(err) != 550 {
			t.Errorf("malformed header: %v, want 550", err)
		}
		var many []string
		for range 11 {
			many = append(many, security)
		}
		if err := w.send("x@example.com", many, first); code(err) != 452 {
			t.Errorf("too many recipients: %v, want 452", err)
		}
		if n := len(w.reports()); n != 1 {
			t.Errorf("%d reports after refused mail", n)
		}
	})
}

func TestContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := start(t, st, smtpd.Config{})
		for _, f := range []string{"html.eml", "latin1.eml", "attachments.eml", "hostile.eml"} {
			w.mustSend("sender@example.org", []string{security}, testdata(t, f))
		}
		// No valid sender address: a report all the same, without an acknowledgement.
		w.mustSend("m@example.org", []string{security}, "From: Mallory <mallory@@evil..example>\nSubject: invalid sender\n\nbody\n")
		w.mustSend("x@example.org", []string{security}, "From: =?utf-8?q?a=0D=0AB?= <eve@evil.example>, other@x.example\nSubject: two senders\n\nbody\n")
		byTitle := map[string]report.Report{}
		for _, r := range w.reports() {
			byTitle[r.Title] = r
		}
		for title, want := range map[string][]string{
			"XSS in the admin – console":                    {"Dear team,", "GET /search?q=<script>alert(1)</script>", "- Chrome 120", "my write-up <https://bob.example/writeup>"},
			"Problème de sécurité":                          {"le paramètre « id » permet une injection SQL.", "Merci, René"},
			"RCE in the updater":                            {"The updater runs unsigned code", "poc.sh (application/x-sh, 21 bytes, SHA-256 cebf25e0668376ce72d60cc05894de697b174396e5036fdb525363c351bf1f9b)", "cräsh.log"},
			"hello Bcc: victim@example.com =?bogus?x?zzz?=": {"hello world", "boot.ini", "Parsing notes:"},
		} {
			r, ok := byTitle[title]
			if !ok {
				t.Errorf("no report %q among %v", title, byTitle)
				continue
			}
			for _, s := range want {
				if !strings.Contains(r.Body, s) {
					t.Errorf("%q: body lacks %q:\n%s", title, s, r.Body)
				}
			}
			if strings.Contains(r.Body, "<p>") || strings.Contains(r.Body, "=E8") {
				t.Errorf("%q: body not readable:\n%s", title, r.Body)
			}
		}
		if r := byTitle["invalid sender"]; r.ID == 0 || r.Reporter.Email != "" || !strings.Contains(r.Body, "from: not a valid address") {
			t.Errorf("invalid sender: %+v", r)
		}
		if r := byTitle["two senders"]; r.Reporter.Email != "eve@evil.example" || r.Reporter.Name != "a B" {
			t.Errorf("two senders: %+v", r.Reporter)
		}
		out, err := st.ListMessages(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(out); n != len(byTitle)-1 {
			t.Errorf("%d acknowledgements for %d reports, one without an address", n, len(byTitle))
		}
		if r := byTitle["Problème de sécurité"]; r.Reporter.Name != "René Dupré" {
			t.Errorf("latin-1 name: %q", r.Reporter.Name)
		}
		as, err := st.ListAttachments(ctx, byTitle["RCE in the updater"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 || as[0].Filename != "poc.sh" || as[0].Size != 21 || as[1].Filename != "cräsh.log" {
			t.Fatalf("attachments: %+v", as)
		}
		a, err := st.AttachmentByID(ctx, as[0].ID)
		if err != nil || string(a.Content) != "#!/bin/sh\necho pwned\n" || a.SHA256 != "cebf25e0668376ce72d60cc05894de697b174396e5036fdb525363c351bf1f9b" {
			t.Errorf("poc.sh: %+v %v", a, err)
		}
	})
}

func encryptedMail(t *testing.T, key *openpgp.Entity) string {
	t.Helper()
	var ct bytes.Buffer
	aw, err := armor.Encode(&ct, "PGP MESSAGE", nil)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := openpgp.Encrypt(aw, []*openpgp.Entity{key}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, "Content-Type: text/plain; charset=utf-8\r\n\r\nThe admin password hash leaks at /debug/vars.\r\n")
	pw.Close()
	aw.Close()
	return "From: Frank <frank@example.org>\nTo: security@acme.example\nSubject: encrypted report\nMessage-ID: <pgp@example.org>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\n\n" +
		"--enc\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n" +
		"--enc\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n\n" + strings.ReplaceAll(ct.String(), "\r\n", "\n") + "\n--enc--\n"
}

func TestOpenPGP(t *testing.T) {
	key, err := openpgp.NewEntity("Acme PSIRT", "", security, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		keys      openpgp.EntityList
		decrypted bool
	}{{"with key", openpgp.EntityList{key}, true}, {"without key", nil, false}} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				w := start(t, st, smtpd.Config{Parse: inmail.Options{Keys: c.keys}})
				w.mustSend("frank@example.org", []string{security}, encryptedMail(t, key))
				rs := w.reports()
				if len(rs) != 1 {
					t.Fatalf("%d reports", len(rs))
				}
				if got := strings.Contains(rs[0].Body, "/debug/vars"); got != c.decrypted {
					t.Errorf("decrypted %v, want %v:\n%s", got, c.decrypted, rs[0].Body)
				}
				as, err := st.ListAttachments(context.Background(), rs[0].ID)
				if err != nil || len(as) != 1 || as[0].Filename != "encrypted.asc" {
					t.Fatalf("attachments %+v %v", as, err)
				}
				a, err := st.AttachmentByID(context.Background(), as[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				// Kept intact: it still decrypts with the key.
				block, err := armor.Decode(bytes.NewReader(a.Content))
				if err != nil {
					t.Fatalf("kept part is not armored: %v", err)
				}
				md, err := openpgp.ReadMessage(block.Body, openpgp.EntityList{key}, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if plain, _ := io.ReadAll(md.UnverifiedBody); !bytes.Contains(plain, []byte("/debug/vars")) {
					t.Errorf("kept part decrypts to %q", plain)
				}
			})
		})
	}
}

func TestSTARTTLS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.acme.example"},
		DNSNames: []string{"mx.acme.example"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	w := start(t, storetest.SQLite(t), smtpd.Config{TLS: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}})

	c, err := smtp.Dial(w.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mx.acme.example", RootCAs: roots}); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@researcher.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(security); err != nil {
		t.Fatal(err)
	}
	d, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(d, strings.ReplaceAll(first, "\n", "\r\n"))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if n := len(w.reports()); n != 1 {
		t.Errorf("%d reports over TLS", n)
	}
}

func TestMaxConns(t *testing.T) {
	w := start(t, storetest.SQLite(t), smtpd.Config{MaxConns: 1})
	c1, err := smtp.Dial(w.addr)
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		c2, err := smtp.Dial(w.addr) // waits for the greeting
		if err == nil {
			c2.Quit()
		}
		second <- err
	}()
	select {
	case err := <-second:
		t.Fatalf("a second connection was served beside the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	c1.Quit()
	select {
	case err := <-second:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second connection was not served after the first closed")
	}
}

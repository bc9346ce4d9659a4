package inmail

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/google/go-cmp/cmp"
)

var own = Options{Own: []string{"security@acme.example"}}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t testing.TB, raw []byte, o Options) *Message {
	t.Helper()
	m, err := Parse(raw, o)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseSamples(t *testing.T) {
	type want struct {
		kind             Kind
		from, name, subj string
		id               string
		text             []string // contained in Text
		notText          []string
		html             bool
		files            []string
		problems         bool
	}
	for file, w := range map[string]want{
		"plain.eml": {kind: Normal, from: "alice@researcher.example", name: "Alice Example", subj: "Heap overflow in the Vault image parser",
			id: "20261123.1@researcher.example", text: []string{"heap overflow in png_read_row", "Grüße, Alice"}},
		"html.eml": {kind: Normal, from: "bob@example.org", name: "Bob", subj: "XSS in the admin – console", id: "html-1@example.org", html: true,
			text:    []string{"Dear team,", "the search field reflects input:", "GET /search?q=<script>alert(1)</script>", "- Chrome 120", "- Firefox 121", "my write-up <https://bob.example/writeup>"},
			notText: []string{"ignored", "color:red", "not text", "a comment", "<p>", "<b>"}},
		"latin1.eml": {kind: Normal, from: "rene@exemple.fr", name: "René Dupré", subj: "Problème de sécurité", id: "latin1@exemple.fr",
			text: []string{"le paramètre « id » permet", "Merci, René"}},
		"attachments.eml": {kind: Normal, from: "carol@example.net", name: "Carol", subj: "RCE in the updater", id: "att-1@example.net",
			text: []string{"The updater runs unsigned code; poc attached."}, notText: []string{"<i>", "multi-part message"},
			files: []string{"poc.sh", "cräsh.log"}},
		"autoreply.eml": {kind: AutoReply, from: "dave@example.com", name: "Dave", subj: "Out of office: [VR-2026-00001] Your report was received",
			id: "ooo-1@example.com", text: []string{"out of the office"}},
		"bounce.eml": {kind: Bounce, from: "MAILER-DAEMON@mx.example.com", name: "Mail Delivery System", subj: "Undelivered Mail Returned to Sender",
			id: "bounce-1@mx.example.com", text: []string{"mail system"}, notText: []string{"Final-Recipient"}},
		"hostile.eml": {kind: Normal, from: "eve@evil.example", name: "Eve Bcc: victim@example.com",
			subj: "hello Bcc: victim@example.com =?bogus?x?zzz?=", text: []string{"hello world"}, files: []string{"boot.ini"}, problems: true},
	} {
		t.Run(file, func(t *testing.T) {
			m := parse(t, read(t, file), own)
			got := want{kind: m.Kind, from: m.From.Address, name: m.From.Name, subj: m.Subject, id: m.MessageID, html: m.FromHTML,
				problems: len(m.Problems) > 0, text: w.text, notText: w.notText}
			for _, a := range m.Attachments {
				got.files = append(got.files, a.Filename)
			}
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-want +got)\n%s\nproblems: %q", diff, m.Problems)
			}
			for _, s := range w.text {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, m.Text)
				}
			}
			for _, s := range w.notText {
				if strings.Contains(m.Text, s) {
					t.Errorf("text has %q:\n%s", s, m.Text)
				}
			}
		})
	}
}

func TestAttachmentContent(t *testing.T) {
	m := parse(t, read(t, "attachments.eml"), own)
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if string(a.Content) != "#!/bin/sh\necho pwned\n" || a.Size != 21 || a.ContentType != "application/x-sh" ||
		a.SHA256 != "cebf25e0668376ce72d60cc05894de697b174396e5036fdb525363c351bf1f9b" {
		t.Errorf("poc.sh: %+v %q", a, a.Content)
	}
}

func TestClassify(t *testing.T) {
	const body = "\n\nhello\n"
	for _, c := range []struct {
		name, header string
		o            Options
		want         Kind
	}{
		{"person", "From: a@b.example\n", own, Normal},
		{"auto-submitted no", "From: a@b.example\nAuto-Submitted: no\n", own, Normal},
		{"auto-generated", "From: a@b.example\nAuto-Submitted: auto-generated\n", own, AutoReply},
		{"precedence bulk", "From: a@b.example\nPrecedence: bulk\n", own, AutoReply},
		{"precedence list", "From: a@b.example\nPrecedence: list\n", own, AutoReply},
		{"precedence junk", "From: a@b.example\nPrecedence: JUNK\n", own, AutoReply},
		{"x-autorespond", "From: a@b.example\nX-Autorespond: yes\n", own, AutoReply},
		{"read receipt", "From: a@b.example\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\n", own, AutoReply},
		{"mailer-daemon", "From: MAILER-DAEMON@mx.example\n", own, Bounce},
		{"null sender", "From: a@b.example\n", Options{NullSender: true}, Bounce},
		{"dsn", "From: postmaster@mx.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n", own, Bounce},
		{"x-loop", "From: a@b.example\nX-Loop: security@ACME.example\n", own, Loop},
		{"from ourselves", "From: Acme PSIRT <security@acme.example>\n", own, Loop},
		{"too many hops", "From: a@b.example\n" + strings.Repeat("Received: from x by y\n", 51), own, Loop},
		{"many hops", "From: a@b.example\n" + strings.Repeat("Received: from x by y\n", 20), own, Normal},
		{"our message-id", "From: a@b.example\nMessage-ID: <vigil.42@acme.example>\n",
			Options{OwnMessageID: func(id string) bool { return strings.HasPrefix(id, "vigil.") }}, Loop},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := parse(t, []byte(c.header+body), c.o)
			if m.Kind != c.want {
				t.Errorf("kind %s (%s), want %s", m.Kind, m.Reason, c.want)
			}
		})
	}
}

func TestMalformedHeader(t *testing.T) {
	for _, raw := range []string{"", "no colon here\n\nbody", "From a@b\r\n"} {
		if _, err := Parse([]byte(raw), own); err == nil {
			t.Errorf("%q: no error", raw)
		}
	}
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@b.example\nSubject: many\nContent-Type: multipart/mixed; boundary=z\n\n")
	for i := range 30 {
		fmt.Fprintf(&b, "--z\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=f%d.bin\n\n%s\n", i, strings.Repeat("x", 1000))
	}
	b.WriteString("--z\nContent-Type: text/plain\n\n" + strings.Repeat("long text ", 100) + "\n--z--\n")
	m := parse(t, []byte(b.String()), Options{Limits: Limits{MaxAttachments: 5, MaxAttachmentBytes: 3500, MaxText: 100}})
	kept := 0
	for _, a := range m.Attachments {
		if a.Content != nil {
			kept++
		}
	}
	if len(m.Attachments) != 20 || kept != 3 {
		t.Errorf("%d attachments listed (want 20, four times the limit), %d kept (want 3, the byte limit)", len(m.Attachments), kept)
	}
	if len(m.Text) > 100 {
		t.Errorf("text of %d bytes", len(m.Text))
	}
	if len(m.Problems) == 0 {
		t.Error("no problem noted")
	}

	deep := "Content-Type: text/plain\n\ndeep text\n"
	for i := range 50 {
		deep = fmt.Sprintf("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n%s\n--b%d--\n", i, i, deep, i)
	}
	if m := parse(t, []byte("From: a@b.example\n"+deep), Options{Limits: Limits{MaxDepth: 60}}); m.Text != "deep text" {
		t.Fatalf("test mail not as meant: %q %q", m.Text, m.Problems)
	}
	m = parse(t, []byte("From: a@b.example\n"+deep), Options{})
	if len(m.Problems) == 0 || strings.Contains(m.Text, "deep text") {
		t.Errorf("nesting not bounded: %q %q", m.Text, m.Problems)
	}
}

// pgpMail encrypts a MIME entity to key as an RFC 3156 mail.
func pgpMail(t *testing.T, key *openpgp.Entity, inner string) []byte {
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
	pw.Write([]byte(inner))
	pw.Close()
	aw.Close()
	return []byte("From: Frank <frank@example.org>\r\nTo: security@acme.example\r\nSubject: [encrypted]\r\nMessage-ID: <pgp-1@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\r\n" +
		"--enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n" +
		"--enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n" + ct.String() + "\r\n--enc--\r\n")
}

// PGPKey generates a key for the tests of this and other packages.
func pgpKey(t testing.TB) *openpgp.Entity {
	t.Helper()
	k, err := openpgp.NewEntity("Acme PSIRT", "", "security@acme.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOpenPGP(t *testing.T) {
	key := pgpKey(t)
	inner := "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsecret: the admin password is hunter2\r\n" +
		"--in\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=exploit.py\r\n\r\nprint('x')\r\n--in--\r\n"
	raw := pgpMail(t, key, inner)

	t.Run("decrypted", func(t *testing.T) {
		m := parse(t, raw, Options{Keys: openpgp.EntityList{key}})
		if !m.Encrypted || !m.Decrypted || !strings.Contains(m.Text, "hunter2") {
			t.Fatalf("not decrypted: %+v", m)
		}
		var names []string
		for _, a := range m.Attachments {
			names = append(names, a.Filename)
		}
		if diff := cmp.Diff([]string{"encrypted.asc", "exploit.py"}, names); diff != "" {
			t.Errorf("attachments (-want +got)\n%s", diff)
		}
		if !bytes.Contains(m.Attachments[0].Content, []byte("-----BEGIN PGP MESSAGE-----")) {
			t.Error("the encrypted original is not kept")
		}
	})
	t.Run("no key", func(t *testing.T) {
		m := parse(t, raw, Options{})
		if !m.Encrypted || m.Decrypted || strings.Contains(m.Text, "hunter2") || !strings.Contains(m.Text, "no decryption key configured") {
			t.Fatalf("%+v", m)
		}
		if len(m.Attachments) != 1 || !bytes.Contains(m.Attachments[0].Content, []byte("-----BEGIN PGP MESSAGE-----")) {
			t.Errorf("encrypted part not kept intact: %+v", m.Attachments)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		m := parse(t, raw, Options{Keys: openpgp.EntityList{pgpKey(t)}})
		if m.Decrypted || !strings.Contains(m.Text, "could not be decrypted") {
			t.Fatalf("%+v", m)
		}
	})
	t.Run("inline", func(t *testing.T) {
		var ct bytes.Buffer
		aw, _ := armor.Encode(&ct, "PGP MESSAGE", nil)
		pw, _ := openpgp.Encrypt(aw, []*openpgp.Entity{key}, nil, nil, nil)
		pw.Write([]byte("inline secret"))
		pw.Close()
		aw.Close()
		mail := "From: a@b.example\nSubject: x\n\nHi,\n" + ct.String() + "\nbye\n"
		m := parse(t, []byte(mail), Options{Keys: openpgp.EntityList{key}})
		if !m.Decrypted || !strings.Contains(m.Text, "Hi,\ninline secret") || !strings.Contains(m.Text, "bye") {
			t.Fatalf("%q %q", m.Text, m.Problems)
		}
	})
}

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"a<br>b":                       "a\nb",
		"<p>x</p><p>y</p>":             "x\n\ny",
		"1 &lt; 2 &amp;&amp; 3 &gt; 2": "1 < 2 && 3 > 2",
		"<a href='https://x.example/?a=1&amp;b=2'>x</a>": "x <https://x.example/?a=1&b=2>",
		"<a href=mailto:a@b>mail</a>":                    "mail",
		"unclosed <b":                                    "unclosed <b",
		"<script>alert(1)":                               "",
		"<STYLE>p{}</STYLE>text":                         "text",
		"<img src=x alt='diagram'>":                      "[diagram]",
	} {
		if got := htmlText(in); got != want {
			t.Errorf("htmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParse: no input makes Parse panic or break its invariants.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/html; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n<p>=F0=D2=C9</p>\n--a--\n"))
	limits := Limits{MaxParts: 50, MaxAttachments: 5, MaxAttachmentBytes: 1 << 16, MaxText: 1 << 14}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Options{Limits: limits, Own: []string{"security@acme.example"}})
		if err != nil {
			return
		}
		for what, s := range map[string]string{"subject": m.Subject, "name": m.From.Name, "address": m.From.Address, "message-id": m.MessageID} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") {
				t.Errorf("%s %q is not one clean line", what, s)
			}
		}
		if !utf8.ValidString(m.Text) || strings.ContainsRune(m.Text, 0) || len(m.Text) > limits.MaxText {
			t.Errorf("text of %d bytes is not clean", len(m.Text))
		}
		kept := 0
		for _, a := range m.Attachments {
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\r\n\x00") {
				t.Errorf("file name %q", a.Filename)
			}
			if a.Content != nil {
				kept++
			}
		}
		if kept > limits.MaxAttachments {
			t.Errorf("%d attachments kept", kept)
		}
	})
}

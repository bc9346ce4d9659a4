// Package mail composes the e-mail vigil sends: RFC 5322 messages with a
// plain-text and an HTML part (multipart/alternative, UTF-8), rendered from
// embedded templates, one per kind of mail. It does no I/O: sending is
// package mailer's.
//
// Invariants: no value put into a header can add a header or a line: CR, LF
// and other control characters are refused, non-ASCII text is encoded with
// RFC 2047 Q-encoding, addresses must parse with net/mail as one bare
// address; every header line is at most 998 octets and folded at 78 where
// it has spaces to fold at. A message's Message-ID and MIME boundary derive
// from its outbox key, so a retried delivery sends the same message again,
// byte for byte, given the same date.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what goes into a header.
const (
	MaxAddress = 254 // octets of one address (RFC 5321 path limit)
	MaxName    = 200 // characters of a display name
	MaxSubject = 250 // characters of a subject
	MaxURL     = 2000
	MaxTo      = 100 // recipients of one message
	maxLine    = 998 // RFC 5322 §2.1.1
	foldAt     = 78
)

// ErrHeader is wrapped by every refusal of a header value.
var ErrHeader = errors.New("invalid header value")

func headerErr(field, why string) error { return fmt.Errorf("%s: %s: %w", field, why, ErrHeader) }

// Message is one e-mail to compose.
type Message struct {
	// Key is the outbox key: the Message-ID and the MIME boundary derive
	// from it, so a retry of the same outbox message is the same e-mail.
	Key     string
	From    mail.Address
	To      []mail.Address
	Subject string
	Date    time.Time
	// Unsubscribe is the one-click unsubscribe URL of subscription mail
	// (List-Unsubscribe and List-Unsubscribe-Post, RFC 2369 and RFC 8058);
	// empty for other mail.
	Unsubscribe string
	Text, HTML  string
}

// ParseAddress parses one address, with or without a display name, and
// refuses what could break a header: control characters (CR and LF
// included), an address longer than MaxAddress or a name longer than
// MaxName.
func ParseAddress(s string) (mail.Address, error) {
	if hasControl(s) {
		return mail.Address{}, headerErr("address", "control character")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return mail.Address{}, fmt.Errorf("address %q: %v: %w", s, err, ErrHeader)
	}
	if err := checkAddress("address", *a); err != nil {
		return mail.Address{}, err
	}
	return *a, nil
}

// checkAddress re-validates an address built by hand: the address part must
// parse as itself, bare, and the name must be printable.
func checkAddress(field string, a mail.Address) error {
	if hasControl(a.Address) || hasControl(a.Name) {
		return headerErr(field, "control character")
	}
	if len(a.Address) > MaxAddress {
		return headerErr(field, fmt.Sprintf("address longer than %d octets", MaxAddress))
	}
	if utf8.RuneCountInString(a.Name) > MaxName {
		return headerErr(field, fmt.Sprintf("name longer than %d characters", MaxName))
	}
	if !utf8.ValidString(a.Name) {
		return headerErr(field, "name is not UTF-8")
	}
	p, err := mail.ParseAddress(a.Address)
	if err != nil || p.Name != "" || p.Address != a.Address {
		return headerErr(field, fmt.Sprintf("%q is not one bare e-mail address", a.Address))
	}
	if !isASCII(a.Address) {
		// Internationalised addresses need SMTPUTF8 end to end; vigil's
		// mail stays 7-bit so that every relay takes it.
		return headerErr(field, "non-ASCII address")
	}
	return nil
}

// hasControl reports a C0 or C1 control character, DEL or a Unicode line
// or paragraph separator: anything a header must not carry.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// MessageID is the message's Message-ID, without angle brackets: a hash of
// its key at the domain of the sender.
func (m Message) MessageID() string {
	sum := sha256.Sum256([]byte("vigil-message-id\x00" + m.Key))
	domain := "vigil.invalid"
	if i := strings.LastIndexByte(m.From.Address, '@'); i >= 0 && i+1 < len(m.From.Address) {
		domain = m.From.Address[i+1:]
	}
	return hex.EncodeToString(sum[:16]) + "@" + domain
}

func (m Message) boundary() string {
	sum := sha256.Sum256([]byte("vigil-boundary\x00" + m.Key))
	// "=_" cannot occur in quoted-printable or base64 text, so the
	// boundary never collides with a part's content.
	return "=_vigil_" + hex.EncodeToString(sum[:12])
}

// Validate reports every problem of the message's header values at once.
func (m Message) Validate() error {
	var errs []error
	if m.Key == "" {
		errs = append(errs, errors.New("key: required"))
	}
	if err := checkAddress("from", m.From); err != nil {
		errs = append(errs, err)
	}
	if len(m.To) == 0 || len(m.To) > MaxTo {
		errs = append(errs, fmt.Errorf("to: 1 to %d recipients", MaxTo))
	}
	for i, a := range m.To {
		if err := checkAddress(fmt.Sprintf("to[%d]", i), a); err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case hasControl(m.Subject):
		errs = append(errs, headerErr("subject", "control character"))
	case !utf8.ValidString(m.Subject):
		errs = append(errs, headerErr("subject", "not UTF-8"))
	case utf8.RuneCountInString(m.Subject) > MaxSubject:
		errs = append(errs, headerErr("subject", fmt.Sprintf("longer than %d characters", MaxSubject)))
	}
	if m.Date.IsZero() {
		errs = append(errs, errors.New("date: required"))
	}
	if m.Unsubscribe != "" {
		if err := checkURL(m.Unsubscribe); err != nil {
			errs = append(errs, fmt.Errorf("unsubscribe: %w", err))
		}
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		errs = append(errs, errors.New("body: not UTF-8"))
	}
	return errors.Join(errs...)
}

// checkURL accepts an absolute http(s) URL that fits between angle brackets
// in a header.
func checkURL(s string) error {
	if len(s) > MaxURL || hasControl(s) || strings.ContainsAny(s, " <>,\"") || !isASCII(s) {
		return headerErr("url", "not a plain URL")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return headerErr("url", "not an absolute http(s) URL")
	}
	return nil
}

// Bytes composes the message in RFC 5322 wire form with CRLF line ends.
func (m Message) Bytes() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	var b bytes.Buffer
	header := func(name, value string) error {
		line, err := fold(name, value)
		if err != nil {
			return err
		}
		b.WriteString(line)
		return nil
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	boundary := m.boundary()
	hs := [][2]string{
		{"Date", m.Date.Format(time.RFC1123Z)},
		{"From", m.From.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Message-ID", "<" + m.MessageID() + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})},
		// Automatic mail (RFC 3834): auto-responders stay silent, which
		// keeps vigil out of mail loops with the inbound listener.
		{"Auto-Submitted", "auto-generated"},
		{"X-Auto-Response-Suppress", "All"},
	}
	if m.Unsubscribe != "" {
		hs = append(hs, [2]string{"List-Unsubscribe", "<" + m.Unsubscribe + ">"},
			[2]string{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
			[2]string{"Precedence", "bulk"})
	}
	for _, h := range hs {
		if err := header(h[0], h[1]); err != nil {
			return nil, fmt.Errorf("compose mail: %w", err)
		}
	}
	b.WriteString("\r\n")
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if err := writePart(w, p.typ, p.body); err != nil {
			return nil, fmt.Errorf("compose mail: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compose mail: %w", err)
	}
	return b.Bytes(), nil
}

// writePart writes one UTF-8 text part: base64 when most of it is not
// ASCII (shorter than quoted-printable then), quoted-printable otherwise.
func writePart(w *multipart.Writer, typ, body string) error {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	enc := "quoted-printable"
	if nonASCII(body)*3 > len(body) {
		enc = "base64"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(typ, map[string]string{"charset": "utf-8"}))
	h.Set("Content-Transfer-Encoding", enc)
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if enc == "base64" {
		s := base64.StdEncoding.EncodeToString([]byte(body))
		for len(s) > 76 {
			if _, err := pw.Write([]byte(s[:76] + "\r\n")); err != nil {
				return err
			}
			s = s[76:]
		}
		_, err := pw.Write([]byte(s + "\r\n"))
		return err
	}
	qw := quotedprintable.NewWriter(pw)
	if _, err := qw.Write([]byte(body)); err != nil {
		return err
	}
	return qw.Close()
}

func nonASCII(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	return n
}

// fold formats one header field, folding the value at spaces so lines stay
// within 78 characters where possible and within 998 always. The value is
// already encoded: printable ASCII only.
func fold(name, value string) (string, error) {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' || c > '~' {
			return "", headerErr(strings.ToLower(name), "unencoded character")
		}
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	line := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word != "" && line+1+len(word) > foldAt && line > 1 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" ")
		b.WriteString(word)
		line += 1 + len(word)
		if line > maxLine {
			return "", headerErr(strings.ToLower(name), "line longer than 998 octets")
		}
	}
	b.WriteString("\r\n")
	return b.String(), nil
}

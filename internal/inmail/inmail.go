// Package inmail parses a mail that arrived at the security address into
// what a report needs: the sender, a one-line subject, readable text, the
// attachments, OpenPGP-encrypted parts, and whether it is an auto-reply, a
// bounce or a loop that must not become a report (R1).
//
// It uses the standard library's net/mail, mime and mime/multipart, with
// golang.org/x/text for the charsets mail still uses (ISO-8859-*,
// windows-125x, KOI8, Shift_JIS, ...), and go-crypto to decrypt OpenPGP.
//
// Invariants: Parse never panics and does no I/O; everything it returns is
// valid UTF-8 without NUL characters; the subject, the sender's name and
// every file name are single lines without control characters; the text,
// the parts walked, the nesting depth, the attachments kept and the bytes
// decrypted are bounded by Limits. Only unreadable headers are an error;
// anything else malformed is parsed defensively and noted in Problems.
package inmail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Kind says what a mail is.
type Kind string

const (
	Normal    Kind = "normal"     // written by a person: becomes a report or joins a thread
	AutoReply Kind = "auto_reply" // out-of-office, vacation, list traffic, read receipts
	Bounce    Kind = "bounce"     // a delivery status notification
	Loop      Kind = "loop"       // vigil's own mail come back
)

// Address is a sender.
type Address struct {
	Name    string
	Address string // empty when the header held no valid address
}

// Attachment is a file of the mail. Content is nil when it was over the
// limits: its name, size and hash are still recorded.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64
	SHA256      string // hex
	Content     []byte
}

// Message is a parsed mail.
type Message struct {
	MessageID   string // without angle brackets; "" if missing or unusable
	From        Address
	Subject     string
	Date        time.Time // zero if missing or malformed
	Text        string    // the readable text of every inline part, HTML converted
	FromHTML    bool      // some of Text came from HTML
	Attachments []Attachment
	Encrypted   bool // an OpenPGP-encrypted part was found (kept as an attachment)
	Decrypted   bool // ... and decrypted with the configured keys
	Kind        Kind
	Reason      string   // why Kind is not Normal
	Problems    []string // what was malformed and how it was handled
}

// Limits bound the work and the memory of one parse; zero fields take the
// defaults.
type Limits struct {
	MaxParts           int   // MIME parts walked; default 200
	MaxDepth           int   // nesting of multiparts; default 10
	MaxAttachments     int   // attachments whose content is kept; default 20
	MaxAttachmentBytes int64 // total content kept; default 20 MiB
	MaxText            int   // bytes of Text; default 200 KiB
	MaxDecrypted       int64 // bytes of one decrypted message; default 25 MiB
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxParts, 200)
	def(&l.MaxDepth, 10)
	def(&l.MaxAttachments, 20)
	def(&l.MaxText, 200<<10)
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = 20 << 20
	}
	if l.MaxDecrypted <= 0 {
		l.MaxDecrypted = 25 << 20
	}
	return l
}

// Options configure Parse.
type Options struct {
	Limits Limits
	// Keys decrypt OpenPGP mail; nil keeps it encrypted.
	Keys openpgp.EntityList
	// Own are vigil's own addresses (the security address): mail from one
	// of them, or with an X-Loop header naming one, is a loop.
	Own []string
	// OwnMessageID reports whether a Message-ID is one vigil made; nil: none.
	OwnMessageID func(id string) bool
	// NullSender is set when the envelope sender was empty (MAIL FROM:<>),
	// which only delivery status notifications use.
	NullSender bool
}

// ErrMalformed is returned when the header of a mail cannot be read.
var ErrMalformed = errors.New("malformed message header")

var words = &mime.WordDecoder{CharsetReader: charsetReader}

// Parse parses a raw mail (header, blank line, body).
func Parse(raw []byte, o Options) (m *Message, err error) {
	defer func() {
		// The parser is written not to panic; this keeps a bug in it, or in
		// a library under it, from taking the listener down with it.
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("%w: parser failure: %v", ErrMalformed, p)
		}
	}()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	w := &walker{o: o, l: o.Limits.withDefaults(), m: &Message{Kind: Normal}}
	h := textproto.MIMEHeader(msg.Header)
	w.header(h)
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		w.problem("body unreadable: %v", err)
	}
	w.entity(h, body, 0)
	w.finish()
	w.classify(h)
	return w.m, nil
}

type walker struct {
	o         Options
	l         Limits
	m         *Message
	parts     int
	kept      int
	keptBytes int64
	text      strings.Builder
	cut       bool
	seen      map[string]bool // problems already noted
}

func (w *walker) problem(format string, args ...any) {
	p := line(fmt.Sprintf(format, args...), 300)
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if w.seen[p] || len(w.m.Problems) >= 20 {
		return
	}
	w.seen[p] = true
	w.m.Problems = append(w.m.Problems, p)
}

// header reads the top-level fields.
func (w *walker) header(h textproto.MIMEHeader) {
	w.m.Subject = line(decodeWords(h.Get("Subject")), 300)
	w.m.MessageID = messageID(h.Get("Message-Id"))
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		w.m.Date = d.UTC()
	}
	raw := h.Get("From")
	if raw == "" {
		w.problem("from: missing")
		return
	}
	p := mail.AddressParser{WordDecoder: words}
	as, err := p.ParseList(raw)
	if err != nil || len(as) == 0 {
		w.problem("from: not a valid address")
		w.m.From.Name = line(decodeWords(raw), 200)
		return
	}
	a := as[0]
	w.m.From = Address{Name: line(a.Name, 200), Address: line(a.Address, 254)}
	if w.m.From.Address != a.Address || strings.ContainsAny(a.Address, " <>\"") {
		w.problem("from: not a valid address")
		w.m.From.Address = ""
	}
}

// maxHops is the most Received headers a mail may have: more is a loop
// between mail servers (RFC 5321 §6.3 suggests 100 at most, mail servers
// commonly stop at 50).
const maxHops = 50

// classify sets Kind from the header and what the walk found.
func (w *walker) classify(h textproto.MIMEHeader) {
	set := func(k Kind, why string) {
		if w.m.Kind == Normal {
			w.m.Kind, w.m.Reason = k, why
		}
	}
	for _, v := range h.Values("X-Loop") {
		for _, own := range w.o.Own {
			if own != "" && strings.Contains(strings.ToLower(v), strings.ToLower(own)) {
				set(Loop, "X-Loop names "+own)
			}
		}
	}
	for _, own := range w.o.Own {
		if own != "" && strings.EqualFold(w.m.From.Address, own) {
			set(Loop, "sent from "+own)
		}
	}
	if n := len(h.Values("Received")); n > maxHops {
		set(Loop, fmt.Sprintf("%d Received headers", n))
	}
	if w.o.OwnMessageID != nil && w.m.MessageID != "" && w.o.OwnMessageID(w.m.MessageID) {
		set(Loop, "vigil's own Message-ID")
	}
	if w.o.NullSender {
		set(Bounce, "empty envelope sender")
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		set(Bounce, "empty Return-Path")
	}
	if local, _, _ := strings.Cut(w.m.From.Address, "@"); strings.EqualFold(local, "mailer-daemon") {
		set(Bounce, "sent by MAILER-DAEMON")
	}
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if ct == "multipart/report" {
		switch strings.ToLower(params["report-type"]) {
		case "delivery-status":
			set(Bounce, "delivery status report")
		case "disposition-notification":
			set(AutoReply, "read receipt")
		}
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" {
		if kw, _, _ := strings.Cut(v, ";"); strings.TrimSpace(kw) != "no" {
			set(AutoReply, "Auto-Submitted: "+line(v, 60))
		}
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "junk", "list", "auto_reply":
		set(AutoReply, "Precedence: "+p)
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if len(h.Values(k)) > 0 {
			set(AutoReply, k)
		}
	}
}

// addText appends readable text, bounded by MaxText.
func (w *walker) addText(s string) {
	s = strings.TrimSpace(s)
	if s == "" || w.cut {
		return
	}
	if w.text.Len() > 0 {
		s = "\n\n" + s
	}
	if room := w.l.MaxText - w.text.Len(); len(s) > room {
		s = cutUTF8(s, max(room, 0))
		w.cut = true
		w.problem("text: cut at %d bytes", w.l.MaxText)
	}
	w.text.WriteString(s)
}

// attach records an attachment and keeps its content within the limits.
func (w *walker) attach(name, ct string, data []byte) {
	sum := sha256.Sum256(data)
	a := Attachment{Filename: filename(name, len(w.m.Attachments)+1), ContentType: line(ct, 100), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	switch {
	case w.kept >= w.l.MaxAttachments:
		w.problem("attachments: only the first %d are kept", w.l.MaxAttachments)
	case w.keptBytes+a.Size > w.l.MaxAttachmentBytes:
		w.problem("attachments: only %d bytes in all are kept", w.l.MaxAttachmentBytes)
	default:
		a.Content = bytes.Clone(data)
		w.kept++
		w.keptBytes += a.Size
	}
	if len(w.m.Attachments) < 4*w.l.MaxAttachments {
		w.m.Attachments = append(w.m.Attachments, a)
	} else {
		w.problem("attachments: more than %d, the rest not even listed", 4*w.l.MaxAttachments)
	}
}

func (w *walker) finish() {
	w.m.Text = w.text.String()
}

// messageID returns a Message-ID without its angle brackets, or "" when
// it is not one line of printable ASCII without spaces.
func messageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" || len(s) > 250 {
		return ""
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '<' || r == '>' {
			return ""
		}
	}
	return s
}

// decodeWords decodes RFC 2047 encoded words, leaving what does not decode
// as it is, and reads 8-bit header bytes that are not UTF-8 as windows-1252.
func decodeWords(s string) string {
	if d, err := words.DecodeHeader(s); err == nil {
		s = d
	}
	if !utf8.ValidString(s) {
		s = latin1(s)
	}
	return s
}

// line makes s one line of at most n bytes: control characters (CR and LF
// from encoded words included) become spaces, runs of spaces one.
func line(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || r == ' ' || r == '\t' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return cutUTF8(b.String(), n)
}

// filename keeps the last element of a file name, as one short line; "" becomes
// "attachment-N".
func filename(s string, n int) string {
	s = decodeWords(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimLeft(line(s, 200), ". ")
	if s == "" {
		return fmt.Sprintf("attachment-%d", n)
	}
	return s
}

// cutUTF8 cuts s to at most n bytes on a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Package smtpd is the SMTP listener of the security address (R1): it
// takes mail for the address and its plus-addresses
// (security+VR-2026-00042@...), parses it with inmail and hands it to the
// case service, which opens a report or adds the mail to the thread of the
// report whose tracking ID the plus-address or the subject carries.
//
// Every outcome is an SMTP reply: 550 for another recipient or unreadable
// headers, 552 beyond the size limit, 452 beyond the recipient limit, 451
// when the store fails (the sender's server tries again; the Message-ID
// keeps the retry from making a second report), 250 otherwise. Auto-replies,
// bounces and loops are taken (250) and dropped: counted and logged, never a
// report, never answered.
package smtpd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/inmail"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
)

// DefaultMaxSize bounds a message unless Config.MaxSize says otherwise.
const DefaultMaxSize = 25 << 20

// Config configures the listener.
type Config struct {
	// Address is the security address, e.g. security@acme.example; mail to
	// it and to its plus-addresses is taken, to anyone else refused.
	Address string
	// Domain is the name the server greets with; default: Address's domain.
	Domain        string
	MaxSize       int64         // bytes per message; default DefaultMaxSize
	MaxRecipients int           // per message; default 10
	MaxConns      int           // connections served at once, the rest wait; default 20
	Timeout       time.Duration // per read and per write; default 2 minutes
	// TLS offers STARTTLS when set.
	TLS *tls.Config
	// Parse configures the parser: limits and the OpenPGP decryption keys.
	// Own defaults to Address.
	Parse inmail.Options
}

// Stats count what the listener did since it started.
type Stats struct {
	Reports, Replies, Retries            int64 // new reports, thread replies, retried mails taken before
	AutoReplies, Bounces, Loops, Refused int64
}

// Server is the listener.
type Server struct {
	cfg         Config
	local, host string // of the security address, lowercase
	svc         *casework.Service
	log         *slog.Logger
	smtp        *smtp.Server
	stats       struct {
		reports, replies, retries, autoReplies, bounces, loops, refused atomic.Int64
	}
}

// New returns a listener that hands mail to svc.
func New(cfg Config, svc *casework.Service, log *slog.Logger) (*Server, error) {
	if err := report.ValidEmail(cfg.Address); err != nil {
		return nil, fmt.Errorf("inbound mail: address %q: %w", cfg.Address, err)
	}
	local, host, _ := strings.Cut(strings.ToLower(cfg.Address), "@")
	if strings.Contains(local, "+") {
		return nil, fmt.Errorf("inbound mail: address %q: the security address cannot itself be a plus-address", cfg.Address)
	}
	if cfg.Domain == "" {
		cfg.Domain = host
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 10
	}
	if cfg.MaxConns <= 0 {
		// A message is held in memory while it is parsed: this bounds the
		// memory of the listener to a few times MaxConns*MaxSize.
		cfg.MaxConns = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Parse.Limits.MaxText <= 0 {
		// Room for the list of attachments and the notes after the text.
		cfg.Parse.Limits.MaxText = report.MaxBody - 32<<10
	}
	if len(cfg.Parse.Own) == 0 {
		cfg.Parse.Own = []string{cfg.Address}
	}
	s := &Server{cfg: cfg, local: local, host: host, svc: svc, log: log}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxSize
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout, srv.WriteTimeout = cfg.Timeout, cfg.Timeout
	srv.TLSConfig = cfg.TLS
	srv.EnableSMTPUTF8 = true // reporters' addresses and names may be UTF-8 (RFC 6531)
	srv.ErrorLog = smtpLog{log}
	s.smtp = srv
	return s, nil
}

// Serve takes connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.smtp.Serve(&limitListener{Listener: l, sem: make(chan struct{}, s.cfg.MaxConns)})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops taking connections and waits for the open ones to end,
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.smtp.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	return Stats{Reports: s.stats.reports.Load(), Replies: s.stats.replies.Load(), Retries: s.stats.retries.Load(),
		AutoReplies: s.stats.autoReplies.Load(), Bounces: s.stats.bounces.Load(), Loops: s.stats.loops.Load(),
		Refused: s.stats.refused.Load()}
}

// recipient checks a recipient: the security address or one of its
// plus-addresses. It returns the tracking ID a plus-address carries.
func (s *Server) recipient(to string) (trackingID string, ok bool) {
	i := strings.LastIndexByte(to, '@')
	if i < 0 || len(to) > 254 {
		return "", false
	}
	local, host := strings.ToLower(to[:i]), strings.ToLower(to[i+1:])
	if host != s.host {
		return "", false
	}
	if local == s.local {
		return "", true
	}
	tag, ok := strings.CutPrefix(local, s.local+"+")
	if !ok {
		return "", false
	}
	id, _ := report.FindTrackingID(tag)
	return id, true
}

type session struct {
	s        *Server
	remote   string
	from     string
	nullFrom bool
	rcpts    int
	tracking string // from a plus-address
}

func (c *session) Reset() { c.from, c.nullFrom, c.rcpts, c.tracking = "", false, 0, "" }

func (c *session) Logout() error { return nil }

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	c.Reset()
	if len(from) > 254 {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "sender address too long"}
	}
	c.from, c.nullFrom = from, from == ""
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	id, ok := c.s.recipient(to)
	if !ok {
		c.s.stats.refused.Add(1)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such recipient here"}
	}
	if id != "" && c.tracking == "" {
		c.tracking = id
	}
	c.rcpts++
	return nil
}

func (c *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		// smtp.ErrDataTooLarge is the 552 reply itself.
		c.s.stats.refused.Add(1)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.s.receive(ctx, envelope{from: c.from, null: c.nullFrom, tracking: c.tracking, remote: c.remote}, raw)
}

type envelope struct {
	from     string
	null     bool
	tracking string
	remote   string
}

var (
	errMalformed = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "malformed message header"}
	errRefused   = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message not acceptable"}
	errTemporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
)

// receive parses a mail and takes it in: a new report, a reply on a
// thread, or nothing for what no person wrote.
func (s *Server) receive(ctx context.Context, env envelope, raw []byte) error {
	opts := s.cfg.Parse
	opts.NullSender = env.null
	m, err := inmail.Parse(raw, opts)
	if err != nil {
		s.stats.refused.Add(1)
		s.log.Info("inbound mail refused", "reason", err.Error(), "remote", env.remote, "envelope_from", env.from)
		return errMalformed
	}
	attrs := []any{"message_id", m.MessageID, "from", m.From.Address, "envelope_from", env.from, "remote", env.remote}
	switch m.Kind {
	case inmail.AutoReply:
		s.stats.autoReplies.Add(1)
		s.log.Info("inbound auto-reply dropped", append(attrs, "reason", m.Reason)...)
		return nil
	case inmail.Bounce:
		s.stats.bounces.Add(1)
		s.log.Info("inbound bounce dropped", append(attrs, "reason", m.Reason)...)
		return nil
	case inmail.Loop:
		s.stats.loops.Add(1)
		s.log.Warn("inbound mail loop dropped", append(attrs, "reason", m.Reason)...)
		return nil
	}
	from := m.From.Address
	if report.ValidEmail(from) != nil {
		from = ""
	}
	atts := attachments(m)
	body := Body(m)
	tracking := env.tracking
	if tracking == "" {
		tracking, _ = report.FindTrackingID(m.Subject)
	}
	if tracking != "" {
		msg, err := s.svc.MailReply(ctx, tracking, from, body, atts)
		switch {
		case err == nil:
			s.stats.replies.Add(1)
			s.log.Info("inbound mail added to a thread", append(attrs, "tracking_id", tracking, "sender", msg.From, "attachments", len(atts))...)
			return nil
		case errors.Is(err, store.ErrNotFound):
			// An unknown or mistyped tracking ID: a new report, so nothing is lost.
			body = "[This mail names the tracking ID " + tracking + ", which no report has.]\n\n" + body
		case msg.ID != 0:
			s.log.Error("inbound mail attachments not stored", append(attrs, "tracking_id", tracking, "err", err)...)
			return nil
		default:
			return s.failed(err, attrs)
		}
	}
	r, created, err := s.svc.MailReport(ctx, casework.InboundMail{
		From:    report.Contact{Name: m.From.Name, Email: from},
		Subject: m.Subject, Body: body, MessageID: m.MessageID, Attachments: atts,
	})
	switch {
	case err == nil && !created:
		s.stats.retries.Add(1)
		s.log.Info("inbound mail taken before", append(attrs, "tracking_id", r.TrackingID)...)
		return nil
	case err == nil:
		s.stats.reports.Add(1)
		s.log.Info("inbound mail made a report", append(attrs, "tracking_id", r.TrackingID, "attachments", len(atts),
			"encrypted", m.Encrypted, "decrypted", m.Decrypted)...)
		return nil
	case r.ID != 0:
		s.stats.reports.Add(1)
		s.log.Error("inbound mail attachments not stored", append(attrs, "tracking_id", r.TrackingID, "err", err)...)
		return nil
	default:
		return s.failed(err, attrs)
	}
}

// failed maps a failure of the case service to an SMTP reply.
func (s *Server) failed(err error, attrs []any) error {
	var inv *casework.InvalidError
	if errors.As(err, &inv) {
		s.stats.refused.Add(1)
		s.log.Info("inbound mail refused", append(attrs, "reason", err.Error())...)
		return errRefused
	}
	s.log.Error("inbound mail not taken", append(attrs, "err", err)...)
	return errTemporary
}

// attachments are the kept attachments of m, in the store's form.
func attachments(m *inmail.Message) []store.Attachment {
	var out []store.Attachment
	for _, a := range m.Attachments {
		if a.Content == nil {
			continue
		}
		out = append(out, store.Attachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, Content: a.Content})
	}
	return out
}

// Body is the text of a report or thread message made from m: its text,
// then every attachment with its size and SHA-256 (also those over the
// limits, which are not kept), what happened to OpenPGP encryption, and
// what was malformed.
func Body(m *inmail.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	if len(m.Attachments) > 0 {
		b.WriteString("\n\n-- \nAttachments:\n")
		for _, a := range m.Attachments {
			fmt.Fprintf(&b, "- %s (%s, %d bytes, SHA-256 %s)", a.Filename, a.ContentType, a.Size, a.SHA256)
			if a.Content == nil {
				b.WriteString(" not kept: over the limits")
			}
			b.WriteString("\n")
		}
	}
	switch {
	case m.Decrypted:
		b.WriteString("\n[OpenPGP: decrypted with the configured key; the encrypted original is kept as an attachment.]\n")
	case m.Encrypted:
		b.WriteString("\n[OpenPGP: encrypted; kept as an attachment, not decrypted.]\n")
	}
	if len(m.Problems) > 0 {
		b.WriteString("\n[Parsing notes: " + strings.Join(m.Problems, "; ") + "]\n")
	}
	return cut(strings.TrimSpace(b.String()), report.MaxBody)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return s
}

// limitListener serves at most cap(sem) connections at once: Accept waits
// for one to close.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// smtpLog carries go-smtp's own log lines (connection errors, panics it
// recovered) into the structured log.
type smtpLog struct{ log *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) {
	l.log.Warn("smtp server", "detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (l smtpLog) Println(v ...any) {
	l.log.Warn("smtp server", "detail", strings.TrimSpace(fmt.Sprintln(v...)))
}

// Package mailer sends vigil's e-mail: an SMTP client (STARTTLS, implicit
// TLS, authentication) and the outbox handlers of the email and subscribers
// channels, which resolve recipients, render package mail's templates and
// send, or fan an advisory out to its subscribers as one email row each.
//
// Invariants: credentials never cross an unencrypted connection; a
// message's Message-ID derives from its outbox key, so a retry after a lost
// reply carries the same Message-ID; an error the server marks permanent
// (5xx) for the message, its sender or every recipient fails the message at
// once (deliver.Permanent), anything else (4xx, network, TLS, a refused
// login, which are the server's or the configuration's condition and not
// the message's) is retried with back-off.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/deliver"
)

// Security is how the connection to the SMTP server is protected.
type Security string

const (
	StartTLS    Security = "starttls" // plain connection upgraded with STARTTLS, which is required
	ImplicitTLS Security = "tls"      // TLS from the first byte (port 465)
	NoTLS       Security = "none"     // no encryption: for a relay on loopback only
)

// Sender sends messages to one SMTP server.
type Sender struct {
	Host     string
	Port     int
	Security Security
	// Username and Password authenticate with AUTH PLAIN or LOGIN, only
	// over TLS; empty: no authentication.
	Username, Password string
	// TLS configures the TLS client; nil: the system's roots and Host as
	// the server name.
	TLS *tls.Config
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
	// Timeout bounds one message's whole SMTP session (default 1 min).
	Timeout time.Duration
	// MaxSize bounds a message in bytes (default 10 MiB); larger ones fail.
	MaxSize int
}

// DefaultMaxSize is the default bound of a message.
const DefaultMaxSize = 10 << 20

// Validate reports every configuration problem at once.
func (s *Sender) Validate() error {
	var errs []error
	if s.Host == "" {
		errs = append(errs, errors.New("host: required"))
	}
	if s.Port < 0 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port: %d out of range", s.Port))
	}
	switch s.Security {
	case StartTLS, ImplicitTLS:
	case NoTLS:
		if !isLoopback(s.Host) {
			errs = append(errs, fmt.Errorf("security: none is allowed for a loopback host only, not %q", s.Host))
		}
		if s.Username != "" {
			errs = append(errs, errors.New("username: authentication needs TLS (security starttls or tls)"))
		}
	default:
		errs = append(errs, fmt.Errorf("security: %q is not starttls, tls or none", s.Security))
	}
	if s.Username != "" && s.Password == "" {
		errs = append(errs, errors.New("password: required with a username"))
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// port is the configured port or the security's default.
func (s *Sender) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.Security == ImplicitTLS:
		return 465
	case s.Security == NoTLS:
		return 25
	}
	return 587
}

func (s *Sender) tlsConfig() *tls.Config {
	c := &tls.Config{}
	if s.TLS != nil {
		c = s.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.Host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// Send sends one message to the recipients in one SMTP transaction. A
// recipient the server refuses permanently is left out and named in the
// returned list; if it refuses them all, the error is permanent.
func (s *Sender) Send(ctx context.Context, from string, to []string, msg []byte) (refused []string, err error) {
	max := s.MaxSize
	if max == 0 {
		max = DefaultMaxSize
	}
	if len(msg) > max {
		return nil, deliver.Permanent(fmt.Errorf("message of %d bytes exceeds the limit of %d", len(msg), max))
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.port()))
	var conn net.Conn
	dialer := &net.Dialer{Timeout: timeout}
	if s.Security == ImplicitTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("smtp connect %s: %w", addr, err)
	}
	// The deadline bounds every read and write; ending ctx closes the
	// connection, which ends whatever call is waiting.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("smtp greeting from %s: %w", addr, err)
	}
	defer c.Close()
	refused, err = s.session(c, from, to, msg, len(msg))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("smtp %s: %w (%w)", addr, err, ctx.Err())
		}
		return nil, fmt.Errorf("smtp %s: %w", addr, err)
	}
	return refused, nil
}

func (s *Sender) session(c *smtp.Client, from string, to []string, msg []byte, size int) ([]string, error) {
	local := s.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return nil, fmt.Errorf("ehlo: %w", err)
	}
	encrypted := s.Security == ImplicitTLS
	if s.Security == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			// Required, never skipped: a stripped STARTTLS is how a
			// downgrade looks. Retried, as the server may be fixed.
			return nil, errors.New("the server does not offer STARTTLS, which security starttls requires")
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
		encrypted = true
	}
	if s.Username != "" {
		if !encrypted {
			return nil, errors.New("refusing to authenticate over an unencrypted connection")
		}
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return nil, errors.New("the server offers no authentication")
		}
		var auth smtp.Auth
		switch fields := strings.Fields(strings.ToUpper(mechs)); {
		case slices.Contains(fields, "PLAIN"):
			auth = smtp.PlainAuth("", s.Username, s.Password, s.Host)
		case slices.Contains(fields, "LOGIN"):
			auth = loginAuth{s.Username, s.Password}
		default:
			return nil, fmt.Errorf("the server offers neither AUTH PLAIN nor LOGIN (%s)", mechs)
		}
		if err := c.Auth(auth); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	if ok, param := c.Extension("SIZE"); ok {
		if limit, err := strconv.Atoi(param); err == nil && limit > 0 && size > limit {
			return nil, deliver.Permanent(fmt.Errorf("message of %d bytes exceeds the server's limit of %d", size, limit))
		}
	}
	if err := c.Mail(from); err != nil {
		return nil, fmt.Errorf("mail from: %w", classify(err))
	}
	var refused []string
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			if isPermanent(err) {
				refused = append(refused, rcpt)
				continue
			}
			return nil, fmt.Errorf("rcpt to %s: %w", rcpt, err)
		}
	}
	if len(refused) == len(to) {
		return refused, deliver.Permanent(fmt.Errorf("every recipient refused: %s", strings.Join(refused, ", ")))
	}
	w, err := c.Data()
	if err != nil {
		return nil, fmt.Errorf("data: %w", classify(err))
	}
	if _, err := w.Write(msg); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("data: %w", classify(err))
	}
	// The message is accepted; a failing QUIT changes nothing.
	_ = c.Quit()
	return refused, nil
}

// isPermanent reports a 5xx reply.
func isPermanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

// classify marks a 5xx reply permanent.
func classify(err error) error {
	if isPermanent(err) {
		return deliver.Permanent(err)
	}
	return err
}

// loginAuth is AUTH LOGIN, which net/smtp lacks; it refuses to run
// without TLS.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errors.New("refusing AUTH LOGIN over an unencrypted connection")
	}
	return "LOGIN", nil, nil
}

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch p := strings.ToLower(string(challenge)); {
	case strings.Contains(p, "user"):
		return []byte(a.user), nil
	case strings.Contains(p, "pass"):
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected AUTH LOGIN challenge %q", challenge)
}

package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/smtpd"
)

// startInbound starts the security address's SMTP listener when
// channels.inbound.addr is set; the returned function stops it. It offers
// STARTTLS with serve's certificate when serve has one, and decrypts
// OpenPGP mail with channels.inbound.pgp_key_file when set.
func startInbound(c Config, svc *casework.Service, log *slog.Logger) (func() error, error) {
	in := c.Channels.Inbound
	if in.Addr == "" {
		return func() error { return nil }, nil
	}
	cfg := smtpd.Config{Address: in.Address, MaxSize: in.MaxSize}
	cfg.Parse.Own = []string{in.Address}
	if from, err := mail.ParseAddress(c.Channels.SMTP.From); err == nil && !strings.EqualFold(from.Address, in.Address) {
		cfg.Parse.Own = append(cfg.Parse.Own, from.Address)
	}
	cfg.Parse.OwnMessageID = ownMessageID(c.Channels.SMTP.From)
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("inbound mail: STARTTLS certificate: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if in.PGPKeyFile != "" {
		keys, err := readPGPKeys(in.PGPKeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Parse.Keys = keys
	}
	srv, err := smtpd.New(cfg, svc, log)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", in.Addr)
	if err != nil {
		return nil, fmt.Errorf("inbound mail: %w", err)
	}
	log.Info("inbound mail listening", "addr", l.Addr().String(), "address", in.Address, "starttls", cfg.TLS != nil, "pgp", in.PGPKeyFile != "")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		st := srv.Stats()
		log.Info("inbound mail stopped", "reports", st.Reports, "replies", st.Replies, "auto_replies", st.AutoReplies,
			"bounces", st.Bounces, "loops", st.Loops, "refused", st.Refused)
		return errors.Join(err, <-done)
	}, nil
}

// readPGPKeys reads an armored private key (or key ring) that can decrypt.
func readPGPKeys(path string) (openpgp.EntityList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inbound mail: pgp_key_file: %w", err)
	}
	defer f.Close()
	keys, err := openpgp.ReadArmoredKeyRing(f)
	if err != nil {
		return nil, fmt.Errorf("inbound mail: pgp_key_file %s: %w", path, err)
	}
	for _, k := range keys {
		if k.PrivateKey != nil {
			if k.PrivateKey.Encrypted {
				return nil, fmt.Errorf("inbound mail: pgp_key_file %s: the private key is protected by a passphrase; export it without one", path)
			}
			return keys, nil
		}
	}
	return nil, fmt.Errorf("inbound mail: pgp_key_file %s: no private key", path)
}

// ownMessageID recognises the Message-IDs of vigil's outgoing mail
// (mail.Message.MessageID: 32 hex digits at the sender's domain), so that
// a copy of it sent back to the security address is seen as a loop.
func ownMessageID(from string) func(string) bool {
	domain := "vigil.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i+1 < len(a.Address) {
			domain = a.Address[i+1:]
		}
	}
	return func(id string) bool {
		local, host, ok := strings.Cut(id, "@")
		if !ok || len(local) != 32 || !strings.EqualFold(host, domain) {
			return false
		}
		return strings.Trim(local, "0123456789abcdef") == ""
	}
}

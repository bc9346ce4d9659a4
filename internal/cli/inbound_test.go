package cli

import (
	"bytes"
	"context"
	nmail "net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"

	vmail "github.com/vigil-psirt/vigil/internal/mail"
	"github.com/vigil-psirt/vigil/internal/store"
)

// TestServeInbound starts serve with the inbound listener configured as
// the README shows, mails it an OpenPGP-encrypted report with Go's SMTP
// client, and finds the report decrypted in the store after shutdown.
func TestServeInbound(t *testing.T) {
	dir := t.TempDir()
	key, err := openpgp.NewEntity("Acme PSIRT", "", "security@acme.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	var priv bytes.Buffer
	aw, _ := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err := key.SerializePrivate(aw, nil); err != nil {
		t.Fatal(err)
	}
	aw.Close()
	keyFile := filepath.Join(dir, "security.asc")
	os.WriteFile(keyFile, priv.Bytes(), 0o600)
	cfgFile := filepath.Join(dir, "vigil.yaml")
	os.WriteFile(cfgFile, []byte("channels:\n  inbound:\n    addr: 127.0.0.1:0\n    address: security@acme.example\n    pgp_key_file: "+keyFile+"\n"), 0o600)

	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs syncBuffer
	e := &env{stdout: &errs, stderr: &errs, getenv: func(string) string { return "" }, now: time.Now}
	done := make(chan int)
	go func() {
		done <- run(ctx, e, []string{"serve", "--config", cfgFile, "--data", data, "--addr", "127.0.0.1:0"})
	}()
	listening := regexp.MustCompile(`inbound mail listening" addr=(\S+)`)
	var addr string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(errs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		<-done
		t.Fatalf("no inbound listener:\n%s", errs.String())
	}

	var ct bytes.Buffer
	aw, _ = armor.Encode(&ct, "PGP MESSAGE", nil)
	pw, err := openpgp.Encrypt(aw, []*openpgp.Entity{key}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte("Content-Type: text/plain\r\n\r\nThe debug endpoint leaks keys.\r\n"))
	pw.Close()
	aw.Close()
	mail := "From: Frank <frank@example.org>\r\nTo: security@acme.example\r\nSubject: secret\r\nMessage-ID: <cli@example.org>\r\n" +
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=e\r\n\r\n" +
		"--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e\r\nContent-Type: application/octet-stream\r\n\r\n" +
		strings.ReplaceAll(ct.String(), "\n", "\r\n") + "\r\n--e--\r\n"
	if err := smtp.SendMail(addr, nil, "frank@example.org", []string{"security@acme.example"}, []byte(mail)); err != nil {
		t.Fatalf("send: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(errs.String(), "inbound mail stopped") {
		t.Errorf("the listener was not stopped:\n%s", errs.String())
	}
	st, err := store.Open(context.Background(), store.Config{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.ListReports(context.Background(), store.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !strings.Contains(rs[0].Body, "The debug endpoint leaks keys.") || rs[0].Reporter.Email != "frank@example.org" {
		t.Errorf("reports: %+v", rs)
	}
}

func TestInboundConfigErrors(t *testing.T) {
	dir := t.TempDir()
	locked, err := openpgp.NewEntity("x", "", "x@acme.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := locked.EncryptPrivateKeys([]byte("passphrase"), nil); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	aw, _ := armor.Encode(&b, openpgp.PrivateKeyType, nil)
	locked.SerializePrivateWithoutSigning(aw, nil)
	aw.Close()
	lockedFile := filepath.Join(dir, "locked.asc")
	os.WriteFile(lockedFile, b.Bytes(), 0o600)
	garbage := filepath.Join(dir, "garbage.asc")
	os.WriteFile(garbage, []byte("not a key"), 0o600)

	for _, c := range []struct {
		name string
		in   InboundConfig
		want string
	}{
		{"no address", InboundConfig{Addr: "127.0.0.1:0"}, "not a valid e-mail address"},
		{"plus address", InboundConfig{Addr: "127.0.0.1:0", Address: "security+x@acme.example"}, "plus-address"},
		{"missing key file", InboundConfig{Addr: "127.0.0.1:0", Address: "security@acme.example", PGPKeyFile: filepath.Join(dir, "none")}, "no such file"},
		{"not a key", InboundConfig{Addr: "127.0.0.1:0", Address: "security@acme.example", PGPKeyFile: garbage}, "pgp_key_file"},
		{"passphrase", InboundConfig{Addr: "127.0.0.1:0", Address: "security@acme.example", PGPKeyFile: lockedFile}, "passphrase"},
		{"bad listen address", InboundConfig{Addr: "no-such-host.invalid:x", Address: "security@acme.example"}, "inbound mail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			cfg.Channels.Inbound = c.in
			stop, err := startInbound(cfg, nil, logger(&bytes.Buffer{}, "error"))
			if err == nil {
				stop()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
}

// TestOwnMessageID keeps the loop check in step with the Message-IDs the
// outgoing mail makes.
func TestOwnMessageID(t *testing.T) {
	for _, from := range []string{"Acme PSIRT <security@acme.example>", ""} {
		own := ownMessageID(from)
		m := vmail.Message{Key: "report:VR-2026-00001:ack"}
		if a, err := nmail.ParseAddress(from); err == nil {
			m.From = *a
		}
		if id := m.MessageID(); !own(id) {
			t.Errorf("from %q: %s not recognised", from, id)
		}
	}
	own := ownMessageID("security@acme.example")
	for _, id := range []string{"", "20261123.1@researcher.example", "0123456789abcdef0123456789abcdef@other.example", "0123456789abcdef0123456789abcdeg@acme.example"} {
		if own(id) {
			t.Errorf("%q taken for vigil's own", id)
		}
	}
}

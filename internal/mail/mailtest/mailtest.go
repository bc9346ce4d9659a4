// Package mailtest runs a real SMTP server for tests: mailpit, installed in
// .tools by .ci/run, started on free loopback ports with its database in
// the test's temporary directory, and read back through its HTTP API.
// Tests skip locally when mailpit is missing and fail in CI.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// Options configure the server.
type Options struct {
	// TLS gives the SMTP server a self-signed certificate for 127.0.0.1
	// and localhost; STARTTLS is then offered (see CertPool).
	TLS bool
	// RequireSTARTTLS refuses mail before STARTTLS; RequireTLS serves
	// implicit TLS only. Both imply TLS.
	RequireSTARTTLS, RequireTLS bool
	// Auth requires this user and password (AUTH PLAIN or LOGIN, over TLS).
	Auth *Credentials
	// Chaos sets mailpit's chaos triggers, e.g. "Recipient:451:100".
	Chaos string
	// Args are more mailpit flags.
	Args []string
}

// Credentials are an SMTP login.
type Credentials struct{ User, Password string }

// Server is a running mailpit.
type Server struct {
	Host     string // 127.0.0.1
	SMTPPort int
	API      string // base URL of the HTTP API
	pool     *x509.CertPool
	tb       testing.TB
	bin      string
	args     []string
	log      string
	cmd      *exec.Cmd
	done     chan struct{}
}

// Start starts mailpit; it stops when the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	bin := sharedtest.Tool(tb, "mailpit")
	dir := tb.TempDir()
	s := &Server{Host: "127.0.0.1", SMTPPort: freePort(tb), tb: tb, bin: bin, log: filepath.Join(dir, "mailpit.log")}
	httpPort := freePort(tb)
	s.API = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	s.args = []string{"--smtp", net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort)), "--listen", net.JoinHostPort(s.Host, strconv.Itoa(httpPort)),
		"--database", filepath.Join(dir, "mailpit.db"), "--disable-version-check", "--smtp-disable-rdns", "--max", "5000"}
	if o.TLS || o.RequireSTARTTLS || o.RequireTLS {
		cert, key := s.certificate(dir)
		s.args = append(s.args, "--smtp-tls-cert", cert, "--smtp-tls-key", key)
	}
	if o.RequireSTARTTLS {
		s.args = append(s.args, "--smtp-require-starttls")
	}
	if o.RequireTLS {
		s.args = append(s.args, "--smtp-require-tls")
	}
	if o.Auth != nil {
		file := filepath.Join(dir, "smtp-auth")
		sum := sha1.Sum([]byte(o.Auth.Password)) // htpasswd's {SHA} scheme
		if err := os.WriteFile(file, []byte(o.Auth.User+":{SHA}"+base64.StdEncoding.EncodeToString(sum[:])+"\n"), 0o600); err != nil {
			tb.Fatal(err)
		}
		s.args = append(s.args, "--smtp-auth-file", file)
	}
	if o.Chaos != "" {
		s.args = append(s.args, "--enable-chaos", "--chaos-triggers", o.Chaos)
	}
	s.args = append(s.args, o.Args...)
	s.Restart()
	tb.Cleanup(s.Stop)
	return s
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Restart starts mailpit again, on the same ports and database, after Stop
// (or for the first time).
func (s *Server) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("mailpit is running")
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.tb.Fatal(err)
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		s.tb.Fatalf("start mailpit: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.API + "/api/v1/info")
		if err == nil {
			res.Body.Close()
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort)), time.Second); err == nil {
				c.Close()
				return
			}
		}
		select {
		case <-s.done:
			s.tb.Fatalf("mailpit exited at start:\n%s", s.Log())
		default:
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("mailpit did not come up:\n%s", s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops mailpit; the ports then refuse connections until Restart.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Log returns mailpit's output so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// CertPool trusts the server's self-signed certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

func (s *Server) certificate(dir string) (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.tb.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		s.tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.pool = x509.NewCertPool()
	s.pool.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		s.tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		s.tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		s.tb.Fatal(err)
	}
	return certFile, keyFile
}

// Address is an address as the API shows it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message in the list.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
}

// Message is one message in full.
type Message struct {
	Summary
	Text    string              `json:"Text"`
	HTML    string              `json:"HTML"`
	Headers map[string][]string `json:"-"`
	Raw     string              `json:"-"`
}

func (s *Server) get(path string, into any) {
	s.tb.Helper()
	res, err := http.Get(s.API + path)
	if err != nil {
		s.tb.Fatalf("mailpit API %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		s.tb.Fatalf("mailpit API %s: %d %v\n%s", path, res.StatusCode, err, body)
	}
	if raw, ok := into.(*string); ok {
		*raw = string(body)
		return
	}
	if err := json.Unmarshal(body, into); err != nil {
		s.tb.Fatalf("mailpit API %s: %v", path, err)
	}
}

// Messages lists every message received, newest first.
func (s *Server) Messages() []Summary {
	s.tb.Helper()
	var out []Summary
	for start := 0; ; {
		var page struct {
			Total    int       `json:"total"`
			Messages []Summary `json:"messages"`
		}
		s.get(fmt.Sprintf("/api/v1/messages?start=%d&limit=500", start), &page)
		out = append(out, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out
		}
	}
}

// Message reads one message with its parts, headers and source.
func (s *Server) Message(id string) Message {
	s.tb.Helper()
	var m Message
	s.get("/api/v1/message/"+id, &m)
	s.get("/api/v1/message/"+id+"/headers", &m.Headers)
	s.get("/api/v1/message/"+id+"/raw", &m.Raw)
	return m
}

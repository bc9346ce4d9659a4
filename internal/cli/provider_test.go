package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// freePort returns a port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// servedDemo fills a data directory with the demo and serves it over
// HTTPS with `vigil serve --tls-cert --tls-key`, returning host:port.
func servedDemo(t *testing.T) (hostPort string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	data := filepath.Join(dir, "data")
	var port int
	var errs syncBuffer
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	// A port taken between freePort and serve is retried with another.
	for attempt := 0; ; attempt++ {
		port = freePort(t)
		hostPort = "127.0.0.1:" + strconv.Itoa(port)
		environ := map[string]string{"VIGIL_BASE_URL": "https://" + hostPort, "VIGIL_NAME": "Vigil Demo Vendor", "VIGIL_CONTACT": "security@vendor.example"}
		e := &env{stdout: io.Discard, stderr: &errs, getenv: func(k string) string { return environ[k] }, now: time.Now}
		if attempt == 0 {
			if code := run(ctx, e, []string{"demo", "--data", data}); code != 0 {
				t.Fatalf("vigil demo exited with %d:\n%s", code, errs.String())
			}
		}
		go func() {
			done <- run(ctx, e, []string{"serve", "--data", data, "--addr", hostPort, "--tls-cert", certFile, "--tls-key", keyFile})
		}()
		up := false
		for i := 0; i < 200 && !up; i++ {
			select {
			case code := <-done:
				if attempt < 3 && strings.Contains(errs.String(), "address already in use") {
					i = 200
					continue
				}
				t.Fatalf("vigil serve exited with %d:\n%s", code, errs.String())
			case <-time.After(50 * time.Millisecond):
				up = strings.Contains(errs.String(), "listening on https://"+hostPort)
			}
		}
		if up {
			break
		}
		if attempt >= 3 {
			t.Fatalf("vigil serve did not start:\n%s", errs.String())
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("vigil serve did not shut down")
		}
	})
	return hostPort
}

// TestServeTLS checks that serve speaks HTTPS only, with TLS 1.2 or later.
func TestServeTLS(t *testing.T) {
	hostPort := servedDemo(t)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get("https://" + hostPort + "/.well-known/security.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 ||
		!strings.Contains(string(body), "CSAF: https://"+hostPort+"/.well-known/csaf/provider-metadata.json") ||
		!strings.HasPrefix(string(body), "-----BEGIN PGP SIGNED MESSAGE-----") {
		t.Errorf("security.txt over TLS: %d\n%s", resp.StatusCode, body)
	}
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get("https://" + hostPort + "/"); err == nil {
		t.Error("TLS 1.1 was accepted")
	}
	if resp, err := http.Get("http://" + hostPort + "/"); err == nil && resp.StatusCode == 200 {
		t.Error("plain HTTP was served")
	}
}

// dnsProxy is an HTTP CONNECT proxy that stands in for DNS: it tunnels
// csaf.data.security.HOST:PORT to HOST:PORT and refuses every other target,
// so that csaf_checker (which honours HTTPS_PROXY) can check requirement 10,
// the provider metadata at https://csaf.data.security.DOMAIN, against a
// server on 127.0.0.1.
func dnsProxy(t *testing.T, hostPort string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Host != "csaf.data.security."+hostPort {
			http.Error(w, "no such host", http.StatusBadGateway)
			return
		}
		upstream, err := net.Dial("tcp", hostPort)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() {
			io.Copy(upstream, buf)
			upstream.Close()
		}()
		io.Copy(conn, upstream)
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// validatorWorker runs the Secvisogram validator library (strict schema,
// mandatory and optional tests, as internal/csaf/testdata/secvisogram.mjs
// does) in one node process that reads a document per line on stdin and
// answers a result per line: loading the library takes seconds, a document
// milliseconds.
const validatorWorker = `
import path from 'node:path'
import readline from 'node:readline'
import { pathToFileURL } from 'node:url'
const lib = path.join(process.env.VIGIL_TOOLS, 'node_modules', '@secvisogram', 'csaf-validator-lib')
const load = (name) => import(pathToFileURL(path.join(lib, name)).href)
const { default: validateStrict } = await load('validateStrict.js')
const schema = await load('schemaTests.js')
const mandatory = await load('mandatoryTests.js')
const optional = await load('optionalTests.js')
const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory), ...Object.values(optional)].filter((t) => typeof t === 'function')
for await (const line of readline.createInterface({ input: process.stdin })) {
  const result = await validateStrict(tests, JSON.parse(line))
  const out = { isValid: result.isValid, errors: [], warnings: [], infos: [] }
  for (const t of result.tests) {
    for (const kind of ['errors', 'warnings', 'infos']) {
      for (const r of t[kind] ?? []) out[kind].push({ message: t.name + ': ' + r.message, instancePath: r.instancePath })
    }
  }
  console.log(JSON.stringify(out))
}
`

// remoteValidator is a test double of the CSAF validator service that
// csaf_checker and csaf_downloader call with --validator (POST
// /api/v1/validate): it answers with the Secvisogram validator library's
// results (validatorWorker). It returns "" when node or the library is
// missing (outside CI).
func remoteValidator(t *testing.T) string {
	t.Helper()
	root := sharedtest.Root(t)
	node, err := exec.LookPath("node")
	lib := filepath.Join(root, ".tools", "node_modules", "@secvisogram", "csaf-validator-lib", "package.json")
	if _, serr := os.Stat(lib); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the Secvisogram library is missing (bash .ci/run installs it): %v %v", err, serr)
		}
		return ""
	}
	cmd := exec.Command(node, "--input-type=module", "-e", validatorWorker)
	cmd.Env = append(os.Environ(), "VIGIL_TOOLS="+filepath.Join(root, ".tools"))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	answers := bufio.NewScanner(stdout)
	answers.Buffer(nil, 16<<20)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/validate" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Tests    []struct{ Type, Name string } `json:"tests"`
			Document json.RawMessage               `json:"document"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Document) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var doc bytes.Buffer
		if err := json.Compact(&doc, req.Document); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		doc.WriteByte('\n')
		if _, err := stdin.Write(doc.Bytes()); err != nil || !answers.Scan() {
			http.Error(w, "validator failed", http.StatusInternalServerError)
			return
		}
		var test map[string]any // isValid, errors, warnings, infos
		if err := json.Unmarshal(answers.Bytes(), &test); err != nil {
			http.Error(w, "validator failed", http.StatusInternalServerError)
			return
		}
		test["name"] = "secvisogram"
		json.NewEncoder(w).Encode(map[string]any{"isValid": test["isValid"], "tests": []any{test}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkerReport is what this test reads of csaf_checker's JSON report.
type checkerReport struct {
	Domains []struct {
		Name         string `json:"name"`
		Role         string `json:"role"`
		Passed       bool   `json:"passed"`
		Requirements []struct {
			Num         int    `json:"num"`
			Description string `json:"description"`
			Messages    []struct {
				Type int    `json:"type"` // 0 info, 1 warning, 2 error
				Text string `json:"text"`
			} `json:"messages"`
		} `json:"requirements"`
	} `json:"domains"`
}

// TestCSAFTrustedProvider is the bar of the CSAF trusted provider: gocsaf's
// csaf_checker, run against the live server over HTTPS, reports the role
// trusted provider and every requirement it checks without an error, and
// csaf_downloader mirrors every advisory and VEX document without a hash,
// signature or validation error.
func TestCSAFTrustedProvider(t *testing.T) {
	checker := sharedtest.Tool(t, "csaf_checker")
	downloader := sharedtest.Tool(t, "csaf_downloader")
	hostPort := servedDemo(t)
	dir := t.TempDir()

	reportFile := filepath.Join(dir, "report.json")
	validator := remoteValidator(t)
	args := []string{"--insecure", "-f", "json", "-o", reportFile}
	if validator != "" {
		args = append(args, "--validator", validator, "--validator_preset", "mandatory")
	}
	cmd := exec.Command(checker, append(args, hostPort)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HTTPS_PROXY="+dnsProxy(t, hostPort), "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("csaf_checker: %v\n%s", err, out)
	}
	b, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatalf("csaf_checker wrote no report: %v\n%s", err, out)
	}
	var rep checkerReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	if len(rep.Domains) != 1 {
		t.Fatalf("report has %d domains:\n%s", len(rep.Domains), b)
	}
	d := rep.Domains[0]
	if d.Role != "csaf_trusted_provider" || !d.Passed {
		t.Errorf("csaf_checker: role %q, passed %v", d.Role, d.Passed)
	}
	checked := map[int]bool{}
	for _, r := range d.Requirements {
		checked[r.Num] = true
		for _, m := range r.Messages {
			t.Logf("csaf_checker requirement %d (%s): %s %s", r.Num, r.Description, [...]string{"INFO", "WARN", "ERROR"}[min(m.Type, 2)], m.Text)
		}
		for _, m := range r.Messages {
			// Without node and the Secvisogram library (outside CI) there is no
			// remote validator; the checker still validates against the schema.
			if r.Num == 1 && m.Type == 1 && m.Text == "No remote validator configured" && validator == "" {
				continue
			}
			switch m.Type {
			case 2:
				t.Errorf("requirement %d (%s): error: %s", r.Num, r.Description, m.Text)
			case 1:
				t.Errorf("requirement %d (%s): warning: %s", r.Num, r.Description, m.Text)
			}
		}
	}
	for n := 1; n <= 20; n++ {
		if !checked[n] && n != 5 { // 5: TLP:AMBER and TLP:RED, which vigil does not publish
			t.Errorf("csaf_checker did not report on requirement %d", n)
		}
	}
	if t.Failed() {
		t.Logf("csaf_checker report:\n%s\noutput:\n%s", b, out)
	}

	mirror := filepath.Join(dir, "mirror")
	args = []string{"--insecure", "--log_level", "warn", "--log_file", filepath.Join(dir, "downloader.log"), "-d", mirror}
	if validator != "" {
		args = append(args, "--validator", validator, "--validator_preset", "mandatory")
	}
	cmd = exec.Command(downloader, append(args, hostPort)...)
	cmd.Dir = dir
	out, err = cmd.CombinedOutput()
	logText, _ := os.ReadFile(filepath.Join(dir, "downloader.log"))
	if err != nil {
		t.Fatalf("csaf_downloader: %v\n%s\n%s", err, out, logText)
	}
	all := string(out) + string(logText)
	for _, bad := range []string{"level=WARN", "level=ERROR", "hash", "signature", "valid", "mismatch", "failed"} {
		if strings.Contains(strings.ToLower(all), strings.ToLower(bad)) {
			t.Errorf("csaf_downloader reports %q:\n%s", bad, all)
			break
		}
	}
	var got []string
	filepath.WalkDir(mirror, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".json") {
			got = append(got, filepath.Base(p))
		}
		return nil
	})
	// Every document the provider lists (index.txt) is mirrored, with its
	// hash and signature files.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get("https://" + hostPort + "/.well-known/csaf/white/index.txt")
	if err != nil {
		t.Fatal(err)
	}
	index, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var want []string
	for _, line := range strings.Fields(string(index)) {
		want = append(want, filepath.Base(line))
	}
	slices.Sort(got)
	slices.Sort(want)
	t.Logf("csaf_downloader mirrored %d documents with their .sha256, .sha512 and .asc files: %v", len(got), got)
	if len(want) < 2 || !slices.Equal(got, want) {
		t.Errorf("mirrored %v, want %v", got, want)
	}
	if !slices.ContainsFunc(want, func(n string) bool { return strings.Contains(n, "-sa-") }) || !slices.ContainsFunc(want, func(n string) bool { return strings.Contains(n, "-vex-") }) {
		t.Errorf("the demo provider lists no advisory or no VEX document: %v", want)
	}
	for _, name := range got {
		for _, ext := range []string{".sha256", ".sha512", ".asc"} {
			matches, _ := filepath.Glob(filepath.Join(mirror, "*", "*", name+ext))
			more, _ := filepath.Glob(filepath.Join(mirror, "*", "*", "*", name+ext))
			if len(matches)+len(more) == 0 {
				t.Errorf("%s%s was not mirrored", name, ext)
			}
		}
	}
	if t.Failed() {
		var tree []string
		filepath.WalkDir(mirror, func(p string, e fs.DirEntry, err error) error { tree = append(tree, p); return nil })
		t.Logf("mirror:\n%s\ndownloader output:\n%s\n%s", strings.Join(tree, "\n"), out, logText)
	}
}

// TestTLSConfig checks where the TLS files come from and what is refused.
func TestTLSConfig(t *testing.T) {
	code, out, _ := vigil(t, map[string]string{"VIGIL_TLS_CERT": "/etc/vigil/cert.pem", "VIGIL_TLS_KEY": "/etc/vigil/key.pem"}, "config")
	if code != 0 || !strings.Contains(out, "tls_cert: /etc/vigil/cert.pem") || !strings.Contains(out, "tls_key: /etc/vigil/key.pem") {
		t.Errorf("config from the environment: %d\n%s", code, out)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "vigil.yaml")
	os.WriteFile(file, []byte("tls_cert: a.pem\ntls_key: b.pem\n"), 0o644)
	if code, out, _ := vigil(t, nil, "config", "--config", file); code != 0 || !strings.Contains(out, "tls_cert: a.pem") {
		t.Errorf("config file: %d\n%s", code, out)
	}
	data := filepath.Join(dir, "data")
	if code, _, errs := vigil(t, nil, "serve", "--data", data, "--addr", "127.0.0.1:0", "--tls-cert", "a.pem"); code != 2 || !strings.Contains(errs, "--tls-key") {
		t.Errorf("--tls-cert without --tls-key: %d\n%s", code, errs)
	}
	missingCert := []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}
	if code, _, errs := vigil(t, nil, missingCert...); code != 1 || !strings.Contains(errs, "TLS certificate") {
		t.Errorf("a missing certificate: %d\n%s", code, errs)
	}
}

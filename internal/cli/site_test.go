package cli

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/signing"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// demoSite is the public site over `vigil demo`, with documents rendered and
// signed as `vigil serve` publishes them.
func demoSite(t *testing.T, s *store.Store) (srv *httptest.Server, sum DemoSummary) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const base = "https://security.acme.example"
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: base}
	c := Config{Name: "Acme Corporation", VendorURL: "https://acme.example", Contact: "security@acme.example",
		CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "acme"}
	if err := withRenderer(ctx, svc, c); err != nil {
		t.Fatal(err)
	}
	sum, err := Demo(ctx, svc, now)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Advisory == "" {
		t.Fatal("the demo disclosed no advisory")
	}
	h, err := server.Handler(svc, server.Options{Name: "Acme Corporation"})
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, sum
}

func fetch(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

var (
	siteLinks = regexp.MustCompile(`href="(/[^"]*)"`)
	docLinks  = regexp.MustCompile(`(?s)<a class="doc" href="([^"]+)"[^>]*>.*?<span class="sha256">([0-9a-f]{64})</span>.*?SHA-512 ([0-9a-f]{128})`)
)

// TestDemoSite renders the news page, the advisory page, the product page
// and the feeds over the real demo data; follows every link of the
// advisory page to its documents, whose hashes and signatures must match;
// and checks that nothing of the cases still under embargo shows.
func TestDemoSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv, sum := demoSite(t, s)
		const (
			title = "Remote code execution through the job import API"
			base  = "https://security.acme.example"
		)
		// The demo's other cases: ready (with its releases planned), fixing,
		// confirmed and so on. None of them may show anywhere.
		secret := []string{"Stored XSS", "CVE-2026-41002", "CVE-2026-41003", "privilege escalation", "PCAP", "Acme Central Server", "/products/central"}
		pages := map[string][]string{
			"/": {sum.Advisory, title, "CVE-2026-41001", "Acme Job Scheduler 2.7.3", "Acme Job Scheduler 2.6.9", `href="/products/scheduler"`},
			"/advisories/" + sum.Advisory: {title, "CVE-2026-41001", "CVSS 3.1: score <strong>8.8</strong> (HIGH)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
				"CWE-502</a>: Deserialization of Untrusted Data", "Jane Finder (Research Lab) (finder)", "no fix: end of life",
				`data-label="Branch">2.5</td>`, "Initial publication.", "SHA-256 ", `href="/api/v1/advisories/` + sum.Advisory + `"`,
				`href="/products/scheduler/feed.atom"`, "VEX documents of the fixed releases"},
			"/products/scheduler": {"Security advisories for Acme Job Scheduler", sum.Advisory, `href="/products/scheduler/feed.rss"`},
		}
		for path, want := range pages {
			status, _, body := fetch(t, srv.URL+path)
			if status != 200 {
				t.Fatalf("GET %s: %d\n%s", path, status, body)
			}
			for _, w := range want {
				if !strings.Contains(string(body), w) {
					t.Errorf("GET %s lacks %q", path, w)
				}
			}
			for _, s := range append(secret, `<link rel="alternate" type="application/rss+xml" title="Acme Corporation security advisories (RSS)" href="/feed.rss">`) {
				if has := strings.Contains(string(body), s); has != strings.HasPrefix(s, "<link") {
					t.Errorf("GET %s: shows %q: %v", path, s, has)
				}
			}
		}
		if status, _, _ := fetch(t, srv.URL+"/products/central"); status != 404 {
			t.Errorf("/products/central: %d, want 404: no advisory of it is published", status)
		}

		for _, f := range []struct{ path, ct string }{
			{"/feed.rss", "application/rss+xml"}, {"/feed.atom", "application/atom+xml"},
			{"/products/scheduler/feed.rss", "application/rss+xml"}, {"/products/scheduler/feed.atom", "application/atom+xml"},
		} {
			status, h, body := fetch(t, srv.URL+f.path)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), f.ct) {
				t.Fatalf("GET %s: %d %q", f.path, status, h.Get("Content-Type"))
			}
			var doc struct {
				Items   []string `xml:"channel>item>link"`
				Entries []string `xml:"entry>id"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatalf("GET %s: not well-formed: %v", f.path, err)
			}
			if got := slices.Concat(doc.Items, doc.Entries); !slices.Equal(got, []string{base + "/advisories/" + sum.Advisory}) {
				t.Errorf("GET %s: entries %q", f.path, got)
			}
			for _, s := range secret {
				if strings.Contains(string(body), s) {
					t.Errorf("GET %s shows %q", f.path, s)
				}
			}
		}

		// Every link of the advisory page answers, and every document in
		// it matches its hashes and signature.
		_, _, page := fetch(t, srv.URL+"/advisories/"+sum.Advisory)
		for _, m := range siteLinks.FindAllStringSubmatch(string(page), -1) {
			if status, _, _ := fetch(t, srv.URL+html.UnescapeString(m[1])); status != 200 {
				t.Errorf("the advisory page links %s: %d", m[1], status)
			}
		}
		keys, err := s.SigningKeys(context.Background())
		if err != nil || len(keys) != 1 {
			t.Fatalf("signing keys: %d, %v", len(keys), err)
		}
		var docs []string
		for _, m := range docLinks.FindAllStringSubmatch(string(page), -1) {
			p := html.UnescapeString(m[1])
			docs = append(docs, p)
			_, _, body := fetch(t, srv.URL+p)
			s256, s512 := sha256.Sum256(body), sha512.Sum512(body)
			if hex.EncodeToString(s256[:]) != m[2] || hex.EncodeToString(s512[:]) != m[3] {
				t.Errorf("%s does not match the hashes the page shows", p)
			}
			name := p[strings.LastIndex(p, "/")+1:]
			if _, _, b := fetch(t, srv.URL+p+".sha256"); string(b) != m[2]+"  "+name+"\n" {
				t.Errorf("%s.sha256: %q", p, b)
			}
			if _, _, b := fetch(t, srv.URL+p+".sha512"); string(b) != m[3]+"  "+name+"\n" {
				t.Errorf("%s.sha512: %q", p, b)
			}
			if _, _, sig := fetch(t, srv.URL+p+".asc"); signing.Verify(keys[0].Public, body, string(sig)) != nil {
				t.Errorf("%s.asc does not verify", p)
			}
		}
		want := []string{"/.well-known/csaf/white/2026/vigil-sa-2026-001.json", "/advisories/VIGIL-SA-2026-001/cve.json", "/advisories/VIGIL-SA-2026-001/osv.json",
			"/.well-known/csaf/white/2026/vigil-vex-scheduler-2_7_3.json", "/vex/scheduler-2.7.3.openvex.json", "/vex/scheduler-2.7.3.cdx.json",
			"/.well-known/csaf/white/2026/vigil-vex-scheduler-2_6_9.json", "/vex/scheduler-2.6.9.openvex.json", "/vex/scheduler-2.6.9.cdx.json"}
		if !slices.Equal(docs, want) {
			t.Errorf("documents of the advisory page:\n got %q\nwant %q", docs, want)
		}
	})
}

package site

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/report"
)

// published is an in-memory Source with fixed revisions, oldest first per
// advisory; it pages like the store, newest first.
type published map[string][]advisory.Revision

func (p published) LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error) {
	var out []advisory.Revision
	for _, revs := range p {
		out = append(out, revs[len(revs)-1])
	}
	slices.SortFunc(out, func(a, b advisory.Revision) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(b.AdvisoryID, a.AdvisoryID)
	})
	if offset >= len(out) {
		return nil, nil
	}
	return out[offset:min(len(out), offset+min(limit, 100))], nil // capped, like the store
}

func (p published) RevisionsOf(ctx context.Context, id string) ([]advisory.Revision, error) {
	revs, ok := p[id]
	if !ok {
		return nil, fmt.Errorf("advisory %s: %w", id, ErrNotFound)
	}
	return revs, nil
}

// shelf is an in-memory Files: every revision of every path, oldest first.
type shelf map[string][]File

// put adds a revision of a document, hashed and, when sig is set, signed.
func (s shelf) put(path, kind, advisoryID, content, sig string, at time.Time) {
	s256, s512 := sha256.Sum256([]byte(content)), sha512.Sum512([]byte(content))
	s[path] = append(s[path], File{Path: path, Revision: len(s[path]) + 1, Kind: kind, AdvisoryID: advisoryID, ContentType: "application/json",
		Content: []byte(content), SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:]), Signature: sig, PublishedAt: at})
}

func (s shelf) FileAt(ctx context.Context, path string, rev int) (File, error) {
	revs := s[path]
	if rev == 0 {
		rev = len(revs)
	}
	if rev < 1 || rev > len(revs) {
		return File{}, fmt.Errorf("file %s: %w", path, ErrNotFound)
	}
	return revs[rev-1], nil
}

func (s shelf) ListFiles(ctx context.Context, kinds ...string) ([]File, error) {
	var out []File
	for _, revs := range s {
		f := revs[len(revs)-1]
		if len(kinds) == 0 || slices.Contains(kinds, f.Kind) {
			f.Content, f.Signature = nil, ""
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b File) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

func (s shelf) FileHistory(ctx context.Context, path string) ([]File, error) {
	var out []File
	for _, f := range s[path] {
		f.Content, f.Signature = nil, ""
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("file %s: %w", path, ErrNotFound)
	}
	return out, nil
}

func (s shelf) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	return []PublicKey{{Fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567", Armored: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"}}, nil
}

type invalid []string

func (e invalid) Error() string    { return strings.Join(e, "; ") }
func (e invalid) Fields() []string { return e }

const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

const sig = "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n"

// fixture is what the test site has published: two advisories of two
// products, one of them updated, and 21 older ones of a third product to
// make a second news page; the documents of the first, the VEX documents of
// its fixed release and of one release it does not name, and one document of
// the second.
func fixture() (published, shelf) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	first := advisory.Revision{
		AdvisoryID: "VIGIL-SA-2026-001", Number: 1, Status: advisory.Final, PublishedAt: at.Add(-48 * time.Hour),
		Title: "RCE in import " + hostile, Summary: "Summary " + hostile, Description: "Description " + hostile, Workaround: "Workaround " + hostile,
		Severity: "critical", Score: 9.9, CVEID: "CVE-2026-1",
		CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", CVSS40: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		CWE: []string{"CWE-502", hostile},
		Affected: []advisory.Affected{
			{Product: "Scheduler", ProductSlug: "scheduler", Branch: "2.7", Maintained: true, Introduced: "2.7.0", Fixed: "2.7.3",
				Download: "https://downloads.example/scheduler-2.7.3.tar.gz", SHA256: strings.Repeat("5f", 32)},
			{Product: "Scheduler", ProductSlug: "scheduler", Branch: "2.5"}},
		Credits:    []advisory.Credit{{Name: "Jane " + hostile, Type: "finder"}},
		References: []advisory.Reference{{URL: "javascript:alert(3)"}, {URL: "https://research.example/" + hostile}},
		Changes:    "Initial publication.",
	}
	second := first
	second.Number, second.PublishedAt, second.Changes = 2, at, "Added the write-up "+hostile+"."
	other := advisory.Revision{AdvisoryID: "VIGIL-SA-2026-002", Number: 1, Status: advisory.Final, PublishedAt: at.Add(-24 * time.Hour),
		Title: "Stored XSS", Summary: "XSS.", Severity: "medium", Score: 5.4,
		Affected: []advisory.Affected{{Product: "Central " + hostile, ProductSlug: "central", Branch: "41", Maintained: true, Fixed: "41.0.1"}},
		Changes:  "Initial publication."}
	src := published{first.AdvisoryID: {first, second}, other.AdvisoryID: {other}}
	for i := 1; i <= 21; i++ {
		old := advisory.Revision{AdvisoryID: fmt.Sprintf("VIGIL-SA-2025-%03d", i), Number: 1, Status: advisory.Final,
			PublishedAt: time.Date(2025, 1, i, 9, 0, 0, 0, time.UTC), Title: fmt.Sprintf("Old issue %d", i), Severity: "low",
			Affected: []advisory.Affected{{Product: "Legacy", ProductSlug: "legacy", Branch: "1", Fixed: fmt.Sprintf("1.0.%d", i)}}}
		src[old.AdvisoryID] = []advisory.Revision{old}
		if i == 21 {
			gone := old
			gone.Number, gone.Status, gone.PublishedAt, gone.Changes = 2, advisory.Withdrawn, old.PublishedAt.Add(time.Hour), "Withdrawn: not a vulnerability."
			src[old.AdvisoryID] = append(src[old.AdvisoryID], gone)
		}
	}

	files := shelf{}
	files.put("/.well-known/csaf/white/2026/vigil-sa-2026-001.json", "csaf", first.AdvisoryID, `{"document":{"title":"csaf"}}`, sig, at)
	files.put("/advisories/VIGIL-SA-2026-001/cve.json", "cve", first.AdvisoryID, `{"cveMetadata":{"cveId":"CVE-2026-1"},"r":1}`, sig, at.Add(-48*time.Hour))
	files.put("/advisories/VIGIL-SA-2026-001/cve.json", "cve", first.AdvisoryID, `{"cveMetadata":{"cveId":"CVE-2026-1"},"r":2}`, sig, at)
	files.put("/advisories/VIGIL-SA-2026-001/osv.json", "osv", first.AdvisoryID, `{"id":"VIGIL-SA-2026-001"}`, "", at)
	files.put("/.well-known/csaf/white/2026/vigil-vex-scheduler-2_7_3.json", "csaf_vex", "", `{"document":{"title":"vex 2.7.3"}}`, sig, at)
	files.put("/vex/scheduler-2.7.3.openvex.json", "openvex", "", `{"@id":"openvex 2.7.3"}`, sig, at)
	files.put("/vex/scheduler-2.7.3.cdx.json", "cdx_vex", "", `{"bomFormat":"CycloneDX"}`, sig, at)
	files.put("/vex/scheduler-2.7.2.openvex.json", "openvex", "", `{"@id":"openvex 2.7.2"}`, sig, at)
	files.put("/advisories/VIGIL-SA-2026-002/osv.json", "osv", other.AdvisoryID, `{"id":"VIGIL-SA-2026-002"}`, sig, at)
	return src, files
}

func testSite(t *testing.T) (*httptest.Server, *[]report.Report) {
	t.Helper()
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	src, files := fixture()
	var got []report.Report
	s, err := New(Site{
		Source: src, Files: files, Name: "Acme", Now: func() time.Time { return at }, Zone: time.FixedZone("CET", 3600),
		Vendor: advisory.Publisher{Name: "Acme Corporation", BaseURL: "https://security.acme.example", Namespace: "https://acme.example", IDPrefix: "VIGIL-SA"},
		Intake: func(ctx context.Context, r report.Report) (string, string, error) {
			if strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Body) == "" {
				return "", "", invalid{"title: required", "body: required"}
			}
			got = append(got, r)
			return "VR-2026-00001", "vrs_secret", nil
		},
		Status: func(ctx context.Context, token string) (Status, error) {
			if token != "vrs_secret" {
				return Status{}, ErrNotFound
			}
			return Status{TrackingID: "VR-2026-00001", Title: hostile, State: "received", ReceivedAt: at,
				Messages: []report.Message{{From: "alice", Body: hostile, At: at}}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, &got
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestPages renders every page and checks that hostile strings come out escaped.
func TestPages(t *testing.T) {
	srv, _ := testSite(t)
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"VIGIL-SA-2026-001", "VIGIL-SA-2026-002", "CRITICAL", `<span class="vh">Severity: </span>`, "Scheduler 2.7.3", "2026-11-03",
			`href="/products/scheduler"`, `rel="next" href="/?page=2"`, "Page 1", "Old issue 21</a> <strong>(withdrawn)</strong>"}},
		{"/?page=2", 200, []string{"VIGIL-SA-2025-001", "Old issue 1", "Legacy 1.0.1", `rel="prev" href="/"`, "Page 2"}},
		{"/?page=3", 404, []string{"Not found"}},
		{"/?page=0", 404, []string{"Not found"}},
		{"/?page=x", 404, []string{"Not found"}},
		{"/advisories/VIGIL-SA-2026-001", 200, []string{"Summary", "Description", "Workaround", "2.7.3", "no fix: end of life", "CVSS:3.1/", "2026-11-03 10:00 CET", "Initial publication.",
			"Added the write-up", "from 2.7.0 before 2.7.3", `href="https://downloads.example/scheduler-2.7.3.tar.gz"`, "SHA-256 " + strings.Repeat("5f", 32),
			"CVSS 3.1: score <strong>9.9</strong> (CRITICAL)", "CVSS 4.0: CVSS-B score <strong>9.3</strong> (CRITICAL)",
			`<a href="https://cwe.mitre.org/data/definitions/502.html" rel="noopener">CWE-502</a>: Deserialization of Untrusted Data`,
			"Jane ", "(finder)", `href="/api/v1/advisories/VIGIL-SA-2026-001"`, `href="/.well-known/csaf/openpgp/0123456789ABCDEF0123456789ABCDEF01234567.asc"`, `href="/products/scheduler"`, "2026-11-01 10:00 CET"}},
		{"/advisories/VIGIL-SA-2026-002", 200, []string{"Stored XSS", "Central &lt;script&gt;", `href="/advisories/VIGIL-SA-2026-002/osv.json"`}},
		{"/advisories/VIGIL-SA-2025-021", 200, []string{"This advisory has been withdrawn.", "Withdrawn: not a vulnerability.", "<strong>withdrawn</strong>"}},
		{"/advisories/VIGIL-SA-2026-999", 404, []string{"Not found"}},
		{"/products/scheduler", 200, []string{"Security advisories for Scheduler", "VIGIL-SA-2026-001", `href="/products/scheduler/feed.rss"`, `href="/products/scheduler/feed.atom"`}},
		{"/products/central", 200, []string{"Central &lt;script&gt;", "VIGIL-SA-2026-002"}},
		{"/products/nothing", 404, []string{"Not found"}},
		{"/report", 200, []string{`<form method="post" action="/report">`, `<label for="title">`}},
		{"/report/status/vrs_secret", 200, []string{"VR-2026-00001", "received", "alice"}},
		{"/report/status/vrs_wrong", 404, []string{"Not found"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") || strings.Contains(body, `href="javascript:`) {
				t.Errorf("hostile markup rendered unescaped:\n%s", body)
			}
			for _, feed := range []string{`<link rel="alternate" type="application/rss+xml" title="Acme security advisories (RSS)" href="/feed.rss">`,
				`<link rel="alternate" type="application/atom+xml" title="Acme security advisories (Atom)" href="/feed.atom">`} {
				if !strings.Contains(body, feed) {
					t.Errorf("page lacks the autodiscovery link %s", feed)
				}
			}
			if !strings.Contains(body, `<html lang="en">`) {
				t.Error("page does not name its language")
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}

func TestReportForm(t *testing.T) {
	srv, got := testSite(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(srv.URL+"/report", url.Values{"title": {""}, "body": {""}, "name": {hostile}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != 422 || !strings.Contains(body, "title: required") || !strings.Contains(body, "body: required") {
		t.Errorf("invalid form: %d, want 422 with every problem:\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script>") {
		t.Error("the form echoes hostile input unescaped")
	}
	resp, err = client.PostForm(srv.URL+"/report", url.Values{"title": {"XSS"}, "body": {"steps"}, "email": {"a@example.org"}, "product": {"Scheduler 2.7"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/report/status/vrs_secret" {
		t.Errorf("valid form: %d to %q, want 303 to the status page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(*got) != 1 || (*got)[0].Channel != report.Web || (*got)[0].Reporter.Email != "a@example.org" || (*got)[0].ProductHint != "Scheduler 2.7" {
		t.Errorf("intake got %+v", *got)
	}
	big := strings.Repeat("x", 300<<10)
	resp, err = client.PostForm(srv.URL+"/report", url.Values{"title": {"t"}, "body": {big}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || len(*got) != 1 {
		t.Errorf("oversized form: %d (reports %d), want 413 and nothing taken in", resp.StatusCode, len(*got))
	}
}

func TestSecurityTxtAndAssets(t *testing.T) {
	srv, _ := testSite(t)
	resp, body := get(t, srv.URL+"/.well-known/security.txt")
	if resp.StatusCode != 200 || !strings.Contains(body, "Contact: ") || !strings.Contains(body, "Expires: 2027-05-03T00:00:00Z") ||
		!strings.Contains(body, "\nCSAF: https://") || !strings.Contains(body, "/.well-known/csaf/provider-metadata.json\n") {
		t.Errorf("security.txt: %d\n%s", resp.StatusCode, body)
	}
	_, page := get(t, srv.URL+"/")
	css := regexp.MustCompile(`/static/site\.[0-9a-f]{12}\.css`).FindString(page)
	if css == "" {
		t.Fatalf("no content-hashed stylesheet link in:\n%s", page)
	}
	resp, body = get(t, srv.URL+css)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "font") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("asset: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, srv.URL+"/static/site.css"); resp.StatusCode != 404 {
		t.Errorf("unhashed asset name served: %d", resp.StatusCode)
	}
}

// TestPagesExclude checks what a page must not show: another page's
// advisories, another advisory's documents, an unfixed release's VEX.
func TestPagesExclude(t *testing.T) {
	srv, _ := testSite(t)
	for path, absent := range map[string][]string{
		"/":                             {"VIGIL-SA-2025-001", `rel="prev"`},
		"/?page=2":                      {"VIGIL-SA-2026-001", `rel="next"`},
		"/products/scheduler":           {"VIGIL-SA-2026-002", "VIGIL-SA-2025-"},
		"/advisories/VIGIL-SA-2026-001": {"scheduler-2.7.2", "VIGIL-SA-2026-002", "osv.json.asc", `href="javascript:`},
	} {
		_, body := get(t, srv.URL+path)
		for _, a := range absent {
			if strings.Contains(body, a) {
				t.Errorf("%s shows %q", path, a)
			}
		}
	}
	_, body := get(t, srv.URL+"/")
	if n := strings.Count(body, `<a href="/advisories/`); n != perPage {
		t.Errorf("the first news page lists %d advisories, want %d", n, perPage)
	}
}

// links returns the targets of the page's links that stay on the site.
func links(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a [^>]*href="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestAdvisoryDocuments follows the advisory page's links to every
// machine-readable document and checks each against the hashes the page
// shows and its sibling files.
func TestAdvisoryDocuments(t *testing.T) {
	srv, _ := testSite(t)
	_, files := fixture()
	_, page := get(t, srv.URL+"/advisories/VIGIL-SA-2026-001")
	want := []string{
		"/.well-known/csaf/white/2026/vigil-sa-2026-001.json", "/advisories/VIGIL-SA-2026-001/cve.json", "/advisories/VIGIL-SA-2026-001/osv.json",
		"/.well-known/csaf/white/2026/vigil-vex-scheduler-2_7_3.json", "/vex/scheduler-2.7.3.openvex.json", "/vex/scheduler-2.7.3.cdx.json",
	}
	var docs []string
	for _, l := range links(page) {
		if _, ok := files[l]; ok {
			docs = append(docs, l)
		}
	}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Errorf("documents linked from the advisory page (-want +got):\n%s", diff)
	}
	for _, p := range want {
		f, _ := files.FileAt(context.Background(), p, 0)
		for _, h := range []string{f.SHA256, f.SHA512} {
			if !strings.Contains(page, h) {
				t.Errorf("the page does not show the hash %s of %s", h, p)
			}
		}
		for _, sib := range []string{".sha256", ".sha512", ".asc"} {
			linked := strings.Contains(page, `href="`+p+sib+`"`)
			if wantLink := sib != ".asc" || f.Signature != ""; linked != wantLink {
				t.Errorf("%s%s linked: %v, want %v", p, sib, linked, wantLink)
			}
		}
		if strings.HasPrefix(p, "/.well-known/csaf/") {
			continue // the CSAF provider serves these (provider.go)
		}
		resp, body := get(t, srv.URL+p)
		sum := sha256.Sum256([]byte(body))
		if resp.StatusCode != 200 || hex.EncodeToString(sum[:]) != f.SHA256 || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %q, body %q, want the document", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestDocuments serves the CVE and OSV records and the VEX documents with
// their hashes and signatures, and nothing else under their paths.
func TestDocuments(t *testing.T) {
	srv, _ := testSite(t)
	_, files := fixture()
	cve, _ := files.FileAt(context.Background(), "/advisories/VIGIL-SA-2026-001/cve.json", 0)
	vex, _ := files.FileAt(context.Background(), "/vex/scheduler-2.7.3.cdx.json", 0)
	for _, tc := range []struct {
		path, ct string
		status   int
		body     string
	}{
		{"/advisories/VIGIL-SA-2026-001/cve.json", "application/json", 200, `{"cveMetadata":{"cveId":"CVE-2026-1"},"r":2}`},
		{"/advisories/VIGIL-SA-2026-001/cve.json.sha256", "text/plain; charset=utf-8", 200, cve.SHA256 + "  cve.json\n"},
		{"/advisories/VIGIL-SA-2026-001/cve.json.sha512", "text/plain; charset=utf-8", 200, cve.SHA512 + "  cve.json\n"},
		{"/advisories/VIGIL-SA-2026-001/cve.json.asc", "application/pgp-signature", 200, sig},
		{"/advisories/VIGIL-SA-2026-001/osv.json", "application/json", 200, `{"id":"VIGIL-SA-2026-001"}`},
		{"/advisories/VIGIL-SA-2026-001/osv.json.asc", "", 404, ""}, // not signed
		{"/advisories/VIGIL-SA-2026-002/osv.json", "application/json", 200, `{"id":"VIGIL-SA-2026-002"}`},
		{"/advisories/VIGIL-SA-2026-002/cve.json", "", 404, ""},
		{"/advisories/VIGIL-SA-2026-001/csaf.json", "", 404, ""},
		{"/advisories/VIGIL-SA-2026-001/..%2Fcve.json", "", 404, ""},
		{"/advisories/..%2F..%2Fvex%2Fscheduler-2.7.3.cdx.json/cve.json", "", 404, ""},
		{"/vex/scheduler-2.7.3.cdx.json", "application/json", 200, `{"bomFormat":"CycloneDX"}`},
		{"/vex/scheduler-2.7.3.cdx.json.sha256", "text/plain; charset=utf-8", 200, vex.SHA256 + "  scheduler-2.7.3.cdx.json\n"},
		{"/vex/scheduler-2.7.3.openvex.json.asc", "application/pgp-signature", 200, sig},
		{"/vex/scheduler-2.7.2.openvex.json", "application/json", 200, `{"@id":"openvex 2.7.2"}`},
		{"/vex/scheduler-9.9.9.openvex.json", "", 404, ""},
		{"/vex/..%2Fadvisories%2FVIGIL-SA-2026-001%2Fcve.json", "", 404, ""},
		{"/vex/scheduler-2.7.3.json", "", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.ct || body != tc.body {
				t.Errorf("%q %q, want %q %q", ct, body, tc.ct, tc.body)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("ETag") == "" {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}
	req, _ := http.NewRequest("GET", srv.URL+"/advisories/VIGIL-SA-2026-001/cve.json", nil)
	resp, _ := get(t, srv.URL+"/advisories/VIGIL-SA-2026-001/cve.json")
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// rssDoc and atomDoc are what a feed reader takes from a feed.
type rssDoc struct {
	Channel struct {
		Title string `xml:"title"`
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Text    string `xml:",chardata"`
		} `xml:"link"`
		Items []struct {
			Title      string   `xml:"title"`
			Link       string   `xml:"link"`
			GUID       string   `xml:"guid"`
			Categories []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

// link is the channel's link to the site, self the feed's own URL.
func (d rssDoc) link() string { return d.find("", "") }
func (d rssDoc) self() string { return d.find("http://www.w3.org/2005/Atom", "self") }

func (d rssDoc) find(space, rel string) string {
	for _, l := range d.Channel.Links {
		if l.XMLName.Space == space && l.Rel == rel {
			return l.Href + l.Text
		}
	}
	return ""
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Author  string   `xml:"author>name"`
	Entries []struct {
		Title     string `xml:"title"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
	} `xml:"entry"`
}

func TestFeeds(t *testing.T) {
	srv, _ := testSite(t)
	const base = "https://security.acme.example"
	fetch := func(path, ct string, into any) string {
		t.Helper()
		resp, body := get(t, srv.URL+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct {
			t.Fatalf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if err := xml.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("GET %s: not well-formed: %v\n%s", path, err, body)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
			t.Errorf("GET %s: markup in the feed unescaped", path)
		}
		return body
	}

	var all rssDoc
	fetch("/feed.rss", "application/rss+xml; charset=utf-8", &all)
	if len(all.Channel.Items) != 23 || all.link() != base+"/" || all.self() != base+"/feed.rss" {
		t.Fatalf("global RSS: %d items, link %q, self %q", len(all.Channel.Items), all.link(), all.self())
	}
	if it := all.Channel.Items[0]; it.Title != "[CRITICAL] VIGIL-SA-2026-001: RCE in import "+hostile || it.Link != base+"/advisories/VIGIL-SA-2026-001" || it.GUID != it.Link {
		t.Errorf("first item %+v", it)
	}
	if it := all.Channel.Items[1]; !slices.Contains(it.Categories, "Central "+hostile) {
		t.Errorf("second item's categories %q lack the product", it.Categories)
	}

	var atom atomDoc
	fetch("/feed.atom", "application/atom+xml; charset=utf-8", &atom)
	if len(atom.Entries) != 23 || atom.ID != base+"/feed.atom" || atom.Author != "Acme Corporation" {
		t.Fatalf("global Atom: %d entries, id %q, author %q", len(atom.Entries), atom.ID, atom.Author)
	}
	if e := atom.Entries[0]; e.Published != "2026-11-01T09:00:00Z" || e.Updated != "2026-11-03T09:00:00Z" {
		t.Errorf("an updated advisory: published %s, updated %s; want its first publication and its update", e.Published, e.Updated)
	}

	var sched rssDoc
	fetch("/products/scheduler/feed.rss", "application/rss+xml; charset=utf-8", &sched)
	if len(sched.Channel.Items) != 1 || sched.Channel.Title != "Acme security advisories for Scheduler" ||
		sched.self() != base+"/products/scheduler/feed.rss" || sched.link() != base+"/products/scheduler" {
		t.Errorf("product RSS: %+v", sched.Channel)
	}
	var central atomDoc
	fetch("/products/central/feed.atom", "application/atom+xml; charset=utf-8", &central)
	if len(central.Entries) != 1 || central.Title != "Acme security advisories for Central "+hostile || central.ID != base+"/products/central/feed.atom" {
		t.Errorf("product Atom: %+v", central)
	}
	for _, p := range []string{"/products/nothing/feed.rss", "/products/nothing/feed.atom", "/feed.json"} {
		if resp, _ := get(t, srv.URL+p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestAutodiscovery checks that the feeds a page names exist: the global
// ones on every page, a product's on its page and on its advisories' pages.
func TestAutodiscovery(t *testing.T) {
	srv, _ := testSite(t)
	re := regexp.MustCompile(`<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">`)
	for path, want := range map[string][]string{
		"/":                             {"/feed.rss", "/feed.atom"},
		"/report":                       {"/feed.rss", "/feed.atom"},
		"/products/scheduler":           {"/feed.rss", "/feed.atom", "/products/scheduler/feed.rss", "/products/scheduler/feed.atom"},
		"/advisories/VIGIL-SA-2026-001": {"/feed.rss", "/feed.atom", "/products/scheduler/feed.rss", "/products/scheduler/feed.atom"},
		"/advisories/VIGIL-SA-2026-002": {"/feed.rss", "/feed.atom", "/products/central/feed.rss", "/products/central/feed.atom"},
	} {
		_, body := get(t, srv.URL+path)
		var got []string
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			typ, href := html.UnescapeString(m[1]), html.UnescapeString(m[2])
			got = append(got, href)
			resp, _ := get(t, srv.URL+href)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), typ) {
				t.Errorf("%s names %s as %s: %d %q", path, href, typ, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s autodiscovery links (-want +got):\n%s", path, diff)
		}
	}
}

// TestFeedGolden serves the feed package's golden fixture: the site's
// global RSS feed is the renderer's output byte for byte.
func TestFeedGolden(t *testing.T) {
	adv := advisorytest.Advisory()
	other := adv.Revisions[0]
	other.AdvisoryID, other.Title, other.PublishedAt = "VIGIL-SA-2026-002", "Stored XSS <script>alert(1)</script> & more", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	other.Severity = "medium"
	other.Affected = []advisory.Affected{{Product: "Acme Central Server", ProductSlug: "central", Branch: "41", Maintained: true, Fixed: "41.0.1"}}
	s, err := New(Site{Source: published{adv.ID: adv.Revisions, other.AdvisoryID: {other}}, Files: shelf{}, Name: "Acme", Vendor: advisorytest.Publisher()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	_, got := get(t, srv.URL+"/feed.rss")
	want, err := os.ReadFile(filepath.Join("..", "feed", "testdata", "all.rss"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("/feed.rss differs from the feed package's golden file:\n%s", got)
	}
}

// subscriptions is an in-memory Subscriptions that checks addresses like
// the service and knows one confirmation and one unsubscribe token.
type subscriptions struct {
	mu                  sync.Mutex
	asked               []string // "email product,product"
	confirmed, unsubbed int
}

func (f *subscriptions) Subscribe(ctx context.Context, email string, products []string) error {
	if !strings.Contains(email, "@") {
		return invalid{"email: not a valid e-mail address"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, email+" "+strings.Join(products, ","))
	return nil
}

func (f *subscriptions) Confirm(ctx context.Context, token string) (string, error) {
	if token != "vsc_goodtoken" {
		return "", fmt.Errorf("subscription: %w", ErrNotFound)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.confirmed++
	return "scheduler", nil
}

func (f *subscriptions) Unsubscribe(ctx context.Context, token string) (string, error) {
	if token != "vsu_goodtoken" {
		return "", fmt.Errorf("subscription: %w", ErrNotFound)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unsubbed++
	return "", nil
}

func TestSubscriptions(t *testing.T) {
	src, files := fixture()
	subs := &subscriptions{}
	s, err := New(Site{Source: src, Files: files, Name: "Acme", Subscriptions: subs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := client.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	safe := func(what, body string) {
		t.Helper()
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: hostile markup unescaped", what)
		}
	}

	resp, body := get(t, srv.URL+"/subscribe?product=scheduler&product=nothing")
	safe("form", body)
	for _, w := range []string{`<form method="post" action="/subscribe">`, `<label for="email">`, `<legend>Products</legend>`,
		`id="product-scheduler" name="product" value="scheduler" aria-describedby="products-hint" checked>`,
		`<label for="product-central">Central &lt;script&gt;`, `<label for="product-legacy">Legacy</label>`} {
		if !strings.Contains(body, w) {
			t.Errorf("the form lacks %q", w)
		}
	}
	if resp.StatusCode != 200 || strings.Count(body, `type="checkbox"`) != 3 || strings.Contains(body, "nothing") {
		t.Errorf("the form: %d, want the three published products only:\n%s", resp.StatusCode, body)
	}

	resp, body = post("/subscribe", url.Values{"email": {hostile}, "product": {"scheduler"}})
	safe("invalid address", body)
	if resp.StatusCode != 422 || !strings.Contains(body, "email: not a valid e-mail address") || !strings.Contains(body, `value="scheduler" aria-describedby="products-hint" checked>`) {
		t.Errorf("invalid address: %d, want 422 with the problem and the choice kept:\n%s", resp.StatusCode, body)
	}
	resp, body = post("/subscribe", url.Values{"email": {"a@example.org"}, "product": {"unpublished"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "product: not a product with published advisories") {
		t.Errorf("a product no advisory names: %d:\n%s", resp.StatusCode, body)
	}
	if len(subs.asked) != 0 {
		t.Errorf("the service was asked for invalid input: %q", subs.asked)
	}
	resp, _ = post("/subscribe", url.Values{"email": {" a@example.org "}, "product": {"scheduler", "central"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/subscribe/sent" {
		t.Errorf("subscribe: %d to %q, want 303 to /subscribe/sent", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = post("/subscribe", url.Values{"email": {"b@example.org"}})
	if diff := cmp.Diff([]string{"a@example.org scheduler,central", "b@example.org "}, subs.asked); diff != "" || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("subscriptions asked for (-want +got):\n%s", diff)
	}
	if _, body := get(t, srv.URL+"/subscribe/sent"); !strings.Contains(body, "confirmation link") {
		t.Errorf("sent page:\n%s", body)
	}

	// A link from the mail shows a button; only the button acts.
	resp, body = get(t, srv.URL+"/subscribe/confirm/vsc_goodtoken")
	if resp.StatusCode != 200 || !strings.Contains(body, `<form method="post" action="/subscribe/confirm/vsc_goodtoken">`) || subs.confirmed != 0 {
		t.Errorf("confirmation link: %d, confirmed %d:\n%s", resp.StatusCode, subs.confirmed, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("confirmation link cacheable: %q", resp.Header.Get("Cache-Control"))
	}
	resp, body = post("/subscribe/confirm/vsc_goodtoken", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Your subscription is confirmed: you receive the advisories of Scheduler") || subs.confirmed != 1 {
		t.Errorf("confirm: %d:\n%s", resp.StatusCode, body)
	}
	resp, body = post("/unsubscribe/vsu_goodtoken", url.Values{"List-Unsubscribe": {"One-Click"}}) // RFC 8058
	if resp.StatusCode != 200 || !strings.Contains(body, "You are unsubscribed from every advisory") || subs.unsubbed != 1 {
		t.Errorf("one-click unsubscribe: %d:\n%s", resp.StatusCode, body)
	}
	for _, p := range []string{"/subscribe/confirm/vsc_wrongtoken", "/unsubscribe/vsu_wrongtoken", "/unsubscribe/short", "/subscribe/confirm/vsc_%00goodtoken"} {
		if resp, _ := post(p, nil); resp.StatusCode != 404 {
			t.Errorf("POST %s: %d, want 404", p, resp.StatusCode)
		}
	}

	if _, body := get(t, srv.URL+"/"); !strings.Contains(body, `<a href="/subscribe">by e-mail</a>`) {
		t.Error("the news page does not offer the subscription")
	}
	if _, body := get(t, srv.URL+"/products/scheduler"); !strings.Contains(body, `<a href="/subscribe?product=scheduler">by e-mail</a>`) {
		t.Error("the product page does not offer its subscription")
	}
}

// TestNoSubscriptions: without a subscription service there are no
// subscription pages and no page offers them.
func TestNoSubscriptions(t *testing.T) {
	srv, _ := testSite(t)
	for _, p := range []string{"/subscribe", "/subscribe/sent", "/subscribe/confirm/vsc_goodtoken", "/unsubscribe/vsu_goodtoken"} {
		if resp, _ := get(t, srv.URL+p); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/", "/products/scheduler"} {
		if _, body := get(t, srv.URL+p); strings.Contains(body, "/subscribe") {
			t.Errorf("%s offers a subscription the site does not take", p)
		}
	}
}

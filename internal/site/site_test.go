package site

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/report"
)

// published is an in-memory Source with fixed revisions.
type published map[string][]advisory.Revision

func (p published) LatestRevisions(ctx context.Context, limit, offset int) ([]advisory.Revision, error) {
	var out []advisory.Revision
	for _, revs := range p {
		out = append(out, revs[len(revs)-1])
	}
	return out, nil
}

func (p published) RevisionsOf(ctx context.Context, id string) ([]advisory.Revision, error) {
	revs, ok := p[id]
	if !ok {
		return nil, fmt.Errorf("advisory %s: %w", id, ErrNotFound)
	}
	return revs, nil
}

type invalid []string

func (e invalid) Error() string    { return strings.Join(e, "; ") }
func (e invalid) Fields() []string { return e }

const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

func testSite(t *testing.T) (*httptest.Server, *[]report.Report) {
	t.Helper()
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	src := published{"VIGIL-SA-2026-001": {{
		AdvisoryID: "VIGIL-SA-2026-001", Number: 1, Status: advisory.Final, PublishedAt: at,
		Title: "RCE in import " + hostile, Summary: "Summary " + hostile, Severity: "critical", Score: 9.9, CVEID: "CVE-2026-1",
		CVSS31:   "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
		Affected: []advisory.Affected{{Product: "Scheduler", Branch: "2.7", Maintained: true, Fixed: "2.7.3"}, {Product: "Scheduler", Branch: "2.5"}},
		Credits:  []advisory.Credit{{Name: "Jane " + hostile, Type: "finder"}}, Changes: "Initial publication.",
		References: []advisory.Reference{{URL: "javascript:alert(3)"}},
	}}}
	var got []report.Report
	s, err := New(Site{
		Source: src, Name: "Acme", Now: func() time.Time { return at }, Zone: time.FixedZone("CET", 3600),
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
		{"/", 200, []string{"VIGIL-SA-2026-001", "CRITICAL", "Scheduler 2.7.3", "2026-11-03"}},
		{"/advisories/VIGIL-SA-2026-001", 200, []string{"Summary", "2.7.3", "no fix: end of life", "CVSS:3.1/", "2026-11-03 10:00 CET", "Initial publication."}},
		{"/advisories/VIGIL-SA-2026-999", 404, []string{"Not found"}},
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

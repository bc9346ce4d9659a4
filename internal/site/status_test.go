package site

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/report"
)

// reporterDesk is a fake of the process service's reporter side: one
// report, its messages and its credit preference.
type reporterDesk struct {
	mu       sync.Mutex
	state    string
	cve      string
	credit   string
	messages []report.Message
	calls    int
}

const deskToken = "vrs_0123456789abcdef"

func (d *reporterDesk) status(_ context.Context, token string) (Status, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if token != deskToken {
		return Status{}, ErrNotFound
	}
	return Status{TrackingID: "VR-2026-00042", Title: "XSS in the admin " + hostile, State: d.state, CVEID: d.cve, CreditAs: d.credit,
		ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Messages: append([]report.Message(nil), d.messages...)}, nil
}

func (d *reporterDesk) reply(_ context.Context, token, body string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if token != deskToken {
		return ErrNotFound
	}
	if strings.TrimSpace(body) == "" {
		return invalid{"body: required"}
	}
	d.messages = append(d.messages, report.Message{From: "reporter", Body: body, At: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)})
	return nil
}

func (d *reporterDesk) setCredit(_ context.Context, token, v string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if len(v) > 300 {
		return invalid{"credit_as: at most 300 bytes"}
	}
	d.credit = v
	return nil
}

func statusServer(t *testing.T, d *reporterDesk, forms bool) *httptest.Server {
	t.Helper()
	s := Site{Name: "Acme", Status: d.status, Zone: time.UTC}
	if forms {
		s.Reply, s.Credit = d.reply, d.setCredit
	}
	site, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// post sends a form as a browser of the site would, with extra headers.
func post(t *testing.T, c *http.Client, u string, form url.Values, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, b.String()
}

func TestStatusPage(t *testing.T) {
	d := &reporterDesk{state: "confirmed", credit: "Rita R.", messages: []report.Message{{From: "pia", Body: "Thanks! Which version? " + hostile, At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}}
	srv := statusServer(t, d, true)
	page := srv.URL + "/report/status/" + deskToken
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, body := get(t, page)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status page: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"VR-2026-00042", `class="done"`, `aria-current="step">Confirmed`, "not assigned yet", "pia, security team",
		html.EscapeString("Thanks! Which version? " + hostile), `action="/report/status/` + deskToken + `/messages"`, `value="Rita R."`, "Now: <strong>Rita R.</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, hostile) {
		t.Error("a hostile string appears unescaped")
	}

	// A reply: post, redirect, get; the message shows as the reporter's.
	resp, _ = post(t, noFollow, page+"/messages", url.Values{"body": {"Version 7.3.4, " + hostile}}, map[string]string{"Origin": srv.URL})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/report/status/"+deskToken+"?sent=message#messages" {
		t.Fatalf("reply: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = get(t, srv.URL+resp.Header.Get("Location"))
	if !strings.Contains(body, "Your message was sent") || !strings.Contains(body, `<li class="mine">`) || !strings.Contains(body, html.EscapeString("Version 7.3.4, "+hostile)) {
		t.Errorf("after the reply:\n%s", body)
	}

	// A refused reply keeps the text, with the problem next to the field.
	resp, body = post(t, noFollow, page+"/messages", url.Values{"body": {"  "}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="body-err"`) || !strings.Contains(body, "body: required") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("empty reply: %d\n%s", resp.StatusCode, body)
	}

	// The credit preference: set, refused when too long, cleared. Under
	// the site's no-referrer policy browsers send "Origin: null" with it.
	resp, _ = post(t, noFollow, page+"/credit", url.Values{"credit_as": {"  Rita Reporter (Example Labs)  "}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "null"})
	if resp.StatusCode != http.StatusSeeOther || d.credit != "Rita Reporter (Example Labs)" {
		t.Errorf("credit: %d, stored %q", resp.StatusCode, d.credit)
	}
	long := strings.Repeat("<b>", 101)
	resp, body = post(t, noFollow, page+"/credit", url.Values{"credit_as": {long}}, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="credit-err"`) || !strings.Contains(body, html.EscapeString(long)) || strings.Contains(body, long) {
		t.Errorf("a long credit: %d", resp.StatusCode)
	}
	if resp, _ = post(t, noFollow, page+"/credit", url.Values{"credit_as": {""}}, nil); resp.StatusCode != http.StatusSeeOther || d.credit != "" {
		t.Errorf("clearing the credit: %d, stored %q", resp.StatusCode, d.credit)
	}

	// A form from another site is refused before anything happens.
	calls := d.calls
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"},
		{"Origin": "null"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}} { // "null" only with a same-origin fetch
		if resp, _ := post(t, noFollow, page+"/messages", url.Values{"body": {"forged"}}, hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site %v: %d", hdr, resp.StatusCode)
		}
	}
	if d.calls != calls {
		t.Error("a cross-site form reached the service")
	}

	// Unknown and malformed tokens are not found; nothing is taken.
	for _, tok := range []string{"vrs_unknown_token", "x", url.PathEscape(strings.Repeat("a", 200)), url.PathEscape("vrs_<script>")} {
		if resp, _ := get(t, srv.URL+"/report/status/"+tok); resp.StatusCode != 404 {
			t.Errorf("GET token %q: %d", tok, resp.StatusCode)
		}
		if resp, _ := post(t, noFollow, srv.URL+"/report/status/"+tok+"/messages", url.Values{"body": {"hi"}}, nil); resp.StatusCode != 404 {
			t.Errorf("POST token %q: %d", tok, resp.StatusCode)
		}
	}

	// Once disclosed: every step done but the last, the CVE ID shown.
	d.state, d.cve = "disclosed", "CVE-2026-10001"
	_, body = get(t, page)
	if !strings.Contains(body, `<code class="cve">CVE-2026-10001</code>`) || !strings.Contains(body, `aria-current="step">Disclosed`) || strings.Count(body, `class="done"`) < 4 {
		t.Errorf("disclosed:\n%s", body)
	}
	d.state = "closed"
	if _, body = get(t, page); !strings.Contains(body, "<strong>Closed.</strong>") {
		t.Error("a closed report is not shown as closed")
	}
}

func TestStatusWithoutForms(t *testing.T) {
	d := &reporterDesk{state: "received"}
	srv := statusServer(t, d, false)
	_, body := get(t, srv.URL+"/report/status/"+deskToken)
	if strings.Contains(body, "<form") || !strings.Contains(body, `aria-current="step">Received`) {
		t.Errorf("forms without a service behind them:\n%s", body)
	}
	if resp, _ := post(t, http.DefaultClient, srv.URL+"/report/status/"+deskToken+"/messages", url.Values{"body": {"hi"}}, nil); resp.StatusCode != 404 {
		t.Errorf("a reply without a service: %d", resp.StatusCode)
	}
}

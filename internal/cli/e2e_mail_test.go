package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/mail/mailtest"
	"github.com/vigil-psirt/vigil/internal/report"
)

// TestServeMailEndToEnd runs the whole process (R1–R10) through the real
// `vigil serve` with real mail in and out: a reporter mails the security
// address through serve's SMTP listener, everything vigil sends reaches a
// real SMTP server (mailpit) through the outbox, a subscriber opts in by
// following the link in the confirmation mail, the reporter's reply by
// mail joins the report's thread, and at the end every message has arrived
// exactly once.
func TestServeMailEndToEnd(t *testing.T) {
	mp := mailtest.Start(t, mailtest.Options{})
	dir := t.TempDir()
	httpAddr := freeLoopback(t)
	const (
		reporter   = "jane@reporter.example"
		subscriber = "ops@customer.example"
		liaison    = "lena@acme.example"
		title      = "RCE in job import"
		// details are the case's technical details: never in the liaison's notice (R10).
		details = "Gadget chain through org.acme.jobs.ImportSerializer#readObject with a crafted XStream payload"
		vector  = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
		cve     = "CVE-2026-12345"
	)
	cfg := fmt.Sprintf(`name: Acme
outbox_interval: 200ms
channels:
  smtp:
    host: %s
    port: %d
    security: none
    from: "Acme PSIRT <security@acme.example>"
  inbound:
    addr: 127.0.0.1:0
    address: security@acme.example
`, mp.Host, mp.SMTPPort)
	cfgFile := filepath.Join(dir, "vigil.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	e := &env{stdout: &logs, stderr: &logs, getenv: func(string) string { return "" }, now: time.Now}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"serve", "--config", cfgFile, "--data", filepath.Join(dir, "data"), "--addr", httpAddr})
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited with %d:\n%s", code, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	}
	defer stop()
	inboundRE := regexp.MustCompile(`inbound mail listening" addr=(\S+)`)
	var token, smtpAddr string
	listening := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && (token == "" || smtpAddr == "" || !listening); time.Sleep(20 * time.Millisecond) {
		out := logs.String()
		if m := inboundRE.FindStringSubmatch(out); m != nil {
			smtpAddr = m[1]
		}
		listening = strings.Contains(out, "vigil is listening on http://"+httpAddr)
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "vgl_") {
				token = line
			}
		}
	}
	if token == "" || smtpAddr == "" || !listening {
		t.Fatalf("serve did not start with a first-run token, HTTP on %s and the inbound listener:\n%s", httpAddr, logs.String())
	}
	if !strings.Contains(logs.String(), "interval=200ms") {
		t.Errorf("outbox_interval: 200ms was not applied:\n%s", logs.String())
	}
	base := "http://" + httpAddr
	api := &e2eAPI{t: t, base: base + "/api/v1", token: token}
	w := &mailWaiter{t: t, mp: mp}

	// R1: the report arrives by mail; the acknowledgement carries the tracking ID.
	sendMail(t, smtpAddr, reporter, "From: Jane Reporter <"+reporter+">\r\nTo: security@acme.example\r\nSubject: "+title+
		"\r\nMessage-ID: <report-1@reporter.example>\r\nDate: "+time.Now().UTC().Format(time.RFC1123Z)+
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPosting a crafted job definition to /jobs/import runs code on the server.\r\n"+details+"\r\n")
	ack := w.wait("the acknowledgement to the reporter (R1)", func(m mailtest.Summary) bool {
		return to(m, reporter) && strings.Contains(m.Subject, "Your report was received")
	})
	tracking := regexp.MustCompile(`\[(VR-\d{4}-\d+)\]`).FindStringSubmatch(ack.Subject)
	if tracking == nil {
		t.Fatalf("acknowledgement subject %q has no tracking ID", ack.Subject)
	}
	trackingID := tracking[1]
	if !strings.Contains(ack.Text, trackingID) || !strings.Contains(ack.Text, base+"/") {
		t.Errorf("acknowledgement body lacks the tracking ID %s or a status link under %s:\n%s", trackingID, base, ack.Text)
	}
	var reports []struct {
		ID         int64  `json:"id"`
		TrackingID string `json:"tracking_id"`
		Channel    string `json:"channel"`
		CaseID     *int64 `json:"case_id"`
	}
	api.do("GET", "/reports", nil, 200, &reports)
	if len(reports) != 1 || reports[0].TrackingID != trackingID || reports[0].Channel != "email" || reports[0].CaseID == nil {
		t.Fatalf("reports after the mail: %+v, want one email report %s with a case", reports, trackingID)
	}
	reportID, caseURL := reports[0].ID, fmt.Sprintf("/cases/%d", *reports[0].CaseID)

	// The product, a maintained branch and its published release.
	api.do("POST", "/products", map[string]any{"slug": "scheduler", "name": "Job Scheduler"}, 201, nil)
	var branch struct{ ID int64 }
	api.do("POST", "/products/scheduler/branches", map[string]any{"name": "2.7", "status": "maintained"}, 201, &branch)
	api.do("POST", fmt.Sprintf("/branches/%d/releases", branch.ID), map[string]any{"version": "2.7.2", "state": "published"}, 201, nil)

	// R9: a subscriber opts in through the public form and the link in the mail.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(base+"/subscribe", url.Values{"email": {subscriber}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /subscribe: %d, want 303", res.StatusCode)
	}
	confirmMail := w.wait("the subscription confirmation", func(m mailtest.Summary) bool {
		return to(m, subscriber) && strings.Contains(m.Subject, "Confirm your subscription")
	})
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/subscribe/confirm/\S+`).FindString(confirmMail.Text)
	if link == "" {
		t.Fatalf("the confirmation mail has no confirmation link under %s:\n%s", base, confirmMail.Text)
	}
	res, err = http.PostForm(link, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "Your subscription is confirmed") {
		t.Fatalf("following the confirmation link: %d\n%s", res.StatusCode, page)
	}

	// R10: a liaison who talks to customers.
	api.do("POST", "/users", map[string]any{"name": "lena", "role": "liaison", "email": liaison}, 201, nil)

	// R2–R5: triage, confirmation, and the CVE ID, which the reporter is told.
	api.do("PATCH", caseURL, map[string]any{"task_force": []string{"admin"}}, 200, nil)
	api.do("POST", caseURL+"/transitions", map[string]any{"transition": "triage"}, 200, nil)
	api.do("PATCH", caseURL, map[string]any{"product_id": 1, "affected_branches": []int64{branch.ID},
		"risk":    map[string]any{"cvss31": vector, "cwe": []string{"CWE-502"}, "tags": []string{"rce"}},
		"summary": "Remote code execution in the job import.", "details": details}, 200, nil)
	api.do("POST", caseURL+"/transitions", map[string]any{"transition": "confirm"}, 200, nil)
	api.do("PATCH", caseURL, map[string]any{"cve_id": cve,
		"cve_draft":      map[string]any{"description": "Deserialisation of untrusted data in the job import of Job Scheduler before 2.7.3 allows remote code execution."},
		"change_request": map[string]any{"ref": "SEC-1"}}, 200, nil)
	assigned := w.wait("the CVE ID to the reporter (R5)", func(m mailtest.Summary) bool {
		return to(m, reporter) && strings.Contains(m.Subject, cve+" assigned")
	})
	if !strings.Contains(assigned.Subject, "["+trackingID+"]") {
		t.Errorf("CVE mail subject %q lacks [%s]", assigned.Subject, trackingID)
	}

	// The reporter answers by mail; the answer joins the report's thread.
	const reply = "Thanks. Please credit me as Jane Reporter of Reporter Labs."
	sendMail(t, smtpAddr, reporter, "From: Jane Reporter <"+reporter+">\r\nTo: security@acme.example\r\nSubject: Re: "+assigned.Subject+
		"\r\nMessage-ID: <reply-1@reporter.example>\r\nIn-Reply-To: <"+assigned.MessageID+">\r\nDate: "+time.Now().UTC().Format(time.RFC1123Z)+
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+reply+"\r\n\r\n> The vulnerability you reported ...\r\n")
	var thread struct {
		Messages []struct{ From, Body string } `json:"messages"`
	}
	joined := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !joined; time.Sleep(50 * time.Millisecond) {
		api.do("GET", fmt.Sprintf("/reports/%d", reportID), nil, 200, &thread)
		for _, m := range thread.Messages {
			joined = joined || (m.From == report.FromReporter && strings.Contains(m.Body, reply))
		}
	}
	if !joined {
		t.Fatalf("the reporter's reply did not join report %d's thread as the reporter's: %+v", reportID, thread.Messages)
	}
	api.do("GET", "/reports", nil, 200, &reports)
	if len(reports) != 1 {
		t.Errorf("the reply made another report: %+v", reports)
	}

	// The fix, verified on the branch; the planned disclosure; ready (R10).
	api.do("POST", caseURL+"/transitions", map[string]any{"transition": "start_fix"}, 200, nil)
	now := time.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
	var release struct{ ID int64 }
	api.do("POST", fmt.Sprintf("/branches/%d/releases", branch.ID), map[string]any{"state": "qa", "planned_at": now}, 201, &release)
	api.do("PATCH", fmt.Sprintf("%s/fixes/%d", caseURL, branch.ID), map[string]any{"status": "verified", "release_id": release.ID,
		"commits": []string{"0123abcd"}, "evidence": "exploit re-run: refused"}, 200, nil)
	api.do("PATCH", caseURL, map[string]any{"planned_disclosure": now}, 200, nil)
	api.do("POST", caseURL+"/transitions", map[string]any{"transition": "ready"}, 200, nil)
	notice := w.wait("the liaison's advance notice (R10)", func(m mailtest.Summary) bool {
		return to(m, liaison) && strings.HasPrefix(m.Subject, "[Advance notice]")
	})
	for _, secret := range []string{details, vector, "CWE-502", reporter, "Deserialisation of untrusted data"} {
		if strings.Contains(notice.Raw, secret) || strings.Contains(notice.Text, secret) || strings.Contains(notice.HTML, secret) {
			t.Errorf("the liaison's advance notice carries %q:\n%s", secret, notice.Text)
		}
	}
	if !strings.Contains(notice.Text, "Remote code execution in the job import.") {
		t.Errorf("the liaison's advance notice lacks the announcement summary:\n%s", notice.Text)
	}

	// R9: the disclosure; the reporter, the subscriber and the liaison are told.
	api.do("POST", caseURL+"/transitions", map[string]any{"transition": "disclose"}, 200, nil)
	disclosed := w.wait("the disclosure notice to the reporter", func(m mailtest.Summary) bool {
		return to(m, reporter) && strings.Contains(m.Subject, "Disclosed as "+cve)
	})
	if !strings.Contains(disclosed.Text, base+"/") {
		t.Errorf("the disclosure notice has no advisory link under %s:\n%s", base, disclosed.Text)
	}
	advisoryMail := w.wait("the advisory to the subscriber (R9)", func(m mailtest.Summary) bool {
		return to(m, subscriber) && strings.HasPrefix(m.Subject, "[Security advisory]")
	})
	if !strings.Contains(advisoryMail.Subject, cve) || !strings.Contains(advisoryMail.Text, "2.7.3") {
		t.Errorf("the advisory mail lacks %s or the fixed version 2.7.3: %q\n%s", cve, advisoryMail.Subject, advisoryMail.Text)
	}
	unsub := header(advisoryMail, "List-Unsubscribe")
	if !strings.Contains(unsub, "<"+base+"/unsubscribe/") {
		t.Errorf("List-Unsubscribe: %q, want <%s/unsubscribe/...>", unsub, base)
	}
	if got := header(advisoryMail, "List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: %q, want List-Unsubscribe=One-Click (RFC 8058)", got)
	}
	w.wait("the liaison's notice at publication", func(m mailtest.Summary) bool {
		return to(m, liaison) && strings.HasPrefix(m.Subject, "[Published]")
	})
	for _, path := range []string{"/", "/api/v1/advisories"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Contains(body, []byte(cve)) {
			t.Errorf("public %s: %d, without %s", path, res.StatusCode, cve)
		}
	}

	// Every mail the outbox holds was sent, and arrived exactly once.
	var pending []struct{ Key, Channel string }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pending = nil
		for _, ch := range []string{"email", "subscribers"} {
			var ms []struct{ Key, Channel string }
			api.do("GET", "/outbox?state=pending&channel="+ch, nil, 200, &ms)
			pending = append(pending, ms...)
		}
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(pending) > 0 {
		t.Errorf("mail still pending after 30 s: %+v", pending)
	}
	var failed, sent []struct{ Key, Topic string }
	api.do("GET", "/outbox?state=failed&channel=email&limit=500", nil, 200, &failed)
	if len(failed) > 0 {
		t.Errorf("failed mail: %+v", failed)
	}
	api.do("GET", "/outbox?state=sent&channel=email&limit=500", nil, 200, &sent)
	stop() // no further round can send anything twice
	perID := map[string]int{}
	msgs := mp.Messages()
	for _, m := range msgs {
		perID[m.MessageID]++
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("Message-ID %s arrived %d times", id, n)
		}
	}
	if len(perID) != len(sent) {
		var got []string
		for _, m := range msgs {
			got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
		}
		t.Errorf("mailpit holds %d distinct messages, the outbox sent %d:\nmailpit: %s\noutbox: %+v", len(perID), len(sent), strings.Join(got, "\n  "), sent)
	}
	t.Logf("%d messages, each delivered once:\n  %s", len(perID), strings.Join(w.seen, "\n  "))
}

// TestOutboxIntervalConfig: outbox_interval is a duration; unset means the
// default, and a value below the minimum stops serve at its start.
func TestOutboxIntervalConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       time.Duration
		err        string
	}{
		{name: "unset", yaml: "name: x\n", want: 0},
		{name: "seconds", yaml: "outbox_interval: 30s\n", want: 30 * time.Second},
		{name: "not a duration", yaml: "outbox_interval: soon\n", err: "`soon` into time.Duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "vigil.yaml")
			os.WriteFile(file, []byte(tc.yaml), 0o600)
			c := defaults()
			err := loadConfigFile(file, &c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || c.OutboxInterval != tc.want {
				t.Fatalf("outbox_interval %v (%v), want %v", c.OutboxInterval, err, tc.want)
			}
		})
	}
	file := filepath.Join(t.TempDir(), "vigil.yaml")
	os.WriteFile(file, []byte("outbox_interval: 1ms\n"), 0o600)
	code, _, errs := vigil(t, nil, "serve", "--config", file, "--data", filepath.Join(t.TempDir(), "data"), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "outbox_interval: 1ms is below 100ms") {
		t.Errorf("serve with outbox_interval 1ms: exit %d\n%s", code, errs)
	}
}

// e2eAPI calls the team's API with a token.
type e2eAPI struct {
	t           *testing.T
	base, token string
}

// do sends body as JSON, wants the status and decodes the answer into out.
func (a *e2eAPI) do(method, path string, body any, status int, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		a.t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.StatusCode, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
}

// mailWaiter polls mailpit for the next expected message.
type mailWaiter struct {
	t    *testing.T
	mp   *mailtest.Server
	seen []string // subjects of the messages waited for, in order
}

// wait returns the message that matches, polling for up to 30 s.
func (w *mailWaiter) wait(what string, match func(mailtest.Summary) bool) mailtest.Message {
	w.t.Helper()
	start := time.Now()
	for deadline := start.Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		for _, m := range w.mp.Messages() {
			if match(m) {
				w.seen = append(w.seen, m.Subject)
				w.t.Logf("%s: %q after %v", what, m.Subject, time.Since(start).Round(time.Millisecond))
				return w.mp.Message(m.ID)
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range w.mp.Messages() {
				got = append(got, fmt.Sprintf("%v %q", m.To, m.Subject))
			}
			w.t.Fatalf("%s did not arrive within 30 s; mailpit holds:\n  %s", what, strings.Join(got, "\n  "))
		}
	}
}

// to tells whether addr is among the message's recipients.
func to(m mailtest.Summary, addr string) bool {
	for _, a := range m.To {
		if strings.EqualFold(a.Address, addr) {
			return true
		}
	}
	return false
}

// header is the first value of a header of the message.
func header(m mailtest.Message, name string) string {
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// sendMail mails msg to the security address through the listener at addr.
func sendMail(t *testing.T, addr, from, msg string) {
	t.Helper()
	if err := smtp.SendMail(addr, nil, from, []string{"security@acme.example"}, []byte(msg)); err != nil {
		t.Fatalf("mail to the inbound listener: %v", err)
	}
}

// freeLoopback is a loopback address with a port free at the moment, so
// that serve's base URL (and the links in its mail) names the real port.
func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
}

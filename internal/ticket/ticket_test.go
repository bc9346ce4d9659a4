package ticket_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/server"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/ticket"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
	"github.com/vigil-psirt/vigil/internal/webhook"
)

var now = time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)

const githubOpened = `{"action":"opened","issue":{"number":42,"title":"Crash when parsing a long header","body":"Send 70 kB of X-Foo.",
"html_url":"https://github.com/acme/vault/issues/42","state":"open","user":{"login":"octocat","id":1}},
"repository":{"id":7,"full_name":"acme/vault"},"sender":{"login":"octocat"}}`

const gitlabOpened = `{"object_kind":"issue","event_type":"issue","user":{"name":"Carla Customer","username":"carla","email":"carla@customer.example"},
"project":{"id":1,"path_with_namespace":"support/acme","web_url":"https://gitlab.example/support/acme"},
"object_attributes":{"iid":7,"title":"Token leak in logs","description":"The debug log prints tokens.","state":"opened","action":"open",
"url":"https://gitlab.example/support/acme/-/issues/7","confidential":true}}`

type env struct {
	t   *testing.T
	h   http.Handler
	svc *casework.Service
}

func newEnv(t *testing.T, s *store.Store, public, private string) *env {
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: "https://vigil.example"}
	opts := server.Options{}
	opts.TicketSecrets.Public, opts.TicketSecrets.Private = public, private
	h, err := server.Handler(svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, h: h, svc: svc}
}

type answer struct {
	Status int
	ticket.Result
	Title    string   `json:"title"`
	Problems []string `json:"problems"`
	ct       string
}

func (e *env) post(tracker string, hd map[string]string, body string) answer {
	e.t.Helper()
	r := httptest.NewRequest("POST", "/hooks/tickets/"+tracker, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range hd {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	var a answer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		e.t.Fatalf("answer %d is not JSON: %q", w.Code, w.Body)
	}
	a.Status, a.ct = w.Code, w.Header().Get("Content-Type")
	return a
}

func github(secret, event, body string) map[string]string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return map[string]string{"X-GitHub-Event": event, "X-GitHub-Delivery": "d1", "X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

func generic(secret string, at time.Time, body string) map[string]string {
	return map[string]string{webhook.TimestampHeader: fmt.Sprint(at.Unix()), webhook.SignatureHeader: webhook.Sign(secret, at.Unix(), []byte(body))}
}

func (e *env) reports() []report.Report {
	e.t.Helper()
	rs, err := e.svc.Store.ListReports(context.Background(), store.ReportFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func TestTicketWebhooks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "pub-secret", "priv-secret")

		// A GitHub issue opened on the public tracker: a public report,
		// once however often it is delivered.
		a := e.post("public", github("pub-secret", "issues", githubOpened), githubOpened)
		if a.Status != http.StatusCreated || !a.Created || a.Format != "github" || !strings.HasPrefix(a.TrackingID, "VR-2026-") {
			t.Fatalf("opened: %+v", a)
		}
		again := e.post("public", github("pub-secret", "issues", githubOpened), githubOpened)
		if again.Status != http.StatusOK || again.Created || again.TrackingID != a.TrackingID {
			t.Errorf("delivered again: %+v", again)
		}
		rs := e.reports()
		if len(rs) != 1 {
			t.Fatalf("%d reports", len(rs))
		}
		r := rs[0]
		if r.Channel != report.PublicTicket || r.Visibility != report.Public || r.ExternalRef != "github:acme/vault#42" ||
			r.Reporter.Name != "octocat" || r.Title != "Crash when parsing a long header" || !strings.Contains(r.Body, "https://github.com/acme/vault/issues/42") {
			t.Errorf("report: %+v", r)
		}

		// A GitLab issue on the private tracker: a private report, and the
		// reporter's acknowledgement.
		a = e.post("private", map[string]string{"X-Gitlab-Event": "Confidential Issue Hook", "X-Gitlab-Token": "priv-secret"}, gitlabOpened)
		if a.Status != http.StatusCreated || a.Format != "gitlab" {
			t.Fatalf("gitlab: %+v", a)
		}
		r = e.reports()[0]
		if r.Channel != report.PrivateTicket || r.Visibility != report.Private || r.ExternalRef != "gitlab:support/acme#7" || r.Reporter.Email != "carla@customer.example" {
			t.Errorf("gitlab report: %+v", r)
		}

		// The generic form, signed like vigil's webhooks.
		g := `{"title":"SQL injection in search","body":"' OR 1=1","reporter":{"name":"Sam","email":"sam@example.org"},"external_ref":"HD-1234","url":"https://helpdesk.example/t/1234"}`
		a = e.post("private", generic("priv-secret", now, g), g)
		if a.Status != http.StatusCreated || a.Format != "generic" {
			t.Fatalf("generic: %+v", a)
		}
		if got := len(e.reports()); got != 3 {
			t.Errorf("%d reports, want 3", got)
		}

		// What is refused, each with its status and every problem.
		for name, tc := range map[string]struct {
			tracker  string
			hd       map[string]string
			body     string
			status   int
			problems []string
		}{
			"github bad signature":  {"public", github("wrong", "issues", githubOpened), githubOpened, 401, nil},
			"github no signature":   {"public", map[string]string{"X-GitHub-Event": "issues"}, githubOpened, 401, nil},
			"github other tracker":  {"private", github("pub-secret", "issues", githubOpened), githubOpened, 401, nil},
			"gitlab wrong token":    {"private", map[string]string{"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": "nope"}, gitlabOpened, 401, nil},
			"generic replayed":      {"private", generic("priv-secret", now.Add(-time.Hour), g), g, 401, nil},
			"generic unsigned":      {"private", nil, g, 401, nil},
			"unknown tracker":       {"other", nil, g, 404, nil},
			"generic unknown field": {"private", generic("priv-secret", now, `{"title":"x","external_ref":"1","severity":"high"}`), `{"title":"x","external_ref":"1","severity":"high"}`, 400, nil},
			"generic empty": {"private", generic("priv-secret", now, `{"reporter":{"email":"not an address"},"url":"javascript:x"}`), `{"reporter":{"email":"not an address"},"url":"javascript:x"}`, 422,
				[]string{"external_ref: required", "title: required (or state, for a change of an issue)", "url: must be an http(s) URL", "reporter.email: not a valid e-mail address"}},
			"github no issue": {"public", github("pub-secret", "issues", `{"action":"opened"}`), `{"action":"opened"}`, 422,
				[]string{"repository.full_name: required", "issue.number: required", "issue.title: required"}},
			"github not json": {"public", github("pub-secret", "issues", `{`), `{`, 400, nil},
			"too large":       {"private", generic("priv-secret", now, strings.Repeat(" ", ticket.MaxBody+1)), strings.Repeat(" ", ticket.MaxBody+1), 413, nil},
		} {
			a := e.post(tc.tracker, tc.hd, tc.body)
			if a.Status != tc.status || a.ct != "application/problem+json" || (tc.problems != nil && strings.Join(a.Problems, "|") != strings.Join(tc.problems, "|")) {
				t.Errorf("%s: %d %q %q, want %d %q", name, a.Status, a.ct, a.Problems, tc.status, tc.problems)
			}
		}
		if got := len(e.reports()); got != 3 {
			t.Errorf("%d reports after the refusals, want 3", got)
		}
		// A ping, a comment: verified, nothing done.
		if a := e.post("public", github("pub-secret", "ping", `{"zen":"Keep it simple."}`), `{"zen":"Keep it simple."}`); a.Status != http.StatusAccepted || a.Ignored == "" {
			t.Errorf("ping: %+v", a)
		}
	})
}

// TestChangeRequestState: an issue that is a case's change request (R4)
// carries its state to the case, audited; a tracker without a secret is
// not served.
func TestChangeRequestState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "pub-secret", "")
		ctx := context.Background()
		r, _, err := e.svc.Submit(ctx, casework.Public, report.Report{Channel: report.Web, Title: "t", Body: "b"})
		if err != nil {
			t.Fatal(err)
		}
		alice := casework.Actor{Kind: "user", Name: "alice", Role: user.PSIRT}
		cr := vcase.ChangeRequest{Ref: "acme/vault#42", Tracker: "github", State: "open"}
		if _, err := e.svc.UpdateCase(ctx, alice, *r.CaseID, casework.CasePatch{ChangeRequest: &cr}); err != nil {
			t.Fatal(err)
		}
		closed := strings.Replace(strings.Replace(githubOpened, `"opened"`, `"closed"`, 1), `"state":"open"`, `"state":"closed"`, 1)
		a := e.post("public", github("pub-secret", "issues", closed), closed)
		c, err := s.CaseByID(ctx, *r.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != http.StatusOK || len(a.Cases) != 1 || a.Cases[0] != c.Key || c.ChangeRequest.State != "closed" || a.TrackingID != "" {
			t.Fatalf("closed: %+v; change request %+v", a, c.ChangeRequest)
		}
		es, err := s.ListAudit(ctx, store.AuditFilter{Action: "change_request.state", Object: "case:" + c.Key})
		if err != nil || len(es) != 1 || !bytes.Contains(es[0].Detail, []byte(`"to":"closed"`)) {
			t.Errorf("audit: %+v %v", es, err)
		}
		// The same state again changes nothing; an unrelated issue is ignored.
		if a := e.post("public", github("pub-secret", "issues", closed), closed); a.Status != http.StatusAccepted || len(a.Cases) != 0 {
			t.Errorf("closed again: %+v", a)
		}
		if a := e.post("private", nil, `{}`); a.Status != http.StatusNotFound {
			t.Errorf("private tracker without a secret: %+v", a)
		}
	})
}

// Package ticket takes in the webhooks of the public and the private ticket
// systems (R1, R4): GitHub issue events (X-Hub-Signature-256), GitLab issue
// events (X-Gitlab-Token) and a generic JSON form signed like vigil's own
// outgoing webhooks (X-Vigil-Signature over X-Vigil-Timestamp and the body).
// A new issue becomes a report of channel public_ticket or private_ticket;
// an issue that is a case's change request carries its state to it.
//
// Invariants: nothing is read from a body before its signature or token
// is verified, with a constant-time comparison; bodies are bounded; a
// tracker without a configured secret does not exist (404); one issue makes
// one report however often it is delivered; every problem of an input is
// reported at once, as application/problem+json.
package ticket

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/webhook"
)

// Pattern is the route of the ticket webhooks; {tracker} is "public" or "private".
const Pattern = "POST /hooks/tickets/{tracker}"

// MaxBody bounds a webhook body (GitHub sends at most 25 MB, issue events
// are a few kB; a report body is at most 200 KiB).
const MaxBody = 1 << 20

// Tolerance is how far a generic delivery's timestamp may be from now.
const Tolerance = 5 * time.Minute

// Service is what the handler needs of the case service.
type Service interface {
	TicketEvent(ctx context.Context, ch report.Channel, t casework.Ticket) (casework.TicketOutcome, error)
}

// Handler serves Pattern.
type Handler struct {
	Svc Service
	// PublicSecret and PrivateSecret verify the two trackers' deliveries;
	// a tracker whose secret is empty is not served.
	PublicSecret, PrivateSecret string
	Now                         func() time.Time
	Log                         *slog.Logger

	// mu serialises deliveries, so that an issue delivered twice at once
	// makes one report (casework.Service.TicketEvent).
	mu sync.Mutex
}

// Error is a problem with a delivery, with its HTTP status.
type Error struct {
	Status   int
	Title    string
	Problems []string
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return e.Title
	}
	return e.Title + ": " + strings.Join(e.Problems, "; ")
}

func problem(status int, title string, problems ...string) *Error {
	return &Error{Status: status, Title: title, Problems: problems}
}

// ErrUnauthorized is the error of a delivery whose signature or token does
// not verify.
var ErrUnauthorized = problem(http.StatusUnauthorized, "Signature or token does not verify")

// Result is the answer to a delivery that was taken.
type Result struct {
	Tracker string `json:"tracker"` // public or private
	Format  string `json:"format"`  // github, gitlab or generic
	casework.TicketOutcome
	TrackingID string `json:"tracking_id,omitempty"`
}

// ServeHTTP verifies, parses and takes in one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res, err := h.serve(r)
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		var e *Error
		var inv *casework.InvalidError
		switch {
		case errors.As(err, &e):
		case errors.As(err, &inv):
			e = problem(http.StatusUnprocessableEntity, "Invalid input", inv.Problems...)
		default:
			h.log().Error("ticket webhook", "tracker", r.PathValue("tracker"), "err", err)
			e = problem(http.StatusInternalServerError, "Internal error")
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(e.Status)
		json.NewEncoder(w).Encode(struct {
			Title    string   `json:"title"`
			Status   int      `json:"status"`
			Problems []string `json:"problems,omitempty"`
		}{e.Title, e.Status, e.Problems})
		return
	}
	status := http.StatusOK
	switch {
	case res.Created:
		status = http.StatusCreated
	case res.Ignored != "":
		status = http.StatusAccepted
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(res)
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

func (h *Handler) serve(r *http.Request) (Result, error) {
	var ch report.Channel
	var secret string
	tracker := r.PathValue("tracker")
	switch tracker {
	case "public":
		ch, secret = report.PublicTicket, h.PublicSecret
	case "private":
		ch, secret = report.PrivateTicket, h.PrivateSecret
	}
	if secret == "" {
		return Result{}, problem(http.StatusNotFound, "Not found", "tracker: must be public or private, with its secret configured")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Result{}, problem(http.StatusRequestEntityTooLarge, "Request body too large", fmt.Sprintf("body: at most %d bytes", MaxBody))
		}
		return Result{}, problem(http.StatusBadRequest, "Bad request", "body: "+err.Error())
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	format, t, err := Parse(r.Header, body, secret, now())
	res := Result{Tracker: tracker, Format: format}
	if err != nil {
		return res, err
	}
	if t == nil {
		res.Ignored = "not an issue event"
		return res, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out, err := h.Svc.TicketEvent(r.Context(), ch, *t)
	if err != nil {
		return res, err
	}
	res.TicketOutcome = out
	if out.Report != nil {
		res.TrackingID = out.Report.TrackingID
		res.Report = nil // the caller is a tracker: it learns the tracking ID, not the report
	}
	return res, nil
}

// Parse verifies and reads a delivery; the format comes from the headers:
// X-GitHub-Event is GitHub, X-Gitlab-Event GitLab, anything else the
// generic form. A delivery that verifies but is no issue event (GitHub's
// ping, a comment) returns a nil ticket.
func Parse(hd http.Header, body []byte, secret string, now time.Time) (string, *casework.Ticket, error) {
	switch {
	case hd.Get("X-GitHub-Event") != "":
		if !validHubSignature(secret, hd.Get("X-Hub-Signature-256"), body) {
			return "github", nil, ErrUnauthorized
		}
		if hd.Get("X-GitHub-Event") != "issues" {
			return "github", nil, nil
		}
		t, err := parseGitHub(body)
		return "github", t, err
	case hd.Get("X-Gitlab-Event") != "":
		if !hmac.Equal([]byte(hd.Get("X-Gitlab-Token")), []byte(secret)) {
			return "gitlab", nil, ErrUnauthorized
		}
		if ev := hd.Get("X-Gitlab-Event"); ev != "Issue Hook" && ev != "Confidential Issue Hook" {
			return "gitlab", nil, nil
		}
		t, err := parseGitLab(body)
		return "gitlab", t, err
	}
	if err := webhook.Verify(secret, hd.Get(webhook.SignatureHeader), hd.Get(webhook.TimestampHeader), body, now, Tolerance); err != nil {
		return "generic", nil, ErrUnauthorized
	}
	t, err := parseGeneric(body)
	return "generic", t, err
}

// validHubSignature checks GitHub's "sha256=<hex HMAC-SHA256 of the body>".
func validHubSignature(secret, sig string, body []byte) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(sig))
}

// decode reads JSON into v; the trackers' events carry far more fields
// than vigil reads, so unknown fields are allowed there.
func decode(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return problem(http.StatusBadRequest, "Bad request", "body: "+err.Error())
	}
	if dec.More() {
		return problem(http.StatusBadRequest, "Bad request", "body: more than one JSON value")
	}
	return nil
}

func required(problems []string, field, v string) []string {
	if strings.TrimSpace(v) == "" {
		return append(problems, field+": required")
	}
	return problems
}

func invalid(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return problem(http.StatusUnprocessableEntity, "Invalid input", problems...)
}

// parseGitHub reads an issues event
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues).
func parseGitHub(body []byte) (*casework.Ticket, error) {
	var ev struct {
		Action string `json:"action"`
		Issue  struct {
			Number  int    `json:"number"`
			Title   string `json:"title"`
			Body    string `json:"body"`
			HTMLURL string `json:"html_url"`
			State   string `json:"state"`
			User    struct {
				Login string `json:"login"`
			} `json:"user"`
		} `json:"issue"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := decode(body, &ev, false); err != nil {
		return nil, err
	}
	var problems []string
	problems = required(problems, "action", ev.Action)
	problems = required(problems, "repository.full_name", ev.Repository.FullName)
	if ev.Issue.Number <= 0 {
		problems = append(problems, "issue.number: required")
	}
	if ev.Action == "opened" {
		problems = required(problems, "issue.title", ev.Issue.Title)
	}
	if err := invalid(problems); err != nil {
		return nil, err
	}
	return &casework.Ticket{
		Tracker: "github", Ref: "github:" + ev.Repository.FullName + "#" + strconv.Itoa(ev.Issue.Number), URL: ev.Issue.HTMLURL,
		Opened: ev.Action == "opened", State: ev.Issue.State,
		Title: ev.Issue.Title, Body: ev.Issue.Body, Reporter: report.Contact{Name: ev.Issue.User.Login},
	}, nil
}

// parseGitLab reads an issue event
// (https://docs.gitlab.com/user/project/integrations/webhook_events/#work-item-events).
func parseGitLab(body []byte) (*casework.Ticket, error) {
	var ev struct {
		ObjectKind string `json:"object_kind"`
		User       struct {
			Name     string `json:"name"`
			Username string `json:"username"`
			Email    string `json:"email"`
		} `json:"user"`
		Project struct {
			PathWithNamespace string `json:"path_with_namespace"`
		} `json:"project"`
		Attrs struct {
			IID         int    `json:"iid"`
			Title       string `json:"title"`
			Description string `json:"description"`
			State       string `json:"state"`
			Action      string `json:"action"`
			URL         string `json:"url"`
		} `json:"object_attributes"`
	}
	if err := decode(body, &ev, false); err != nil {
		return nil, err
	}
	if ev.ObjectKind != "issue" && ev.ObjectKind != "work_item" {
		return nil, invalid([]string{"object_kind: must be issue"})
	}
	var problems []string
	problems = required(problems, "project.path_with_namespace", ev.Project.PathWithNamespace)
	if ev.Attrs.IID <= 0 {
		problems = append(problems, "object_attributes.iid: required")
	}
	if ev.Attrs.Action == "open" {
		problems = required(problems, "object_attributes.title", ev.Attrs.Title)
	}
	if err := invalid(problems); err != nil {
		return nil, err
	}
	state := ev.Attrs.State
	if state == "opened" {
		state = "open"
	}
	name := ev.User.Name
	if name == "" {
		name = ev.User.Username
	}
	return &casework.Ticket{
		Tracker: "gitlab", Ref: "gitlab:" + ev.Project.PathWithNamespace + "#" + strconv.Itoa(ev.Attrs.IID), URL: ev.Attrs.URL,
		Opened: ev.Attrs.Action == "open", State: state,
		Title: ev.Attrs.Title, Body: ev.Attrs.Description, Reporter: report.Contact{Name: name, Email: ev.User.Email},
	}, nil
}

// Generic is the generic form: a new issue (with a title) or, with a state
// and no title, a change of an existing one.
type Generic struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Reporter struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"reporter"`
	ExternalRef string `json:"external_ref"`
	URL         string `json:"url"`
	State       string `json:"state"`
}

func parseGeneric(body []byte) (*casework.Ticket, error) {
	var g Generic
	if err := decode(body, &g, true); err != nil {
		return nil, err
	}
	var problems []string
	problems = required(problems, "external_ref", g.ExternalRef)
	if strings.TrimSpace(g.Title) == "" && g.State == "" {
		problems = append(problems, "title: required (or state, for a change of an issue)")
	}
	if g.URL != "" && !strings.HasPrefix(g.URL, "https://") && !strings.HasPrefix(g.URL, "http://") {
		problems = append(problems, "url: must be an http(s) URL")
	}
	if g.Reporter.Email != "" {
		if err := report.ValidEmail(g.Reporter.Email); err != nil {
			problems = append(problems, "reporter.email: "+err.Error())
		}
	}
	if len(g.State) > 50 {
		problems = append(problems, "state: at most 50 bytes")
	}
	if err := invalid(problems); err != nil {
		return nil, err
	}
	return &casework.Ticket{
		Tracker: "generic", Ref: g.ExternalRef, URL: g.URL, Opened: strings.TrimSpace(g.Title) != "", State: g.State,
		Title: g.Title, Body: g.Body, Reporter: report.Contact{Name: g.Reporter.Name, Email: g.Reporter.Email},
	}, nil
}

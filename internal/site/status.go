package site

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// The reporter's status page: the secret link the report form leads to.
// Whoever holds the link is the reporter; there is no other login. The page
// shows the report's state, the messages both ways with a reply form, the
// credit preference with a form to change it, and the CVE ID and the
// advisory once they exist. The forms post back under the same secret
// link, so a forged cross-site form would need the secret; the browser's
// Origin and Sec-Fetch-Site are checked besides.

// TokenFunc does something for the reporter of a status token: an unknown
// token is ErrNotFound, invalid input an error with Fields().
type TokenFunc func(ctx context.Context, token, value string) error

// statusStep is one stage of a report as the reporter sees it.
type statusStep struct {
	Name          string
	Done, Current bool
}

// reporterStates are the stages casework.ReporterView names, in order;
// "closed" (rejected) is shown apart.
var reporterStates = []struct{ state, name string }{
	{"received", "Received"},
	{"in_triage", "In triage"},
	{"confirmed", "Confirmed"},
	{"fixed", "Fixed"},
	{"disclosed", "Disclosed"},
}

type statusPage struct {
	page
	Status    Status
	Token     string
	Steps     []statusStep
	StateName string
	Closed    bool
	CanReply  bool
	CanCredit bool
	Sent      string // "message" or "credit" after a form succeeded
	// The forms as typed, with their problems, when one was refused.
	Reply, CreditAs string
	ReplyErrors     []string
	CreditErrors    []string
}

// statusToken is what a status token may look like; anything else is not
// looked up.
var statusToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`) })

// maxReply bounds a reply (casework takes up to 50000 bytes).
const maxReply = 64 << 10

func (s *Site) status(w http.ResponseWriter, r *http.Request) {
	p, err := s.statusView(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	if v := r.URL.Query().Get("sent"); v == "message" || v == "credit" {
		p.Sent = v
	}
	s.renderStatus(w, http.StatusOK, p)
}

// statusView reads the report of the path's token.
func (s *Site) statusView(r *http.Request) (statusPage, error) {
	token := r.PathValue("token")
	if !statusToken().MatchString(token) {
		return statusPage{}, ErrNotFound
	}
	st, err := s.Status(r.Context(), token)
	if err != nil {
		return statusPage{}, err
	}
	p := statusPage{page: page{Site: s.Name, Title: "Report " + st.TrackingID}, Status: st, Token: token,
		CanReply: s.Reply != nil, CanCredit: s.Credit != nil, CreditAs: st.CreditAs, StateName: "Closed", Closed: true}
	reached := -1
	for i, rs := range reporterStates {
		if rs.state == st.State {
			reached, p.StateName, p.Closed = i, rs.name, false
		}
	}
	for i, rs := range reporterStates {
		p.Steps = append(p.Steps, statusStep{Name: rs.name, Done: i < reached, Current: i == reached})
	}
	return p, nil
}

func (s *Site) renderStatus(w http.ResponseWriter, code int, p statusPage) {
	// The address is the reporter's key: never cached, never sent on.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, code, "status", p)
}

// statusForm takes the reply or the credit form; a refused form is shown
// again with its problems next to it and the text kept.
func (s *Site) statusForm(w http.ResponseWriter, r *http.Request) {
	credit := strings.HasSuffix(r.URL.Path, "/credit")
	fn := s.Reply
	if credit {
		fn = s.Credit
	}
	if fn == nil {
		s.fail(w, ErrNotFound)
		return
	}
	if !sameOrigin(r) {
		http.Error(w, "cross-site form refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReply+4096)
	p, err := s.statusView(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		p.ReplyErrors = []string{"body: the message is too long: at most 50000 bytes"}
		s.renderStatus(w, http.StatusRequestEntityTooLarge, p)
		return
	}
	value := r.PostForm.Get("body")
	if credit {
		value = strings.TrimSpace(r.PostForm.Get("credit_as"))
	}
	err = fn(r.Context(), p.Token, value)
	var inv interface{ Fields() []string }
	switch {
	case err == nil:
		sent, anchor := "message", "#messages"
		if credit {
			sent, anchor = "credit", "#credit"
		}
		http.Redirect(w, r, "/report/status/"+url.PathEscape(p.Token)+"?sent="+sent+anchor, http.StatusSeeOther)
	case errors.As(err, &inv):
		if credit {
			p.CreditAs, p.CreditErrors = value, inv.Fields()
		} else {
			p.Reply, p.ReplyErrors = value, inv.Fields()
		}
		s.renderStatus(w, http.StatusUnprocessableEntity, p)
	default:
		s.fail(w, err)
	}
}

// sameOrigin refuses a form another site made the browser send: the
// browser's Sec-Fetch-Site, else its Origin, must name this site.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" && site == "same-origin" {
		// The site's Referrer-Policy no-referrer makes browsers send
		// "Origin: null"; Sec-Fetch-Site, which pages cannot set, vouches.
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// pageSize is how many rows a list shows.
const pageSize = 25

// clock is a deadline as the pages show it.
type clock struct {
	Name     string
	Due      time.Time
	Left     string // "3 h 20 min left", "breached 2 h ago", "met"
	State    string // running, soon, breached, met
	Stopped  bool
	Breached bool
}

// clockOf describes a deadline as of now; "soon" is the last quarter of it.
func clockOf(d policy.Deadline, now time.Time) clock {
	c := clock{Name: d.Clock.Name, Due: d.Due, Stopped: !d.Stopped.IsZero(), Breached: d.Breached(now)}
	switch {
	case c.Stopped && d.Met():
		c.State, c.Left = "met", "met "+span(d.Due.Sub(d.Stopped))+" early"
	case c.Stopped:
		c.State, c.Left = "breached", "met "+span(d.Stopped.Sub(d.Due))+" late"
	case c.Breached:
		c.State, c.Left = "breached", "breached "+span(now.Sub(d.Due))+" ago"
	default:
		c.State, c.Left = "running", span(d.Due.Sub(now))+" left"
		if total := d.Due.Sub(d.Start); total > 0 && d.Due.Sub(now) < total/4 {
			c.State = "soon"
		}
	}
	return c
}

// span is a duration in days, hours and minutes, coarsely.
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d d %d h", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}

// triageClock is the clock a report starts (the 24 h triage clock).
func (w *Web) triageClock(c vcase.Case, now time.Time) *clock {
	for _, d := range w.svc.Deadlines(c) {
		if d.Clock.Start == policy.ReportReceived {
			ck := clockOf(d, now)
			return &ck
		}
	}
	return nil
}

// pager links the pages of a list.
type pager struct {
	Page, Pages int
	Prev, Next  string // "" at the ends
	Total       int    // -1 when unknown
}

func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// pageURL is the list's URL with another page number.
func pageURL(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(n))
	return r.URL.Path + "?" + q.Encode()
}

// caseRow is a case in the list.
type caseRow struct {
	Case  vcase.Case
	Clock *clock // the triage clock while it runs
}

// option is a choice of a filter.
type option struct {
	Value, Text string
	Selected    bool
}

type casesPage struct {
	layout
	States, Severities []option
	Rows               []caseRow
	Pager              pager
	Filtered           bool
	Problems           []string
}

var severities = []string{"critical", "high", "medium", "low", "none"}

// cases lists cases with filters by state and severity; an engineer sees
// the cases whose task force names them (as in the API).
func (w *Web) cases(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	s, _ := current(r)
	f := store.CasePage{Limit: pageSize}
	p := casesPage{layout: w.layout(r, "Cases")}
	for _, v := range q["state"] {
		if v == "" {
			continue
		}
		if !slices.Contains(vcase.States, vcase.State(v)) {
			p.Problems = append(p.Problems, fmt.Sprintf("state: %q is not a case state", v))
			continue
		}
		f.States = append(f.States, vcase.State(v))
	}
	for _, v := range q["severity"] {
		if v == "" {
			continue
		}
		if !slices.Contains(severities, v) {
			p.Problems = append(p.Problems, fmt.Sprintf("severity: %q is not a severity", v))
			continue
		}
		if v == "none" {
			v = ""
		}
		f.Severities = append(f.Severities, v)
	}
	p.Filtered = len(f.States) > 0 || len(f.Severities) > 0
	for _, st := range vcase.States {
		p.States = append(p.States, option{Value: string(st), Text: label(string(st)), Selected: slices.Contains(f.States, st)})
	}
	for _, sv := range severities {
		val := sv
		if sv == "none" {
			val = ""
		}
		p.Severities = append(p.Severities, option{Value: sv, Text: label(sv), Selected: slices.Contains(f.Severities, val)})
	}
	if s.user.Role == user.Engineer {
		f.Member = s.user.Name
	}
	n := pageParam(r)
	f.Offset = (n - 1) * pageSize
	cs, total, err := w.store.ListCasePage(r.Context(), f)
	if err != nil {
		return err
	}
	now := w.now()
	var embargoed []string
	for _, c := range cs {
		if !engineerMay(s.user, c) {
			continue
		}
		row := caseRow{Case: c}
		if ck := w.triageClock(c, now); ck != nil && !ck.Stopped {
			row.Clock = ck
		}
		p.Rows = append(p.Rows, row)
		if casework.Embargoed(c) {
			embargoed = append(embargoed, c.Key)
		}
	}
	if len(embargoed) > 0 {
		if err := w.svc.RecordRead(r.Context(), actor(r), "case.list", "cases", map[string]any{"cases": embargoed}); err != nil {
			return err
		}
	}
	p.Pager = pager{Page: n, Pages: max(1, (total+pageSize-1)/pageSize), Total: total}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	if n*pageSize < total {
		p.Pager.Next = pageURL(r, n+1)
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "cases", p)
	return nil
}

// engineerMay reports whether an engineer works on the case (as in the API).
func engineerMay(u user.User, c vcase.Case) bool {
	return u.Role != user.Engineer || slices.Contains(c.TaskForce, u.Name)
}

// detail renders an audit event's detail compactly: "from: triage, to: confirmed".
func detail(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if v == nil || v == "" {
			continue
		}
		switch x := v.(type) {
		case []any:
			var s []string
			for _, e := range x {
				s = append(s, fmt.Sprint(e))
			}
			v = strings.Join(s, ", ")
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	out := strings.Join(parts, "; ")
	if len(out) > 300 {
		out = strings.ToValidUTF8(out[:300], "") + "…" // the cut may split a character
	}
	return out
}

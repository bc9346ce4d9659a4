package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// overviewRoutes are the routes of this area's pages: the dashboard, the
// liaison's schedule, the audit trail, the outbox, and the customer's
// advisories and subscriptions.
//
// The customer role holds only products.read, so the customer's pages need
// that permission; they show a customer the advisories of the products its
// support option covers and its own address's subscriptions, and a member
// of the team every published advisory and their own subscriptions.
func (w *Web) overviewRoutes() []route {
	auth := func(method, pattern string, perm user.Permission, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Perm: perm, h: h}
	}
	return []route{
		auth("GET", "/ui/dashboard", user.ReadCases, w.dashboard),
		auth("GET", "/ui/schedule", user.ReadSchedule, w.schedule),
		auth("GET", "/ui/audit", user.ReadAudit, w.auditTrail),
		auth("GET", "/ui/outbox", user.ReadAudit, w.outboxPage),
		auth("GET", "/ui/advisories", user.ReadProducts, w.customerAdvisories),
		auth("GET", "/ui/subscriptions", user.ReadProducts, w.subscriptions),
		auth("POST", "/ui/subscriptions", user.ReadProducts, w.changeSubscription),
	}
}

// openStates are the states of a case still being handled.
var openStates = []vcase.State{vcase.Received, vcase.Triage, vcase.Confirmed, vcase.Fixing, vcase.Ready}

// dashCase is an open case with its most urgent running clock.
type dashCase struct {
	Case     vcase.Case
	Clock    *clock
	Breaches int
}

// sevGroup is the open work of one severity.
type sevGroup struct {
	Severity string // "critical" .. "low", "" for unrated
	Cases    []dashCase
	Breached int
}

// dashReport is a new report with the triage clock of its case.
type dashReport struct {
	Report report.Report
	CaseID int64
	Clock  *clock
}

// craRow is one Cyber Resilience Act reporting deadline: of an exploited
// case or of an exploited finding.
type craRow struct {
	What, Href string
	Clock      clock
}

// upgradeRow is an open finding with its upgrade deadline.
type upgradeRow struct {
	Finding finding.Finding
	Release string
	Href    string
	Clock   clock
}

// countRow is a severity with a number.
type countRow struct {
	Severity string
	Count    int
	Href     string
}

type dashboardPage struct {
	layout
	Now          time.Time
	OpenCases    int
	Groups       []sevGroup
	Breaches     int
	CanReports   bool
	NewReports   int
	Reports      []dashReport
	Triage, Fix  chart
	CRA          []craRow
	CRABreached  int
	Findings     []countRow
	OpenFindings int
	Upgrades     []upgradeRow
	Overdue      int // findings past their upgrade deadline
	Truncated    bool
}

// dashboardCap bounds what the dashboard reads: open cases, closed cases
// for the trends, findings.
const dashboardCap = store.MaxLimit

func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, _ := current(r)
	now := w.now()
	p := dashboardPage{layout: w.layout(r, "Dashboard"), Now: now, CanReports: s.user.Role.Can(user.ReadReports)}

	open, err := w.store.ListCases(ctx, store.CaseFilter{States: openStates, Limit: dashboardCap})
	if err != nil {
		return err
	}
	p.Truncated = len(open) == dashboardCap
	groups := map[string]*sevGroup{}
	var embargoed []string
	for _, c := range open {
		if !engineerMay(s.user, c) {
			continue
		}
		embargoed = append(embargoed, c.Key)
		dc := dashCase{Case: c}
		for _, d := range w.svc.Deadlines(c) {
			if !d.Stopped.IsZero() {
				continue
			}
			ck := clockOf(d, now)
			if ck.Breached {
				dc.Breaches++
			}
			if dc.Clock == nil || ck.Due.Before(dc.Clock.Due) {
				dc.Clock = &ck
			}
			if strings.HasPrefix(d.Clock.ID, "cra-") {
				p.CRA = append(p.CRA, craRow{What: c.Key + " " + c.Title, Href: fmt.Sprintf("/ui/cases/%d", c.ID), Clock: ck})
			}
		}
		sev := sevClass(c.Severity)
		if sev == "none" {
			sev = ""
		}
		g := groups[sev]
		if g == nil {
			g = &sevGroup{Severity: sev}
			groups[sev] = g
		}
		g.Cases = append(g.Cases, dc)
		g.Breached += dc.Breaches
		p.Breaches += dc.Breaches
		p.OpenCases++
	}
	for _, sev := range []string{"critical", "high", "medium", "low", ""} {
		if g := groups[sev]; g != nil {
			sort.SliceStable(g.Cases, func(i, j int) bool { return clockBefore(g.Cases[i].Clock, g.Cases[j].Clock) })
			p.Groups = append(p.Groups, *g)
		}
	}
	if len(embargoed) > 0 {
		if err := w.svc.RecordRead(ctx, actor(r), "case.list", "dashboard", map[string]any{"cases": embargoed}); err != nil {
			return err
		}
	}

	if p.CanReports {
		rs, err := w.store.ListReports(ctx, store.ReportFilter{State: report.New, Limit: dashboardCap})
		if err != nil {
			return err
		}
		p.NewReports = len(rs)
		byID := map[int64]vcase.Case{}
		for _, c := range open {
			byID[c.ID] = c
		}
		for _, rep := range rs {
			row := dashReport{Report: rep}
			if rep.CaseID != nil {
				if c, ok := byID[*rep.CaseID]; ok {
					row.CaseID, row.Clock = c.ID, w.triageClock(c, now)
				}
			}
			p.Reports = append(p.Reports, row)
		}
		sort.SliceStable(p.Reports, func(i, j int) bool { return clockBefore(p.Reports[i].Clock, p.Reports[j].Clock) })
		p.Reports = p.Reports[:min(len(p.Reports), 5)]
	}

	// Trends: every case, whatever its state (closed ones above all).
	var all []vcase.Case
	for off := 0; off < 10*dashboardCap; off += dashboardCap {
		cs, err := w.store.ListCases(ctx, store.CaseFilter{Limit: dashboardCap, Offset: off})
		if err != nil {
			return err
		}
		all = append(all, cs...)
		if len(cs) < dashboardCap {
			break
		}
	}
	p.Triage = chartOf("Time to triage", trend(all, timeToTriage, now, w.zone, 12), time.Hour, "h")
	p.Fix = chartOf("Time to fix", trend(all, timeToFix, now, w.zone, 12), 24*time.Hour, "d")

	if err := w.dashboardFindings(r, &p); err != nil {
		return err
	}
	sort.SliceStable(p.CRA, func(i, j int) bool { return p.CRA[i].Clock.Due.Before(p.CRA[j].Clock.Due) })
	for _, c := range p.CRA {
		if c.Clock.Breached {
			p.CRABreached++
		}
	}
	w.render(rw, http.StatusOK, "dashboard", p)
	return nil
}

// dashboardFindings counts the open findings by severity and lists the
// nearest upgrade deadlines and the findings' CRA clocks.
func (w *Web) dashboardFindings(r *http.Request, p *dashboardPage) error {
	ctx := r.Context()
	above := 0 // findings of a higher severity than the one counted
	for _, sev := range []policy.Severity{policy.Critical, policy.High, policy.Medium, policy.Low, policy.None} {
		_, n, err := w.svc.Findings(ctx, store.FindingFilter{Open: true, MinSeverity: &sev, Limit: 1})
		if err != nil {
			return err
		}
		row := countRow{Severity: sev.String(), Count: n - above}
		if w.pages["/ui/findings"] {
			row.Href = "/ui/findings?open=true&min_severity=" + sev.String() // this severity and above
		}
		p.Findings = append(p.Findings, row)
		above = n
	}
	p.OpenFindings = above
	fs, _, err := w.svc.Findings(ctx, store.FindingFilter{Open: true, Limit: dashboardCap})
	if err != nil {
		return err
	}
	var rids []int64
	for _, f := range fs {
		rids = append(rids, f.ReleaseID)
	}
	releases, err := w.store.ReleasesByIDs(ctx, rids)
	if err != nil {
		return err
	}
	for _, f := range fs {
		href := ""
		if w.pages["/ui/findings/{id}"] {
			href = fmt.Sprintf("/ui/findings/%d", f.ID)
		}
		for _, d := range f.CRA {
			ck := clockOf(policy.Deadline{Clock: policy.Clock{Name: d.Name}, Start: f.DetectedAt, Due: d.DueAt}, p.Now)
			p.CRA = append(p.CRA, craRow{What: f.Vuln + " in " + f.Component.Name + " " + f.Component.Version, Href: href, Clock: ck})
		}
		if f.DueAt == nil {
			continue
		}
		ck := clockOf(policy.Deadline{Clock: policy.Clock{Name: f.Clock}, Start: f.DetectedAt, Due: *f.DueAt}, p.Now)
		if ck.Breached {
			p.Overdue++
		}
		p.Upgrades = append(p.Upgrades, upgradeRow{Finding: f, Release: releases[f.ReleaseID].Version.String(), Href: href, Clock: ck})
	}
	sort.SliceStable(p.Upgrades, func(i, j int) bool { return p.Upgrades[i].Clock.Due.Before(p.Upgrades[j].Clock.Due) })
	p.Upgrades = p.Upgrades[:min(len(p.Upgrades), 8)]
	return nil
}

// clockBefore orders by due time, cases without a clock last.
func clockBefore(a, b *clock) bool { return a != nil && (b == nil || a.Due.Before(b.Due)) }

// scheduleRow is a coming disclosure as the liaison sees it.
type scheduleRow struct {
	casework.Announcement
	When string // "in 3 d 4 h", "2 d ago", ""
	Late bool   // the planned date has passed
}

type schedulePage struct {
	layout
	Rows    []scheduleRow
	Pager   pager
	Planned int
}

// schedule is the liaison's view (R10): what will be announced and when,
// without technical details; the read is audited as the API's.
func (w *Web) schedule(rw http.ResponseWriter, r *http.Request) error {
	as, err := w.svc.Schedule(r.Context())
	if err != nil {
		return err
	}
	if err := w.svc.RecordRead(r.Context(), actor(r), "schedule.read", "schedule", nil); err != nil {
		return err
	}
	now := w.now()
	p := schedulePage{layout: w.layout(r, "Disclosure schedule")}
	for _, a := range as {
		row := scheduleRow{Announcement: a}
		if a.PlannedDisclosure != nil {
			p.Planned++
			if d := a.PlannedDisclosure.Sub(now); d >= 0 {
				row.When = "in " + span(d)
			} else {
				row.When, row.Late = span(-d)+" ago", true
			}
		}
		p.Rows = append(p.Rows, row)
	}
	p.Rows, p.Pager = paginate(r, p.Rows)
	w.render(rw, http.StatusOK, "schedule", p)
	return nil
}

// paginate cuts a list read whole (and bounded) into pages.
func paginate[T any](r *http.Request, rows []T) ([]T, pager) {
	n := pageParam(r)
	total := len(rows)
	pg := pager{Page: n, Pages: max(1, (total+pageSize-1)/pageSize), Total: total}
	if n > 1 {
		pg.Prev = pageURL(r, min(n-1, pg.Pages))
	}
	if n*pageSize < total {
		pg.Next = pageURL(r, n+1)
	}
	lo := min((n-1)*pageSize, total)
	return rows[lo:min(lo+pageSize, total)], pg
}

// auditForm is the audit trail's filter, as typed.
type auditForm struct {
	Object, Actor, Action string
	Errors                map[string][]string
}

// auditRow is one event of the trail.
type auditRow struct {
	audit.Event
	Detail string
}

// verifyResult is the outcome of checking the hash chain.
type verifyResult struct {
	Done   bool
	OK     bool
	Events int64
	Error  string
}

type auditPage struct {
	layout
	Form      auditForm
	Filtered  bool
	Rows      []auditRow
	Pager     pager
	Verify    verifyResult
	VerifyURL string
}

// maxFilter bounds a filter's text: an object, actor or action is short.
const maxFilter = 200

// auditTrail lists the audit events, newest first, filtered by object,
// actor and action; ?verify=1 checks the whole hash chain as the API does.
func (w *Web) auditTrail(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auditForm{Object: q.Get("object"), Actor: q.Get("actor"), Action: q.Get("action")}
	p := auditPage{layout: w.layout(r, "Audit trail"), Form: f}
	var problems []string
	for _, fld := range []struct{ name, v string }{{"object", f.Object}, {"actor", f.Actor}, {"action", f.Action}} {
		switch {
		case utf8.RuneCountInString(fld.v) > maxFilter:
			problems = append(problems, fmt.Sprintf("%s: at most %d characters", fld.name, maxFilter))
		case strings.ContainsFunc(fld.v, unicode.IsControl):
			problems = append(problems, fld.name+": no control characters")
		}
	}
	p.Filtered = f.Object != "" || f.Actor != "" || f.Action != ""
	verify := q.Get("verify") == "1"
	vq := q
	vq.Set("verify", "1")
	p.VerifyURL = "/ui/audit?" + vq.Encode()
	status := http.StatusOK
	if len(problems) > 0 {
		p.Form.Errors = fieldErrors(problems, "object", "actor", "action")
		status = http.StatusBadRequest
		w.render(rw, status, "audit", p)
		return nil
	}
	n := pageParam(r)
	es, err := w.store.ListAudit(r.Context(), store.AuditFilter{Object: f.Object, Actor: f.Actor, Action: f.Action, Limit: pageSize + 1, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	p.Pager = pager{Page: n, Total: -1}
	if len(es) > pageSize {
		es, p.Pager.Next = es[:pageSize], pageURL(r, n+1)
	}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	for _, e := range es {
		p.Rows = append(p.Rows, auditRow{Event: e, Detail: detail(e.Detail)})
	}
	if verify {
		cnt, err := w.store.VerifyAudit(r.Context())
		if err != nil && !errors.Is(err, audit.ErrBroken) {
			return err
		}
		p.Verify = verifyResult{Done: true, OK: err == nil, Events: cnt}
		if err != nil {
			p.Verify.Error = err.Error()
		}
	}
	w.render(rw, status, "audit", p)
	return nil
}

// outboxRow is an outgoing message with what it is about.
type outboxRow struct {
	outbox.Message
	Due bool // pending and its next attempt has come
}

type outboxPage struct {
	layout
	States, Channels []option
	Filtered         bool
	Problems         map[string][]string
	Rows             []outboxRow
	Pager            pager
	Now              time.Time
}

var (
	outboxStates   = []outbox.State{outbox.Pending, outbox.Sent, outbox.Failed}
	outboxChannels = []outbox.Channel{outbox.Email, outbox.Subscribers, outbox.Social, outbox.Webhook, outbox.CVEServices, outbox.Feed}
)

// outboxPage lists outgoing messages, newest first, with their delivery
// state, attempts and last error, filtered by state and channel.
func (w *Web) outboxPage(rw http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	st, ch := outbox.State(q.Get("state")), outbox.Channel(q.Get("channel"))
	var problems []string
	if st != "" && !slices.Contains(outboxStates, st) {
		problems = append(problems, fmt.Sprintf("state: %q is not a delivery state", st))
		st = ""
	}
	if ch != "" && !slices.Contains(outboxChannels, ch) {
		problems = append(problems, fmt.Sprintf("channel: %q is not a channel", ch))
		ch = ""
	}
	p := outboxPage{layout: w.layout(r, "Outbox"), Now: w.now(), Filtered: st != "" || ch != "", Problems: fieldErrors(problems, "state", "channel")}
	for _, s := range outboxStates {
		p.States = append(p.States, option{Value: string(s), Text: label(string(s)), Selected: s == st})
	}
	for _, c := range outboxChannels {
		p.Channels = append(p.Channels, option{Value: string(c), Text: channelLabel(c), Selected: c == ch})
	}
	n := pageParam(r)
	ms, err := w.store.ListMessages(r.Context(), store.OutboxFilter{State: st, Channel: ch, Limit: pageSize + 1, Offset: (n - 1) * pageSize})
	if err != nil {
		return err
	}
	p.Pager = pager{Page: n, Total: -1}
	if len(ms) > pageSize {
		ms, p.Pager.Next = ms[:pageSize], pageURL(r, n+1)
	}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	for _, m := range ms {
		p.Rows = append(p.Rows, outboxRow{Message: m, Due: m.State == outbox.Pending && !m.NextAttempt.After(p.Now)})
	}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "outbox", p)
	return nil
}

func channelLabel(c outbox.Channel) string {
	switch c {
	case outbox.Email:
		return "E-mail"
	case outbox.CVEServices:
		return "CVE Services"
	case outbox.Feed:
		return "Feeds and site"
	}
	return label(string(c))
}

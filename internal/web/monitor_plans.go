package web

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// planView is a proposed release of a branch as the pages show it.
type planView struct {
	Plan          finding.Plan
	Product, Slug string
	Sev           sevBadge
	Urgent        bool
	Window        string // "2026-04-01 – 2026-04-07"
	Due           *clock
	Findings      int
}

func (w *Web) planView(pl finding.Plan, productName, slug string) planView {
	v := planView{Plan: pl, Product: productName, Slug: slug, Sev: w.sevOf(pl.Severity, 0), Urgent: pl.Kind == policy.Urgent,
		Findings: len(pl.Findings), Due: dueOf("", pl.DueAt, w.now())}
	start := pl.WindowStart.In(w.zone).Format("2006-01-02")
	if !pl.WindowEnd.After(pl.WindowStart) {
		v.Window = "as soon as possible, from " + start
	} else {
		// WindowEnd is exclusive: the window's last day is the day before.
		v.Window = start + " – " + pl.WindowEnd.Add(-time.Nanosecond).In(w.zone).Format("2006-01-02")
	}
	return v
}

// calDay is one day of the calendar with what happens on it.
type calDay struct {
	Day       int
	Date      string
	Outside   bool // of another month, shown to fill the week
	Today     bool
	Window    bool // in a regular release window
	Urgent    bool // in an urgent plan's window
	Releases  []calEvent
	Deadlines int
	Breached  bool
}

// calEvent is a planned release on a day.
type calEvent struct {
	Text, Href string
}

// calMonth is a month grid, weeks from Monday.
type calMonth struct {
	Title string
	Weeks [][]calDay
}

type plansPage struct {
	layout
	Plans      []planView
	Months     []calMonth
	Window     string // the next regular window, "" without one
	Tab        string
	Truncated  bool
	Prev, Next string // the calendar's links to earlier and later months
	Moved      bool   // the calendar starts at another month than now's
	Problems   []string
}

// calendarMonths is how many months the calendar shows.
const calendarMonths = 2

// maxCalendarFindings bounds the open findings read for the calendar.
const maxCalendarFindings = store.MaxLimit

// plans shows the next release every maintained branch needs for its open
// findings, and a calendar of release windows, planned releases and the
// findings' deadlines.
func (w *Web) plans(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := plansPage{layout: w.layout(r, "Release plan"), Tab: "plans"}
	p.Section = "/ui/findings"
	plans, err := w.svc.ReleasePlans(ctx)
	if err != nil {
		return err
	}
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]product.Product{}
	for _, pr := range products {
		byID[pr.ID] = pr
	}
	for _, pl := range plans {
		pr := byID[pl.ProductID]
		p.Plans = append(p.Plans, w.planView(pl, pr.Name, pr.Slug))
	}
	// Most urgent first: earliest deadline, then highest severity.
	slices.SortStableFunc(p.Plans, func(a, b planView) int {
		switch ad, bd := a.Plan.DueAt, b.Plan.DueAt; {
		case ad != nil && bd != nil && !ad.Equal(*bd):
			return ad.Compare(*bd)
		case ad != nil && bd == nil:
			return -1
		case ad == nil && bd != nil:
			return 1
		}
		return 0
	})

	now := w.now()
	if w.svc.Policy != nil {
		if s, e, ok := w.svc.Policy.NextRegularWindow(now); ok {
			p.Window = s.In(w.zone).Format("2006-01-02") + " – " + e.Add(-time.Nanosecond).In(w.zone).Format("2006-01-02")
		}
	}
	// What the calendar marks: planned releases, deadlines, urgent windows.
	releases := map[string][]calEvent{}
	for _, pr := range products {
		bs, err := w.store.ListBranches(ctx, pr.ID)
		if err != nil {
			return err
		}
		for _, b := range bs {
			rs, err := w.store.ListReleases(ctx, b.ID)
			if err != nil {
				return err
			}
			for _, rel := range rs {
				if rel.State != product.Published && rel.PlannedAt != nil {
					d := rel.PlannedAt.In(w.zone).Format("2006-01-02")
					releases[d] = append(releases[d], calEvent{Text: rel.Version.String() + " " + pr.Name, Href: fmt.Sprintf("/ui/releases/%d", rel.ID)})
				}
			}
		}
	}
	open, _, err := w.svc.Findings(ctx, store.FindingFilter{Open: true, Limit: maxCalendarFindings})
	if err != nil {
		return err
	}
	p.Truncated = len(open) == maxCalendarFindings
	deadlines := map[string]int{}
	for _, f := range open {
		if f.DueAt != nil {
			deadlines[f.DueAt.In(w.zone).Format("2006-01-02")]++
		}
	}
	type period struct{ from, to time.Time }
	var urgent []period
	for _, pl := range plans {
		if pl.Kind == policy.Urgent {
			urgent = append(urgent, period{pl.WindowStart, pl.WindowEnd})
		}
	}
	local := now.In(w.zone)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, w.zone)
	// ?month=2026-09 starts the calendar there (within ten years of now).
	if v := r.URL.Query().Get("month"); v != "" {
		m, err := time.ParseInLocation("2006-01", v, w.zone)
		if err != nil || m.Year() < local.Year()-10 || m.Year() > local.Year()+10 {
			p.Problems = append(p.Problems, fmt.Sprintf("month: %q is not a month such as %s", clip(v, 40), local.Format("2006-01")))
		} else {
			p.Moved, first = !m.Equal(first), m
		}
	}
	p.Prev = "/ui/plans?month=" + first.AddDate(0, -1, 0).Format("2006-01") + "#h-cal"
	p.Next = "/ui/plans?month=" + first.AddDate(0, 1, 0).Format("2006-01") + "#h-cal"
	for m := range calendarMonths {
		month := first.AddDate(0, m, 0)
		var win period
		if w.svc.Policy != nil {
			if s, e, ok := w.svc.Policy.NextRegularWindow(month); ok {
				win = period{s, e}
			}
		}
		cm := calMonth{Title: month.Format("January 2006")}
		// From the Monday on or before the first of the month.
		day := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
		for len(cm.Weeks) < 6 {
			var week []calDay
			for range 7 {
				key := day.Format("2006-01-02")
				next := day.AddDate(0, 0, 1)
				cd := calDay{Day: day.Day(), Date: key, Outside: day.Month() != month.Month(),
					Today: key == local.Format("2006-01-02"), Window: !win.from.IsZero() && day.Before(win.to) && next.After(win.from),
					Releases: releases[key], Deadlines: deadlines[key]}
				cd.Breached = cd.Deadlines > 0 && next.Before(now)
				for _, u := range urgent {
					if day.Before(u.to) && next.After(u.from) || (u.to.Equal(u.from) && !u.from.Before(day) && u.from.Before(next)) {
						cd.Urgent = true
					}
				}
				if cd.Outside {
					cd.Releases, cd.Deadlines, cd.Window, cd.Urgent = nil, 0, false, false
				}
				week = append(week, cd)
				day = next
			}
			cm.Weeks = append(cm.Weeks, week)
			if day.Month() != month.Month() && day.After(month) {
				break
			}
		}
		p.Months = append(p.Months, cm)
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "plans", p)
	return nil
}

// feedRow is a run of a feed as the page shows it.
type feedRow struct {
	Run      store.FeedRun
	Duration string
}

type feedsPage struct {
	layout
	Feed       string
	Feeds      []option
	Rows       []feedRow
	Pager      pager
	CanRematch bool
	Done       string
	Counts     []tally
	Problems   []string
}

// maxFeedRuns bounds how far back the feed runs can be paged.
const maxFeedRuns = 1000

// feeds lists the imports and syncs of the vulnerability feeds, newest
// first, with their counts, problems and errors.
func (w *Web) feeds(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := feedsPage{layout: w.layout(r, "Feeds"), CanRematch: permitted(r, user.ManageCases)}
	p.Feed = qText(q, "feed", &p.Problems)
	n := pageParam(r)
	limit := min(n*pageSize+1, maxFeedRuns)
	runs, err := w.svc.FeedRuns(ctx, p.Feed, limit)
	if err != nil {
		return err
	}
	// The feeds to filter by are those of the latest runs.
	all, err := w.svc.FeedRuns(ctx, "", maxFeedRuns)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, run := range all {
		if !seen[run.Feed] {
			seen[run.Feed] = true
			p.Feeds = append(p.Feeds, option{Value: run.Feed, Text: run.Feed, Selected: run.Feed == p.Feed})
		}
	}
	slices.SortFunc(p.Feeds, func(a, b option) int {
		if a.Value < b.Value {
			return -1
		}
		if a.Value > b.Value {
			return 1
		}
		return 0
	})
	from := min((n-1)*pageSize, len(runs))
	for _, run := range runs[from:min(n*pageSize, len(runs))] {
		row := feedRow{Run: run, Duration: run.Duration.Round(time.Millisecond).String()}
		if run.Duration >= time.Minute {
			row.Duration = span(run.Duration)
		}
		p.Rows = append(p.Rows, row)
	}
	p.Pager = pager{Page: n, Total: -1}
	if n > 1 {
		p.Pager.Prev = pageURL(r, n-1)
	}
	if len(runs) > n*pageSize {
		p.Pager.Next = pageURL(r, n+1)
	}
	if q.Get("done") == "rematch" {
		p.Done = "rematch"
		p.Counts = doneCounts(q, "components", "findings", "added", "updated", "removed")
	}
	status := http.StatusOK
	if len(p.Problems) > 0 {
		status = http.StatusBadRequest
	}
	w.render(rw, status, "feeds", p)
	return nil
}

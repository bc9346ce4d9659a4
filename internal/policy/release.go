package policy

import (
	"fmt"
	"slices"
	"time"
)

// ReleaseCalendar says when fixes and upgrades ship (R16).
type ReleaseCalendar struct {
	// Regular is the monthly regular release window; nil when the policy
	// has no regular releases (every release is then planned as urgent).
	Regular *Window
	// UrgentSeverities justify an urgent release on their own.
	UrgentSeverities []Severity
	// UrgentExploited: active exploitation justifies an urgent release.
	UrgentExploited bool
	// UrgentWithin bounds an urgent release window (hours, days, business
	// days or months from now); zero means "by the deadline".
	UrgentWithin Duration
}

// Window is a monthly window, from FromDay 00:00 to the end of ToDay in the
// policy zone (1 <= FromDay <= ToDay <= 28, so that it exists every month).
// The first week of each month is {1, 7}.
type Window struct {
	FromDay, ToDay int
}

// ReleaseKind is the kind of a planned release.
type ReleaseKind string

// Release kinds.
const (
	Regular ReleaseKind = "regular"
	Urgent  ReleaseKind = "urgent"
)

// ReleasePlan is the outcome of Policy.PlanRelease. WindowEnd is exclusive:
// the first week of December is WindowStart 12-01 00:00 and WindowEnd
// 12-08 00:00 in the policy zone. WindowStart is never before now and
// WindowEnd never before WindowStart.
type ReleasePlan struct {
	Kind        ReleaseKind
	WindowStart time.Time
	WindowEnd   time.Time
	Reason      string
}

// NextRegularWindow returns the first regular window whose end is after t,
// in the policy zone (a window under way counts, with its full bounds);
// ok is false when the policy has no regular window.
func (p *Policy) NextRegularWindow(t time.Time) (start, end time.Time, ok bool) {
	w := p.Releases.Regular
	if w == nil || w.FromDay < 1 || w.ToDay < w.FromDay || w.ToDay > 28 {
		return time.Time{}, time.Time{}, false
	}
	zone := p.zone()
	y, m, _ := t.In(zone).Date()
	for i := 0; i < 2; i++ {
		start = time.Date(y, m+time.Month(i), w.FromDay, 0, 0, 0, 0, zone)
		end = time.Date(y, m+time.Month(i), w.ToDay+1, 0, 0, 0, 0, zone)
		if end.After(t) {
			return start, end, true
		}
	}
	return start, end, true // unreachable: next month's window always ends after t
}

// PlanRelease plans the release that carries a fix or upgrade of the given
// severity due by deadline (zero: no deadline), as of now:
//
//   - urgent, now until UrgentWithin (capped at the deadline), when the
//     policy says the severity or active exploitation justifies it;
//   - otherwise the next regular window, if it ends no later than the
//     deadline, starting no earlier than now;
//   - otherwise urgent, now until the deadline, because no regular window
//     is configured or none meets the deadline.
//
// An urgent plan without deadline and without UrgentWithin has WindowEnd ==
// WindowStart: as soon as possible, with no bound. A deadline already
// passed gives the same, with the reason saying so.
//
// Reason says which, in words a release manager can act on.
func (p *Policy) PlanRelease(now time.Time, sev Severity, exploited bool, deadline time.Time) ReleasePlan {
	zone := p.zone()
	now = now.In(zone)
	if !deadline.IsZero() {
		deadline = deadline.In(zone)
	}
	rc := p.Releases
	switch {
	case slices.Contains(rc.UrgentSeverities, sev):
		return p.urgent(now, deadline, fmt.Sprintf("severity %s justifies an urgent release", sev))
	case exploited && rc.UrgentExploited:
		return p.urgent(now, deadline, "active exploitation justifies an urgent release")
	}
	start, end, ok := p.NextRegularWindow(now)
	if !ok {
		return p.urgent(now, deadline, "the policy has no regular release window")
	}
	if !deadline.IsZero() && end.After(deadline) {
		return p.urgent(now, deadline, fmt.Sprintf("the next regular window %s..%s ends after the deadline %s",
			start.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly), deadline.Format("2006-01-02 15:04 MST")))
	}
	reason := fmt.Sprintf("next regular window %s..%s", start.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly))
	if !deadline.IsZero() {
		reason += " meets the deadline " + deadline.Format("2006-01-02 15:04 MST")
	}
	return ReleasePlan{Kind: Regular, WindowStart: later(start, now), WindowEnd: end, Reason: reason}
}

func (p *Policy) urgent(now, deadline time.Time, reason string) ReleasePlan {
	end := deadline
	if !p.Releases.UrgentWithin.IsZero() {
		if within := p.add(now, p.Releases.UrgentWithin); end.IsZero() || within.Before(end) {
			end = within
		}
	}
	switch {
	case end.IsZero():
		end = now
	case end.Before(now):
		end = now
		reason += "; the deadline has already passed"
	}
	return ReleasePlan{Kind: Urgent, WindowStart: now, WindowEnd: end, Reason: reason}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

package policy

import (
	"cmp"
	"slices"
	"time"
)

// Event names something that happens to a report, case or finding. Clocks
// start and stop on events; the recording of events is not this package's
// business.
type Event string

// The events a policy may name. A policy naming any other event does not load.
const (
	ReportReceived      Event = "report.received"        // a report came in (R1)
	CaseTriaged         Event = "case.triaged"           // reproduced, affected releases and risk known (R2)
	CaseConfirmed       Event = "case.confirmed"         // the vulnerability is confirmed (R3)
	CaseRejected        Event = "case.rejected"          // not reproducible, not a vulnerability, duplicate, out of scope
	CVEAssigned         Event = "cve.assigned"           // a CVE ID is known (R3)
	ReporterNotified    Event = "reporter.notified"      // the reporter was told the CVE ID (R5)
	ExploitationKnown   Event = "exploitation.known"     // awareness of active exploitation (CRA Art. 14)
	FixAvailable        Event = "fix.available"          // a fix or corrective measure is available (R6)
	ReleasePublished    Event = "release.published"      // the release carrying the fix or upgrade is out (R8, R16)
	CaseDisclosed       Event = "case.disclosed"         // the coordinated disclosure happened (R9)
	FindingDetected     Event = "finding.detected"       // an upstream vulnerability matched a component (R12)
	FindingResolved     Event = "finding.resolved"       // the finding is fixed or found not applicable (R14)
	EarlyWarningSent    Event = "cra.early_warning.sent" // CRA early warning submitted
	NotificationSent    Event = "cra.notification.sent"  // CRA vulnerability notification submitted
	FinalReportSent     Event = "cra.final_report.sent"  // CRA final report submitted
	AdvisoryPublished   Event = "advisory.published"     // an advisory revision was published
	CustomersNotified   Event = "customers.notified"     // customers were told (R9, R10)
	ChangeRequestOpened Event = "change_request.opened"  // the private change request exists (R4)
	FixVerified         Event = "fix.verified"           // the fix was verified against the exploit (R6)
	UpgradePlanned      Event = "upgrade.planned"        // the upgrade is scheduled in a release (R15, R16)
)

// Events lists every known event in a stable order.
func Events() []Event {
	return []Event{
		ReportReceived, CaseTriaged, CaseConfirmed, CaseRejected, CVEAssigned,
		ReporterNotified, ChangeRequestOpened, ExploitationKnown, FixAvailable,
		FixVerified, ReleasePublished, AdvisoryPublished, CustomersNotified,
		CaseDisclosed, FindingDetected, UpgradePlanned, FindingResolved,
		EarlyWarningSent, NotificationSent, FinalReportSent,
	}
}

// Valid reports whether e is a known event.
func (e Event) Valid() bool { return slices.Contains(Events(), e) }

// Clock is a deadline rule: Duration after its Start event, for the
// severities listed (all when empty), and only for exploited
// vulnerabilities when ExploitedOnly is set. The Stop event satisfies it.
type Clock struct {
	ID            string
	Name          string
	Description   string
	Start         Event
	Stop          Event
	Duration      Duration // Duration.Calendar names the calendar for business days
	Severities    []Severity
	ExploitedOnly bool
	// RemindBefore lists reminders relative to the due time, each in hours
	// or calendar days (e.g. "4h", "1 day"); see Policy.Reminders.
	RemindBefore []Duration
}

// Applies reports whether the clock runs for a vulnerability of this
// severity and exploitation status.
func (c Clock) Applies(sev Severity, exploited bool) bool {
	if c.ExploitedOnly && !exploited {
		return false
	}
	return len(c.Severities) == 0 || slices.Contains(c.Severities, sev)
}

// Due returns when clock c, started at start, is due, in the policy zone.
// It is deterministic and reads no clock:
//
//   - Hours: start plus exactly N elapsed hours, whatever DST does.
//   - Days: the same wall-clock time N calendar days later in the policy
//     zone (across a DST change that is 23 or 25 elapsed hours per day).
//   - BusinessDays: Calendar.AddBusinessDays with the calendar the duration
//     names (weekends only when none, or when the name is unknown).
//   - Months: the same wall-clock time N calendar months later in the
//     policy zone, the day clamped to the month's end: Jan 31 + 1 month =
//     Feb 28, or Feb 29 in a leap year.
//
// A zero Duration, or N == 0, is due at start.
func (p *Policy) Due(c Clock, start time.Time) time.Time {
	return p.add(start, c.Duration)
}

// add applies d to t as Due describes.
func (p *Policy) add(t time.Time, d Duration) time.Time {
	zone := p.zone()
	t = t.In(zone)
	if d.N <= 0 {
		return t
	}
	switch d.Unit {
	case Hours:
		return t.Add(time.Duration(d.N) * time.Hour)
	case Days:
		return t.AddDate(0, 0, d.N)
	case BusinessDays:
		return p.calendar(d.Calendar).AddBusinessDays(t, d.N)
	case Months:
		return addMonths(t, d.N)
	}
	return t
}

// addMonths adds n calendar months in t's location, clamping the day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	if last := daysIn(first.Year(), first.Month()); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, t.Nanosecond(), t.Location())
}

// daysIn returns the number of days in the month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// calendar returns the named calendar, or a weekends-only calendar in the
// policy zone.
func (p *Policy) calendar(name string) *Calendar {
	if c, ok := p.Calendars[name]; ok && c != nil {
		return c
	}
	return NewCalendar("", p.zone(), nil, nil)
}

// zone returns the policy zone, UTC when unset.
func (p *Policy) zone() *time.Location {
	if p == nil || p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}

// Reminders returns the reminder times of clock c started at start,
// earliest first: each RemindBefore subtracted from the due time (hours
// exactly, days as calendar days in the policy zone).
func (p *Policy) Reminders(c Clock, start time.Time) []time.Time {
	due := p.Due(c, start)
	var out []time.Time
	for _, r := range c.RemindBefore {
		switch r.Unit {
		case Hours:
			out = append(out, due.Add(-time.Duration(r.N)*time.Hour))
		case Days:
			out = append(out, due.AddDate(0, 0, -r.N))
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Deadline is one running or finished clock of a case or finding.
type Deadline struct {
	Clock Clock
	Start time.Time // when the start event happened
	Due   time.Time // Policy.Due(Clock, Start), in the policy zone
	// Stopped is when the stop event happened; zero while the clock runs.
	Stopped time.Time
}

// Met reports whether the stop event happened no later than Due.
func (d Deadline) Met() bool { return !d.Stopped.IsZero() && !d.Stopped.After(d.Due) }

// Breached reports whether the deadline was missed as of now: stopped after
// Due, or still running with now after Due. Exactly at Due is not a breach.
func (d Deadline) Breached(now time.Time) bool {
	if !d.Stopped.IsZero() {
		return d.Stopped.After(d.Due)
	}
	return now.After(d.Due)
}

// Deadlines returns a Deadline for every clock that applies to sev and
// exploited and whose start event is in events, sorted by Due (then by
// clock ID). Clocks whose stop event happened are included with Stopped set,
// so callers can report met and missed deadlines alike.
func (p *Policy) Deadlines(events map[Event]time.Time, sev Severity, exploited bool) []Deadline {
	var out []Deadline
	for _, c := range p.Clocks {
		if !c.Applies(sev, exploited) {
			continue
		}
		start, ok := events[c.Start]
		if !ok || start.IsZero() {
			continue
		}
		d := Deadline{Clock: c, Start: start, Due: p.Due(c, start)}
		if stop, ok := events[c.Stop]; ok && !stop.IsZero() {
			d.Stopped = stop
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Deadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.Clock.ID, b.Clock.ID)
	})
	return out
}

package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDue(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	utc := time.UTC
	tests := []struct {
		name   string
		policy string
		clock  string
		loc    *time.Location // of start and want
		start  string
		want   string
		hours  float64 // elapsed hours from start to due, when pinned
	}{
		// Hours are exact elapsed hours.
		{name: "triage 24h on an ordinary day", policy: sos, clock: "triage", loc: berlin,
			start: "2026-01-14 09:30", want: "2026-01-15 09:30", hours: 24},
		{name: "triage 24h across the spring DST switch is 24 elapsed hours", policy: sos, clock: "triage", loc: berlin,
			start: "2026-03-28 12:00", want: "2026-03-29 13:00", hours: 24},
		{name: "triage 24h across the autumn DST switch is 24 elapsed hours", policy: sos, clock: "triage", loc: berlin,
			start: "2026-10-24 12:00", want: "2026-10-25 11:00", hours: 24},
		{name: "triage 24h ignores weekends and holidays", policy: sos, clock: "triage", loc: berlin,
			start: "2026-04-03 18:00", want: "2026-04-04 18:00", hours: 24},
		{name: "CRA notification 72h across spring DST", policy: sos, clock: "cra-notification", loc: berlin,
			start: "2026-03-28 08:00", want: "2026-03-31 09:00", hours: 72},
		// Calendar days keep the wall-clock time in the policy zone.
		{name: "CRA final report 14 days across spring DST is 335 hours", policy: sos, clock: "cra-final-report", loc: berlin,
			start: "2026-03-20 12:00", want: "2026-04-03 12:00", hours: 14*24 - 1},
		{name: "CRA final report 14 days across autumn DST is 337 hours", policy: sos, clock: "cra-final-report", loc: berlin,
			start: "2026-10-20 12:00", want: "2026-11-03 12:00", hours: 14*24 + 1},
		{name: "14 days landing in the spring DST gap: 02:30 does not exist, 03:30 CEST", policy: sos, clock: "cra-final-report", loc: berlin,
			start: "2026-03-15 02:30", want: "2026-03-29 03:30", hours: 14 * 24},
		{name: "CRA final report 14 days over the year end", policy: stamus, clock: "cra-final-report", loc: utc,
			start: "2026-12-24 17:00", want: "2027-01-07 17:00"},
		// Business days in Berlin.
		{name: "fix: Friday 15:00 + 5 business days is next Friday 15:00", policy: sos, clock: "fix", loc: berlin,
			start: "2026-01-09 15:00", want: "2026-01-16 15:00"},
		{name: "fix: Good Friday and Easter Monday 2026 do not count", policy: sos, clock: "fix", loc: berlin,
			start: "2026-03-27 15:00", want: "2026-04-07 15:00"},
		{name: "fix: Ascension Day does not count", policy: sos, clock: "fix", loc: berlin,
			start: "2026-05-11 10:00", want: "2026-05-19 10:00"},
		{name: "fix: Christmas Day, Second Day of Christmas and New Year 2028/29 do not count", policy: sos, clock: "fix", loc: berlin,
			start: "2028-12-22 11:00", want: "2029-01-03 11:00"},
		{name: "fix: confirmed on Saturday counts from Monday 00:00, due end of Friday", policy: sos, clock: "fix", loc: berlin,
			start: "2026-01-10 11:00", want: "2026-01-17 00:00"},
		{name: "fix: confirmed on Easter Monday counts from Tuesday", policy: sos, clock: "fix", loc: berlin,
			start: "2026-04-06 09:00", want: "2026-04-14 00:00"},
		// Time zones: the policy zone decides the date.
		{name: "fix: Friday 23:30 UTC is Saturday in Berlin", policy: sos, clock: "fix", loc: utc,
			start: "2026-01-09 23:30", want: "2026-01-16 23:00"},
		{name: "fix: Friday 23:30 UTC is still Friday in a UTC policy", policy: dflt, clock: "fix", loc: utc,
			start: "2026-01-09 23:30", want: "2026-01-16 23:30"},
		{name: "fix: the default office calendar skips Good Friday and Easter Monday", policy: dflt, clock: "fix", loc: utc,
			start: "2026-04-02 10:00", want: "2026-04-13 10:00"},
		{name: "reporter-cve: 1 business day from Thursday before Easter", policy: sos, clock: "reporter-cve", loc: berlin,
			start: "2026-04-02 16:00", want: "2026-04-07 16:00"},
		// Months, clamped to the month's end.
		{name: "critical upgrade: Jan 31 + 1 month = Feb 28", policy: stamus, clock: "upgrade-critical", loc: utc,
			start: "2026-01-31 10:00", want: "2026-02-28 10:00"},
		{name: "critical upgrade: Jan 31 + 1 month = Feb 29 in 2028", policy: stamus, clock: "upgrade-critical", loc: utc,
			start: "2028-01-31 10:00", want: "2028-02-29 10:00"},
		{name: "critical upgrade: Feb 29 2028 + 1 month = Mar 29", policy: stamus, clock: "upgrade-critical", loc: utc,
			start: "2028-02-29 10:00", want: "2028-03-29 10:00"},
		{name: "critical upgrade: Mar 31 + 1 month = Apr 30", policy: stamus, clock: "upgrade-critical", loc: utc,
			start: "2026-03-31 08:00", want: "2026-04-30 08:00"},
		{name: "critical upgrade: Dec 31 + 1 month = Jan 31", policy: stamus, clock: "upgrade-critical", loc: utc,
			start: "2026-12-31 23:59", want: "2027-01-31 23:59"},
		{name: "high upgrade: Nov 30 2027 + 3 months = Feb 29 2028", policy: stamus, clock: "upgrade-high", loc: utc,
			start: "2027-11-30 09:00", want: "2028-02-29 09:00"},
		{name: "high upgrade: Nov 30 2026 + 3 months = Feb 28 2027", policy: stamus, clock: "upgrade-high", loc: utc,
			start: "2026-11-30 09:00", want: "2027-02-28 09:00"},
		{name: "high upgrade: Feb 29 2028 + 3 months = May 29", policy: stamus, clock: "upgrade-high", loc: utc,
			start: "2028-02-29 09:00", want: "2028-05-29 09:00"},
		{name: "medium upgrade: Aug 31 2027 + 6 months = Feb 29 2028", policy: stamus, clock: "upgrade-medium", loc: utc,
			start: "2027-08-31 09:00", want: "2028-02-29 09:00"},
		{name: "medium upgrade: Aug 31 2026 + 6 months = Feb 28 2027", policy: stamus, clock: "upgrade-medium", loc: utc,
			start: "2026-08-31 09:00", want: "2027-02-28 09:00"},
		{name: "medium upgrade: Nov 24 2026 + 6 months", policy: stamus, clock: "upgrade-medium", loc: utc,
			start: "2026-11-24 10:00", want: "2027-05-24 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := example(t, tt.policy)
			start := at(t, tt.loc, tt.start)
			got := p.Due(clock(t, p, tt.clock), start)
			want := at(t, tt.loc, tt.want)
			if !got.Equal(want) {
				t.Errorf("Due(%s, %s) = %s, want %s", tt.clock, start.Format(layout), got.Format(layout), want.In(p.Zone).Format(layout))
			}
			if got.Location().String() != p.Zone.String() {
				t.Errorf("Due in %v, want the policy zone %v", got.Location(), p.Zone)
			}
			if tt.hours != 0 {
				if h := got.Sub(start).Hours(); h != tt.hours {
					t.Errorf("elapsed %v hours, want %v", h, tt.hours)
				}
			}
		})
	}
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		start string
		n     int
		want  string
	}{
		{"2028-02-29 12:00", -12, "2027-02-28 12:00"},
		{"2028-02-29 12:00", 12, "2029-02-28 12:00"},
		{"2028-02-29 12:00", 48, "2032-02-29 12:00"},
		{"2028-03-31 12:00", -1, "2028-02-29 12:00"},
		{"2027-03-31 12:00", -1, "2027-02-28 12:00"},
		{"2026-05-31 12:00", 1, "2026-06-30 12:00"},
	}
	for _, tt := range tests {
		got := addMonths(at(t, time.UTC, tt.start), tt.n)
		if want := at(t, time.UTC, tt.want); !got.Equal(want) {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(layout), want.Format(layout))
		}
	}
}

func TestDueIsDeterministic(t *testing.T) {
	p := example(t, sos)
	start := at(t, zone(t, "America/New_York"), "2026-03-27 10:00")
	first := p.Due(clock(t, p, "fix"), start)
	for range 3 {
		if got := p.Due(clock(t, p, "fix"), start); !got.Equal(first) {
			t.Fatalf("Due changed between calls: %v then %v", first, got)
		}
	}
	// The zone of the start only changes how it is written, not the due time.
	if got := p.Due(clock(t, p, "fix"), start.UTC()); !got.Equal(first) {
		t.Errorf("Due depends on the start's zone: %v vs %v", got, first)
	}
}

func TestZeroDuration(t *testing.T) {
	p := example(t, dflt)
	start := at(t, time.UTC, "2026-01-10 11:00")
	for _, d := range []Duration{{}, {N: 0, Unit: Hours}, {N: 0, Unit: BusinessDays}, {N: 0, Unit: Months}} {
		if got := p.Due(Clock{Duration: d}, start); !got.Equal(start) {
			t.Errorf("Due with %+v = %v, want the start", d, got)
		}
	}
}

func TestReminders(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	p := example(t, sos)
	c := clock(t, p, "triage")
	c.RemindBefore = []Duration{{N: 1, Unit: Days}, {N: 4, Unit: Hours}}
	got := p.Reminders(c, at(t, berlin, "2026-03-28 12:00"))
	// Due Sunday 13:00 CEST: 4 h before is 09:00 CEST, 1 calendar day
	// before is Saturday 13:00 CET (23 elapsed hours before, across DST).
	want := []time.Time{at(t, berlin, "2026-03-28 13:00"), at(t, berlin, "2026-03-29 09:00")}
	if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
		t.Errorf("Reminders mismatch (-want +got):\n%s", diff)
	}
}

func TestDeadlines(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	p := example(t, sos)
	events := map[Event]time.Time{
		ReportReceived:    at(t, berlin, "2026-03-02 09:00"),
		CaseTriaged:       at(t, berlin, "2026-03-02 17:00"),
		CaseConfirmed:     at(t, berlin, "2026-03-03 10:00"),
		ExploitationKnown: at(t, berlin, "2026-03-04 08:00"),
	}
	type row struct {
		ID      string
		Due     string
		Stopped bool
	}
	summarize := func(ds []Deadline) []row {
		var out []row
		for _, d := range ds {
			out = append(out, row{d.Clock.ID, d.Due.In(berlin).Format("2006-01-02 15:04"), !d.Stopped.IsZero()})
		}
		return out
	}
	tests := []struct {
		name      string
		sev       Severity
		exploited bool
		want      []row
	}{
		{"high, exploited: triage, CRA clocks, fix, sorted by due", High, true, []row{
			{"triage", "2026-03-03 09:00", true},
			{"cra-early-warning", "2026-03-05 08:00", false},
			{"cra-notification", "2026-03-07 08:00", false},
			{"fix", "2026-03-10 10:00", false},
		}},
		{"high, not exploited: no CRA clocks", High, false, []row{
			{"triage", "2026-03-03 09:00", true},
			{"fix", "2026-03-10 10:00", false},
		}},
		{"low: the fix clock does not apply", Low, false, []row{
			{"triage", "2026-03-03 09:00", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(p.Deadlines(events, tt.sev, tt.exploited))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Deadlines mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := p.Deadlines(nil, Critical, true); len(got) != 0 {
		t.Errorf("Deadlines without events = %v", got)
	}
}

func TestDeadlineMetBreached(t *testing.T) {
	due := at(t, time.UTC, "2026-03-03 09:00")
	tests := []struct {
		name     string
		stopped  string
		now      string
		met      bool
		breached bool
	}{
		{"running, before due", "", "2026-03-03 08:59", false, false},
		{"running, exactly at due", "", "2026-03-03 09:00", false, false},
		{"running, after due", "", "2026-03-03 09:01", false, true},
		{"stopped in time", "2026-03-03 08:00", "2026-03-09 00:00", true, false},
		{"stopped exactly at due", "2026-03-03 09:00", "2026-03-09 00:00", true, false},
		{"stopped late", "2026-03-03 10:00", "2026-03-09 00:00", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Deadline{Due: due}
			if tt.stopped != "" {
				d.Stopped = at(t, time.UTC, tt.stopped)
			}
			if got := d.Met(); got != tt.met {
				t.Errorf("Met() = %v, want %v", got, tt.met)
			}
			if got := d.Breached(at(t, time.UTC, tt.now)); got != tt.breached {
				t.Errorf("Breached() = %v, want %v", got, tt.breached)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	seen := map[Event]bool{}
	for _, e := range Events() {
		if seen[e] || !e.Valid() {
			t.Errorf("event %q listed twice or invalid", e)
		}
		seen[e] = true
	}
	if Event("report.arrived").Valid() {
		t.Error("unknown event is valid")
	}
	c := Clock{Severities: []Severity{High}, ExploitedOnly: true}
	if c.Applies(High, false) || c.Applies(Medium, true) || !c.Applies(High, true) {
		t.Error("Clock.Applies")
	}
}

package policy

import (
	"strings"
	"testing"
	"time"
)

func TestPlanRelease(t *testing.T) {
	utc := time.UTC
	berlin := zone(t, "Europe/Berlin")
	berlinMonthly := func(t *testing.T) *Policy {
		p := example(t, sos)
		p.Releases.Regular = &Window{FromDay: 1, ToDay: 7}
		return p
	}
	stamusPolicy := func(t *testing.T) *Policy { return example(t, stamus) }
	dfltPolicy := func(t *testing.T) *Policy { return example(t, dflt) }
	sosPolicy := func(t *testing.T) *Policy { return example(t, sos) }
	// upgrade returns the Stamus upgrade deadline of a finding detected at s.
	upgrade := func(t *testing.T, id, s string) string {
		p := example(t, stamus)
		return p.Due(clock(t, p, id), at(t, utc, s)).Format("2006-01-02 15:04")
	}
	tests := []struct {
		name      string
		policy    func(*testing.T) *Policy
		loc       *time.Location
		now       string
		sev       Severity
		exploited bool
		deadline  string // "" for none
		want      ReleasePlan
		reason    string // a substring of Reason
	}{
		{name: "medium finding on 2026-11-24 ships in the first week of December", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: Medium, deadline: upgrade(t, "upgrade-medium", "2026-11-24 10:00"),
			want:   ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-12-01 00:00"), WindowEnd: at(t, utc, "2026-12-08 00:00")},
			reason: "next regular window 2026-12-01..2026-12-07 meets the deadline 2027-05-24 10:00 UTC"},
		{name: "high finding with months to go ships in the next window", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: High, deadline: upgrade(t, "upgrade-high", "2026-11-24 10:00"),
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-12-01 00:00"), WindowEnd: at(t, utc, "2026-12-08 00:00")}},
		{name: "critical is urgent, by its deadline", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: Critical, deadline: upgrade(t, "upgrade-critical", "2026-11-24 10:00"),
			want:   ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-12-24 10:00")},
			reason: "severity critical justifies an urgent release"},
		{name: "high finding whose deadline falls before the next window is urgent", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: High, deadline: upgrade(t, "upgrade-high", "2026-08-28 09:00"),
			want:   ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-11-28 09:00")},
			reason: "the next regular window 2026-12-01..2026-12-07 ends after the deadline 2026-11-28 09:00 UTC"},
		{name: "a deadline within the window's last day is not enough", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: High, deadline: "2026-12-07 12:00",
			want: ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-12-07 12:00")}},
		{name: "a deadline at the window's end is met", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: High, deadline: "2026-12-08 00:00",
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-12-01 00:00"), WindowEnd: at(t, utc, "2026-12-08 00:00")}},
		{name: "inside a window: the rest of it", policy: stamusPolicy, loc: utc,
			now: "2026-12-03 14:00", sev: Medium, deadline: "2027-06-03 14:00",
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-12-03 14:00"), WindowEnd: at(t, utc, "2026-12-08 00:00")}},
		{name: "at the window's end: next month's window", policy: stamusPolicy, loc: utc,
			now: "2026-12-08 00:00", sev: Medium, deadline: "2027-06-08 00:00",
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2027-01-01 00:00"), WindowEnd: at(t, utc, "2027-01-08 00:00")}},
		{name: "no deadline: the next window", policy: stamusPolicy, loc: utc,
			now: "2026-12-31 23:00", sev: Low,
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2027-01-01 00:00"), WindowEnd: at(t, utc, "2027-01-08 00:00")}},
		{name: "the window is in the policy zone", policy: berlinMonthly, loc: berlin,
			now: "2026-11-24 10:00", sev: Medium, deadline: "2027-05-24 10:00",
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-11-30 23:00"), WindowEnd: at(t, utc, "2026-12-07 23:00")}},
		{name: "exploited is urgent within 7 days in the default policy", policy: dfltPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: Medium, exploited: true, deadline: "2027-05-24 10:00",
			want:   ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-12-01 10:00")},
			reason: "active exploitation justifies an urgent release"},
		{name: "urgent within is capped at the deadline", policy: dfltPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: Critical, deadline: "2026-11-26 10:00",
			want: ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-11-26 10:00")}},
		{name: "exploited does not make Stamus releases urgent", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: Medium, exploited: true, deadline: "2027-05-24 10:00",
			want: ReleasePlan{Kind: Regular, WindowStart: at(t, utc, "2026-12-01 00:00"), WindowEnd: at(t, utc, "2026-12-08 00:00")}},
		{name: "no regular window: urgent by the deadline", policy: sosPolicy, loc: berlin,
			now: "2026-03-03 10:00", sev: High, deadline: "2026-03-10 10:00",
			want:   ReleasePlan{Kind: Urgent, WindowStart: at(t, berlin, "2026-03-03 10:00"), WindowEnd: at(t, berlin, "2026-03-10 10:00")},
			reason: "the policy has no regular release window"},
		{name: "deadline passed: urgent, now", policy: stamusPolicy, loc: utc,
			now: "2026-11-24 10:00", sev: High, deadline: "2026-11-20 10:00",
			want:   ReleasePlan{Kind: Urgent, WindowStart: at(t, utc, "2026-11-24 10:00"), WindowEnd: at(t, utc, "2026-11-24 10:00")},
			reason: "the deadline has already passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy(t)
			var deadline time.Time
			if tt.deadline != "" {
				deadline = at(t, tt.loc, tt.deadline)
			}
			got := p.PlanRelease(at(t, tt.loc, tt.now), tt.sev, tt.exploited, deadline)
			if got.Kind != tt.want.Kind || !got.WindowStart.Equal(tt.want.WindowStart) || !got.WindowEnd.Equal(tt.want.WindowEnd) {
				t.Errorf("PlanRelease = %s %s..%s, want %s %s..%s (%s)", got.Kind,
					got.WindowStart.Format(layout), got.WindowEnd.Format(layout), tt.want.Kind,
					tt.want.WindowStart.In(p.Zone).Format(layout), tt.want.WindowEnd.In(p.Zone).Format(layout), got.Reason)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestNextRegularWindow(t *testing.T) {
	p := example(t, stamus)
	start, end, ok := p.NextRegularWindow(at(t, time.UTC, "2026-12-07 23:59"))
	if !ok || !start.Equal(at(t, time.UTC, "2026-12-01 00:00")) || !end.Equal(at(t, time.UTC, "2026-12-08 00:00")) {
		t.Errorf("NextRegularWindow = %v..%v, %v", start, end, ok)
	}
	if _, _, ok := example(t, sos).NextRegularWindow(at(t, time.UTC, "2026-12-01 00:00")); ok {
		t.Error("SOS policy has a regular window")
	}
}

package web

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/vcase"
)

func TestMedian(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []time.Duration{5 * h}, 5 * h},
		{"odd", []time.Duration{9 * h, 1 * h, 4 * h}, 4 * h},
		{"even: mean of the middle two", []time.Duration{1 * h, 10 * h, 2 * h, 3 * h}, 2*h + 30*time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.in); got != tc.want {
				t.Errorf("median = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTrend(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(s string) *time.Time { v := at(s); return &v }
	now := at("2026-03-06 10:00")
	cases := []vcase.Case{
		// triaged in March after 2 h and 6 h: median 4 h
		{ReceivedAt: at("2026-03-01 08:00"), TriagedAt: ptr("2026-03-01 09:00"), ConfirmedAt: ptr("2026-03-01 10:00")},
		{ReceivedAt: at("2026-03-02 08:00"), State: vcase.Rejected, ClosedAt: ptr("2026-03-02 14:00")},
		// received in January, triaged in February: counts in February
		{ReceivedAt: at("2026-01-31 21:00"), ConfirmedAt: ptr("2026-02-01 09:00"), FixAvailableAt: ptr("2026-02-11 09:00")},
		// triaged on 1 March 00:30 in Berlin, still 28 February in UTC: March
		{ReceivedAt: at("2026-02-28 23:30"), ConfirmedAt: ptr("2026-03-01 00:30")},
		// in triage, closed but not rejected (a disclosure needs a
		// confirmation first), triaged before the window, bad data, in the future
		{ReceivedAt: at("2026-03-05 08:00"), TriagedAt: ptr("2026-03-05 09:00")},
		{ReceivedAt: at("2026-03-05 08:00"), State: vcase.Disclosed, ClosedAt: ptr("2026-03-05 09:00")},
		{ReceivedAt: at("2025-01-01 08:00"), ConfirmedAt: ptr("2025-01-02 08:00")},
		{ReceivedAt: at("2026-03-03 08:00"), ConfirmedAt: ptr("2026-03-02 08:00")},
		{ReceivedAt: at("2026-03-06 09:00"), ConfirmedAt: ptr("2026-03-07 09:00")},
	}
	got := trend(cases, timeToTriage, now.UTC(), berlin, 3)
	want := []monthStat{
		{Month: at("2026-01-01 00:00"), N: 0},
		{Month: at("2026-02-01 00:00"), N: 1, Median: 12 * time.Hour},
		{Month: at("2026-03-01 00:00"), N: 3, Median: 2 * time.Hour}, // 1 h, 2 h, 6 h
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("time to triage (-want +got):\n%s", diff)
	}
	fix := trend(cases, timeToFix, now, berlin, 2)
	if fix[0].N != 1 || fix[0].Median != 10*24*time.Hour || fix[1].N != 0 {
		t.Errorf("time to fix: %+v", fix)
	}
	// Twelve months across a year boundary, oldest first.
	year := trend(nil, timeToTriage, at("2026-01-15 12:00"), berlin, 12)
	if len(year) != 12 || !year[0].Month.Equal(at("2025-02-01 00:00")) || !year[11].Month.Equal(at("2026-01-01 00:00")) {
		t.Errorf("months: %v .. %v", year[0].Month, year[len(year)-1].Month)
	}
	if trend(cases, timeToTriage, now, berlin, 0) != nil {
		t.Error("no months, yet a trend")
	}
}

func TestChartOf(t *testing.T) {
	stats := []monthStat{
		{Month: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Month: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), N: 2, Median: 30 * time.Hour},
		{Month: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), N: 1, Median: 6 * time.Minute},
	}
	c := chartOf("Time to triage", stats, time.Hour, "h")
	if c.Empty || len(c.Bars) != 3 || len(c.Ticks) != 5 {
		t.Fatalf("chart %+v", c)
	}
	// 30 h rounds the scale up to 40 h (a step of 10).
	if c.Ticks[4].Label != "40" || c.Ticks[0].Label != "0" {
		t.Errorf("ticks %+v", c.Ticks)
	}
	plot := float64(chartH - chartTop - chartBottom)
	if b := c.Bars[1]; b.Value != "30 h" || b.Ht != round1(plot*30/40) || b.Y+b.Ht != float64(chartH-chartBottom) {
		t.Errorf("February %+v", b)
	}
	if b := c.Bars[0]; b.Value != "" || b.Ht != 0 || b.N != 0 {
		t.Errorf("an empty month %+v", b)
	}
	if b := c.Bars[2]; b.Ht < 1.5 || b.Value != "0.1 h" || !b.Highlight {
		t.Errorf("a tiny median stays visible and the current month is marked: %+v", b)
	}
	for _, b := range c.Bars {
		if b.X < chartLeft || b.X+b.Wd > chartW || b.Y < chartTop {
			t.Errorf("a bar outside the plot: %+v", b)
		}
	}
	if e := chartOf("Time to fix", stats[:1], 24*time.Hour, "d"); !e.Empty || e.Bars[0].Ht != 0 {
		t.Errorf("an empty chart: %+v", e)
	}
	if got := chartOf("x", nil, time.Hour, "h"); len(got.Bars) != 0 || !strings.Contains(got.Title, "x") {
		t.Errorf("no months: %+v", got)
	}
}

func TestNiceStep(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, -3: 1, 0.3: 0.5, 1: 1, 1.1: 2, 3: 5, 7.5: 10, 12: 20, 260: 500} {
		if got := niceStep(in); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", in, got, want)
		}
	}
}

// FuzzTrendChart feeds arbitrary spans to the trend and its chart: no
// panic, and every bar stays inside the plot.
func FuzzTrendChart(f *testing.F) {
	f.Add(int64(0), int64(3600), int64(86400), int64(-5), 12)
	f.Add(int64(1<<40), int64(-1<<40), int64(7), int64(1), 1)
	f.Add(int64(-1<<62), int64(1<<62), int64(0), int64(0), 300)
	f.Fuzz(func(t *testing.T, a, b, c, d int64, months int) {
		months = months % 40
		now := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
		var cases []vcase.Case
		for _, pair := range [][2]int64{{a, b}, {c, d}, {a, d}, {b, c}} {
			start := now.Add(-time.Duration(pair[0]))
			end := now.Add(-time.Duration(pair[1]))
			cases = append(cases, vcase.Case{ReceivedAt: start, ConfirmedAt: &end})
		}
		stats := trend(cases, timeToTriage, now, time.UTC, months)
		for _, unit := range []time.Duration{time.Hour, 24 * time.Hour} {
			c := chartOf("t", stats, unit, "h")
			for _, b := range c.Bars {
				if b.Ht < 0 || b.Y < chartTop-0.1 || b.Y+b.Ht > chartH-chartBottom+0.1 {
					t.Fatalf("bar outside the plot: %+v", b)
				}
			}
		}
	})
}

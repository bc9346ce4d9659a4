package web

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vigil-psirt/vigil/internal/vcase"
)

// The dashboard's trends are computed here from the cases' own milestones,
// without a database or a clock: the same cases and the same now give the
// same figures.

// monthStat is one month of a trend: how many cases reached the end of the
// span in that month, and the median of their spans.
type monthStat struct {
	Month  time.Time // the first instant of the month, in the zone
	N      int
	Median time.Duration
}

// spanFunc picks the start and end of a measured span of a case; a case
// that has not reached both is left out.
type spanFunc func(c vcase.Case) (start, end *time.Time)

// timeToTriage runs from the report's arrival (report.received) to the
// end of triage (case.triaged), as casework.Deadlines stamps that event for
// the policy's triage clock: the confirmation, or the rejection of a case
// rejected without being confirmed. (TriagedAt is when triage began.)
func timeToTriage(c vcase.Case) (*time.Time, *time.Time) {
	end := c.ConfirmedAt
	if c.State == vcase.Rejected && end == nil {
		end = c.ClosedAt
	}
	return &c.ReceivedAt, end
}

// timeToFix runs from the confirmation (case.confirmed) to the first fix
// available (fix.available).
func timeToFix(c vcase.Case) (*time.Time, *time.Time) { return c.ConfirmedAt, c.FixAvailableAt }

// trend returns the median span per calendar month (in zone) for the
// months months up to and including now's, oldest first; a span counts in
// the month it ended. Spans that end in the future or before they start
// (bad data) are left out rather than skewing the median.
func trend(cases []vcase.Case, span spanFunc, now time.Time, zone *time.Location, months int) []monthStat {
	if months < 1 {
		return nil
	}
	now = now.In(zone)
	first := time.Date(now.Year(), now.Month()-time.Month(months-1), 1, 0, 0, 0, 0, zone)
	byMonth := make([][]time.Duration, months)
	for _, c := range cases {
		start, end := span(c)
		if start == nil || end == nil || start.IsZero() || end.Before(*start) || end.After(now) || end.Before(first) {
			continue
		}
		e := end.In(zone)
		i := (e.Year()-first.Year())*12 + int(e.Month()-first.Month())
		if i < 0 || i >= months {
			continue
		}
		byMonth[i] = append(byMonth[i], end.Sub(*start))
	}
	out := make([]monthStat, months)
	for i := range out {
		out[i] = monthStat{Month: time.Date(first.Year(), first.Month()+time.Month(i), 1, 0, 0, 0, 0, zone), N: len(byMonth[i]), Median: median(byMonth[i])}
	}
	return out
}

// median of the durations; zero for none; the mean of the middle two for
// an even count.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return s[m-1] + (s[m]-s[m-1])/2
}

// chart is a bar chart drawn by the template as inline SVG: the geometry is
// computed here (the CSP forbids style attributes, and presentation
// attributes need numbers), the colours come from CSS classes.
type chart struct {
	Title, Unit string
	Bars        []bar
	Ticks       []tick
	Empty       bool // no month has a value
	W, H        int  // the viewBox
}

// bar is one month of a chart.
type bar struct {
	Label     string // "Mar"
	Month     string // "March 2026", for the title and the table
	Value     string // "12.5 h"; "" when the month has no case
	N         int
	X, Y, Wd  float64
	Ht        float64
	LabelX    float64
	ValueY    float64
	Highlight bool // the current month
}

// tick is a horizontal grid line with its value.
type tick struct {
	Y     float64
	Label string
}

// Geometry of the charts' viewBox.
const (
	chartW, chartH = 640, 220
	chartLeft      = 44 // room for the tick labels
	chartTop       = 16
	chartBottom    = 28 // room for the month labels
)

// chartOf draws a trend in unit (one hour or one day).
func chartOf(title string, stats []monthStat, unit time.Duration, unitName string) chart {
	c := chart{Title: title, Unit: unitName, W: chartW, H: chartH, Empty: true}
	var top float64
	for _, s := range stats {
		if s.N > 0 {
			c.Empty = false
			top = math.Max(top, float64(s.Median)/float64(unit))
		}
	}
	step := niceStep(top / 4)
	top = step * 4
	plotH := float64(chartH - chartTop - chartBottom)
	plotW := float64(chartW - chartLeft - 8)
	for i := 0; i <= 4; i++ {
		v := step * float64(i)
		c.Ticks = append(c.Ticks, tick{Y: round1(float64(chartTop) + plotH - plotH*v/top), Label: trimFloat(v)})
	}
	if len(stats) == 0 {
		return c
	}
	slot := plotW / float64(len(stats))
	for i, s := range stats {
		b := bar{Label: s.Month.Format("Jan"), Month: s.Month.Format("January 2006"), N: s.N, Highlight: i == len(stats)-1}
		b.Wd = round1(slot * 0.62)
		b.X = round1(float64(chartLeft) + slot*float64(i) + (slot-b.Wd)/2)
		b.LabelX = round1(float64(chartLeft) + slot*float64(i) + slot/2)
		v := 0.0
		if s.N > 0 {
			v = float64(s.Median) / float64(unit)
			b.Value = trimFloat(round1(v)) + " " + unitName
		}
		b.Ht = round1(plotH * v / top)
		if s.N > 0 && b.Ht < 1.5 { // a tiny median stays visible
			b.Ht = 1.5
		}
		b.Y = round1(float64(chartTop) + plotH - b.Ht)
		b.ValueY = round1(b.Y - 4)
		c.Bars = append(c.Bars, b)
	}
	return c
}

// niceStep rounds a grid step up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if x <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func trimFloat(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

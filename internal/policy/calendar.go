package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar says which days are business days: every day except the weekend
// days and the holidays. Dates are evaluated in the calendar's zone (the
// policy zone for calendars loaded with a policy), never in the zone of the
// time.Time handed in.
type Calendar struct {
	Name     string
	Weekend  []time.Weekday // default Saturday and Sunday
	Holidays []Holiday
	zone     *time.Location
}

// NewCalendar returns a calendar evaluated in zone (UTC when nil). A nil
// weekend means Saturday and Sunday; an empty, non-nil one means none.
func NewCalendar(name string, zone *time.Location, weekend []time.Weekday, holidays []Holiday) *Calendar {
	if zone == nil {
		zone = time.UTC
	}
	if weekend == nil {
		weekend = []time.Weekday{time.Saturday, time.Sunday}
	}
	return &Calendar{Name: name, Weekend: weekend, Holidays: holidays, zone: zone}
}

// Zone returns the zone the calendar evaluates dates in.
func (c *Calendar) Zone() *time.Location {
	if c == nil || c.zone == nil {
		return time.UTC
	}
	return c.zone
}

// HolidayKind tells how a Holiday's date is found.
type HolidayKind int

// Holiday kinds.
const (
	// Fixed is one date: "2026-12-24".
	Fixed HolidayKind = iota + 1
	// Yearly recurs on a month and day: "12-25". "02-29" only exists in leap years.
	Yearly
	// Easter is an offset in days from Western (Gregorian) Easter Sunday:
	// "easter-2" (Good Friday), "easter+1" (Easter Monday), "easter+39"
	// (Ascension), "easter+50" (Whit Monday).
	Easter
)

// Holiday is one rule of a Calendar. Rule is the text it was parsed from.
type Holiday struct {
	Name   string
	Rule   string
	Kind   HolidayKind
	Year   int // Fixed only
	Month  time.Month
	Day    int
	Offset int // Easter only, days from Easter Sunday
}

// Easter offsets are limited so that the holiday always falls in Easter's year.
const (
	minEasterOffset = -80
	maxEasterOffset = 200
)

// ParseHoliday parses a holiday rule: "YYYY-MM-DD", "MM-DD", "easter",
// "easter+N" or "easter-N".
func ParseHoliday(rule string) (Holiday, error) {
	r := strings.ToLower(strings.TrimSpace(rule))
	h := Holiday{Rule: rule}
	switch {
	case strings.HasPrefix(r, "easter"):
		h.Kind = Easter
		off := strings.ReplaceAll(r[len("easter"):], " ", "")
		if off != "" {
			if off[0] != '+' && off[0] != '-' {
				return Holiday{}, fmt.Errorf("holiday %q: want easter, easter+N or easter-N", rule)
			}
			n, err := strconv.Atoi(off)
			if err != nil || len(off) > 4 {
				return Holiday{}, fmt.Errorf("holiday %q: bad offset %q", rule, off)
			}
			if n < minEasterOffset || n > maxEasterOffset {
				return Holiday{}, fmt.Errorf("holiday %q: offset must be within %d..%+d days", rule, minEasterOffset, maxEasterOffset)
			}
			h.Offset = n
		}
		return h, nil
	case len(r) == len("2006-01-02"):
		t, err := time.Parse("2006-01-02", r)
		if err != nil {
			return Holiday{}, fmt.Errorf("holiday %q: want YYYY-MM-DD, MM-DD or easter±N", rule)
		}
		h.Kind, h.Year, h.Month, h.Day = Fixed, t.Year(), t.Month(), t.Day()
		return h, nil
	case len(r) == len("01-02"):
		// Parse in a leap year so that "02-29" is accepted.
		t, err := time.Parse("2006-01-02", "2000-"+r)
		if err != nil {
			return Holiday{}, fmt.Errorf("holiday %q: want YYYY-MM-DD, MM-DD or easter±N", rule)
		}
		h.Kind, h.Month, h.Day = Yearly, t.Month(), t.Day()
		return h, nil
	}
	return Holiday{}, fmt.Errorf("holiday %q: want YYYY-MM-DD, MM-DD or easter±N", rule)
}

// On reports whether the holiday falls on the given date.
func (h Holiday) On(year int, month time.Month, day int) bool {
	switch h.Kind {
	case Fixed:
		return year == h.Year && month == h.Month && day == h.Day
	case Yearly:
		return month == h.Month && day == h.Day
	case Easter:
		em, ed := EasterSunday(year)
		t := time.Date(year, em, ed+h.Offset, 0, 0, 0, 0, time.UTC)
		return t.Year() == year && t.Month() == month && t.Day() == day
	}
	return false
}

// EasterSunday returns the date of Western Easter in the Gregorian calendar
// (the anonymous Gregorian algorithm, also known as Meeus/Jones/Butcher).
func EasterSunday(year int) (time.Month, int) {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Month(month), day
}

// Holiday returns the first holiday falling on t's date in the calendar zone.
func (c *Calendar) Holiday(t time.Time) (Holiday, bool) {
	if c == nil {
		return Holiday{}, false
	}
	y, m, d := t.In(c.Zone()).Date()
	for _, h := range c.Holidays {
		if h.On(y, m, d) {
			return h, true
		}
	}
	return Holiday{}, false
}

// IsBusinessDay reports whether t's date, in the calendar zone, is neither a
// weekend day nor a holiday. A nil calendar has Saturday and Sunday as its
// weekend, no holidays, and evaluates in UTC.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	t = t.In(c.Zone())
	weekend := []time.Weekday{time.Saturday, time.Sunday}
	if c != nil && c.Weekend != nil {
		weekend = c.Weekend
	}
	for _, w := range weekend {
		if t.Weekday() == w {
			return false
		}
	}
	_, holiday := c.Holiday(t)
	return !holiday
}

// maxSkip bounds the search for the next business day. A calendar loaded
// from a policy always finds one within weeks; a hand-built calendar without
// any business day falls back to counting calendar days instead of looping.
const maxSkip = 3660

// nextBusinessDay returns midnight of the first business day after the date
// of day (which must be midnight in the calendar zone).
func (c *Calendar) nextBusinessDay(day time.Time) time.Time {
	y, m, d := day.Date()
	for i := 1; i <= maxSkip; i++ {
		next := time.Date(y, m, d+i, 0, 0, 0, 0, c.Zone())
		if c.IsBusinessDay(next) {
			return next
		}
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.Zone())
}

// AddBusinessDays returns the earliest instant at which n whole business
// days have elapsed since t. Only business days count; weekends and
// holidays stand still. Evaluated in the calendar zone:
//
//   - t on a business day: the result is the same wall-clock time on the
//     n-th following business day. Friday 15:00 + 5 = next Friday 15:00
//     (without holidays); Friday 15:00 + 1 = Monday 15:00.
//   - t on a weekend day or holiday: counting starts at the beginning
//     (00:00) of the next business day, and the result is the end of the
//     n-th business day counted from there, given as 00:00 of the following
//     calendar day. Saturday + 5 = the next Saturday 00:00, i.e. the end of
//     Friday; Saturday + 1 = Tuesday 00:00, the end of Monday.
//   - The same end-of-day rule applies to t exactly at 00:00 of a business day.
//   - n <= 0 returns t unchanged.
//
// Wall-clock times that a DST change skips are normalised by time.Date.
// The result is in the calendar zone.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	if n <= 0 {
		return t
	}
	zone := c.Zone()
	t = t.In(zone)
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	ns := t.Nanosecond()
	day := time.Date(y, mo, d, 0, 0, 0, 0, zone)
	if !c.IsBusinessDay(day) {
		day = c.nextBusinessDay(day)
		hh, mm, ss, ns = 0, 0, 0, 0
	}
	midnight := hh == 0 && mm == 0 && ss == 0 && ns == 0
	if midnight {
		// Counting from the start of a business day: n business days are
		// over at the end of the n-th business day, day included.
		for i := 1; i < n; i++ {
			day = c.nextBusinessDay(day)
		}
		y, mo, d = day.Date()
		return time.Date(y, mo, d+1, 0, 0, 0, 0, zone)
	}
	for i := 0; i < n; i++ {
		day = c.nextBusinessDay(day)
	}
	y, mo, d = day.Date()
	return time.Date(y, mo, d, hh, mm, ss, ns, zone)
}

package policy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Unit is the unit a Duration counts in.
type Unit int

// Units. Only Hours is a fixed amount of elapsed time; the others are
// calendar arithmetic in the policy's zone.
const (
	// Hours are exact elapsed hours, independent of zone and DST.
	Hours Unit = iota + 1
	// Days are calendar days in the policy zone: the wall-clock time is kept.
	Days
	// BusinessDays skip weekends and holidays of a Calendar.
	BusinessDays
	// Months are calendar months in the policy zone, clamped to the month's end.
	Months
)

// String returns the canonical plural unit name used by Duration.String.
func (u Unit) String() string {
	switch u {
	case Hours:
		return "hours"
	case Days:
		return "days"
	case BusinessDays:
		return "business days"
	case Months:
		return "months"
	}
	return fmt.Sprintf("unit(%d)", int(u))
}

// MaxDurationN bounds Duration.N so that every computation stays cheap and
// inside time.Time's range.
const MaxDurationN = 100000

// Duration is a policy duration such as "24h", "5 business days", "14 days"
// or "3 months". The zero Duration (N == 0, Unit == 0) means "not set".
type Duration struct {
	N    int
	Unit Unit
	// Calendar names the holiday calendar for BusinessDays; empty means
	// weekends (Saturday and Sunday) only. ParseDuration never sets it: it
	// comes from the `calendar` key next to the duration in a policy file.
	Calendar string
}

// IsZero reports whether d is unset.
func (d Duration) IsZero() bool { return d.N == 0 && d.Unit == 0 }

// String renders d so that ParseDuration(d.String()) returns d without its
// Calendar: "24h", "1 day", "5 business days", "1 month".
func (d Duration) String() string {
	if d.IsZero() {
		return ""
	}
	if d.Unit == Hours {
		return strconv.Itoa(d.N) + "h"
	}
	name := d.Unit.String()
	if d.N == 1 {
		name = strings.TrimSuffix(name, "s")
	}
	return strconv.Itoa(d.N) + " " + name
}

// MarshalText encodes d as its String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses d with ParseDuration; the Calendar is left as it was.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	v.Calendar = d.Calendar
	*d = v
	return nil
}

// unitNames maps every accepted spelling, lower case with single spaces, to its unit.
var unitNames = map[string]Unit{
	"h": Hours, "hour": Hours, "hours": Hours,
	"d": Days, "day": Days, "days": Days, "calendar day": Days, "calendar days": Days,
	"business day": BusinessDays, "business days": BusinessDays,
	"working day": BusinessDays, "working days": BusinessDays,
	"month": Months, "months": Months,
}

// ParseDuration parses "<N><unit>" or "<N> <unit>" with N a non-negative
// decimal integer of at most MaxDurationN and unit one of: h, hour(s);
// d, day(s), calendar day(s); business day(s), working day(s); month(s).
// Case and repeated spaces are ignored. "24h", "5 business days",
// "14 days", "1 month" and "6 month" all parse.
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return Duration{}, fmt.Errorf("duration %q: want a number followed by a unit, such as \"24h\" or \"5 business days\"", s)
	}
	if i > 6 {
		return Duration{}, fmt.Errorf("duration %q: number larger than %d", s, MaxDurationN)
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil || n > MaxDurationN {
		return Duration{}, fmt.Errorf("duration %q: number larger than %d", s, MaxDurationN)
	}
	unit := strings.Join(strings.FieldsFunc(strings.ToLower(t[i:]), unicode.IsSpace), " ")
	if unit == "" {
		return Duration{}, fmt.Errorf("duration %q: missing unit (hours, days, business days or months)", s)
	}
	u, ok := unitNames[unit]
	if !ok {
		return Duration{}, fmt.Errorf("duration %q: unknown unit %q (want hours, days, business days or months)", s, unit)
	}
	return Duration{N: n, Unit: u}, nil
}

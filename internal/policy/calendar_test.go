package policy

import (
	"fmt"
	"testing"
	"time"
)

func TestEasterSunday(t *testing.T) {
	// Western Easter dates from published tables, including both extremes.
	tests := map[int]string{
		2000: "04-23", 2008: "03-23", 2024: "03-31", 2025: "04-20", 2026: "04-05",
		2027: "03-28", 2028: "04-16", 2038: "04-25", 2285: "03-22",
	}
	for year, want := range tests {
		m, d := EasterSunday(year)
		if got := fmt.Sprintf("%02d-%02d", int(m), d); got != want {
			t.Errorf("EasterSunday(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestParseHoliday(t *testing.T) {
	tests := []struct {
		rule    string
		want    Holiday
		wantErr bool
	}{
		{rule: "2026-12-24", want: Holiday{Rule: "2026-12-24", Kind: Fixed, Year: 2026, Month: time.December, Day: 24}},
		{rule: "12-25", want: Holiday{Rule: "12-25", Kind: Yearly, Month: time.December, Day: 25}},
		{rule: "02-29", want: Holiday{Rule: "02-29", Kind: Yearly, Month: time.February, Day: 29}},
		{rule: "easter", want: Holiday{Rule: "easter", Kind: Easter}},
		{rule: "easter-2", want: Holiday{Rule: "easter-2", Kind: Easter, Offset: -2}},
		{rule: "Easter+50", want: Holiday{Rule: "Easter+50", Kind: Easter, Offset: 50}},
		{rule: "easter + 39", want: Holiday{Rule: "easter + 39", Kind: Easter, Offset: 39}},
		{rule: "02-30", wantErr: true},
		{rule: "2026-02-29", wantErr: true},
		{rule: "13-01", wantErr: true},
		{rule: "easter2", wantErr: true},
		{rule: "easter+x", wantErr: true},
		{rule: "easter+365", wantErr: true},
		{rule: "christmas", wantErr: true},
		{rule: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got, err := ParseHoliday(tt.rule)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseHoliday(%q) = %+v, want an error", tt.rule, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseHoliday(%q) = %+v, %v; want %+v", tt.rule, got, err, tt.want)
			}
		})
	}
}

func TestBerlinBusinessDays(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	cal := example(t, sos).Calendars["berlin"]
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2026-04-02", true, "Maundy Thursday is a working day"},
		{"2026-04-03", false, "Good Friday (easter-2)"},
		{"2026-04-04", false, "Saturday"},
		{"2026-04-05", false, "Easter Sunday"},
		{"2026-04-06", false, "Easter Monday (easter+1)"},
		{"2026-04-07", true, "Tuesday after Easter"},
		{"2026-05-14", false, "Ascension Day (easter+39)"},
		{"2026-05-25", false, "Whit Monday (easter+50)"},
		{"2027-03-08", false, "International Women's Day, a Monday in 2027"},
		{"2026-12-24", true, "Christmas Eve is not a public holiday"},
		{"2026-12-25", false, "Christmas Day"},
		{"2027-12-27", true, "Monday after Christmas 2027"},
		{"2026-10-03", false, "German Unity Day (a Saturday)"},
		{"2028-04-14", false, "Good Friday 2028"},
	}
	for _, tt := range tests {
		day := at(t, berlin, tt.day+" 12:00")
		if got := cal.IsBusinessDay(day); got != tt.want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v: %s", tt.day, got, tt.want, tt.why)
		}
	}
	// Dates are evaluated in the calendar zone: Friday 23:30 UTC is already
	// Saturday in Berlin.
	if cal.IsBusinessDay(at(t, time.UTC, "2026-01-09 23:30")) {
		t.Error("Friday 2026-01-09 23:30 UTC is Saturday in Berlin, not a business day")
	}
	if h, ok := cal.Holiday(at(t, berlin, "2026-04-03 08:00")); !ok || h.Name != "Good Friday" {
		t.Errorf("Holiday(Good Friday) = %+v, %v", h, ok)
	}
}

func TestAddBusinessDays(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	cal := example(t, sos).Calendars["berlin"]
	plain := NewCalendar("", time.UTC, nil, nil)
	tests := []struct {
		name  string
		cal   *Calendar
		loc   *time.Location
		start string
		n     int
		want  string
	}{
		{"Friday 15:00 + 5 is next Friday 15:00", plain, time.UTC, "2026-01-09 15:00", 5, "2026-01-16 15:00"},
		{"Friday 15:00 + 1 is Monday 15:00", plain, time.UTC, "2026-01-09 15:00", 1, "2026-01-12 15:00"},
		{"Saturday + 5 ends with Friday, at Saturday 00:00", plain, time.UTC, "2026-01-10 11:00", 5, "2026-01-17 00:00"},
		{"Saturday + 1 ends with Monday", plain, time.UTC, "2026-01-10 11:00", 1, "2026-01-13 00:00"},
		{"Sunday 23:59 + 1 ends with Monday", plain, time.UTC, "2026-01-11 23:59", 1, "2026-01-13 00:00"},
		{"Monday 00:00 + 1 ends with Monday", plain, time.UTC, "2026-01-12 00:00", 1, "2026-01-13 00:00"},
		{"Friday 00:00 + 1 ends with Friday", plain, time.UTC, "2026-01-09 00:00", 1, "2026-01-10 00:00"},
		{"zero adds nothing", plain, time.UTC, "2026-01-10 11:00", 0, "2026-01-10 11:00"},
		{"Easter: Thursday + 1 skips Good Friday to Easter Monday", cal, berlin, "2026-04-02 10:00", 1, "2026-04-07 10:00"},
		{"Easter: Friday before + 5 skips both holidays and DST", cal, berlin, "2026-03-27 15:00", 5, "2026-04-07 15:00"},
		{"Good Friday + 1 counts from Tuesday", cal, berlin, "2026-04-03 12:00", 1, "2026-04-08 00:00"},
		{"Christmas: Wednesday + 2 skips Christmas Day and the weekend", cal, berlin, "2026-12-23 09:00", 2, "2026-12-28 09:00"},
		{"Christmas Day + 1 counts from Monday", cal, berlin, "2026-12-25 09:00", 1, "2026-12-29 00:00"},
		{"New Year: 2026-12-31 + 1 skips 01-01 and the weekend", cal, berlin, "2026-12-31 16:00", 1, "2027-01-04 16:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddBusinessDays(at(t, tt.loc, tt.start), tt.n)
			want := at(t, tt.loc, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(layout), want.Format(layout))
			}
			if got.Location().String() != tt.loc.String() {
				t.Errorf("result in %v, want the calendar zone %v", got.Location(), tt.loc)
			}
		})
	}
}

func TestCalendarWithoutBusinessDaysTerminates(t *testing.T) {
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	cal := NewCalendar("never", time.UTC, all, nil)
	start := at(t, time.UTC, "2026-01-05 10:00")
	if got := cal.AddBusinessDays(start, 2); got.Before(start) {
		t.Errorf("AddBusinessDays = %v, before the start", got)
	}
}

func TestNilCalendar(t *testing.T) {
	var cal *Calendar
	if cal.IsBusinessDay(at(t, time.UTC, "2026-01-10 10:00")) {
		t.Error("nil calendar: Saturday is a business day")
	}
	if !cal.IsBusinessDay(at(t, time.UTC, "2026-01-09 10:00")) {
		t.Error("nil calendar: Friday is not a business day")
	}
}

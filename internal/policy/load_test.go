package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExamplesLoad(t *testing.T) {
	names := ExampleNames()
	if diff := cmp.Diff([]string{dflt, sos, stamus}, names); diff != "" {
		t.Fatalf("ExampleNames() mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		file   string
		zone   string
		clocks []string
	}{
		{sos, "Europe/Berlin", []string{"triage", "reporter-cve", "fix", "cra-early-warning", "cra-notification", "cra-final-report"}},
		{stamus, "UTC", []string{"upgrade-critical", "upgrade-high", "upgrade-medium", "cra-early-warning", "cra-notification", "cra-final-report"}},
		{dflt, "UTC", []string{"triage", "reporter-cve", "fix", "upgrade-critical", "upgrade-high", "upgrade-medium", "cra-early-warning", "cra-notification", "cra-final-report"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := example(t, tt.file)
			if p.Zone.String() != tt.zone {
				t.Errorf("zone = %v, want %s", p.Zone, tt.zone)
			}
			var ids []string
			for _, c := range p.Clocks {
				ids = append(ids, c.ID)
			}
			if diff := cmp.Diff(tt.clocks, ids); diff != "" {
				t.Errorf("clocks mismatch (-want +got):\n%s", diff)
			}
			if p.Name == "" || p.Description == "" || len(p.Rules) == 0 {
				t.Errorf("policy lacks a name, description or rules: %+v", p)
			}
		})
	}
}

// TestSeedClocks pins what the seed documents ask of each example.
func TestSeedClocks(t *testing.T) {
	type want struct {
		start, stop Event
		dur         Duration
		sevs        []Severity
		exploited   bool
	}
	tests := []struct {
		file, clock string
		want        want
	}{
		{sos, "triage", want{ReportReceived, CaseTriaged, Duration{N: 24, Unit: Hours}, nil, false}},
		{sos, "fix", want{CaseConfirmed, FixAvailable, Duration{N: 5, Unit: BusinessDays, Calendar: "berlin"}, []Severity{Critical, High, Medium}, false}},
		{sos, "cra-early-warning", want{ExploitationKnown, EarlyWarningSent, Duration{N: 24, Unit: Hours}, nil, true}},
		{sos, "cra-notification", want{ExploitationKnown, NotificationSent, Duration{N: 72, Unit: Hours}, nil, true}},
		{sos, "cra-final-report", want{FixAvailable, FinalReportSent, Duration{N: 14, Unit: Days}, nil, true}},
		{stamus, "upgrade-critical", want{FindingDetected, ReleasePublished, Duration{N: 1, Unit: Months}, []Severity{Critical}, false}},
		{stamus, "upgrade-high", want{FindingDetected, ReleasePublished, Duration{N: 3, Unit: Months}, []Severity{High}, false}},
		{stamus, "upgrade-medium", want{FindingDetected, ReleasePublished, Duration{N: 6, Unit: Months}, []Severity{Medium}, false}},
		{stamus, "cra-notification", want{ExploitationKnown, NotificationSent, Duration{N: 72, Unit: Hours}, nil, true}},
		{dflt, "fix", want{CaseConfirmed, FixAvailable, Duration{N: 5, Unit: BusinessDays, Calendar: "office"}, []Severity{Critical, High, Medium}, false}},
		{dflt, "upgrade-medium", want{FindingDetected, ReleasePublished, Duration{N: 6, Unit: Months}, []Severity{Medium}, false}},
		{dflt, "cra-final-report", want{FixAvailable, FinalReportSent, Duration{N: 14, Unit: Days}, nil, true}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.clock, func(t *testing.T) {
			c := clock(t, example(t, tt.file), tt.clock)
			got := want{c.Start, c.Stop, c.Duration, c.Severities, c.ExploitedOnly}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("clock mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeedClassificationTables(t *testing.T) {
	st := example(t, stamus)
	wantColors := map[Severity]string{Critical: "purple", High: "red", Medium: "yellow", Low: "", None: ""}
	for s, c := range wantColors {
		if got := st.Color(s); got != c {
			t.Errorf("stamus Color(%v) = %q, want %q", s, got, c)
		}
	}
	if got := st.Label(Low); got != "Low" {
		t.Errorf("Label(Low) without a label = %q, want Low", got)
	}
	rel := st.Releases
	if diff := cmp.Diff(ReleaseCalendar{Regular: &Window{FromDay: 1, ToDay: 7}, UrgentSeverities: []Severity{Critical}}, rel); diff != "" {
		t.Errorf("stamus releases mismatch (-want +got):\n%s", diff)
	}
}

func TestDefault(t *testing.T) {
	p := Default()
	if p.Name != "vigil default policy" || p.Zone != time.UTC {
		t.Errorf("Default() = %q in %v", p.Name, p.Zone)
	}
	// Each call is a fresh copy.
	p.Clocks[0].ID = "changed"
	if Default().Clocks[0].ID != "triage" {
		t.Error("Default() shares state between calls")
	}
	if _, err := ExampleFile("../policy.go"); err == nil {
		t.Error("ExampleFile reads outside examples/")
	}
	if _, err := ExampleFile("missing.yaml"); err == nil {
		t.Error("ExampleFile(missing.yaml): no error")
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "p.yaml")
	data, _ := ExampleFile(stamus)
	if err := os.WriteFile(good, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := LoadFile(good); err != nil || p.Name != "Stamus security upgrade policy" {
		t.Fatalf("LoadFile = %v, %v", p, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nclocks: [{id: a}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "clocks[0].duration: line 2: missing") {
		t.Errorf("LoadFile(bad) = %v", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "nope.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want ErrNotExist", err)
	}
}

// TestLoadReportsEveryProblem pins that one Load reports all problems at
// once, in file order, each with its field path and line.
func TestLoadReportsEveryProblem(t *testing.T) {
	const doc = `name: broken
timezone: Mars/Olympus_Mons
colour: purple
severities:
  - {name: severe, color: red}
calendars:
  berlin:
    weekend: [saturday, sundae]
    holidays: ["12-25", "02-30", easter+x]
clocks:
  - id: triage
    start: report.recieved
    stop: case.triaged
    duration: 24 hrs
  - id: fix
    start: case.confirmed
    stop: fix.available
    duration: 5 business days
    calendar: munich
    severities: [high, urgent]
  - id: fix
    start: case.confirmed
    stop: case.confirmed
    duration: [5]
    exploited_only: maybe
classification:
  score: newest
  unscored: severe
  rules:
    - {severity: critical, min_score: 11}
    - {severity: high}
releases:
  regular: {from_day: 0, to_day: 31}
  urgent: {severities: [critcal], within: 2 weeks}
`
	_, err := Load([]byte(doc))
	if err == nil {
		t.Fatal("Load: no error")
	}
	var got []string
	for _, line := range strings.Split(err.Error(), "\n") {
		// Keep the path and line; the wording after it may evolve.
		if i := strings.Index(line, ": line "); i >= 0 {
			rest := line[i+len(": line "):]
			line = line[:i] + ": line " + rest[:strings.Index(rest, ":")]
		}
		got = append(got, line)
	}
	want := []string{
		"timezone: line 2",
		"colour: line 3",
		"severities[0].name: line 5",
		"calendars.berlin.weekend[1]: line 8",
		"calendars.berlin.holidays[1]: line 9",
		"calendars.berlin.holidays[2]: line 9",
		"clocks[0].start: line 12",
		"clocks[0].duration: line 14",
		"clocks[1].calendar: line 19",
		"clocks[1].severities[1]: line 20",
		"clocks[2].id: line 21",
		"clocks[2].stop: line 23",
		"clocks[2].duration: line 24",
		"clocks[2].exploited_only: line 25",
		"classification.score: line 27",
		"classification.unscored: line 28",
		"classification.rules[0].min_score: line 30",
		"classification.rules[1]: line 31",
		"releases.regular.from_day: line 33",
		"releases.regular.to_day: line 33",
		"releases.urgent.severities[0]: line 34",
		"releases.urgent.within: line 34",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s\nfull error:\n%v", diff, err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "timezone" || fe.Line != 2 {
		t.Errorf("errors.As FieldError = %+v", fe)
	}
}

func TestLoadProblems(t *testing.T) {
	const head = "name: p\n"
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key lists the known ones", head + "clocks:\n  - id: a\n    start: report.received\n    stop: case.triaged\n    duration: 24h\n    colour: red\n",
			`clocks[0].colour: line 7: unknown key (known: id, name, description, start, stop, duration, calendar, severities, exploited_only, remind_before)`},
		{"unknown key in a holiday", head + "calendars:\n  c:\n    holidays:\n      - {date: 12-25, nmae: Christmas}\n",
			`calendars.c.holidays[0].nmae: line 5: unknown key (known: date, name)`},
		{"bad duration", head + "clocks:\n  - {id: a, start: report.received, stop: case.triaged, duration: 5 bussiness days}\n",
			`clocks[0].duration: line 3: duration "5 bussiness days": unknown unit "bussiness days"`},
		{"unknown calendar", head + "clocks:\n  - {id: a, start: report.received, stop: case.triaged, duration: 5 business days, calendar: x}\n",
			`clocks[0].calendar: line 3: unknown calendar "x" (defined: none)`},
		{"calendar on calendar days", head + "calendars: {c: {}}\nclocks:\n  - {id: a, start: report.received, stop: case.triaged, duration: 14 days, calendar: c}\n",
			`clocks[0].calendar: line 4: a calendar only applies to business days, not to days`},
		{"unknown severity", head + "clocks:\n  - {id: a, start: report.received, stop: case.triaged, duration: 1h, severities: [hgh]}\n",
			`clocks[0].severities[0]: line 3: unknown severity "hgh"`},
		{"unknown event", head + "clocks:\n  - {id: a, start: report.arrived, stop: case.triaged, duration: 1h}\n",
			`clocks[0].start: line 3: unknown event "report.arrived"`},
		{"missing stop", head + "clocks:\n  - {id: a, start: report.received, duration: 1h}\n",
			`clocks[0].stop: line 3: missing: name an event`},
		{"bad zone", head + "timezone: Europe/Berlim\n", `timezone: line 2: unknown time zone "Europe/Berlim"`},
		{"Local zone", head + "timezone: Local\n", `timezone: line 2: "Local": give an IANA zone name`},
		{"missing name", "timezone: UTC\n", `name: line 1: missing`},
		{"reminder in months", head + "clocks:\n  - {id: a, start: report.received, stop: case.triaged, duration: 6 months, remind_before: [1 month]}\n",
			`clocks[0].remind_before[0]: line 3: "1 month": reminders are given in hours or days`},
		{"bad clock id", head + "clocks:\n  - {id: Fix It, start: report.received, stop: case.triaged, duration: 1h}\n",
			`clocks[0].id: line 3: "Fix It": want lower-case`},
		{"seven-day weekend", head + "calendars:\n  c: {weekend: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]}\n",
			`calendars.c.weekend: line 3: every day is a weekend day`},
		{"rule to none", head + "classification: {rules: [{severity: none, min_score: 0}]}\n",
			`classification.rules[0].severity: line 2: a rule cannot classify as none`},
		{"bad color", head + "severities: [{name: high, color: 'red; background: url(x)'}]\n",
			`severities[0].color: line 2: "red; background: url(x)": want a color name`},
		{"bad tag", head + "classification: {rules: [{severity: high, tags: [Remote Code]}]}\n",
			`classification.rules[0].tags[0]: line 2: "remote code": want a short lower-case tag`},
		{"bad match", head + "classification: {rules: [{severity: high, exploited: true, match: some}]}\n",
			`classification.rules[0].match: line 2: "some": want any or all`},
		{"duplicate key", head + "name: q\n", `mapping key "name" already defined`},
		{"not a mapping", "just text\n", `line 1: want a mapping, got str "just text"`},
		{"list at the top", "- a\n", `line 1: want a mapping, got seq`},
		{"syntax error", "name: [\n", `yaml:`},
		{"empty", "", `empty policy document`},
		{"comments only", "# nothing\n", `empty policy document`},
		{"two documents", head + "---\nname: q\n", `more than one YAML document`},
		{"too large", head + "description: " + strings.Repeat("x", MaxFileSize) + "\n", `larger than the limit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Load = %+v, want an error containing %q", p, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

func TestLoadMinimal(t *testing.T) {
	p, err := Load([]byte("name: minimal\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Zone != time.UTC || p.ScoreSource != ScoreHighest || len(p.Clocks) != 0 || p.Releases.Regular != nil {
		t.Errorf("minimal policy defaults: %+v", p)
	}
	// Unquoted dates are YAML timestamps; they are read as written.
	p, err = Load([]byte("name: x\ncalendars:\n  c:\n    weekend: []\n    holidays: [2026-12-24, {date: 2026-12-31, name: New Year's Eve}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Calendars["c"]
	if len(c.Weekend) != 0 || len(c.Holidays) != 2 || c.Holidays[1].Name != "New Year's Eve" {
		t.Errorf("calendar = %+v", c)
	}
	if !c.IsBusinessDay(at(t, time.UTC, "2026-12-26 10:00")) {
		t.Error("empty weekend: Saturday should be a business day")
	}
	if c.IsBusinessDay(at(t, time.UTC, "2026-12-24 10:00")) {
		t.Error("2026-12-24 should be a holiday")
	}
}

func FuzzLoad(f *testing.F) {
	for _, n := range ExampleNames() {
		data, err := ExampleFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("name: x\nclocks: [{id: a, duration: [1], calendar: {}}]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("name: x\ncalendars: {c: {holidays: [{date: easter-80}, [x]]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(data)
		if err != nil {
			if p != nil {
				t.Fatal("Load returned a policy and an error")
			}
			return
		}
		// A loaded policy is usable: every computation terminates.
		start := time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC)
		for _, c := range p.Clocks {
			if due := p.Due(c, start); due.Before(start) {
				t.Fatalf("clock %s due %v before its start", c.ID, due)
			}
			p.Reminders(c, start)
		}
		for _, s := range Severities() {
			if _, err := p.Classify(Risk{Tags: []string{"rce"}, Exploited: true}); err != nil {
				t.Fatal(err)
			}
			plan := p.PlanRelease(start, s, true, start.AddDate(0, 1, 0))
			if plan.WindowEnd.Before(plan.WindowStart) || plan.WindowStart.Before(start) {
				t.Fatalf("plan %+v", plan)
			}
		}
	})
}

// TestExampleComments keeps the documentation inside the example files in
// step with the code: each lists every event a clock may name.
func TestExampleComments(t *testing.T) {
	for _, name := range ExampleNames() {
		data, _ := ExampleFile(name)
		text := string(data)
		i := strings.Index(text, "# Events a clock may name:")
		if i < 0 {
			t.Errorf("%s: no list of events", name)
			continue
		}
		var list strings.Builder
		for _, line := range strings.Split(text[i:], "\n") {
			if !strings.HasPrefix(line, "#") {
				break
			}
			list.WriteString(strings.TrimPrefix(line, "#") + " ")
		}
		rest := strings.TrimPrefix(strings.TrimSpace(list.String()), "Events a clock may name:")
		fields := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' })
		var got []Event
		for _, f := range fields {
			got = append(got, Event(strings.TrimSuffix(f, ".")))
		}
		if diff := cmp.Diff(Events(), got); diff != "" {
			t.Errorf("%s: event list out of date (-code +file):\n%s", name, diff)
		}
	}
}

func TestCustomerAdvance(t *testing.T) {
	base, err := ExampleFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Default().CustomerNoticeAt(time.Now()); ok {
		t.Error("the default policy pre-notifies customers; it should only when configured")
	}
	planned := time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC) // the day after the switch to summer time
	for _, tc := range []struct {
		advance string
		want    time.Time
		err     string
	}{
		{"24h", planned.Add(-24 * time.Hour), ""},
		{"2 days", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), ""},
		{"5 business days", time.Time{}, "give hours or days"},
		{"soon", time.Time{}, "notifications.customer_advance"},
	} {
		p, err := Load(append(append([]byte{}, base...), []byte("\nnotifications:\n  customer_advance: "+tc.advance+"\n")...))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error naming %q", tc.advance, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.advance, err)
		}
		if got, ok := p.CustomerNoticeAt(planned); !ok || !got.Equal(tc.want) {
			t.Errorf("%s: notice at %v (%v), want %v", tc.advance, got, ok, tc.want)
		}
	}
}

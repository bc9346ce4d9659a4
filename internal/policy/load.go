package policy

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a policy file; real ones are a few kilobytes.
const MaxFileSize = 1 << 20

// FieldError is one problem of a policy file: the field path
// (`clocks[2].duration`), the YAML line (0 when unknown) and the problem.
type FieldError struct {
	Path string
	Line int
	Err  error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// LoadFile reads and loads a policy file; see Load.
func LoadFile(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	p, err := Load(data)
	if err != nil {
		return nil, fmt.Errorf("policy %s:\n%w", path, err)
	}
	return p, nil
}

// Load parses and validates a policy document. Unknown keys are errors.
// On failure it returns every problem found, joined with errors.Join, each a
// *FieldError prefixed by its field path and, where known, its YAML line.
func Load(data []byte) (*Policy, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("policy is %d bytes, larger than the limit of %d", len(data), MaxFileSize)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty policy document")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("policy file holds more than one YAML document")
	}
	v := &validator{idx: indexNodes(&doc)}

	var raw rawPolicy
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, err
		}
		for _, msg := range te.Errors {
			v.typeError(msg)
		}
	}
	if v.bad[""] {
		// The document is not a mapping: nothing else is worth checking.
		return nil, errors.Join(v.errs...)
	}
	p := v.policy(&raw)
	if len(v.errs) > 0 {
		// Report in file order; problems without a line go last.
		slices.SortStableFunc(v.errs, func(a, b error) int {
			return cmp.Compare(errLine(a), errLine(b))
		})
		return nil, errors.Join(v.errs...)
	}
	return p, nil
}

func errLine(err error) int {
	var fe *FieldError
	if errors.As(err, &fe) && fe.Line > 0 {
		return fe.Line
	}
	return math.MaxInt
}

// knownKeys lists the keys of the raw type a yaml error names
// ("policy.rawClock"), for the "unknown key" message.
func knownKeys(typeName string) string {
	if typeName == "holiday" {
		return "date, name"
	}
	for _, v := range []any{rawPolicy{}, rawSeverity{}, rawClassification{}, rawRule{}, rawCalendar{}, rawClock{}, rawReleases{}, rawWindow{}, rawUrgent{}} {
		t := reflect.TypeOf(v)
		if t.String() != typeName {
			continue
		}
		keys := make([]string, 0, t.NumField())
		for i := range t.NumField() {
			keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
		}
		return strings.Join(keys, ", ")
	}
	return ""
}

// The YAML shape of a policy file. Scalars are decoded as strings and
// checked by the validator so that every problem carries its path.
type rawPolicy struct {
	Name           string                 `yaml:"name"`
	Description    string                 `yaml:"description"`
	Timezone       string                 `yaml:"timezone"`
	Severities     []rawSeverity          `yaml:"severities"`
	Classification rawClassification      `yaml:"classification"`
	Calendars      map[string]rawCalendar `yaml:"calendars"`
	Clocks         []rawClock             `yaml:"clocks"`
	Releases       rawReleases            `yaml:"releases"`
	Notifications  rawNotifications       `yaml:"notifications"`
}

type rawNotifications struct {
	CustomerAdvance string `yaml:"customer_advance"`
}

type rawSeverity struct {
	Name  string `yaml:"name"`
	Color string `yaml:"color"`
	Label string `yaml:"label"`
}

type rawClassification struct {
	Score    string    `yaml:"score"`
	Unscored string    `yaml:"unscored"`
	Rules    []rawRule `yaml:"rules"`
}

type rawRule struct {
	Severity  string   `yaml:"severity"`
	MinScore  *float64 `yaml:"min_score"`
	Tags      []string `yaml:"tags"`
	Exploited bool     `yaml:"exploited"`
	PublicPoC bool     `yaml:"public_poc"`
	Match     string   `yaml:"match"`
}

type rawCalendar struct {
	Weekend  *[]string    `yaml:"weekend"`
	Holidays []rawHoliday `yaml:"holidays"`
}

// rawHoliday is either a rule ("12-25") or a mapping {date: "12-25", name: ...}.
type rawHoliday struct {
	Date string
	Name string
}

func (h *rawHoliday) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		h.Date = n.Value
		return nil
	case yaml.MappingNode:
		var errs []string
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if seen[k.Value] {
				errs = append(errs, fmt.Sprintf("line %d: field %s already set in type holiday", k.Line, k.Value))
				continue
			}
			seen[k.Value] = true
			var dst *string
			switch k.Value {
			case "date":
				dst = &h.Date
			case "name":
				dst = &h.Name
			default:
				errs = append(errs, fmt.Sprintf("line %d: field %s not found in type holiday", k.Line, k.Value))
				continue
			}
			if val.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Sprintf("line %d: cannot unmarshal %s into string", val.Line, val.ShortTag()))
				continue
			}
			*dst = val.Value
		}
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal %s into holiday", n.Line, n.ShortTag())}}
}

type rawClock struct {
	ID            string   `yaml:"id"`
	Name          string   `yaml:"name"`
	Description   string   `yaml:"description"`
	Start         string   `yaml:"start"`
	Stop          string   `yaml:"stop"`
	Duration      string   `yaml:"duration"`
	Calendar      string   `yaml:"calendar"`
	Severities    []string `yaml:"severities"`
	ExploitedOnly bool     `yaml:"exploited_only"`
	RemindBefore  []string `yaml:"remind_before"`
}

type rawReleases struct {
	Regular *rawWindow `yaml:"regular"`
	Urgent  rawUrgent  `yaml:"urgent"`
}

type rawWindow struct {
	FromDay int `yaml:"from_day"`
	ToDay   int `yaml:"to_day"`
}

type rawUrgent struct {
	Severities []string `yaml:"severities"`
	Exploited  bool     `yaml:"exploited"`
	Within     string   `yaml:"within"`
	Calendar   string   `yaml:"calendar"`
}

// validator turns a rawPolicy into a Policy, collecting every problem.
type validator struct {
	idx  *nodeIndex
	errs []error
	bad  map[string]bool // paths already reported by the YAML decoder
}

// errorf records a problem at path, with the line of path or of its
// nearest ancestor present in the file. A path the decoder already
// reported is not reported again.
func (v *validator) errorf(path, format string, args ...any) {
	if v.bad[path] {
		return
	}
	v.errs = append(v.errs, &FieldError{Path: path, Line: v.idx.lineOf(path), Err: fmt.Errorf(format, args...)})
}

var (
	unknownFieldRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^line (\d+): field (.+) (not found|already set) in type (.*)$`)
	})
	typeMismatchRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^line (\d+): cannot unmarshal (!!\w+)(?: ` + "`" + `(.*)` + "`" + `)? into (.+)$`)
	})
	idRE            = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`) })
	tagRE           = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`) })
	colorRE         = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]{1,32})$`) })
	knownEventNames = func() string {
		var s []string
		for _, e := range Events() {
			s = append(s, string(e))
		}
		return strings.Join(s, ", ")
	}()
)

// maxHolidays bounds a calendar's holiday list.
const maxHolidays = 1000

// parseWeekday parses an English weekday name, ignoring case and space.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == s {
			return d, true
		}
	}
	return 0, false
}

// typeError translates one message of a yaml.TypeError into a FieldError.
func (v *validator) typeError(msg string) {
	if v.bad == nil {
		v.bad = map[string]bool{}
	}
	if m := unknownFieldRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := v.idx.keyAt(line, m[2])
		problem := "unknown key"
		if keys := knownKeys(m[4]); keys != "" {
			problem += " (known: " + keys + ")"
		}
		if m[3] == "already set" {
			problem = "key given twice"
		}
		v.errs = append(v.errs, &FieldError{Path: path, Line: line, Err: errors.New(problem)})
		return
	}
	if m := typeMismatchRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := v.idx.valueAt(line, m[2], m[3])
		v.bad[path] = true
		got := strings.TrimPrefix(m[2], "!!")
		if m[3] != "" {
			got += fmt.Sprintf(" %q", m[3])
		}
		v.errs = append(v.errs, &FieldError{Path: path, Line: line, Err: fmt.Errorf("want %s, got %s", want(m[4]), got)})
		return
	}
	v.errs = append(v.errs, errors.New(msg))
}

// want describes a Go type named in a yaml error in policy-file words.
func want(goType string) string {
	switch {
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "int"):
		return "an integer"
	case goType == "bool":
		return "true or false"
	case goType == "string", goType == "holiday":
		return "a single value"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "a list"
	}
	return "a mapping"
}

func (v *validator) policy(r *rawPolicy) *Policy {
	p := &Policy{
		Name:        strings.TrimSpace(r.Name),
		Description: strings.TrimSpace(r.Description),
		Zone:        time.UTC,
		ScoreSource: ScoreHighest,
		Calendars:   map[string]*Calendar{},
	}
	if p.Name == "" {
		v.errorf("name", "missing: give the policy a name")
	}
	if tz := strings.TrimSpace(r.Timezone); tz != "" {
		switch loc, err := time.LoadLocation(tz); {
		case tz == "Local" || strings.HasPrefix(tz, "/"):
			v.errorf("timezone", "%q: give an IANA zone name such as Europe/Berlin or UTC", tz)
		case err != nil:
			v.errorf("timezone", "unknown time zone %q: give an IANA zone name such as Europe/Berlin or UTC", tz)
		default:
			p.Zone = loc
		}
	}
	v.severities(p, r.Severities)
	v.classification(p, r.Classification)
	v.calendars(p, r.Calendars)
	v.clocks(p, r.Clocks)
	v.releases(p, r.Releases)
	if strings.TrimSpace(r.Notifications.CustomerAdvance) != "" {
		d, ok := v.duration("notifications.customer_advance", r.Notifications.CustomerAdvance)
		if ok && d.Unit != Hours && d.Unit != Days {
			v.errorf("notifications.customer_advance", "%q: give hours or days, e.g. 24h or 2 days", r.Notifications.CustomerAdvance)
		} else if ok {
			p.CustomerAdvance = d
		}
	}
	return p
}

func (v *validator) severity(path, name string) (Severity, bool) {
	s, err := ParseSeverity(name)
	if err != nil {
		v.errorf(path, "%v", err)
		return None, false
	}
	return s, true
}

func (v *validator) severityList(path string, names []string) []Severity {
	var out []Severity
	for i, n := range names {
		p := fmt.Sprintf("%s[%d]", path, i)
		if s, ok := v.severity(p, n); ok {
			if slices.Contains(out, s) {
				v.errorf(p, "severity %s listed twice", s)
				continue
			}
			out = append(out, s)
		}
	}
	return out
}

func (v *validator) severities(p *Policy, raw []rawSeverity) {
	for i, rs := range raw {
		path := fmt.Sprintf("severities[%d]", i)
		s, ok := v.severity(path+".name", rs.Name)
		if !ok {
			continue
		}
		if slices.ContainsFunc(p.Severities, func(l SeverityInfo) bool { return l.Severity == s }) {
			v.errorf(path+".name", "severity %s described twice", s)
			continue
		}
		if rs.Color != "" && !colorRE().MatchString(rs.Color) {
			v.errorf(path+".color", "%q: want a color name such as purple or a hex color such as #7b1fa2", rs.Color)
		}
		p.Severities = append(p.Severities, SeverityInfo{Severity: s, Color: rs.Color, Label: strings.TrimSpace(rs.Label)})
	}
}

func (v *validator) classification(p *Policy, raw rawClassification) {
	switch src := ScoreSource(strings.ToLower(strings.TrimSpace(raw.Score))); src {
	case "":
	case ScoreHighest, ScoreCVSS40, ScoreCVSS31:
		p.ScoreSource = src
	default:
		v.errorf("classification.score", "unknown score source %q (want highest, cvss40 or cvss31)", raw.Score)
	}
	if raw.Unscored != "" {
		if s, ok := v.severity("classification.unscored", raw.Unscored); ok {
			p.Unscored = s
		}
	}
	for i, rr := range raw.Rules {
		path := fmt.Sprintf("classification.rules[%d]", i)
		rule := Rule{Exploited: rr.Exploited, PublicPoC: rr.PublicPoC}
		if s, ok := v.severity(path+".severity", rr.Severity); ok {
			if s == None {
				v.errorf(path+".severity", "a rule cannot classify as none; leave the case to no rule matching")
			}
			rule.Severity = s
		}
		if rr.MinScore != nil {
			if f := *rr.MinScore; math.IsNaN(f) || f < 0 || f > 10 {
				v.errorf(path+".min_score", "%v: want a CVSS score between 0.0 and 10.0", f)
			} else {
				rule.MinScore = &f
			}
		}
		for j, t := range rr.Tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if !tagRE().MatchString(t) {
				v.errorf(fmt.Sprintf("%s.tags[%d]", path, j), "%q: want a short lower-case tag such as rce or lpe", t)
				continue
			}
			rule.Tags = append(rule.Tags, t)
		}
		switch strings.ToLower(strings.TrimSpace(rr.Match)) {
		case "", "any":
		case "all":
			rule.All = true
		default:
			v.errorf(path+".match", "%q: want any or all", rr.Match)
		}
		if rr.MinScore == nil && len(rr.Tags) == 0 && !rr.Exploited && !rr.PublicPoC {
			v.errorf(path, "no condition: give min_score, tags, exploited or public_poc")
		}
		p.Rules = append(p.Rules, rule)
	}
}

func (v *validator) calendars(p *Policy, raw map[string]rawCalendar) {
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		rc := raw[name]
		path := "calendars." + name
		if !idRE().MatchString(name) {
			v.errorf(path, "calendar name %q: want lower-case letters, digits, '.', '_' or '-'", name)
		}
		weekend := []time.Weekday{time.Saturday, time.Sunday}
		if rc.Weekend != nil {
			weekend = []time.Weekday{}
			for i, d := range *rc.Weekend {
				wd, ok := parseWeekday(d)
				if !ok {
					v.errorf(fmt.Sprintf("%s.weekend[%d]", path, i), "unknown weekday %q (want monday .. sunday)", d)
					continue
				}
				if !slices.Contains(weekend, wd) {
					weekend = append(weekend, wd)
				}
			}
			if len(weekend) == 7 {
				v.errorf(path+".weekend", "every day is a weekend day, leaving no business day")
			}
		}
		if len(rc.Holidays) > maxHolidays {
			v.errorf(path+".holidays", "%d holidays, more than the limit of %d", len(rc.Holidays), maxHolidays)
			continue
		}
		var holidays []Holiday
		for i, rh := range rc.Holidays {
			h, err := ParseHoliday(rh.Date)
			if err != nil {
				v.errorf(fmt.Sprintf("%s.holidays[%d]", path, i), "%v", err)
				continue
			}
			h.Name = strings.TrimSpace(rh.Name)
			holidays = append(holidays, h)
		}
		p.Calendars[name] = NewCalendar(name, p.Zone, weekend, holidays)
	}
}

func (v *validator) calendarRef(p *Policy, path, name string, d Duration) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if _, ok := p.Calendars[name]; !ok {
		known := make([]string, 0, len(p.Calendars))
		for n := range p.Calendars {
			known = append(known, n)
		}
		sort.Strings(known)
		v.errorf(path, "unknown calendar %q (defined: %s)", name, orNone(known))
		return ""
	}
	if d.Unit != BusinessDays && !d.IsZero() {
		v.errorf(path, "a calendar only applies to business days, not to %s", d.Unit)
	}
	return name
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (v *validator) event(path, name string, required bool) Event {
	e := Event(strings.TrimSpace(name))
	switch {
	case e == "" && required:
		v.errorf(path, "missing: name an event (%s)", knownEventNames)
	case e != "" && !e.Valid():
		v.errorf(path, "unknown event %q (want one of %s)", name, knownEventNames)
	}
	return e
}

func (v *validator) duration(path, s string) (Duration, bool) {
	if strings.TrimSpace(s) == "" {
		v.errorf(path, "missing: give a duration such as 24h, 5 business days, 14 days or 3 months")
		return Duration{}, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return Duration{}, false
	}
	return d, true
}

func (v *validator) clocks(p *Policy, raw []rawClock) {
	seen := map[string]bool{}
	for i, rc := range raw {
		path := fmt.Sprintf("clocks[%d]", i)
		c := Clock{
			ID:            strings.TrimSpace(rc.ID),
			Name:          strings.TrimSpace(rc.Name),
			Description:   strings.TrimSpace(rc.Description),
			ExploitedOnly: rc.ExploitedOnly,
		}
		switch {
		case c.ID == "":
			v.errorf(path+".id", "missing: give the clock an id such as triage")
		case !idRE().MatchString(c.ID):
			v.errorf(path+".id", "%q: want lower-case letters, digits, '.', '_' or '-'", c.ID)
		case seen[c.ID]:
			v.errorf(path+".id", "clock id %q used twice", c.ID)
		}
		seen[c.ID] = true
		if c.Name == "" {
			c.Name = c.ID
		}
		c.Start = v.event(path+".start", rc.Start, true)
		c.Stop = v.event(path+".stop", rc.Stop, true)
		if c.Start != "" && c.Start == c.Stop {
			v.errorf(path+".stop", "the stop event must differ from the start event %q", c.Start)
		}
		c.Duration, _ = v.duration(path+".duration", rc.Duration)
		c.Duration.Calendar = v.calendarRef(p, path+".calendar", rc.Calendar, c.Duration)
		c.Severities = v.severityList(path+".severities", rc.Severities)
		for j, s := range rc.RemindBefore {
			rp := fmt.Sprintf("%s.remind_before[%d]", path, j)
			d, err := ParseDuration(s)
			switch {
			case err != nil:
				v.errorf(rp, "%v", err)
			case d.Unit != Hours && d.Unit != Days:
				v.errorf(rp, "%q: reminders are given in hours or days", s)
			default:
				c.RemindBefore = append(c.RemindBefore, d)
			}
		}
		p.Clocks = append(p.Clocks, c)
	}
}

func (v *validator) releases(p *Policy, raw rawReleases) {
	if w := raw.Regular; w != nil {
		if w.FromDay < 1 || w.FromDay > 28 {
			v.errorf("releases.regular.from_day", "%d: want a day of the month from 1 to 28", w.FromDay)
		}
		if w.ToDay < 1 || w.ToDay > 28 {
			v.errorf("releases.regular.to_day", "%d: want a day of the month from 1 to 28", w.ToDay)
		} else if w.ToDay < w.FromDay {
			v.errorf("releases.regular.to_day", "%d is before from_day %d", w.ToDay, w.FromDay)
		}
		p.Releases.Regular = &Window{FromDay: w.FromDay, ToDay: w.ToDay}
	}
	u := raw.Urgent
	p.Releases.UrgentSeverities = v.severityList("releases.urgent.severities", u.Severities)
	p.Releases.UrgentExploited = u.Exploited
	if strings.TrimSpace(u.Within) != "" {
		p.Releases.UrgentWithin, _ = v.duration("releases.urgent.within", u.Within)
	}
	p.Releases.UrgentWithin.Calendar = v.calendarRef(p, "releases.urgent.calendar", u.Calendar, p.Releases.UrgentWithin)
}

// nodeIndex maps field paths to YAML lines and back.
type nodeIndex struct {
	lines  map[string]int         // path -> line
	keys   map[int][]indexedKey   // line -> keys written on it
	values map[int][]indexedValue // line -> value nodes starting on it, outermost first
}

type indexedKey struct{ name, path string }

type indexedValue struct{ path, tag, value string }

func indexNodes(doc *yaml.Node) *nodeIndex {
	idx := &nodeIndex{lines: map[string]int{}, keys: map[int][]indexedKey{}, values: map[int][]indexedValue{}}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		idx.walk(doc.Content[0], "", 0)
	}
	return idx
}

// maxIndexDepth bounds the walk; policy files are a few levels deep.
const maxIndexDepth = 64

func (idx *nodeIndex) walk(n *yaml.Node, path string, depth int) {
	if depth > maxIndexDepth {
		return
	}
	if _, ok := idx.lines[path]; !ok {
		idx.lines[path] = n.Line
	}
	idx.values[n.Line] = append(idx.values[n.Line], indexedValue{path: path, tag: n.ShortTag(), value: n.Value})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			child := joinPath(path, k.Value)
			idx.keys[k.Line] = append(idx.keys[k.Line], indexedKey{name: k.Value, path: child})
			idx.lines[child] = k.Line
			idx.walk(val, child, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			idx.walk(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	}
}

var plainKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })

func joinPath(parent, key string) string {
	if !plainKeyRE().MatchString(key) {
		key = strconv.Quote(key)
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// lineOf returns the line of path or of its nearest ancestor in the file.
func (idx *nodeIndex) lineOf(path string) int {
	for path != "" {
		if l, ok := idx.lines[path]; ok {
			return l
		}
		cut := max(strings.LastIndexAny(path, ".["), 0)
		path = path[:cut]
	}
	return idx.lines[""]
}

func (idx *nodeIndex) keyAt(line int, name string) string {
	for _, k := range idx.keys[line] {
		if k.name == name {
			return k.path
		}
	}
	return name
}

// valueAt finds the path of the node a yaml type error names by its line,
// tag and (possibly shortened) value.
func (idx *nodeIndex) valueAt(line int, tag, value string) string {
	short := strings.TrimSuffix(value, "...")
	for _, v := range idx.values[line] {
		if v.tag == tag && strings.HasPrefix(v.value, short) {
			return v.path
		}
	}
	if vs := idx.values[line]; len(vs) > 0 {
		return vs[len(vs)-1].path
	}
	return ""
}

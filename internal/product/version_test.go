package product

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want Version
		ok   bool
	}{
		{"0.0.1", Version{0, 0, 1}, true},
		{"1.2.3", Version{1, 2, 3}, true},
		{"41.1.1", Version{41, 1, 1}, true},
		{"2.10.0", Version{2, 10, 0}, true},
		{"0.0.0", Version{}, true}, // parses; Release.Validate refuses it
		{"999999.999999.999999", Version{999999, 999999, 999999}, true},
		{"10.0.100", Version{10, 0, 100}, true},

		{"", Version{}, false},
		{"1", Version{}, false},
		{"1.2", Version{}, false},
		{"1.2.", Version{}, false},
		{".1.2", Version{}, false},
		{"1..2", Version{}, false},
		{"1.2.3.4", Version{}, false},
		{"01.2.3", Version{}, false},
		{"1.02.3", Version{}, false},
		{"1.2.03", Version{}, false},
		{"1.2.00", Version{}, false},
		{"-1.2.3", Version{}, false},
		{"1.-2.3", Version{}, false},
		{"+1.2.3", Version{}, false},
		{"1.2.3-rc1", Version{}, false},
		{"1.2.3+build", Version{}, false},
		{"v1.2.3", Version{}, false},
		{" 1.2.3", Version{}, false},
		{"1.2.3 ", Version{}, false},
		{"1.2.3\n", Version{}, false},
		{"1.2.a", Version{}, false},
		{"1.2.0x1", Version{}, false},
		{"1.2.1e3", Version{}, false},
		{"1.2.٣", Version{}, false}, // Arabic-Indic digit three
		{"１.2.3", Version{}, false}, // full-width digit one
		{"1000000.0.0", Version{}, false},
		{"0.1000000.0", Version{}, false},
		{"0.0.1000000", Version{}, false},
		{"99999999999999999999.0.0", Version{}, false},
		{"9223372036854775808.0.0", Version{}, false},
		{"1.2." + strings.Repeat("1", 30), Version{}, false}, // too long
		{strings.Repeat("1", 11) + "." + strings.Repeat("1", 10) + "." + strings.Repeat("1", 11), Version{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseVersion(tt.in)
			if tt.ok {
				if err != nil {
					t.Fatalf("ParseVersion(%q) = %v", tt.in, err)
				}
				if got != tt.want {
					t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
				}
				if s := got.String(); s != tt.in {
					t.Errorf("String() = %q, want %q", s, tt.in)
				}
				return
			}
			if !errors.Is(err, ErrVersion) {
				t.Errorf("ParseVersion(%q) = %+v, %v; want an error wrapping ErrVersion", tt.in, got, err)
			}
			if got != (Version{}) {
				t.Errorf("ParseVersion(%q) returned %+v with its error", tt.in, got)
			}
		})
	}
}

func TestMustVersion(t *testing.T) {
	if got := MustVersion("41.1.1"); got != (Version{41, 1, 1}) {
		t.Errorf("MustVersion = %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustVersion(\"41\") did not panic")
		}
	}()
	MustVersion("41")
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.3", "1.2.3", 0},
		{"2.10.0", "2.9.0", 1},
		{"2.9.0", "2.10.0", -1},
		{"1.0.10", "1.0.9", 1},
		{"10.0.0", "9.99.99", 1},
		{"1.2.3", "1.3.0", -1},
		{"1.2.3", "2.0.0", -1},
		{"41.0.2", "41.0.10", -1},
		{"0.0.0", "0.0.1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			a, b := MustVersion(tt.a), MustVersion(tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Errorf("%s.Compare(%s) = %d, want %d", tt.b, tt.a, got, -tt.want)
			}
		})
	}
}

func TestNextSecurity(t *testing.T) {
	tests := []struct{ in, want string }{
		{"41.1.0", "41.1.1"},
		{"2.7.9", "2.7.10"},
		{"1.0.0", "1.0.1"},
	}
	for _, tt := range tests {
		v := MustVersion(tt.in)
		if got := v.NextSecurity().String(); got != tt.want {
			t.Errorf("%s.NextSecurity() = %s, want %s", tt.in, got, tt.want)
		}
		if v.String() != tt.in {
			t.Errorf("NextSecurity changed its receiver to %s", v)
		}
	}
}

func TestIsZero(t *testing.T) {
	if !(Version{}).IsZero() || !MustVersion("0.0.0").IsZero() {
		t.Error("0.0.0 is not zero")
	}
	for _, s := range []string{"0.0.1", "0.1.0", "1.0.0"} {
		if MustVersion(s).IsZero() {
			t.Errorf("%s is zero", s)
		}
	}
}

func TestNextSecurityRelease(t *testing.T) {
	vs := func(ss ...string) []Version {
		var out []Version
		for _, s := range ss {
			out = append(out, MustVersion(s))
		}
		return out
	}
	tests := []struct {
		name     string
		branch   string
		versions []Version
		want     string // "" for an error
	}{
		{"major branch", "41", vs("41.0.0", "41.0.2", "41.1.0"), "41.1.1"},
		{"major branch, unordered", "41", vs("41.1.0", "41.0.2", "41.0.0"), "41.1.1"},
		{"major branch, numeric order", "41", vs("41.9.3", "41.10.0", "41.2.8"), "41.10.1"},
		{"minor branch, none yet", "2.7", nil, "2.7.0"},
		{"major branch, none yet", "41", nil, "41.0.0"},
		{"minor branch", "2.7", vs("2.7.0", "2.7.9", "2.7.10"), "2.7.11"},
		{"ignores other branches", "2.7", vs("2.6.30", "2.8.0", "3.7.5", "27.0.0", "2.70.1"), "2.7.0"},
		{"ignores other branches, with own", "2.7", vs("2.6.30", "2.7.3", "2.8.0"), "2.7.4"},
		{"major ignores other majors", "41", vs("40.9.9", "42.0.0", "4.1.0", "410.0.0"), "41.0.0"},
		{"branch 0 with releases", "0", vs("0.1.0", "0.1.3"), "0.1.4"},
		{"branch 1.0", "1.0", vs("1.0.9"), "1.0.10"},
		{"malformed branch", "abc", nil, ""},
		{"empty branch", "", nil, ""},
		{"branch with three parts", "1.2.3", nil, ""},
		{"branch with a leading zero", "041", nil, ""},
		{"branch too large", "1000000", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextSecurityRelease(tt.branch, tt.versions)
			if tt.want == "" {
				if !errors.Is(err, ErrVersion) {
					t.Errorf("NextSecurityRelease(%q) = %s, %v; want an error wrapping ErrVersion", tt.branch, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NextSecurityRelease(%q) = %v", tt.branch, err)
			}
			if got.String() != tt.want {
				t.Errorf("NextSecurityRelease(%q, %v) = %s, want %s", tt.branch, tt.versions, got, tt.want)
			}
			if !Contains(tt.branch, got) {
				t.Errorf("next release %s is not on branch %s", got, tt.branch)
			}
		})
	}
}

func TestBranchBase(t *testing.T) {
	tests := []struct {
		name string
		want Version
	}{
		{"41", Version{41, 0, 0}},
		{"2.7", Version{2, 7, 0}},
		{"0", Version{}},
		{"2.10", Version{2, 10, 0}},
		// malformed names give the zero version
		{"", Version{}},
		{"abc", Version{}},
		{"2.", Version{}},
		{".7", Version{}},
		{"02.7", Version{}},
		{"1.2.3", Version{}},
		{"1.2.3.4", Version{}},
		{"1000000", Version{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BranchBase(tt.name); got != tt.want {
				t.Errorf("BranchBase(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
		})
	}
	// Branch names order numerically through their base.
	if BranchBase("2.10").Compare(BranchBase("2.9")) <= 0 {
		t.Error("branch 2.10 does not come after 2.9")
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		branch, version string
		want            bool
	}{
		{"41", "41.0.0", true},
		{"41", "41.3.7", true},
		{"41", "4.1.0", false},
		{"41", "410.0.0", false},
		{"41", "42.0.0", false},
		{"2.7", "2.7.0", true},
		{"2.7", "2.7.12", true},
		{"2.7", "2.70.0", false},
		{"2.7", "2.8.0", false},
		{"2.7", "27.0.0", false},
		{"2", "2.7.1", true},
		{"0", "0.1.0", true},
		{"0.0", "0.0.1", true},
		{"02", "2.0.0", false},
		{"2.07", "2.7.0", false},
		{"1.2.3", "1.2.3", false},
		{"", "1.0.0", false},
		{"x", "1.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.branch+"/"+tt.version, func(t *testing.T) {
			if got := Contains(tt.branch, MustVersion(tt.version)); got != tt.want {
				t.Errorf("Contains(%q, %s) = %v, want %v", tt.branch, tt.version, got, tt.want)
			}
		})
	}
}

func TestVersionText(t *testing.T) {
	type doc struct {
		V    Version            `json:"v"`
		P    *Version           `json:"p,omitempty"`
		List []Version          `json:"list"`
		Map  map[Version]string `json:"map"`
	}
	in := doc{
		V:    MustVersion("41.1.1"),
		P:    new(MustVersion("2.10.0")),
		List: []Version{MustVersion("0.0.1"), MustVersion("999999.0.0")},
		Map:  map[Version]string{MustVersion("2.7.4"): "urgent"},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"v":"41.1.1","p":"2.10.0","list":["0.0.1","999999.0.0"],"map":{"2.7.4":"urgent"}}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	for _, bad := range []string{`{"v":"1.2"}`, `{"v":"01.2.3"}`, `{"v":"1.2.3.4"}`, `{"map":{"x":"y"}}`} {
		var d doc
		if err := json.Unmarshal([]byte(bad), &d); !errors.Is(err, ErrVersion) {
			t.Errorf("Unmarshal(%s) = %v, want an error wrapping ErrVersion", bad, err)
		}
	}
	var v Version
	if err := json.Unmarshal([]byte(`123`), &v); err == nil {
		t.Errorf("Unmarshal(123) = %+v, want an error", v)
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"41.1.1", "0.0.0", "2.10.0", "999999.999999.999999", "1000000.0.0",
		"01.2.3", "-1.2.3", "1.2", "1.2.3.4", "", "1..2", "+1.2.3", "1.2.٣", "9223372036854775808.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrVersion) {
				t.Fatalf("ParseVersion(%q) error %v does not wrap ErrVersion", s, err)
			}
			return
		}
		if v.String() != s {
			t.Fatalf("ParseVersion(%q).String() = %q: not canonical", s, v.String())
		}
		w, err := ParseVersion(v.String())
		if err != nil || w != v {
			t.Fatalf("ParseVersion(%q) = %+v, %v; want %+v", v.String(), w, err, v)
		}
		for _, n := range []int{v.Major, v.Minor, v.Patch} {
			if n < 0 || n > maxPart {
				t.Fatalf("ParseVersion(%q) = %+v: part out of range", s, v)
			}
		}
		if c := v.Compare(w); c != 0 {
			t.Fatalf("%s.Compare(itself) = %d", v, c)
		}
		if n := v.NextSecurity(); n.Compare(v) <= 0 {
			t.Fatalf("%s.NextSecurity() = %s, not greater", v, n)
		}
		// Every version lies on its major and its minor branch.
		major, minor := strings.Split(s, ".")[0], strings.Join(strings.Split(s, ".")[:2], ".")
		if !Contains(major, v) || !Contains(minor, v) {
			t.Fatalf("%s is not on branches %s and %s", v, major, minor)
		}
		if v.IsZero() {
			return // 0.0.0 is no release (Release.Validate refuses it)
		}
		next, err := NextSecurityRelease(minor, []Version{v})
		if err != nil || next != v.NextSecurity() {
			t.Fatalf("NextSecurityRelease(%q, [%s]) = %s, %v; want %s", minor, v, next, err, v.NextSecurity())
		}
	})
}

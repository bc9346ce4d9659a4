package cvss

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

const (
	base31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	base40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		vector string
		want   Score
	}{
		{
			name:   "3.1 base",
			vector: base31,
			want:   Score{Version: Version31, Vector: base31, Base: 9.8, Temporal: 9.8, Environmental: 9.8, Severity: SeverityCritical},
		},
		{
			name:   "3.1 any order, canonicalised",
			vector: "CVSS:3.1/A:H/S:U/E:X/AV:N/AC:L/PR:N/UI:N/C:H/I:H",
			want:   Score{Version: Version31, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X", Base: 9.8, Temporal: 9.8, Environmental: 9.8, Severity: SeverityCritical},
		},
		{
			name:   "3.1 temporal",
			vector: base31 + "/E:U/RL:O/RC:U",
			want:   Score{Version: Version31, Vector: base31 + "/E:U/RL:O/RC:U", Base: 9.8, Temporal: 7.8, Environmental: 7.8, Severity: SeverityHigh, HasTemporal: true},
		},
		{
			name:   "3.1 X defines nothing",
			vector: base31 + "/E:X/RL:X/RC:X/CR:X/MAV:X/MA:X",
			want:   Score{Version: Version31, Vector: base31 + "/E:X/RL:X/RC:X/CR:X/MAV:X/MA:X", Base: 9.8, Temporal: 9.8, Environmental: 9.8, Severity: SeverityCritical},
		},
		{
			// A genuine environmental 0.0 is the overall score, not "absent".
			name:   "3.1 environmental zero",
			vector: base31 + "/MC:N/MI:N/MA:N",
			want:   Score{Version: Version31, Vector: base31 + "/MC:N/MI:N/MA:N", Base: 9.8, Temporal: 9.8, Environmental: 0, Severity: SeverityNone, HasEnvironmental: true},
		},
		{
			name:   "3.0 temporal and environmental",
			vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
			want: Score{Version: Version30, Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
				Base: 9.3, Temporal: 8.9, Environmental: 9.5, Severity: SeverityCritical, HasTemporal: true, HasEnvironmental: true},
		},
		{
			name:   "3.0 scope change under Roundup",
			vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U",
			// 10 x 0.92 is 9.200000000000001 in float64: Roundup must not make it 9.3.
			want: Score{Version: Version30, Vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U", Base: 10, Temporal: 9.2, Environmental: 9.2, Severity: SeverityCritical, HasTemporal: true},
		},
		{
			name:   "4.0 base",
			vector: base40,
			want:   Score{Version: Version40, Vector: base40, Base: 9.3, Severity: SeverityCritical},
		},
		{
			name:   "4.0 threat",
			vector: base40 + "/E:U",
			want:   Score{Version: Version40, Vector: base40 + "/E:U", Base: 8.1, Severity: SeverityHigh, HasTemporal: true},
		},
		{
			name:   "4.0 X and supplemental define nothing",
			vector: base40 + "/E:X/CR:X/MSI:X/S:P/AU:Y/R:I/V:C/RE:H/U:Amber",
			want:   Score{Version: Version40, Vector: base40 + "/E:X/CR:X/MSI:X/S:P/AU:Y/R:I/V:C/RE:H/U:Amber", Base: 9.3, Severity: SeverityCritical},
		},
		{
			name:   "4.0 environmental",
			vector: base40 + "/CR:L/IR:L/AR:L/MAV:P",
			want:   Score{Version: Version40, Vector: base40 + "/CR:L/IR:L/AR:L/MAV:P", Base: 5.1, Severity: SeverityMedium, HasEnvironmental: true},
		},
		{
			// The case of the October 2024 rounding fix: 8.549999999999999
			// before rounding, which must be 8.6.
			name:   "4.0 rounding fix",
			vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
			want:   Score{Version: Version40, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", Base: 8.6, Severity: SeverityHigh},
		},
		{
			name:   "4.0 no impact",
			vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/MSI:X",
			want:   Score{Version: Version40, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/MSI:X", Base: 0, Severity: SeverityNone, HasTemporal: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.vector)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.vector, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.vector, got, tt.want)
			}
		})
	}
}

func TestOverallAndNomenclature(t *testing.T) {
	tests := []struct {
		vector       string
		overall      float64
		nomenclature string
	}{
		{base31, 9.8, ""},
		{base31 + "/E:P", 9.3, ""},                // Roundup(9.8 x 0.94 = 9.212)
		{base31 + "/E:P/CR:L/IR:L/AR:L", 7.6, ""}, // Roundup(Roundup(7.9108) x 0.94)
		{base31 + "/CR:L", 9.5, ""},               // Roundup(9.4121)
		{base40, 9.3, "CVSS-B"},
		{base40 + "/E:P", 8.9, "CVSS-BT"},
		{base40 + "/AR:L", 9.3, "CVSS-BE"},
		{base40 + "/E:P/MVC:L", 7.8, "CVSS-BTE"},
		{base40 + "/U:Red", 9.3, "CVSS-B"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.vector)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.vector, err)
		}
		if got := s.Overall(); got != tt.overall {
			t.Errorf("Parse(%q).Overall() = %v, want %v", tt.vector, got, tt.overall)
		}
		if got := s.Nomenclature(); got != tt.nomenclature {
			t.Errorf("Parse(%q).Nomenclature() = %q, want %q", tt.vector, got, tt.nomenclature)
		}
		if s.Severity != SeverityOf(s.Overall()) {
			t.Errorf("Parse(%q).Severity = %q, want SeverityOf(Overall()) = %q", tt.vector, s.Severity, SeverityOf(s.Overall()))
		}
	}
}

func TestSeverityOf(t *testing.T) {
	tests := []struct {
		score float64
		want  string
	}{
		{0, SeverityNone},
		{0.1, SeverityLow},
		{3.9, SeverityLow},
		{3.95, SeverityLow},
		{4.0, SeverityMedium},
		{6.9, SeverityMedium},
		{7.0, SeverityHigh},
		{8.9, SeverityHigh},
		{9.0, SeverityCritical},
		{10, SeverityCritical},
		{-0.1, ""},
		{10.1, ""},
		{math.NaN(), ""},
		{math.Inf(1), ""},
	}
	for _, tt := range tests {
		if got := SeverityOf(tt.score); got != tt.want {
			t.Errorf("SeverityOf(%v) = %q, want %q", tt.score, got, tt.want)
		}
	}
}

// TestParseInvalid checks that every problem of a vector is reported, each
// prefixed by what it concerns and wrapping its sentinel.
func TestParseInvalid(t *testing.T) {
	type problem struct {
		err error
		msg string // the problem's message starts with this
	}
	missing := func(names ...string) []problem {
		var ps []problem
		for _, n := range names {
			ps = append(ps, problem{ErrMissingMetric, n + ": missing mandatory metric"})
		}
		return ps
	}
	v3Base := []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}
	v4Base := []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}
	tests := []struct {
		name   string
		vector string
		want   []problem
	}{
		{"empty", "", []problem{{ErrVersion, `prefix "": missing or unsupported`}}},
		{"CVSS 2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", []problem{{ErrVersion, `prefix "AV:N": missing`}}},
		{"unsupported version", "CVSS:2.0/AV:N", []problem{{ErrVersion, `prefix "CVSS:2.0"`}}},
		{"version 3.10", "CVSS:3.10/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrVersion, `prefix "CVSS:3.10"`}}},
		{"lower-case prefix", strings.ToLower(base31), []problem{{ErrVersion, `prefix "cvss:3.1"`}}},
		{"leading space", " " + base31, []problem{{ErrVersion, `prefix " CVSS:3.1"`}}},
		{"long prefix cut", strings.Repeat("x", 40), []problem{{ErrVersion, `prefix "xxxxxxxxxxxxxxxx..."`}}},
		{"too long", base31 + strings.Repeat("/E:X", 200), []problem{{ErrTooLong, "vector too long: 844 bytes, the limit is 512"}}},
		{"prefix only 3.1", "CVSS:3.1", missing(v3Base...)},
		{"prefix only 4.0", "CVSS:4.0", missing(v4Base...)},
		{"prefix and slash", "CVSS:3.0/", append([]problem{{ErrSyntax, `component 1 "": malformed`}}, missing(v3Base...)...)},
		{"trailing slash", base31 + "/", []problem{{ErrSyntax, `component 9 "": malformed`}}},
		{"empty component", "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrSyntax, `component 2 "": malformed`}}},
		{"no colon", "CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrSyntax, `component 1 "AVN": malformed`}, missing("AV")[0]}},
		{"two colons", "CVSS:3.1/AV:N:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrSyntax, `component 1 "AV:N:L": malformed`}, missing("AV")[0]}},
		{"empty value", "CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrSyntax, `component 1 "AV:": malformed`}, missing("AV")[0]}},
		{"unknown metric", base31 + "/XX:Y", []problem{{ErrUnknownMetric, `"XX": unknown metric`}}},
		{"lower-case metric", "CVSS:3.1/av:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrUnknownMetric, `"av": unknown metric`}, missing("AV")[0]}},
		{"4.0 metric in 3.0", "CVSS:3.0/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrUnknownMetric, `"AT": unknown metric`}}},
		{"3.x metric in 4.0", base40 + "/RL:O", []problem{{ErrUnknownMetric, `"RL": unknown metric`}}},
		{"duplicate", base31 + "/AV:L", []problem{{ErrDuplicateMetric, "AV: duplicate metric"}}},
		{"duplicate of invalid", "CVSS:3.1/AV:Q/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{
			{ErrValue, `AV: invalid metric value "Q" (want one of N, A, L, P)`},
			{ErrDuplicateMetric, "AV: duplicate metric"},
		}},
		{"bad value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrValue, `AV: invalid metric value "Q" (want one of N, A, L, P)`}}},
		{"X in a base metric", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrValue, `AV: invalid metric value "X"`}}},
		{"lower-case value", "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrValue, `AV: invalid metric value "n"`}}},
		{"value with space", "CVSS:3.1/AV:N /AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrValue, `AV: invalid metric value "N "`}}},
		{"3.0 PR:U (schema typo)", "CVSS:3.0/AV:N/AC:L/PR:U/UI:N/S:U/C:H/I:H/A:H", []problem{{ErrValue, `PR: invalid metric value "U"`}}},
		{"3.1 several at once", "CVSS:3.1/AV:N/AC:Z/PR:N/UI:N/S:U/C:H/I:H/FOO:1/AV:L/E:Q", []problem{
			{ErrValue, `AC: invalid metric value "Z" (want one of L, H)`},
			{ErrUnknownMetric, `"FOO": unknown metric`},
			{ErrDuplicateMetric, "AV: duplicate metric"},
			{ErrValue, `E: invalid metric value "Q" (want one of X, H, F, P, U)`},
			{ErrMissingMetric, "A: missing mandatory metric"},
		}},
		{"4.0 out of order", "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", []problem{
			{ErrOrder, "AV: metric out of order (must come before AC)"},
		}},
		{"4.0 environmental before threat", base40 + "/CR:H/E:A", []problem{
			{ErrOrder, "E: metric out of order (must come before CR)"},
		}},
		{"4.0 impact interleaved (GHSA style)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N", []problem{
			{ErrOrder, "VI: metric out of order (must come before SC)"},
			{ErrOrder, "VA: metric out of order (must come before SI)"},
		}},
		{"4.0 several at once", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SA:N/SI:X/E:Z/PR2:N/U:clear", []problem{
			{ErrOrder, "SI: metric out of order (must come before SA)"},
			{ErrValue, `SI: invalid metric value "X" (want one of H, L, N)`},
			{ErrValue, `E: invalid metric value "Z" (want one of X, A, P, U)`},
			{ErrUnknownMetric, `"PR2": unknown metric`},
			{ErrValue, `U: invalid metric value "clear" (want one of X, Clear, Green, Amber, Red)`},
		}},
		{"4.0 modified S only for MSI and MSA", base40 + "/MSC:S", []problem{{ErrValue, `MSC: invalid metric value "S" (want one of X, H, L, N)`}}},
		{"4.0 3.x safety value", base40 + "/S:U", []problem{{ErrValue, `S: invalid metric value "U" (want one of X, N, P)`}}},
		{"4.0 missing", "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H", missing("AT", "SC", "SI", "SA")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.vector)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.vector, s)
			}
			if s != (Score{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Score", tt.vector, s)
			}
			got := problems(err)
			if len(got) != len(tt.want) {
				t.Fatalf("Parse(%q): %d problems, want %d:\n%v", tt.vector, len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !errors.Is(got[i], w.err) {
					t.Errorf("problem %d %q does not wrap %q", i, got[i], w.err)
				}
				if !strings.HasPrefix(got[i].Error(), w.msg) {
					t.Errorf("problem %d is %q, want it to start with %q", i, got[i], w.msg)
				}
			}
		})
	}
}

// problems splits what Parse returned into its problems.
func problems(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

var sentinels = []error{ErrTooLong, ErrVersion, ErrSyntax, ErrUnknownMetric, ErrDuplicateMetric, ErrMissingMetric, ErrValue, ErrOrder}

// fuzzSeeds are valid and invalid vectors of every version and shape.
var fuzzSeeds = []string{
	base31,
	base40,
	"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N",
	"CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
	"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N",
	"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:L/SC:H/SI:H/SA:N/E:U/CR:L/IR:M/AR:H/MAV:A/MAC:L/MAT:N/MPR:L/MUI:P/MVC:H/MVI:L/MVA:N/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
	"CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
	"CVSS:3.1/AV:N/AC:Z/PR:N/UI:N/S:U/C:H/I:H/FOO:1/AV:L/E:Q",
	"AV:N/AC:L/Au:N/C:P/I:P/A:P",
	"CVSS:3.1",
	"CVSS:4.0/",
	"CVSS:3.1/AV:N:L//",
	"",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, vector string) {
		s, err := Parse(vector)
		if err != nil {
			if s != (Score{}) {
				t.Fatalf("Parse(%q) returned %+v with error %v", vector, s, err)
			}
			for _, p := range problems(err) {
				if !slices.ContainsFunc(sentinels, func(e error) bool { return errors.Is(p, e) }) {
					t.Fatalf("Parse(%q): problem %q wraps no sentinel", vector, p)
				}
			}
			return
		}
		checkScore(t, vector, s)

		// A parsed vector re-parses to the same Score.
		again, err := Parse(s.Vector)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but Parse(%q): %v", vector, s, s.Vector, err)
		}
		if again != s {
			t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v", vector, s, s.Vector, again)
		}

		// CVSS 3.x does not depend on the order of its metrics.
		if s.Version != Version40 {
			prefix, rest, _ := strings.Cut(vector, "/")
			comps := strings.Split(rest, "/")
			slices.Reverse(comps)
			reversed := prefix + "/" + strings.Join(comps, "/")
			r, err := Parse(reversed)
			if err != nil || r != s {
				t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v, %v", vector, s, reversed, r, err)
			}
		}
	})
}

func checkScore(t *testing.T, vector string, s Score) {
	t.Helper()
	for _, x := range []float64{s.Base, s.Temporal, s.Environmental} {
		if !(x >= 0 && x <= 10) || math.Round(x*10)/10 != x {
			t.Fatalf("Parse(%q) = %+v: score %v is not a tenth in [0, 10]", vector, s, x)
		}
	}
	if s.Severity != SeverityOf(s.Overall()) {
		t.Fatalf("Parse(%q) = %+v: severity is not that of Overall()", vector, s)
	}
	if s.Version == Version40 && (s.Temporal != 0 || s.Environmental != 0 || s.Vector != vector) {
		t.Fatalf("Parse(%q) = %+v: a 4.0 score has only Base and keeps its vector", vector, s)
	}
	if len(s.Vector) != len(vector) {
		t.Fatalf("Parse(%q) = %+v: the vector changed length", vector, s)
	}
}

func TestFuzzSeeds(t *testing.T) {
	// The seeds run as part of every "go test" through FuzzParse; this
	// checks that they cover both outcomes of every version.
	var ok, failed int
	for _, s := range fuzzSeeds {
		if _, err := Parse(s); err != nil {
			failed++
		} else {
			ok++
		}
	}
	if ok < 5 || failed < 5 {
		t.Errorf("fuzz seeds: %d valid, %d invalid, want several of each", ok, failed)
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct{ name, vector string }{
		{"3.1/base", base31},
		{"3.1/out-of-order", "CVSS:3.1/A:H/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H"},
		{"3.1/environmental", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H"},
		{"4.0/base", base40},
		{"4.0/BTE", "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:L/SC:H/SI:H/SA:N/E:U/CR:L/IR:M/AR:H/MAV:A/MAC:L/MAT:N/MPR:L/MUI:P/MVC:H/MVI:L/MVA:N/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bm.vector); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package cvss

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
		errs           []error // sentinels the error must wrap, all of them
	}{
		{name: "3.1 in order", in: base31, want: base31},
		{name: "4.0 in order", in: base40, want: base40},
		{name: "3.1 reordered",
			in:   "CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U/E:P",
			want: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P"},
		{name: "4.0 reordered as some GHSA records write it",
			in:   "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/U:Red/S:P/MAV:L/CR:H",
			want: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:H/MAV:L/S:P/U:Red"},
		{name: "4.0 supplemental before base",
			in:   "CVSS:4.0/S:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
			want: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:N"},
		{name: "values are kept for Parse to judge", in: "CVSS:3.1/C:Q/AV:N", want: "CVSS:3.1/AV:N/C:Q"},
		{name: "prefix only", in: "CVSS:4.0", want: "CVSS:4.0"},
		{name: "version 2", in: "AV:N/AC:L/Au:N/C:P/I:P/A:P", errs: []error{ErrVersion}},
		{name: "unknown version", in: "CVSS:3.2/AV:N", errs: []error{ErrVersion}},
		{name: "unknown and duplicate metric, all reported",
			in:   "CVSS:4.0/AV:N/XX:Y/AV:L/AC:L",
			errs: []error{ErrUnknownMetric, ErrDuplicateMetric}},
		{name: "3.x metric in a 4.0 vector", in: "CVSS:4.0/AV:N/RL:O", errs: []error{ErrUnknownMetric}},
		{name: "syntax", in: "CVSS:3.1/AV:N//AC:L/PR", errs: []error{ErrSyntax}},
		{name: "trailing slash", in: "CVSS:3.1/AV:N/", errs: []error{ErrSyntax}},
		{name: "too long", in: "CVSS:3.1/" + strings.Repeat("AV:N/", 200), errs: []error{ErrTooLong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in)
			if len(tt.errs) == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Normalize(%q) = %q, want an error", tt.in, got)
			}
			for _, e := range tt.errs {
				if !errors.Is(err, e) {
					t.Errorf("Normalize(%q): %v does not wrap %v", tt.in, err, e)
				}
			}
		})
	}
}

// TestNormalizeThenParse: a reordered valid 4.0 vector, which Parse
// rejects, parses once normalised, with the score of the ordered vector.
func TestNormalizeThenParse(t *testing.T) {
	in := "CVSS:4.0/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:N/AC:L/AT:N/PR:N/UI:N"
	if _, err := Parse(in); !errors.Is(err, ErrOrder) {
		t.Fatalf("Parse(%q): %v, want ErrOrder", in, err)
	}
	n, err := Normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(n)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse(base40)
	if got != want {
		t.Fatalf("Parse(Normalize(%q)) = %+v, want %+v", in, got, want)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("CVSS:4.0/U:Red/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("CVSS:3.1/A:H/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H")
	f.Fuzz(func(t *testing.T, vector string) {
		n, err := Normalize(vector)
		if err != nil {
			if n != "" {
				t.Fatalf("Normalize(%q) = %q with error %v", vector, n, err)
			}
			if _, perr := Parse(vector); perr == nil {
				t.Fatalf("Normalize(%q) rejects a vector Parse accepts: %v", vector, err)
			}
			return
		}
		if again, err := Normalize(n); err != nil || again != n {
			t.Fatalf("Normalize is not idempotent: %q -> %q -> %q, %v", vector, n, again, err)
		}
		if len(n) != len(vector) {
			t.Fatalf("Normalize(%q) = %q changed the length", vector, n)
		}
		// The normalised vector parses or is rejected for its values or
		// missing metrics, never for its order or its metric names.
		s, err := Parse(n)
		if err != nil {
			for _, e := range []error{ErrOrder, ErrDuplicateMetric, ErrUnknownMetric, ErrSyntax, ErrVersion} {
				if errors.Is(err, e) {
					t.Fatalf("Parse(Normalize(%q) = %q): %v", vector, n, err)
				}
			}
			return
		}
		if orig, err := Parse(vector); err == nil && orig.Overall() != s.Overall() {
			t.Fatalf("Parse(%q) = %v but Parse(%q) = %v", vector, orig.Overall(), n, s.Overall())
		}
	})
}

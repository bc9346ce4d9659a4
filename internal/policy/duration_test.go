package policy

import (
	"testing"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    Duration
		wantErr bool
		str     string
	}{
		{in: "24h", want: Duration{N: 24, Unit: Hours}, str: "24h"},
		{in: "72 hours", want: Duration{N: 72, Unit: Hours}, str: "72h"},
		{in: "1 hour", want: Duration{N: 1, Unit: Hours}, str: "1h"},
		{in: "0h", want: Duration{N: 0, Unit: Hours}, str: "0h"},
		{in: "14 days", want: Duration{N: 14, Unit: Days}, str: "14 days"},
		{in: "1 day", want: Duration{N: 1, Unit: Days}, str: "1 day"},
		{in: "3 calendar days", want: Duration{N: 3, Unit: Days}, str: "3 days"},
		{in: "5 business days", want: Duration{N: 5, Unit: BusinessDays}, str: "5 business days"},
		{in: "1 business day", want: Duration{N: 1, Unit: BusinessDays}, str: "1 business day"},
		{in: "  5   Business   Days ", want: Duration{N: 5, Unit: BusinessDays}, str: "5 business days"},
		{in: "2 working days", want: Duration{N: 2, Unit: BusinessDays}, str: "2 business days"},
		{in: "1 month", want: Duration{N: 1, Unit: Months}, str: "1 month"},
		{in: "3 months", want: Duration{N: 3, Unit: Months}, str: "3 months"},
		{in: "6 month", want: Duration{N: 6, Unit: Months}, str: "6 months"},
		{in: "100000h", want: Duration{N: 100000, Unit: Hours}, str: "100000h"},
		{in: "", wantErr: true},
		{in: "h", wantErr: true},
		{in: "24", wantErr: true},
		{in: "-1h", wantErr: true},
		{in: "1.5h", wantErr: true},
		{in: "5 bussiness days", wantErr: true},
		{in: "2 weeks", wantErr: true},
		{in: "100001h", wantErr: true},
		{in: "99999999999999999999h", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	d := Duration{Calendar: "berlin"}
	if err := d.UnmarshalText([]byte("5 business days")); err != nil {
		t.Fatal(err)
	}
	if want := (Duration{N: 5, Unit: BusinessDays, Calendar: "berlin"}); d != want {
		t.Errorf("UnmarshalText = %+v, want %+v (calendar kept)", d, want)
	}
	b, _ := d.MarshalText()
	if string(b) != "5 business days" {
		t.Errorf("MarshalText = %q", b)
	}
	if !(Duration{}).IsZero() || (Duration{Unit: Hours}).IsZero() {
		t.Error("IsZero: only the unset duration is zero")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"24h", "72 hours", "5 business days", "14 days", "1 month", "3 months", "6 month", "0h", "", "9999999999h", "1 business  day", "5\tworking days", "1ħ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d.N < 0 || d.N > MaxDurationN || d.Unit < Hours || d.Unit > Months {
			t.Fatalf("ParseDuration(%q) = %+v: out of range", s, d)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q).String() = %q does not round-trip: %+v, %v", s, d.String(), back, err)
		}
	})
}

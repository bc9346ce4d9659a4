package policy

import "testing"

func TestSeverity(t *testing.T) {
	for _, s := range Severities() {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%v.MarshalText: %v", s, err)
		}
		var got Severity
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, got, err, s)
		}
	}
	tests := []struct {
		in   string
		want Severity
		ok   bool
	}{
		{"critical", Critical, true},
		{" High ", High, true},
		{"MEDIUM", Medium, true},
		{"low", Low, true},
		{"none", None, true},
		{"moderate", None, false},
		{"", None, false},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if !(Critical > High && High > Medium && Medium > Low && Low > None) {
		t.Error("severities are not ordered")
	}
	if got := Severity(9).String(); got != "severity(9)" {
		t.Errorf("String of invalid severity = %q", got)
	}
	if _, err := Severity(-1).MarshalText(); err == nil {
		t.Error("MarshalText of invalid severity: no error")
	}
}

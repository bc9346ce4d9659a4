package web

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/cvss"
)

// FuzzCVSSForm: the calculator never panics; a vector it accepts is valid
// for package cvss, of its version, and reads back into the same selects.
func FuzzCVSSForm(f *testing.F) {
	for _, s := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/E:P/RL:O",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N/E:P/CR:H",
		"", "CVSS:3.0/AV:N", "AV:N/AV:N", "E:X", "CVSS:4.0/AV:N/U:Clear", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/\x00",
	} {
		f.Add(s, "N", "")
		f.Add(s, "", s)
	}
	f.Fuzz(func(t *testing.T, vector, av, extra string) {
		for _, version := range []string{"3.1", "4.0"} {
			shown := newCVSSForm(version, vector)
			form := map[string]string{}
			for _, fl := range shown.Fields {
				form[fl.Name] = fl.Value
			}
			form[shown.Key+"_extra"] = shown.Extra
			if av != "" {
				form[shown.Key+"_AV"] = av
			}
			if extra != "" {
				form[shown.Key+"_extra"] = extra
			}
			got := readCVSSForm(version, func(k string) string { return form[k] })
			if len(got.Problems) > 0 || got.Vector == "" {
				continue
			}
			s, err := cvss.Parse(got.Vector)
			if err != nil || string(s.Version) != version {
				t.Fatalf("accepted %q (%s): %v", got.Vector, version, err)
			}
			if again := newCVSSForm(version, got.Vector); again.Score == "" || again.Vector != got.Vector {
				t.Fatalf("%q does not read back: %+v", got.Vector, again)
			}
		}
	})
}

// FuzzParsePlan: a planned time is in UTC or refused, never a panic.
func FuzzParsePlan(f *testing.F) {
	for _, s := range []string{"2026-04-02T14:00", "2026-04-02 14:00", "2026-04-02", "2026-04-02T14:00:05Z", "", "next Tuesday", "2026-13-40T25:61"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parsePlan(s)
		if err == nil && tm.Location().String() != "UTC" {
			t.Fatalf("%q: %v not in UTC", s, tm)
		}
	})
}

// FuzzFormHelpers: the list splitter, the problem sorter and the file name
// cleaner never panic, and keep what they promise.
func FuzzFormHelpers(f *testing.F) {
	for _, s := range []string{"CWE-79, CWE-89", "risk.cwe[1]: bad", "fixes[0].commits[2]: x", "../../etc/passwd", "poc.html", "é\xff\x00", "", "Sam F. (finder)\nErin (remediation developer)\nx (nope)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, item := range splitList(s) {
			if item == "" || strings.ContainsAny(item, ", \n") {
				t.Fatalf("split %q gave %q", s, item)
			}
		}
		n := 0
		for _, ps := range problemsByField([]string{s}, "risk.cwe", "risk", "commits") {
			n += len(ps)
		}
		if n != 1 {
			t.Fatalf("%q sorted %d times", s, n)
		}
		credits := parseCredits(s)
		for _, c := range credits {
			if c.Name == "" || !slices.Contains(creditTypes, c.Type) {
				t.Fatalf("credit %+v from %q", c, s)
			}
		}
		if again := parseCredits(creditLines(credits)); !slices.Equal(again, credits) {
			t.Fatalf("credits of %q do not read back: %+v, %+v", s, credits, again)
		}
		for _, r := range parseReferences(s) {
			if r.URL == "" || strings.ContainsRune(r.URL, '\n') {
				t.Fatalf("reference %q from %q", r.URL, s)
			}
		}
		name := safeFilename(s, 7)
		if name == "" || len(name) > 100 || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\\\"\x00") || !utf8.ValidString(name) {
			t.Fatalf("file name %q from %q", name, s)
		}
	})
}

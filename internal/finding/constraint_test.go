package finding

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/version"
)

func TestConstraint(t *testing.T) {
	type check struct {
		v    string
		want bool
	}
	tests := []struct {
		name, eco, cons string
		checks          []check
	}{
		{"semver range", "Go", ">=1.2.0, <1.4.0", []check{
			{"v1.1.9", false}, {"v1.2.0", true}, {"1.3.7", true}, {"v1.4.0-rc.1", true}, {"v1.4.0", false}}},
		{"bare version means equal", "npm", "1.2.3", []check{{"1.2.3", true}, {"1.2.4", false}, {"1.2.3+build", true}}},
		{"equal and spaces", "crates.io", " = 0.9.1 ", []check{{"0.9.1", true}, {"0.9.0", false}}},
		{"PyPI equality of 1.0 and 1.0.0", "PyPI", "<=1.0", []check{{"1.0.0", true}, {"1.0.post1", false}, {"1.0rc1", true}}},
		{"PyPI ==", "PyPI", "==1.0", []check{{"1.0.0", true}, {"1.0.post1", false}}},
		{"Debian epoch", "Debian:12", "<1:1.0-1", []check{{"2.0-1", true}, {"1:0.9-1", true}, {"1:1.0-1", false}}},
		{"Debian tilde sorts first", "Debian", ">=3.0.14-1~deb12u1", []check{
			{"3.0.14-1~deb12u1", true}, {"3.0.14-1", true}, {"3.0.13-1~deb12u1", false}, {"3.0.14-1~deb12u0", false}}},
		{"Maven qualifiers", "Maven", ">1.0-SNAPSHOT, <1.1", []check{{"1.0", true}, {"1.0-alpha", false}, {"1.1-rc1", true}}},
		{"strict bounds", "SemVer", ">1.0.0,<2.0.0", []check{{"1.0.0", false}, {"1.0.1", true}, {"2.0.0", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConstraint(tt.eco, tt.cons)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range tt.checks {
				got, err := c.Allows(ch.v)
				if err != nil || got != ch.want {
					t.Errorf("%q allows %q = %v, %v; want %v", tt.cons, ch.v, got, err, ch.want)
				}
			}
		})
	}
}

func TestConstraintErrors(t *testing.T) {
	tests := []struct {
		name, eco, cons string
		want            []string // substrings, one per problem
		is              error
	}{
		{"empty", "Go", " ", []string{"empty"}, ErrConstraint},
		{"unknown ecosystem", "Hackage", "1.0", []string{"Hackage"}, version.ErrUnknownEcosystem},
		{"empty term", "Go", ">=1.0.0,,<2.0.0", []string{"term 2"}, ErrConstraint},
		{"every bad term at once", "Go", ">=x.y, <2.0.0, <<1, >=", []string{"term 1", "term 3", "term 4"}, nil},
		{"bad version", "Debian", "<:1", []string{"term 1"}, version.ErrInvalidVersion},
		{"two versions", "Go", ">=1.0.0 2.0.0", []string{"one operator and one version"}, ErrConstraint},
		{"too many terms", "Go", strings.Repeat("1.0.0,", MaxConstraintTerms) + "1.0.0", []string{"terms"}, ErrConstraint},
		{"too long", "Go", strings.Repeat("1", MaxConstraintLen+1), []string{"bytes"}, ErrConstraint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConstraint(tt.eco, tt.cons)
			if err == nil {
				t.Fatalf("ParseConstraint(%q, %q) succeeded", tt.eco, tt.cons)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestConstraintAllowsUnparseable(t *testing.T) {
	c, err := ParseConstraint("Go", "<1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := c.Allows("not a version"); ok || !errors.Is(err, version.ErrInvalidVersion) {
		t.Fatalf("Allows(bad) = %v, %v", ok, err)
	}
	if ok, err := (Constraint{}).Allows("anything"); !ok || err != nil {
		t.Fatalf("zero Constraint: Allows = %v, %v; want true", ok, err)
	}
	if got := c.String(); got != "<1.0.0" {
		t.Errorf("String = %q", got)
	}
}

func FuzzParseConstraint(f *testing.F) {
	seeds := []struct{ eco, cons string }{
		{"Go", ">=1.2.0, <1.4.0"}, {"Debian:12", "<1:1.0-1~deb12u1"}, {"PyPI", "==1.0"}, {"PyPI", "== ==1.0"}, {"PyPI", ">=1.0.post1,<2!1.0"},
		{"npm", "1.2.3"}, {"Maven", ">1.0-SNAPSHOT, <1.1"}, {"crates.io", ","}, {"Go", ">= "}, {"SemVer", "<<1"}, {"Debian", ""},
	}
	for _, s := range seeds {
		f.Add(s.eco, s.cons, "1.3.0")
	}
	f.Fuzz(func(t *testing.T, eco, cons, v string) {
		c, err := ParseConstraint(eco, cons)
		if err != nil {
			return
		}
		if len(c.terms) == 0 || len(c.terms) > MaxConstraintTerms {
			t.Fatalf("ParseConstraint(%q, %q) has %d terms", eco, cons, len(c.terms))
		}
		// The canonical form parses to the same constraint.
		again, err := ParseConstraint(eco, c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("ParseConstraint(%q, %q).String() = %q does not parse back: %v", eco, cons, c.String(), err)
		}
		ok, err := c.Allows(v)
		if err != nil && ok {
			t.Fatalf("Allows(%q) = true with error %v", v, err)
		}
		// A version equal to a term's own version satisfies that term when
		// its operator includes equality.
		for _, tm := range c.terms {
			single, err := ParseConstraint(eco, "="+tm.v.String())
			if err != nil {
				t.Fatalf("term %q does not parse alone: %v", tm.v.String(), err)
			}
			if ok, err := single.Allows(tm.v.String()); !ok || err != nil {
				t.Fatalf("=%s does not allow itself: %v", tm.v.String(), err)
			}
		}
	})
}

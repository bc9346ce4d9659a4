package version_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/version"
)

// chains are ascending orders per ecosystem: each element orders before the
// next, and entries of one inner slice are equal to each other.
var chains = map[string][][]string{
	"Debian": {
		{"1.0~~"}, {"1.0~~a"}, {"1.0~"}, {"1.0~rc1"}, {"1.0", "0:1.0", "1.0-0", "1.0-00"},
		{"1.0-1", "1.0-01"}, {"1.0-1ubuntu1"}, {"1.0-1+deb12u1"}, {"1.0a"}, {"1.0+"}, {"1.0."},
		{"1.0.1"}, {"1.00.2"}, {"1.10"}, {"1:0.1"}, {"2:0"},
	},
	"Debian:12": {{"2.36-9+deb12u3"}, {"2.36-9+deb12u4"}, {"2.36-9+deb12u10"}},
	"SemVer": {
		{"1.0.0-alpha", "1.0.0-alpha+build"}, {"1.0.0-alpha.1"}, {"1.0.0-alpha.beta"}, {"1.0.0-beta"},
		{"1.0.0-beta.2"}, {"1.0.0-beta.11"}, {"1.0.0-rc.1"}, {"1.0.0", "v1.0.0", "1.0.0+a", "1.0.0+b.c", "1", "1.0"},
		{"1.0.1"}, {"1.10.0"}, {"18446744073709551616.0.0"}, {"99999999999999999999999.0.0"},
	},
	"Go": {
		{"v0.0.0-20191109021931-daa7c04131f5", "0.0.0-20191109021931-daa7c04131f5"},
		{"v0.0.0-20200101000000-aaaaaaaaaaaa"}, {"v0.1.0"}, {"v1.2.3", "v1.2.3+incompatible"},
		{"v1.2.4-0.20191109021931-daa7c04131f5"}, {"v1.2.4-pre"}, {"v1.2.4"},
		{"v2.0.0+incompatible", "v2.0.0"}, {"v2.0.1-0.20240101000000-0123456789ab"},
	},
	"npm": {
		{"1.2.3-beta", "1.2.3beta", "=1.2.3-beta", " v1.2.3-beta "}, {"1.2.3", "=v1.2.3", "01.2.3"}, {"1.2.4"},
	},
	"crates.io": {{"0.1.0-alpha.1"}, {"0.1.0-alpha.beta"}, {"0.1.0"}, {"0.1.1+build.5", "0.1.1"}},
	"PyPI": {
		{"legacy-name"}, {"1.0.dev0", "1.0.DEV", "1.0-dev0", "1.0_dev"}, {"1.0a0", "1.0a", "1.0alpha", "1.0.alpha.0"},
		{"1.0a1.dev1"}, {"1.0a1", "1.0.0a1", "1.0-a1", "1.0_a_1", "v1.0a1", "1.0alpha1"}, {"1.0a1.post1"},
		{"1.0b1", "1.0beta1"}, {"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1", "1.0-rc-1"},
		{"1.0", "1.0.0", "1.00", "V1.0", " 1.0 ", "0!1.0"}, {"1.0+abc", "1.0+ABC"}, {"1.0+abc.1"}, {"1.0+1"}, {"1.0+1.abc", "1.0+1-abc", "1.0+1_abc"},
		{"1.0.post0.dev1"}, {"1.0.post0", "1.0r", "1.0-r0", "1.0rev0", "1.0.post"}, {"1.0-1", "1.0.post1", "1.0post1"},
		{"1.1.dev1"}, {"2019.12.304"}, {"1!0.1"}, {"2!0"},
	},
	"Maven": {
		{"1.0-alpha-1", "1.0a1", "1.0-ALPHA-1"}, {"1.0-beta-1", "1.0b1"}, {"1.0-milestone-1", "1.0m1"},
		{"1.0-rc-1", "1.0-cr-1", "1.0RC1"}, {"1.0-SNAPSHOT"}, {"1.0", "1", "1.0.0", "1-ga", "1.0.final", "1-release", "1.0-0"},
		{"1.0-sp"}, {"1.0-foo"}, {"1.0-1"}, {"1.0.1"}, {"1.1"}, {"1.10"}, {"123456789012345678901234567890"},
	},
}

func TestChains(t *testing.T) {
	for eco, chain := range chains {
		t.Run(eco, func(t *testing.T) {
			var flat [][2]int // (group, index) of each version
			var vs []version.Version
			for g, group := range chain {
				for i, s := range group {
					v, err := version.Parse(eco, s)
					if err != nil {
						t.Fatalf("Parse(%q, %q): %v", eco, s, err)
					}
					vs = append(vs, v)
					flat = append(flat, [2]int{g, i})
				}
			}
			for i := range vs {
				for j := range vs {
					want := 0
					switch {
					case flat[i][0] < flat[j][0]:
						want = -1
					case flat[i][0] > flat[j][0]:
						want = 1
					}
					if got := vs[i].Compare(vs[j]); got != want {
						t.Errorf("%q vs %q = %d, want %d", vs[i], vs[j], got, want)
					}
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, ecosystem, version string
		want                     error
	}{
		{"unknown ecosystem", "RubyGems", "1.0", version.ErrUnknownEcosystem},
		{"ecosystem case matters", "debian", "1.0", version.ErrUnknownEcosystem},
		{"suffix only for Debian", "npm:x", "1.0.0", version.ErrUnknownEcosystem},
		{"empty ecosystem", "", "1.0", version.ErrUnknownEcosystem},
		{"debian empty", "Debian", "", version.ErrInvalidVersion},
		{"debian empty epoch", "Debian", ":1.0", version.ErrInvalidVersion},
		{"debian epoch not number", "Debian", "a:1.0", version.ErrInvalidVersion},
		{"debian epoch too big", "Debian", "2147483648:1.0", version.ErrInvalidVersion},
		{"debian empty revision", "Debian", "1.0-", version.ErrInvalidVersion},
		{"debian empty upstream", "Debian", "1:-1", version.ErrInvalidVersion},
		{"debian embedded space", "Debian", "1.0 1", version.ErrInvalidVersion},
		{"debian invalid character", "Debian", "1.0!", version.ErrInvalidVersion},
		{"debian colon in revision", "Debian", "1:1.0-1:2", version.ErrInvalidVersion},
		{"debian underscore", "Debian:12", "1.0-a_b", version.ErrInvalidVersion},
		{"semver empty", "SemVer", "", version.ErrInvalidVersion},
		{"semver letters", "SemVer", "x", version.ErrInvalidVersion},
		{"semver empty prerelease", "SemVer", "1.0.0-", version.ErrInvalidVersion},
		{"semver empty identifier", "crates.io", "1.0.0-a..b", version.ErrInvalidVersion},
		{"semver empty build", "Go", "v1.0.0+", version.ErrInvalidVersion},
		{"semver bad character", "npm", "1.0.0_a", version.ErrInvalidVersion},
		{"semver non-ascii", "npm", "1.0.0-α", version.ErrInvalidVersion},
		{"semver double v", "Go", "vv1.0.0", version.ErrInvalidVersion},
		{"pypi empty", "PyPI", " ", version.ErrInvalidVersion},
		{"maven empty", "Maven", "", version.ErrInvalidVersion},
		{"maven space", "Maven", "1 0", version.ErrInvalidVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := version.Parse(tt.ecosystem, tt.version)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q, %q) error = %v, want %v", tt.ecosystem, tt.version, err, tt.want)
			}
			if _, err := version.Compare(tt.ecosystem, "1", tt.version); err == nil {
				t.Errorf("Compare accepted %q", tt.version)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.ecosystem) || (tt.want == version.ErrInvalidVersion && !strings.Contains(msg, tt.version)) {
				t.Errorf("error %q does not name the ecosystem and the version", msg)
			}
			var pe *version.ParseError
			if tt.want == version.ErrInvalidVersion && (!errors.As(err, &pe) || pe.Ecosystem != tt.ecosystem || pe.Version != tt.version) {
				t.Errorf("error %#v is not a *ParseError naming them", err)
			}
		})
	}
}

func TestEcosystem(t *testing.T) {
	for in, want := range map[string]string{"Debian:12": "Debian", "Debian": "Debian", "Go": "Go", "crates.io": "crates.io"} {
		v, err := version.Parse(in, "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if v.Ecosystem() != want || v.String() != "1.0.0" {
			t.Errorf("Parse(%q): Ecosystem() = %q, String() = %q", in, v.Ecosystem(), v.String())
		}
		if !version.Supported(in) {
			t.Errorf("Supported(%q) = false", in)
		}
	}
	if version.Supported("Alpine") {
		t.Error("Supported(Alpine) = true")
	}
}

func TestCompareAcrossEcosystemsPanics(t *testing.T) {
	a, _ := version.Parse("Debian:11", "1.0")
	b, _ := version.Parse("Debian:12", "1.0")
	if a.Compare(b) != 0 {
		t.Error("Debian:11 and Debian:12 versions do not compare")
	}
	c, _ := version.Parse("PyPI", "1.0")
	defer func() {
		if recover() == nil {
			t.Error("comparing Debian with PyPI did not panic")
		}
	}()
	a.Compare(c)
}

// Maven's version order specification ranks ".qualifier" below
// "-qualifier" whatever the qualifiers, so it is not transitive. This pins
// the behaviour the vectors agree with (found by FuzzCompareMaven).
func TestMavenOrderIsNotTransitive(t *testing.T) {
	cycle := []string{"1-SNAPSHOT", "1", "1.a", "1-SNAPSHOT"}
	for i := 0; i+1 < len(cycle); i++ {
		got, err := version.Compare("Maven", cycle[i], cycle[i+1])
		if err != nil || got != -1 {
			t.Errorf("Compare(Maven, %q, %q) = %d, %v; want -1", cycle[i], cycle[i+1], got, err)
		}
	}
}

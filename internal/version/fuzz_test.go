package version_test

import (
	"testing"

	"github.com/vigil-psirt/vigil/internal/version"
)

// fuzzCompare checks, for any two strings: no panic; when both parse, the
// order is reflexive and antisymmetric, agrees with Compare, and survives a
// reparse of String(); with a third version drawn from the seeds, it is
// transitive where the ecosystem's order is (Maven's is not: see
// TestMavenOrderIsNotTransitive).
func fuzzCompare(f *testing.F, ecosystem string, seeds ...string) {
	transitive := ecosystem != "Maven"
	for i := range seeds {
		f.Add(seeds[i], seeds[(i+1)%len(seeds)])
	}
	var parsedSeeds []version.Version
	for _, s := range seeds {
		if v, err := version.Parse(ecosystem, s); err == nil {
			parsedSeeds = append(parsedSeeds, v)
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, errA := version.Parse(ecosystem, a)
		vb, errB := version.Parse(ecosystem, b)
		c, err := version.Compare(ecosystem, a, b)
		if (err == nil) != (errA == nil && errB == nil) {
			t.Fatalf("Compare error %v, Parse errors %v, %v", err, errA, errB)
		}
		if errA != nil || errB != nil {
			return
		}
		if va.Compare(va) != 0 || vb.Compare(vb) != 0 {
			t.Fatalf("not reflexive: %q, %q", a, b)
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("not antisymmetric: %q vs %q = %d, reverse %d", a, b, ab, ba)
		}
		if c != ab {
			t.Fatalf("Compare(%q, %q) = %d, parsed compare %d", a, b, c, ab)
		}
		if again, err := version.Parse(ecosystem, va.String()); err != nil || again.Compare(va) != 0 {
			t.Fatalf("reparse of %q: %v", a, err)
		}
		for _, s := range parsedSeeds {
			as, sb := va.Compare(s), s.Compare(vb)
			if transitive && as == sb && as != 0 && ab != as {
				t.Fatalf("not transitive: %q, %q, %q", a, s, b)
			}
		}
	})
}

func FuzzCompareDebian(f *testing.F) {
	fuzzCompare(f, "Debian", "1.0", "1:1.0-1", "1.0~rc1-1", "2.7.4+reloaded2-13+deb9u1", "0.0.0-00", "1.0a", "1.0+", "1.0-1ubuntu1", "a", "1.0-")
}

func FuzzCompareSemVer(f *testing.F) {
	fuzzCompare(f, "SemVer", "1.0.0", "1.0.0-alpha.1", "1.0.0-alpha.beta", "v2.0.0+build", "1.2", "1.2.3-a.b.c.10", "0.0.0-foo", "1.0.0-")
}

func FuzzCompareGo(f *testing.F) {
	fuzzCompare(f, "Go", "v1.2.3", "v1.2.3+incompatible", "v0.0.0-20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", "1.2.4-pre", "v2")
}

func FuzzCompareNPM(f *testing.F) {
	fuzzCompare(f, "npm", "1.2.3", "=v1.2.3", "1.2.3beta", "1.2.3-rc.1", "1.2.3-5-foo", " 1.2.3 ", "01.002.3")
}

func FuzzCompareCrates(f *testing.F) {
	fuzzCompare(f, "crates.io", "0.1.0", "0.1.0-alpha.1", "1.0.0+build.5", "1.0.0-beta.11", "1.0.0-rc.1")
}

func FuzzComparePyPI(f *testing.F) {
	fuzzCompare(f, "PyPI", "1.0", "1.0a1", "1!1.0.post1.dev2+local.1", "1.0-1", "1.0.dev0", "1.0rc1.post1", "0.9-doduo", "trunk", "1.0+abc.1", "v1.0a.post")
}

func FuzzCompareMaven(f *testing.F) {
	fuzzCompare(f, "Maven", "1.0", "1.0-alpha-1", "1.0-SNAPSHOT", "1.0-sp", "1-1.foo-bar1baz-.1", "6.1H.5-beta", "1.0.0.RELEASE", "1.", "1-", "0.0.0-2021-05-17T01-01-51-5ec03a8b")
}

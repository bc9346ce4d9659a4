package match

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cmp"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/version"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

func goVulnDB(tb testing.TB) []vuln.Record {
	tb.Helper()
	dir := sharedtest.Path(tb, "go-vulndb", "data", "osv")
	recs, problems, err := osvfeed.ParseDir(os.DirFS(dir), ".")
	if err != nil || len(problems) != 0 {
		tb.Fatal(err, problems)
	}
	return recs
}

func debianZip(tb testing.TB) []vuln.Record {
	tb.Helper()
	p := sharedtest.Path(tb, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	recs, problems, err := osvfeed.ParseZip(f, st.Size(), filepath.Base(p))
	if err != nil || len(problems) != 0 {
		tb.Fatal(err, problems)
	}
	return recs
}

func TestGoVulnDB(t *testing.T) {
	ix, problems := NewIndex(goVulnDB(t))
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	cases := []struct {
		c    Component
		has  string
		fix  string
		want bool
	}{
		// GO-2023-1571: golang.org/x/net before 0.7.0 (HTTP/2 HPACK).
		{Component{Ecosystem: "Go", Package: "golang.org/x/net", Version: "v0.6.0"}, "GO-2023-1571", "0.7.0", true},
		{Component{Ecosystem: "Go", Package: "golang.org/x/net", Version: "v0.7.0"}, "GO-2023-1571", "", false},
		// the same record's stdlib range: 1.20.0-0 up to 1.20.1
		{Component{Ecosystem: "Go", Package: "stdlib", Version: "v1.20.0"}, "GO-2023-1571", "1.20.1", true},
		{Component{Ecosystem: "Go", Package: "stdlib", Version: "v1.19.6"}, "GO-2023-1571", "", false},
	}
	for _, tc := range cases {
		var got *Hit
		for _, h := range ix.Match(tc.c) {
			if h.Record.ID == tc.has {
				got = &h
			}
		}
		if (got != nil) != tc.want {
			t.Errorf("%s@%s: %s matched = %v, want %v", tc.c.Package, tc.c.Version, tc.has, got != nil, tc.want)
		}
		if got != nil && got.Fixed != tc.fix {
			t.Errorf("%s@%s: fixed %q, want %q", tc.c.Package, tc.c.Version, got.Fixed, tc.fix)
		}
	}
}

// TestDebianPeers matches the 3-package Debian 11 SBOM of peer-outputs
// against the Debian OSV export (DSA/DLA records of 2023-04-02) and compares
// with osv-scanner's result for the same SBOM, which used the same kind of
// data:
//
//	openssl 1.1.1n-0+deb11u3        DSA-5343-1 (fixed 1.1.1n-0+deb11u4)
//	xorg-server 2:1.20.11-1+deb11u5 DSA-5380-1 (fixed 2:1.20.11-1+deb11u6)
//	xorg-server 2:1.20.11-1+deb11u6 nothing
//
// grype reports CVEs instead (CVE-2022-2097, CVE-2022-4304, CVE-2022-4450,
// CVE-2023-0215, CVE-2023-0286 for openssl; CVE-2023-1393 for xorg-server
// deb11u5) because its data is the Debian tracker's per-CVE view: they are
// exactly the upstream CVEs of DSA-5343-1 and DSA-5380-1, so the findings
// are the same vulnerabilities; the test checks that too.
func TestDebianPeers(t *testing.T) {
	ix, problems := NewIndex(debianZip(t))
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems[:min(5, len(problems))])
	}
	p := sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := sbom.Parse(f, filepath.Base(p))
	if err != nil {
		t.Fatal(err)
	}
	type finding struct{ Pkg, Version, ID, Fixed string }
	var got []finding
	upstream := map[string][]string{}
	for _, sc := range doc.Components {
		c := FromSBOM(sc, "")
		if c.Release != "11" {
			t.Errorf("%s: release %q, want 11", sc.PURL, c.Release)
		}
		for _, h := range ix.Match(c) {
			got = append(got, finding{c.Package, c.Version, h.Record.ID, h.Fixed})
			upstream[c.Package+"@"+c.Version] = append(upstream[c.Package+"@"+c.Version], h.Record.Upstream...)
		}
	}
	want := []finding{ // osv-scanner-bullseye-3pkgs.json
		{"xorg-server", "2:1.20.11-1+deb11u5", "DSA-5380-1", "2:1.20.11-1+deb11u6"},
		{"openssl", "1.1.1n-0+deb11u3", "DSA-5343-1", "1.1.1n-0+deb11u4"},
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("findings differ from osv-scanner's (-want +got):\n%s", diff)
	}
	grype := map[string][]string{ // grype-bullseye-3pkgs.json
		"openssl@1.1.1n-0+deb11u3":        {"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"},
		"xorg-server@2:1.20.11-1+deb11u5": {"CVE-2023-1393"},
	}
	for k, cves := range grype {
		have := upstream[k]
		for _, cve := range cves {
			if !slices.Contains(have, cve) {
				t.Errorf("%s: grype's %s is not an upstream of our findings %v", k, cve, have)
			}
		}
	}
}

// TestUpdateRealData applies a delta (50 records added, 20 removed) to an
// index of go-vulndb and checks that the result matches as an index built
// from scratch does, and that every component outside the touched keys
// matches as before: rematching only those is enough.
func TestUpdateRealData(t *testing.T) {
	recs := goVulnDB(t)
	n := len(recs)
	old, _ := NewIndex(recs[:n-50])
	var removed []string
	for _, r := range recs[:20] {
		removed = append(removed, r.ID)
	}
	nx, problems := old.Update(recs[n-50:], removed)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	fresh, _ := NewIndex(recs[20:])
	changed := removed
	for _, r := range recs[n-50:] {
		changed = append(changed, r.ID)
	}
	touched := Touched(old, nx, changed)
	cs := append(synthesise(old, 10000), synthesise(fresh, 10000)...)
	rematch := 0
	for _, c := range cs {
		got, want := ids(nx.Match(c)), ids(fresh.Match(c))
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("%+v: updated index %v, fresh index %v", c, got, want)
		}
		if _, found := slices.BinarySearchFunc(touched, c.Key(), func(a, b Key) int {
			return cmp.Compare(a.Ecosystem+"\x00"+a.Package, b.Ecosystem+"\x00"+b.Package)
		}); found {
			rematch++
			continue
		}
		before := ids(old.Match(c))
		slices.Sort(before)
		if !slices.Equal(before, want) {
			t.Fatalf("%+v is outside the touched keys but changed: %v -> %v", c, before, want)
		}
	}
	if rematch == 0 || rematch == len(cs) {
		t.Errorf("%d of %d components to rematch: the test exercises nothing", rematch, len(cs))
	}
}

// TestGoStdlib: syft names the Go distribution's version "go1.26.8"; the
// Go vulnerability database's ranges say "1.26.8". The database copy fixes
// everything of Go 1.26 by 1.26.6, so go1.26.8 has no finding and go1.26.5
// has those fixed in 1.26.6.
func TestGoStdlib(t *testing.T) {
	ix, _ := NewIndex(goVulnDB(t))
	stdlib := func(v string) Component {
		return FromSBOM(sbom.Component{Name: "stdlib", Version: v, PURL: "pkg:golang/stdlib@" + strings.TrimPrefix(v, "go"), Ecosystem: "Go", Package: "stdlib"}, "")
	}
	if c := stdlib("go1.26.8"); c.Version != "1.26.8" {
		t.Fatalf("stdlib version %q, want 1.26.8", c.Version)
	}
	if hits := ix.Match(stdlib("go1.26.8")); len(hits) != 0 {
		t.Errorf("go1.26.8 matches %d records, e.g. %s", len(hits), hits[0].Record.ID)
	}
	hits := ix.Match(stdlib("go1.26.5"))
	v := mustVersion(t, "Go", "1.26.5")
	if !slices.ContainsFunc(hits, func(h Hit) bool { return h.Record.ID == "GO-2026-6218" }) {
		t.Errorf("go1.26.5 does not match GO-2026-6218 (fixed in 1.26.6); %d hits", len(hits))
	}
	for _, h := range hits {
		if h.Fixed == "" || mustVersion(t, "Go", h.Fixed).Compare(v) <= 0 {
			t.Errorf("%s matches go1.26.5 with fixed %q", h.Record.ID, h.Fixed)
		}
	}
}

func mustVersion(tb testing.TB, eco, s string) version.Version {
	tb.Helper()
	v, err := version.Parse(eco, s)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

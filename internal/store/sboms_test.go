package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// monitorEnv is a product with one branch and two releases.
type monitorEnv struct {
	p      product.Product
	b      product.Branch
	r1, r2 product.Release
}

func newMonitorEnv(t testing.TB, s *store.Store) monitorEnv {
	t.Helper()
	var e monitorEnv
	e.p = createProduct(t, s)
	e.b = createBranch(t, s, e.p.ID)
	e.r1 = createRelease(t, s, e.b.ID)
	e.r2 = createRelease(t, s, e.b.ID, func(r *product.Release) { r.Version = product.MustVersion("41.0.2") })
	return e
}

func testComponents() []store.Component {
	return []store.Component{
		{Component: sbom.Component{Name: "openssl", Version: "3.0.11-1~deb12u2", PURL: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64",
			Ecosystem: "Debian", Package: "openssl", Source: "openssl", SourceVersion: "3.0.11-1~deb12u2",
			Group: "debian", Licenses: []string{"Apache-2.0"}, CPE: "cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*", Ref: "Package: openssl"},
			Distro: "12"},
		{Component: sbom.Component{Name: "libssl3", Version: "3.0.11-1~deb12u2", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-11",
			Ecosystem: "Debian", Package: "libssl3", Source: "openssl", SourceVersion: "3.0.11-1~deb12u2", Ref: "Package: libssl3"}, Distro: "12"},
		{Component: sbom.Component{Name: "golang.org/x/net", Version: "v0.6.0", PURL: "pkg:golang/golang.org/x/net@v0.6.0",
			Ecosystem: "Go", Package: "golang.org/x/net", Group: "golang.org/x", Ref: "ref-1"}},
		{Component: sbom.Component{Name: "Django_REST.framework", Version: "3.14.0", PURL: "pkg:pypi/django-rest-framework@3.14.0",
			Ecosystem: "PyPI", Package: "Django_REST.framework", Ref: "ref-2"}},
		{Component: sbom.Component{Name: "mystery", Version: "1", Ref: "ref-3"}},
	}
}

func TestSBOMs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newMonitorEnv(t, s)

		_, err := s.SBOMOf(ctx, e.r1.ID)
		wantErr(t, err, store.ErrNotFound)
		orphan := store.SBOMImport{ReleaseID: 999, Name: "x", Format: sbom.CycloneDXJSON, ImportedAt: t0}
		wantErr(t, s.ReplaceSBOM(ctx, &orphan, testComponents()), store.ErrNotFound)

		imp := store.SBOMImport{ReleaseID: e.r1.ID, Name: "gateway-41.0.1.cdx.json", Format: sbom.CycloneDXJSON, SpecVersion: "1.6",
			SHA256: "ab12", Components: 5, Unidentified: 1, Skipped: 2, Duplicates: 3,
			Problems:   []sbom.Problem{{Place: "x.json: components[4]", Ref: "ref-3", Message: "no purl"}},
			ImportedAt: t0, ImportedBy: "alice"}
		comps := testComponents()
		must(t, s.ReplaceSBOM(ctx, &imp, comps))
		if imp.ID == 0 {
			t.Fatal("ReplaceSBOM left the import's ID 0")
		}
		for i, c := range comps {
			if c.ID == 0 || c.ReleaseID != e.r1.ID {
				t.Errorf("component %d: ID %d, release %d", i, c.ID, c.ReleaseID)
			}
		}
		got, err := s.SBOMOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "SBOMOf", imp, got)
		allSet(t, "SBOMImport", got)

		// ecosystem, package, version: Debian libssl3, Debian openssl, Go, PyPI, then the unidentified ("" sorts first)
		want := []store.Component{comps[4], comps[1], comps[0], comps[2], comps[3]}
		list, err := s.ComponentsOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "ComponentsOf", want, list)
		allSet(t, "Component", list[2])

		// The second release has the same Go module and its own SBOM.
		imp2 := store.SBOMImport{ReleaseID: e.r2.ID, Name: "r2", Format: sbom.SPDXJSON, ImportedAt: t0}
		comps2 := testComponents()[2:3]
		must(t, s.ReplaceSBOM(ctx, &imp2, comps2))
		got2, err := s.SBOMOf(ctx, e.r2.ID)
		must(t, err)
		diff(t, "SBOMOf without problems", imp2, got2)

		// Keys: Debian by source and release (the purl's distro wins over
		// Distro), PyPI normalised, across releases.
		byKeys, err := s.ComponentsByKeys(ctx, []match.Key{
			{Ecosystem: "Debian:12", Package: "openssl"},
			{Ecosystem: "Go", Package: "golang.org/x/net"},
			{Ecosystem: "PyPI", Package: "django-rest-framework"},
			{Ecosystem: "Go", Package: "golang.org/x/net"}, // asked twice, returned once
			{Ecosystem: "npm", Package: "nothing"},
		})
		must(t, err)
		diff(t, "ComponentsByKeys", []store.Component{comps[0], comps[2], comps[3], comps2[0]}, byKeys)
		byKeys, err = s.ComponentsByKeys(ctx, []match.Key{{Ecosystem: "Debian:11", Package: "openssl"}})
		must(t, err)
		diff(t, "ComponentsByKeys Debian:11", []store.Component{comps[1]}, byKeys)
		byKeys, err = s.ComponentsByKeys(ctx, nil)
		must(t, err)
		diff(t, "ComponentsByKeys(nil)", []store.Component{}, byKeys)

		allComps, err := s.AllComponents(ctx)
		must(t, err)
		diff(t, "AllComponents", append(want, comps2...), allComps)

		// Replacing: the old components are gone, the new ones have new IDs.
		imp.Name, imp.Problems = "second", nil
		next := testComponents()[:2]
		next[0].Version = "3.0.13-1~deb12u1"
		must(t, s.ReplaceSBOM(ctx, &imp, next))
		got, err = s.SBOMOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "replaced SBOMOf", imp, got)
		list, err = s.ComponentsOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "replaced ComponentsOf", []store.Component{next[1], next[0]}, list)
		for _, c := range next {
			for _, old := range comps {
				if c.ID == old.ID {
					t.Errorf("replaced component has the old ID %d", c.ID)
				}
			}
		}
		// Replacing with nothing leaves an SBOM without components.
		must(t, s.ReplaceSBOM(ctx, &imp, nil))
		list, err = s.ComponentsOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "emptied ComponentsOf", []store.Component{}, list)
	})
}

func TestSBOMProblemsBounded(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	e := newMonitorEnv(t, s)
	imp := store.SBOMImport{ReleaseID: e.r1.ID, Name: "big", Format: sbom.SPDXTag, ImportedAt: t0, Unidentified: 1500}
	for i := range 1500 {
		imp.Problems = append(imp.Problems, sbom.Problem{Place: fmt.Sprint("x:", i), Message: "no purl"})
	}
	must(t, s.ReplaceSBOM(ctx, &imp, nil))
	got, err := s.SBOMOf(ctx, e.r1.ID)
	must(t, err)
	if len(got.Problems) != store.MaxSBOMProblems || got.Unidentified != 1500 {
		t.Errorf("kept %d problems of 1500 (count %d), want %d", len(got.Problems), got.Unidentified, store.MaxSBOMProblems)
	}
}

// TestSBOMManyComponents crosses the batch size of the multi-row insert.
func TestSBOMManyComponents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newMonitorEnv(t, s)
		var comps []store.Component
		for i := range 1000 {
			comps = append(comps, store.Component{Component: sbom.Component{Name: fmt.Sprintf("m%04d", i), Version: "v1.0.0",
				Ecosystem: "Go", Package: fmt.Sprintf("example.com/m%04d", i)}})
		}
		imp := store.SBOMImport{ReleaseID: e.r1.ID, Name: "many", Format: sbom.CycloneDXJSON, ImportedAt: t0}
		must(t, s.ReplaceSBOM(ctx, &imp, comps))
		list, err := s.ComponentsOf(ctx, e.r1.ID)
		must(t, err)
		diff(t, "ComponentsOf", comps, list)
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestProducts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		gw := createProduct(t, s)
		ids := createProduct(t, s, func(p *product.Product) {
			p.Slug, p.Name, p.Description, p.Upstreams = "ids", "Clear NDR", "", nil
		})

		got, err := s.ProductByID(ctx, gw.ID)
		must(t, err)
		diff(t, "ProductByID", gw, got)
		got, err = s.ProductBySlug(ctx, "ids")
		must(t, err)
		diff(t, "ProductBySlug", ids, got)
		_, err = s.ProductByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.ProductBySlug(ctx, "nope")
		wantErr(t, err, store.ErrNotFound)

		dup := product.Product{Slug: "gateway", Name: "Other", CreatedAt: t0}
		wantErr(t, s.CreateProduct(ctx, &dup), store.ErrConflict)

		gw.Name, gw.Description, gw.Upstreams = "Appliance", "new", []string{"Debian 13"}
		must(t, s.UpdateProduct(ctx, gw))
		got, err = s.ProductByID(ctx, gw.ID)
		must(t, err)
		diff(t, "updated product", gw, got)
		ids.Slug = "gateway"
		wantErr(t, s.UpdateProduct(ctx, ids), store.ErrConflict)
		ids.Slug = "ids"
		wantErr(t, s.UpdateProduct(ctx, product.Product{ID: 999, Slug: "x", Name: "x"}), store.ErrNotFound)

		ps, err := s.ListProducts(ctx)
		must(t, err)
		diff(t, "ListProducts by name", []product.Product{gw, ids}, ps)
	})
}

func TestBranches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := createProduct(t, s)
		other := createProduct(t, s, func(p *product.Product) { p.Slug = "other" })
		var bs []product.Branch
		for _, name := range []string{"2.9", "41", "2.10", "40", "3"} {
			bs = append(bs, createBranch(t, s, p.ID, func(b *product.Branch) { b.Name = name }))
		}
		eol := createBranch(t, s, other.ID, func(b *product.Branch) {
			b.Name, b.Status, b.Since, b.EOL = "41", product.EndOfLife, nil, ptr(t0)
		})

		got, err := s.BranchByID(ctx, eol.ID)
		must(t, err)
		diff(t, "BranchByID", eol, got)
		_, err = s.BranchByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)

		dup := product.Branch{ProductID: p.ID, Name: "41", Status: product.Maintained, CreatedAt: t0}
		wantErr(t, s.CreateBranch(ctx, &dup), store.ErrConflict)
		orphan := product.Branch{ProductID: 999, Name: "1", Status: product.Maintained, CreatedAt: t0}
		wantErr(t, s.CreateBranch(ctx, &orphan), store.ErrNotFound)

		list, err := s.ListBranches(ctx, p.ID)
		must(t, err)
		// 41, 40, 3, 2.10, 2.9
		diff(t, "ListBranches", []product.Branch{bs[1], bs[3], bs[4], bs[2], bs[0]}, list)

		b := bs[4]
		b.Name, b.Status, b.EOL = "42", product.EndOfLife, ptr(t0.AddDate(0, 6, 0))
		b.ProductID = other.ID // fixed at creation: ignored
		must(t, s.UpdateBranch(ctx, b))
		b.ProductID = p.ID
		got, err = s.BranchByID(ctx, b.ID)
		must(t, err)
		diff(t, "updated branch", b, got)
		b.Name = "41"
		wantErr(t, s.UpdateBranch(ctx, b), store.ErrConflict)
		wantErr(t, s.UpdateBranch(ctx, product.Branch{ID: 999, Name: "1"}), store.ErrNotFound)
		list, err = s.ListBranches(ctx, p.ID)
		must(t, err)
		if list[0].Name != "42" {
			t.Errorf("after renaming, first branch is %s, want 42", list[0].Name)
		}

		m, err := s.BranchesByIDs(ctx, []int64{bs[0].ID, eol.ID, 999})
		must(t, err)
		diff(t, "BranchesByIDs", map[int64]product.Branch{bs[0].ID: bs[0], eol.ID: eol}, m)
		m, err = s.BranchesByIDs(ctx, nil)
		must(t, err)
		diff(t, "BranchesByIDs(nil)", map[int64]product.Branch{}, m)
	})
}

func TestReleases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := createProduct(t, s)
		b := createBranch(t, s, p.ID)
		b2 := createBranch(t, s, p.ID, func(b *product.Branch) { b.Name = "40" })
		var rs []product.Release
		for _, v := range []string{"41.0.9", "41.0.10", "41.1.0", "41.0.2"} {
			rs = append(rs, createRelease(t, s, b.ID, func(r *product.Release) { r.Version = product.MustVersion(v) }))
		}
		pub := createRelease(t, s, b2.ID, func(r *product.Release) {
			r.Version, r.Kind, r.State, r.PublishedAt, r.Notes = product.MustVersion("40.3.1"), product.Urgent, product.Published, ptr(t0), ""
		})

		got, err := s.ReleaseByID(ctx, pub.ID)
		must(t, err)
		diff(t, "ReleaseByID", pub, got)
		_, err = s.ReleaseByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)

		dup := product.Release{BranchID: b.ID, Version: product.MustVersion("41.0.9"), Kind: product.Regular, State: product.Planned, CreatedAt: t0}
		wantErr(t, s.CreateRelease(ctx, &dup), store.ErrConflict)
		dup.BranchID = b2.ID // the same version on another branch is another release
		must(t, s.CreateRelease(ctx, &dup))
		orphan := product.Release{BranchID: 999, Version: product.MustVersion("1.0.0"), Kind: product.Regular, State: product.Planned, CreatedAt: t0}
		wantErr(t, s.CreateRelease(ctx, &orphan), store.ErrNotFound)

		list, err := s.ListReleases(ctx, b.ID)
		must(t, err)
		diff(t, "ListReleases", []product.Release{rs[3], rs[0], rs[1], rs[2]}, list)

		r := rs[2]
		r.Version, r.State, r.PublishedAt, r.PlannedAt, r.Notes = product.MustVersion("41.0.11"), product.Published, ptr(t0.Add(48*time.Hour)), nil, "out"
		must(t, s.UpdateRelease(ctx, r))
		got, err = s.ReleaseByID(ctx, r.ID)
		must(t, err)
		diff(t, "updated release", r, got)
		r.Version = product.MustVersion("41.0.9")
		wantErr(t, s.UpdateRelease(ctx, r), store.ErrConflict)
		wantErr(t, s.UpdateRelease(ctx, product.Release{ID: 999, Version: product.MustVersion("1.0.0")}), store.ErrNotFound)

		m, err := s.ReleasesByIDs(ctx, []int64{rs[0].ID, pub.ID, 999})
		must(t, err)
		diff(t, "ReleasesByIDs", map[int64]product.Release{rs[0].ID: rs[0], pub.ID: pub}, m)
	})
}

func TestByIDsChunks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := createProduct(t, s)
		b := createBranch(t, s, p.ID)
		var ids []int64
		must(t, s.InTx(ctx, func(tx *store.Store) error {
			for i := range 1200 {
				r := createRelease(t, tx, b.ID, func(r *product.Release) { r.Version = product.Version{Major: 41, Minor: i / 100, Patch: i % 100} })
				ids = append(ids, r.ID)
			}
			return nil
		}))
		m, err := s.ReleasesByIDs(ctx, ids)
		must(t, err)
		if len(m) != len(ids) {
			t.Errorf("ReleasesByIDs returned %d of %d", len(m), len(ids))
		}
	})
}

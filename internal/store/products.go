package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-psirt/vigil/internal/product"
)

// byIDsChunk bounds the ids of one "IN (...)" query.
const byIDsChunk = 500

const productCols = `id, slug, name, description, upstreams, created_at`

func scanProduct(r scanner) (product.Product, error) {
	var p product.Product
	err := r.Scan(&p.ID, &p.Slug, &p.Name, &p.Description, jsonv(&p.Upstreams), tm(&p.CreatedAt))
	return p, err
}

// CreateProduct stores a new product and sets p.ID; ErrConflict if the slug
// is taken.
func (s *Store) CreateProduct(ctx context.Context, p *product.Product) error {
	up, err := jsonText(p.Upstreams)
	if err != nil {
		return err
	}
	id, err := s.insert(ctx, `INSERT INTO products (slug, name, description, upstreams, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.Slug, p.Name, p.Description, up, p.CreatedAt)
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.Slug, err)
	}
	p.ID = id
	return nil
}

// UpdateProduct writes a product's slug, name, description and upstreams.
func (s *Store) UpdateProduct(ctx context.Context, p product.Product) error {
	up, err := jsonText(p.Upstreams)
	if err != nil {
		return err
	}
	err = s.execOne(ctx, `UPDATE products SET slug = ?, name = ?, description = ?, upstreams = ? WHERE id = ?`,
		p.Slug, p.Name, p.Description, up, p.ID)
	if err != nil {
		return fmt.Errorf("update product %d: %w", p.ID, err)
	}
	return nil
}

// ProductByID returns a product.
func (s *Store) ProductByID(ctx context.Context, id int64) (product.Product, error) {
	p, err := one(ctx, s, `SELECT `+productCols+` FROM products WHERE id = ?`, []any{id}, scanProduct)
	if err != nil {
		return product.Product{}, fmt.Errorf("product %d: %w", id, err)
	}
	return p, nil
}

// ProductBySlug returns the product with a slug.
func (s *Store) ProductBySlug(ctx context.Context, slug string) (product.Product, error) {
	p, err := one(ctx, s, `SELECT `+productCols+` FROM products WHERE slug = ?`, []any{slug}, scanProduct)
	if err != nil {
		return product.Product{}, fmt.Errorf("product %s: %w", slug, err)
	}
	return p, nil
}

// ListProducts returns every product, by name.
func (s *Store) ListProducts(ctx context.Context) ([]product.Product, error) {
	ps, err := all(ctx, s, `SELECT `+productCols+` FROM products ORDER BY name, id`, nil, scanProduct)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}

const branchCols = `id, product_id, name, status, since, eol, created_at`

func scanBranch(r scanner) (product.Branch, error) {
	var b product.Branch
	err := r.Scan(&b.ID, &b.ProductID, &b.Name, &b.Status, tmp(&b.Since), tmp(&b.EOL), tm(&b.CreatedAt))
	return b, err
}

// branchOrder returns the numbers of a branch name "X" or "X.Y" for sorting
// (0 for what is not a number; the name breaks ties).
func branchOrder(name string) (major, minor int) {
	x, y, _ := strings.Cut(name, ".")
	major, _ = strconv.Atoi(x)
	minor, _ = strconv.Atoi(y)
	return major, minor
}

// CreateBranch stores a new branch and sets b.ID; ErrConflict if the
// product has a branch of that name, ErrNotFound if the product is missing.
func (s *Store) CreateBranch(ctx context.Context, b *product.Branch) error {
	major, minor := branchOrder(b.Name)
	id, err := s.insert(ctx, `INSERT INTO branches (product_id, name, major, minor, status, since, eol, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ProductID, b.Name, major, minor, string(b.Status), b.Since, b.EOL, b.CreatedAt)
	if err != nil {
		return fmt.Errorf("create branch %s of product %d: %w", b.Name, b.ProductID, err)
	}
	b.ID = id
	return nil
}

// UpdateBranch writes a branch's name, status and dates; its product is
// fixed at creation.
func (s *Store) UpdateBranch(ctx context.Context, b product.Branch) error {
	major, minor := branchOrder(b.Name)
	err := s.execOne(ctx, `UPDATE branches SET name = ?, major = ?, minor = ?, status = ?, since = ?, eol = ? WHERE id = ?`,
		b.Name, major, minor, string(b.Status), b.Since, b.EOL, b.ID)
	if err != nil {
		return fmt.Errorf("update branch %d: %w", b.ID, err)
	}
	return nil
}

// BranchByID returns a branch.
func (s *Store) BranchByID(ctx context.Context, id int64) (product.Branch, error) {
	b, err := one(ctx, s, `SELECT `+branchCols+` FROM branches WHERE id = ?`, []any{id}, scanBranch)
	if err != nil {
		return product.Branch{}, fmt.Errorf("branch %d: %w", id, err)
	}
	return b, nil
}

// ListBranches returns a product's branches, newest first by number
// ("41" before "40", "2.10" before "2.9").
func (s *Store) ListBranches(ctx context.Context, productID int64) ([]product.Branch, error) {
	bs, err := all(ctx, s, `SELECT `+branchCols+` FROM branches WHERE product_id = ?
		ORDER BY major DESC, minor DESC, name DESC, id`, []any{productID}, scanBranch)
	if err != nil {
		return nil, fmt.Errorf("list branches of product %d: %w", productID, err)
	}
	return bs, nil
}

// BranchesByIDs returns the branches of the ids that exist, by id.
func (s *Store) BranchesByIDs(ctx context.Context, ids []int64) (map[int64]product.Branch, error) {
	out := make(map[int64]product.Branch, len(ids))
	err := byIDs(ctx, s, `SELECT `+branchCols+` FROM branches WHERE id IN `, "", ids, scanBranch, func(b product.Branch) {
		out[b.ID] = b
	})
	if err != nil {
		return nil, fmt.Errorf("branches by id: %w", err)
	}
	return out, nil
}

const releaseCols = `id, branch_id, major, minor, patch, kind, state, planned_at, published_at, notes, download_url, sha256, created_at`

func scanRelease(r scanner) (product.Release, error) {
	var x product.Release
	err := r.Scan(&x.ID, &x.BranchID, &x.Version.Major, &x.Version.Minor, &x.Version.Patch, &x.Kind, &x.State,
		tmp(&x.PlannedAt), tmp(&x.PublishedAt), &x.Notes, &x.DownloadURL, &x.SHA256, tm(&x.CreatedAt))
	return x, err
}

// CreateRelease stores a new release and sets r.ID; ErrConflict if the
// branch has a release of that version, ErrNotFound if the branch is missing.
func (s *Store) CreateRelease(ctx context.Context, r *product.Release) error {
	v := r.Version
	id, err := s.insert(ctx, `INSERT INTO releases (branch_id, version, major, minor, patch, kind, state, planned_at, published_at, notes,
		download_url, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.BranchID, v.String(), v.Major, v.Minor, v.Patch, string(r.Kind), string(r.State), r.PlannedAt, r.PublishedAt, r.Notes,
		r.DownloadURL, r.SHA256, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("create release %s of branch %d: %w", v, r.BranchID, err)
	}
	r.ID = id
	return nil
}

// UpdateRelease writes a release's version, kind, state, dates and notes;
// its branch is fixed at creation.
func (s *Store) UpdateRelease(ctx context.Context, r product.Release) error {
	v := r.Version
	err := s.execOne(ctx, `UPDATE releases SET version = ?, major = ?, minor = ?, patch = ?, kind = ?, state = ?,
		planned_at = ?, published_at = ?, notes = ?, download_url = ?, sha256 = ? WHERE id = ?`,
		v.String(), v.Major, v.Minor, v.Patch, string(r.Kind), string(r.State), r.PlannedAt, r.PublishedAt, r.Notes,
		r.DownloadURL, r.SHA256, r.ID)
	if err != nil {
		return fmt.Errorf("update release %d: %w", r.ID, err)
	}
	return nil
}

// ReleaseByID returns a release.
func (s *Store) ReleaseByID(ctx context.Context, id int64) (product.Release, error) {
	r, err := one(ctx, s, `SELECT `+releaseCols+` FROM releases WHERE id = ?`, []any{id}, scanRelease)
	if err != nil {
		return product.Release{}, fmt.Errorf("release %d: %w", id, err)
	}
	return r, nil
}

// ListReleases returns a branch's releases by version, lowest first,
// compared numerically (2.7.10 after 2.7.9).
func (s *Store) ListReleases(ctx context.Context, branchID int64) ([]product.Release, error) {
	rs, err := all(ctx, s, `SELECT `+releaseCols+` FROM releases WHERE branch_id = ?
		ORDER BY major, minor, patch, id`, []any{branchID}, scanRelease)
	if err != nil {
		return nil, fmt.Errorf("list releases of branch %d: %w", branchID, err)
	}
	return rs, nil
}

// ReleasesByIDs returns the releases of the ids that exist, by id.
func (s *Store) ReleasesByIDs(ctx context.Context, ids []int64) (map[int64]product.Release, error) {
	out := make(map[int64]product.Release, len(ids))
	err := byIDs(ctx, s, `SELECT `+releaseCols+` FROM releases WHERE id IN `, "", ids, scanRelease, func(r product.Release) {
		out[r.ID] = r
	})
	if err != nil {
		return nil, fmt.Errorf("releases by id: %w", err)
	}
	return out, nil
}

// byIDs runs q + "(ids...)" + suffix (q ends in "IN ") through inValues
// and hands each row, scanned, to add.
func byIDs[T any](ctx context.Context, s *Store, q, suffix string, ids []int64, scan func(scanner) (T, error), add func(T)) error {
	return inValues(ctx, s, q, suffix, ids, func(r scanner) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		add(v)
		return nil
	})
}

package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/store"
)

// CreateProduct adds a product.
func (s *Service) CreateProduct(ctx context.Context, a Actor, p product.Product) (product.Product, error) {
	if err := p.Validate(); err != nil {
		return p, invalid(err)
	}
	p.CreatedAt = s.now()
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateProduct(ctx, &p); err != nil {
			return err
		}
		return record(ctx, tx, p.CreatedAt, a, "product.create", "product:"+p.Slug, nil)
	})
	return p, err
}

// CreateBranch adds a branch to a product.
func (s *Service) CreateBranch(ctx context.Context, a Actor, b product.Branch) (product.Branch, error) {
	if b.Status == "" {
		b.Status = product.Maintained
	}
	if err := b.Validate(); err != nil {
		return b, invalid(err)
	}
	b.CreatedAt = s.now()
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.ProductByID(ctx, b.ProductID)
		if err != nil {
			return err
		}
		if err := tx.CreateBranch(ctx, &b); err != nil {
			return err
		}
		return record(ctx, tx, b.CreatedAt, a, "branch.create", fmt.Sprintf("product:%s/branch:%s", p.Slug, b.Name), map[string]any{"status": b.Status})
	})
	return b, err
}

// BranchPatch changes a branch's maintenance status or dates.
type BranchPatch struct {
	Status *product.BranchStatus `json:"status,omitempty"`
	Since  *time.Time            `json:"since,omitempty"`
	EOL    *time.Time            `json:"eol,omitempty"`
}

// UpdateBranch changes a branch, for instance when it reaches its end of life.
func (s *Service) UpdateBranch(ctx context.Context, a Actor, id int64, p BranchPatch) (product.Branch, error) {
	var out product.Branch
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		b, err := tx.BranchByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != nil {
			b.Status = *p.Status
		}
		if p.Since != nil {
			t := p.Since.UTC()
			b.Since = &t
		}
		if p.EOL != nil {
			t := p.EOL.UTC()
			b.EOL = &t
		}
		if err := b.Validate(); err != nil {
			return invalid(err)
		}
		if err := tx.UpdateBranch(ctx, b); err != nil {
			return err
		}
		out = b
		return record(ctx, tx, s.now(), a, "branch.update", fmt.Sprintf("branch:%d", b.ID), map[string]any{"status": b.Status})
	})
	return out, err
}

// NewRelease is a release to plan; an empty version takes the next security
// upgrade version of the branch (R17).
type NewRelease struct {
	BranchID  int64                `json:"branch_id"`
	Version   string               `json:"version,omitempty"`
	Kind      product.ReleaseKind  `json:"kind,omitempty"`
	State     product.ReleaseState `json:"state,omitempty"`
	PlannedAt *time.Time           `json:"planned_at,omitempty"`
	Notes     string               `json:"notes,omitempty"`
	// DownloadURL and SHA256 say where the release is downloaded (R8).
	DownloadURL string `json:"download_url,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
}

// CreateRelease plans (or records) a release of a branch.
func (s *Service) CreateRelease(ctx context.Context, a Actor, in NewRelease) (product.Release, error) {
	var out product.Release
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		b, err := tx.BranchByID(ctx, in.BranchID)
		if err != nil {
			return err
		}
		now := s.now()
		r := product.Release{BranchID: b.ID, Kind: in.Kind, State: in.State, PlannedAt: in.PlannedAt, Notes: in.Notes,
			DownloadURL: in.DownloadURL, SHA256: in.SHA256, CreatedAt: now}
		if r.Kind == "" {
			r.Kind = product.Regular
		}
		if r.State == "" {
			r.State = product.Planned
		}
		if r.State == product.Published {
			r.PublishedAt = &now
		}
		var problems []error
		if in.Version == "" {
			existing, err := tx.ListReleases(ctx, b.ID)
			if err != nil {
				return err
			}
			var vs []product.Version
			for _, e := range existing {
				vs = append(vs, e.Version)
			}
			if r.Version, err = product.NextSecurityRelease(b.Name, vs); err != nil {
				problems = append(problems, fmt.Errorf("version: %w", err))
			}
		} else if r.Version, err = product.ParseVersion(in.Version); err != nil {
			problems = append(problems, fmt.Errorf("version: %w", err))
		}
		// Every problem of the release, but the version's only once.
		if err := r.Validate(b); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if len(problems) == 0 || !strings.HasPrefix(line, "version:") {
					problems = append(problems, errors.New(line))
				}
			}
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		if err := tx.CreateRelease(ctx, &r); err != nil {
			return err
		}
		out = r
		return record(ctx, tx, now, a, "release.create", fmt.Sprintf("branch:%d/release:%s", b.ID, r.Version), map[string]any{"state": r.State, "kind": r.Kind})
	})
	return out, err
}

// ReleasePatch moves a release through QA to publication or reschedules it.
type ReleasePatch struct {
	State       *product.ReleaseState `json:"state,omitempty"`
	PlannedAt   *time.Time            `json:"planned_at,omitempty"`
	Notes       *string               `json:"notes,omitempty"`
	DownloadURL *string               `json:"download_url,omitempty"`
	SHA256      *string               `json:"sha256,omitempty"`
}

// UpdateRelease changes a release; a published release stays published.
func (s *Service) UpdateRelease(ctx context.Context, a Actor, id int64, p ReleasePatch) (product.Release, error) {
	var out product.Release
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		r, err := tx.ReleaseByID(ctx, id)
		if err != nil {
			return err
		}
		b, err := tx.BranchByID(ctx, r.BranchID)
		if err != nil {
			return err
		}
		now := s.now()
		if p.State != nil && *p.State != r.State {
			if r.State == product.Published {
				return invalid(errors.New("state: a published release cannot go back"))
			}
			r.State = *p.State
			if r.State == product.Published {
				r.PublishedAt = &now
			}
		}
		if p.PlannedAt != nil {
			t := p.PlannedAt.UTC()
			r.PlannedAt = &t
		}
		if p.Notes != nil {
			r.Notes = *p.Notes
		}
		if p.DownloadURL != nil {
			r.DownloadURL = *p.DownloadURL
		}
		if p.SHA256 != nil {
			r.SHA256 = *p.SHA256
		}
		if err := r.Validate(b); err != nil {
			return invalid(err)
		}
		if err := tx.UpdateRelease(ctx, r); err != nil {
			return err
		}
		if r.State == product.Published && p.State != nil {
			// Its upgrades stop the previous release's upgrade clocks.
			if err := s.carry(ctx, tx, r, now); err != nil {
				return fmt.Errorf("carry findings: %w", err)
			}
		}
		if r.State == product.Published && s.Renderer != nil {
			// The new release gets its VEX documents at once.
			p, err := tx.ProductByID(ctx, b.ProductID)
			if err != nil {
				return err
			}
			if err := publish.ProductVEX(ctx, tx, *s.Renderer, p.Slug, now); err != nil {
				return fmt.Errorf("publish VEX: %w", err)
			}
		}
		out = r
		return record(ctx, tx, now, a, "release.update", fmt.Sprintf("branch:%d/release:%s", b.ID, r.Version), map[string]any{"state": r.State})
	})
	return out, err
}

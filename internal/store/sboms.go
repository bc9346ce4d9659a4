package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/sbom"
)

// MaxSBOMProblems is how many of an SBOM's problems are kept with it; the
// counts (Unidentified) keep the full number.
const MaxSBOMProblems = 1000

// SBOMImport is the SBOM of a release as it was imported: the document's
// identity and the counts of what its parse kept and dropped.
type SBOMImport struct {
	ID, ReleaseID                                 int64
	Name, Format, SpecVersion, SHA256             string
	Components, Unidentified, Skipped, Duplicates int
	// Problems are the parse's problems, at most MaxSBOMProblems kept.
	Problems   []sbom.Problem
	ImportedAt time.Time
	ImportedBy string
}

// Component is a component of a release, from its SBOM.
type Component struct {
	ID, ReleaseID int64
	sbom.Component
	// Distro is the Debian release ("11") the component matches against
	// when its purl names none; "" otherwise.
	Distro string
}

// Key is the component's match key, as stored in match_ecosystem and
// match_package.
func (c Component) Key() match.Key {
	if _, k, ok := match.CPEOf(c.Component); ok {
		return k // no purl: only its CPE can match (opt-in)
	}
	return match.FromSBOM(c.Component, c.Distro).Key()
}

const componentCols = `id, release_id, name, version, purl, ecosystem, package, source, source_version, grp, licenses,
	cpe, ref, distro`

func scanComponent(r scanner) (Component, error) {
	var c Component
	err := r.Scan(&c.ID, &c.ReleaseID, &c.Name, &c.Version, &c.PURL, &c.Ecosystem, &c.Package, &c.Source,
		&c.SourceVersion, &c.Group, jsonv(&c.Licenses), &c.CPE, &c.Ref, &c.Distro)
	return c, err
}

// ReplaceSBOM stores imp as the SBOM of its release with the components
// comps, in one transaction, replacing the release's previous SBOM and
// components (findings lose their component_id until synced again). It
// sets imp.ID and the IDs and ReleaseIDs of comps. ErrNotFound if the
// release does not exist.
func (s *Store) ReplaceSBOM(ctx context.Context, imp *SBOMImport, comps []Component) error {
	if len(comps) > sbom.MaxComponents {
		return fmt.Errorf("replace sbom of release %d: %d components, at most %d", imp.ReleaseID, len(comps), sbom.MaxComponents)
	}
	problems := imp.Problems
	if len(problems) > MaxSBOMProblems {
		problems = problems[:MaxSBOMProblems]
	}
	if problems == nil {
		problems = []sbom.Problem{}
	}
	pj, err := jsonText(problems)
	if err != nil {
		return err
	}
	rows := make([][]any, len(comps))
	for i := range comps {
		c := &comps[i]
		lic, err := jsonText(c.Licenses)
		if err != nil {
			return err
		}
		k := c.Key()
		rows[i] = []any{imp.ReleaseID, i, c.Name, c.Version, c.PURL, c.Ecosystem, c.Package, c.Source, c.SourceVersion,
			c.Group, lic, c.CPE, c.Ref, c.Distro, k.Ecosystem, k.Package}
	}
	var sbomID int64
	var compIDs []int64
	err = s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `DELETE FROM components WHERE release_id = ?`, imp.ReleaseID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM sboms WHERE release_id = ?`, imp.ReleaseID); err != nil {
			return err
		}
		id, err := tx.insert(ctx, `INSERT INTO sboms (release_id, name, format, spec_version, sha256, components, unidentified,
			skipped, duplicates, problems, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			imp.ReleaseID, imp.Name, imp.Format, imp.SpecVersion, imp.SHA256, imp.Components, imp.Unidentified,
			imp.Skipped, imp.Duplicates, pj, imp.ImportedAt, imp.ImportedBy)
		if err != nil {
			return err
		}
		ids := make([]int64, len(comps))
		err = tx.insertBatches(ctx, `INSERT INTO components (release_id, pos, name, version, purl, ecosystem, package, source,
			source_version, grp, licenses, cpe, ref, distro, match_ecosystem, match_package) VALUES `, ` RETURNING id, pos`,
			rows, func(r scanner) error {
				var id int64
				var pos int
				if err := r.Scan(&id, &pos); err != nil {
					return err
				}
				if pos < 0 || pos >= len(ids) {
					return fmt.Errorf("component position %d out of range", pos)
				}
				ids[pos] = id
				return nil
			})
		if err != nil {
			return err
		}
		sbomID, compIDs = id, ids
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace sbom of release %d: %w", imp.ReleaseID, err)
	}
	imp.ID = sbomID
	for i := range comps {
		comps[i].ID, comps[i].ReleaseID = compIDs[i], imp.ReleaseID
	}
	return nil
}

// SBOMOf returns the SBOM of a release; ErrNotFound if it has none.
func (s *Store) SBOMOf(ctx context.Context, releaseID int64) (SBOMImport, error) {
	imp, err := one(ctx, s, `SELECT id, release_id, name, format, spec_version, sha256, components, unidentified, skipped,
		duplicates, problems, imported_at, imported_by FROM sboms WHERE release_id = ?`, []any{releaseID},
		func(r scanner) (SBOMImport, error) {
			var x SBOMImport
			err := r.Scan(&x.ID, &x.ReleaseID, &x.Name, &x.Format, &x.SpecVersion, &x.SHA256, &x.Components,
				&x.Unidentified, &x.Skipped, &x.Duplicates, jsonv(&x.Problems), tm(&x.ImportedAt), &x.ImportedBy)
			return x, err
		})
	if err != nil {
		return SBOMImport{}, fmt.Errorf("sbom of release %d: %w", releaseID, err)
	}
	return imp, nil
}

// ComponentsOf returns the components of a release, by ecosystem, package
// and version, compared as bytes.
func (s *Store) ComponentsOf(ctx context.Context, releaseID int64) ([]Component, error) {
	cs, err := all(ctx, s, `SELECT `+componentCols+` FROM components WHERE release_id = ?`, []any{releaseID}, scanComponent)
	if err != nil {
		return nil, fmt.Errorf("components of release %d: %w", releaseID, err)
	}
	sortComponents(cs)
	return cs, nil
}

// ComponentsByKeys returns the components of every release whose match key
// is one of keys, by release and then as ComponentsOf orders them.
func (s *Store) ComponentsByKeys(ctx context.Context, keys []match.Key) ([]Component, error) {
	out := []Component{}
	err := s.byKeys(ctx, `SELECT `+componentCols+` FROM components WHERE (match_ecosystem, match_package) IN `, "", keys,
		func(r scanner) error {
			c, err := scanComponent(r)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("components by keys: %w", err)
	}
	sortComponents(out)
	return out, nil
}

// AllComponents returns the components of every release, by release and
// then as ComponentsOf orders them.
func (s *Store) AllComponents(ctx context.Context) ([]Component, error) {
	cs, err := all(ctx, s, `SELECT `+componentCols+` FROM components`, nil, scanComponent)
	if err != nil {
		return nil, fmt.Errorf("all components: %w", err)
	}
	sortComponents(cs)
	return cs, nil
}

// sortComponents orders components by release, ecosystem, package, version
// and ID, byte-wise: the same on both dialects whatever PostgreSQL's
// collation.
func sortComponents(cs []Component) {
	slices.SortFunc(cs, func(a, b Component) int {
		return cmp.Or(cmp.Compare(a.ReleaseID, b.ReleaseID), strings.Compare(a.Ecosystem, b.Ecosystem),
			strings.Compare(a.Package, b.Package), strings.Compare(a.Version, b.Version), cmp.Compare(a.ID, b.ID))
	})
}

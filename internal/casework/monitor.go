package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Continuous monitoring (R11–R17): the components of every release, matched
// against the imported upstream records, give findings; applicability rules
// decide what does not apply; the policy gives severities, deadlines and the
// release plan.
//
// Matching is stateless: every rematch reads from the store the components
// and the records of the keys it concerns and builds a small index of them,
// so several vigil processes on one PostgreSQL database agree without a
// shared cache, and the work of a rematch is proportional to the keys a
// change touches.

// MatchStats counts what a rematch did.
type MatchStats struct {
	Components int `json:"components"` // components matched again
	Findings   int `json:"findings"`   // findings they have now
	Added      int `json:"added"`
	Updated    int `json:"updated"`
	Removed    int `json:"removed"`
}

func (m *MatchStats) add(o MatchStats) {
	m.Components += o.Components
	m.Findings += o.Findings
	m.Added += o.Added
	m.Updated += o.Updated
	m.Removed += o.Removed
}

// SBOMInput is an SBOM to import for a release.
type SBOMInput struct {
	ReleaseID int64
	Doc       *sbom.SBOM
	// SHA256 is the hex digest of the document as uploaded.
	SHA256 string
	// Distro is the Debian release ("12", "bookworm", "debian-12") of the
	// Debian components whose purl names none; a dpkg status file names none.
	Distro string
}

// ImportSBOM replaces the SBOM of a release and matches its components, in
// one transaction: the release then has exactly the findings of its new
// components.
func (s *Service) ImportSBOM(ctx context.Context, a Actor, in SBOMInput) (store.SBOMImport, MatchStats, error) {
	var (
		imp   store.SBOMImport
		stats MatchStats
	)
	if in.Doc == nil {
		return imp, stats, invalid(errors.New("sbom: missing"))
	}
	distro := match.DebianRelease(in.Distro)
	if in.Distro != "" && distro == "" {
		distro = match.DebianRelease("debian-" + in.Distro)
	}
	if in.Distro != "" && distro == "" {
		return imp, stats, invalid(fmt.Errorf("distro: %q names no Debian release", in.Distro))
	}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		rel, err := tx.ReleaseByID(ctx, in.ReleaseID)
		if err != nil {
			return err
		}
		now := s.now()
		comps := make([]store.Component, 0, len(in.Doc.Components))
		for _, c := range in.Doc.Components {
			sc := store.Component{ReleaseID: rel.ID, Component: c}
			if mc := match.FromSBOM(c, distro); mc.Ecosystem == "Debian" {
				sc.Distro = mc.Release
			}
			comps = append(comps, sc)
		}
		imp = store.SBOMImport{ReleaseID: rel.ID, Name: in.Doc.Name, Format: in.Doc.Format, SpecVersion: in.Doc.SpecVersion,
			SHA256: in.SHA256, Components: len(comps), Unidentified: len(in.Doc.Unidentified), Skipped: in.Doc.Skipped,
			Duplicates: in.Doc.Duplicates, Problems: in.Doc.Unidentified, ImportedAt: now, ImportedBy: a.String()}
		if err := tx.ReplaceSBOM(ctx, &imp, comps); err != nil {
			return err
		}
		if stats, err = s.rematch(ctx, tx, rel.ID, nil, now, nil); err != nil {
			return err
		}
		if rel.State == product.Published {
			if err := s.carry(ctx, tx, rel, now); err != nil {
				return err
			}
		}
		if err := s.findingsChanged(ctx, tx, []int64{rel.ID}, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "sbom.import", fmt.Sprintf("release:%d", rel.ID), map[string]any{
			"name": imp.Name, "format": imp.Format, "sha256": imp.SHA256, "components": imp.Components,
			"unidentified": imp.Unidentified, "findings": stats.Findings})
	})
	return imp, stats, err
}

// Rematch matches every component of every release again, and applies the
// rules and the policy anew: the daily safety net behind the incremental
// rematches, and what makes an expired rule stop applying.
func (s *Service) Rematch(ctx context.Context, a Actor) (MatchStats, error) {
	return s.RematchProgress(ctx, a, nil)
}

// Progress is told how far a long operation is: done of total steps.
type Progress func(done, total int)

// RematchProgress is Rematch telling p, when not nil, how many releases
// it has matched of how many.
func (s *Service) RematchProgress(ctx context.Context, a Actor, p Progress) (MatchStats, error) {
	var stats MatchStats
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		var err error
		if stats, err = s.rematch(ctx, tx, 0, nil, now, p); err != nil {
			return err
		}
		if err := s.findingsChanged(ctx, tx, nil, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "findings.rematch", "findings", stats)
	})
	return stats, err
}

// rematch matches the components of release releaseID (every release when
// 0) whose keys are in keys (every key when nil) and makes their stored
// findings what the records, the rules and the policy say now.
func (s *Service) rematch(ctx context.Context, tx *store.Store, releaseID int64, keys []match.Key, now time.Time, p Progress) (MatchStats, error) {
	var stats MatchStats
	if keys != nil && len(keys) == 0 {
		return stats, nil
	}
	var (
		comps []store.Component
		err   error
	)
	switch {
	case releaseID != 0:
		comps, err = tx.ComponentsOf(ctx, releaseID)
		if err == nil && keys != nil {
			in := make(map[match.Key]bool, len(keys))
			for _, k := range keys {
				in[k] = true
			}
			comps = slices.DeleteFunc(comps, func(c store.Component) bool { return !in[componentKey(c)] })
		}
	case keys == nil:
		comps, err = tx.AllComponents(ctx)
	default:
		comps, err = tx.ComponentsByKeys(ctx, keys)
	}
	if err != nil {
		return stats, err
	}
	// Matching and findings read the records' match projections.
	var (
		records []vuln.Record
		rows    []int64
	)
	if keys == nil && releaseID == 0 {
		records, rows, err = tx.AllMatchRecords(ctx)
	} else {
		records, rows, err = tx.MatchRecordsByKeys(ctx, componentKeys(comps))
	}
	if err != nil {
		return stats, err
	}
	m := s.newMatcher(records, s.CPEMatching)
	byRelease := map[int64][]store.Component{}
	var order []int64
	for _, c := range comps {
		if _, ok := byRelease[c.ReleaseID]; !ok {
			order = append(order, c.ReleaseID)
		}
		byRelease[c.ReleaseID] = append(byRelease[c.ReleaseID], c)
	}
	if releaseID != 0 && len(order) == 0 {
		order = []int64{releaseID} // a release whose SBOM lost every component
	}
	hits := make(map[int64][]match.Hit, len(comps))
	for _, c := range comps {
		hits[c.ID] = m.match(c)
	}
	lookup, err := recordLookup(ctx, tx, hits, records, rows)
	if err != nil {
		return stats, err
	}
	ctxs := map[int64]*releaseContext{}
	for i, rid := range order {
		if p != nil {
			p(i, len(order))
		}
		rc, err := s.releaseContext(ctx, tx, rid, now, ctxs)
		if err != nil {
			return stats, err
		}
		existing, err := tx.FindingsOfRelease(ctx, rid)
		if err != nil {
			return stats, err
		}
		old := make(map[string]finding.Finding, len(existing))
		for _, f := range existing {
			old[identity(f)] = f
		}
		var fs []finding.Finding
		seen := map[string]bool{}
		for _, c := range byRelease[rid] {
			fc := findingComponent(c)
			for _, f := range finding.Build(s.Policy, fc, hits[c.ID], lookup) {
				f.ReleaseID = rid
				f.DetectedAt = now
				if o, ok := old[identity(f)]; ok {
					f.ID, f.DetectedAt, f.ResolvedAt, f.ResolvedBy = o.ID, o.DetectedAt, o.ResolvedAt, o.ResolvedBy
				}
				if seen[identity(f)] {
					continue // another binary package of the same Debian source
				}
				finding.Decide(s.Policy, &f, rc.rules, finding.Target{Product: rc.product, Release: rc.version, Finding: &f}, now)
				seen[identity(f)] = true
				fs = append(fs, f)
			}
		}
		scope := keys
		// A fixed finding records an upgrade this release carried (carry):
		// matching does not produce it, so it is kept while nothing matches.
		for _, o := range existing {
			if o.Status == finding.Fixed && !seen[identity(o)] && inScope(o, scope) {
				fs = append(fs, o)
			}
		}
		added, updated, removed, err := tx.SyncFindingsOver(ctx, rid, scope, fs, existing)
		if err != nil {
			return stats, err
		}
		stats.add(MatchStats{Components: len(byRelease[rid]), Findings: len(fs), Added: added, Updated: updated, Removed: removed})
	}
	if p != nil {
		p(len(order), len(order))
	}
	return stats, nil
}

// findingsChanged publishes anew the VEX documents that changed findings of
// the releases (of every release when nil) change.
func (s *Service) findingsChanged(ctx context.Context, tx *store.Store, releaseIDs []int64, now time.Time) error {
	if s.Renderer == nil {
		return nil
	}
	if err := publish.ReleaseFindingsChanged(ctx, tx, *s.Renderer, releaseIDs, now); err != nil {
		return fmt.Errorf("publish VEX: %w", err)
	}
	return nil
}

// releaseContext is what deciding a release's findings needs.
type releaseContext struct {
	product, version string
	rules            []finding.Rule
}

func (s *Service) releaseContext(ctx context.Context, tx *store.Store, rid int64, now time.Time, cache map[int64]*releaseContext) (*releaseContext, error) {
	if rc, ok := cache[rid]; ok {
		return rc, nil
	}
	rel, err := tx.ReleaseByID(ctx, rid)
	if err != nil {
		return nil, err
	}
	b, err := tx.BranchByID(ctx, rel.BranchID)
	if err != nil {
		return nil, err
	}
	p, err := tx.ProductByID(ctx, b.ProductID)
	if err != nil {
		return nil, err
	}
	rules, err := tx.ListRules(ctx, p.Slug, false, now)
	if err != nil {
		return nil, err
	}
	rc := &releaseContext{product: p.Slug, version: rel.Version.String(), rules: rules}
	cache[rid] = rc
	return rc, nil
}

// carry runs when release rel is published (or its SBOM arrives after
// publication): the findings of the branch's previous published release that
// rel no longer has become fixed in rel and stop their clocks there.
func (s *Service) carry(ctx context.Context, tx *store.Store, rel product.Release, now time.Time) error {
	if _, err := tx.SBOMOf(ctx, rel.ID); errors.Is(err, store.ErrNotFound) {
		return nil // nothing known of its components yet
	} else if err != nil {
		return err
	}
	prev, ok, err := previousPublished(ctx, tx, rel)
	if err != nil || !ok {
		return err
	}
	before, err := tx.FindingsOfRelease(ctx, prev.ID)
	if err != nil {
		return err
	}
	after, err := tx.FindingsOfRelease(ctx, rel.ID)
	if err != nil {
		return err
	}
	at := now
	if rel.PublishedAt != nil {
		at = *rel.PublishedAt
	}
	fixed, resolved := finding.Carry(before, after, rel.ID, at)
	if len(fixed) > 0 {
		have := map[string]bool{}
		for _, f := range after {
			have[identity(f)] = true
		}
		for _, f := range fixed {
			if !have[identity(f)] {
				after = append(after, f)
			}
		}
		if _, _, _, err := tx.SyncFindings(ctx, rel.ID, nil, after); err != nil {
			return err
		}
	}
	var ids []int64
	for _, f := range resolved {
		if f.ResolvedAt == nil || f.ResolvedBy == 0 {
			continue
		}
		ids = append(ids, f.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	return tx.ResolveFindings(ctx, ids, rel.ID, at)
}

// previousPublished is the highest published release of rel's branch below
// rel.
func previousPublished(ctx context.Context, tx *store.Store, rel product.Release) (product.Release, bool, error) {
	rs, err := tx.ListReleases(ctx, rel.BranchID)
	if err != nil {
		return product.Release{}, false, err
	}
	var best product.Release
	ok := false
	for _, r := range rs {
		if r.ID == rel.ID || r.State != product.Published || r.Version.Compare(rel.Version) >= 0 {
			continue
		}
		if !ok || r.Version.Compare(best.Version) > 0 {
			best, ok = r, true
		}
	}
	return best, ok, nil
}

func componentKey(c store.Component) match.Key { return c.Key() }

// matcher matches components by package (OSV ranges) and, when CPE
// matching is on, the components only a CPE identifies by NVD's CPE
// configurations.
type matcher struct {
	ix  *match.Index
	cpe *match.CPEIndex // nil: CPE matching is off
}

func (s *Service) newMatcher(records []vuln.Record, cpe bool) matcher {
	m := matcher{}
	m.ix, _ = match.NewIndex(records) // ranges it cannot use were reported at import
	if cpe {
		m.cpe, _ = match.NewCPEIndex(records)
	}
	return m
}

func (m matcher) match(c store.Component) []match.Hit {
	if cp, _, ok := match.CPEOf(c.Component); ok {
		if m.cpe == nil {
			return nil
		}
		return match.CPEHits(m.cpe.Match(cp))
	}
	return m.ix.Match(match.FromSBOM(c.Component, c.Distro))
}

func componentKeys(cs []store.Component) []match.Key {
	set := map[match.Key]bool{}
	var keys []match.Key
	for _, c := range cs {
		if k := componentKey(c); !set[k] {
			set[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// findingComponent is the component as its findings name it: for Debian the
// source package and version the records speak of.
func findingComponent(c store.Component) finding.Component {
	if _, k, ok := match.CPEOf(c.Component); ok {
		return finding.Component{ID: c.ID, Name: c.Name, Version: c.Version, Ecosystem: k.Ecosystem, Package: k.Package}
	}
	mc := match.FromSBOM(c.Component, c.Distro)
	k := mc.Key()
	name := c.Name
	if mc.Ecosystem == "Debian" {
		name = mc.Package // records speak of source packages; its binaries share the finding
	}
	return finding.Component{ID: c.ID, PURL: c.PURL, Name: name, Version: mc.Version, Ecosystem: k.Ecosystem, Package: k.Package}
}

// identity is what makes two findings of one release the same finding.
func identity(f finding.Finding) string {
	return strings.Join([]string{f.Component.Ecosystem, f.Component.Package, f.Component.Version, f.Vuln}, "\x00")
}

func inScope(f finding.Finding, scope []match.Key) bool {
	return scope == nil || slices.Contains(scope, match.KeyOf(f.Component.Ecosystem, f.Component.Package))
}

package casework

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// ScanOptions says what an offline scan is of.
type ScanOptions struct {
	// Distro is the Debian release of Debian components whose purl names
	// none.
	Distro string
	// Product and Release, when given, make the product's applicability
	// rules apply as they would to that release.
	Product string
	Release string
	// CPE matches the components without a purl by their CPE against NVD's
	// configurations (opt-in: CPE matching is coarse).
	CPE bool
}

// Scan matches an SBOM against the imported records without storing
// anything: the CI step of `vigil scan`. Applicability rules of the product
// (and those for every product) apply; every finding is detected now.
func (s *Service) Scan(ctx context.Context, doc *sbom.SBOM, o ScanOptions) ([]finding.Finding, error) {
	distro := ""
	if o.Distro != "" {
		if distro = match.DebianRelease(o.Distro); distro == "" {
			distro = match.DebianRelease("debian-" + o.Distro)
		}
		if distro == "" {
			return nil, invalid(fmt.Errorf("distro: %q names no Debian release", o.Distro))
		}
	}
	if o.Release != "" {
		if _, err := product.ParseVersion(o.Release); err != nil {
			return nil, invalid(fmt.Errorf("release: %w", err))
		}
		if o.Product == "" {
			return nil, invalid(errors.New("release: needs the product"))
		}
	}
	comps := make([]store.Component, len(doc.Components))
	for i, c := range doc.Components {
		comps[i] = store.Component{ID: int64(i + 1), Component: c}
		if mc := match.FromSBOM(c, distro); mc.Ecosystem == "Debian" {
			comps[i].Distro = mc.Release
		}
	}
	records, rows, err := s.Store.MatchRecordsByKeys(ctx, componentKeys(comps))
	if err != nil {
		return nil, err
	}
	m := s.newMatcher(records, o.CPE || s.CPEMatching)
	inputs := make([]match.Component, len(comps))
	for i, c := range comps {
		inputs[i] = match.FromSBOM(c.Component, c.Distro)
	}
	all := m.ix.MatchAll(inputs, 0)
	hits := make(map[int64][]match.Hit, len(comps))
	for i, c := range comps {
		if _, _, ok := match.CPEOf(c.Component); ok {
			all[i] = m.match(c) // only its CPE identifies it
		}
		if len(all[i]) > 0 {
			hits[c.ID] = all[i]
		}
	}
	lookup, err := recordLookup(ctx, s.Store, hits, records, rows)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rules, err := s.Store.ListRules(ctx, o.Product, false, now)
	if err != nil {
		return nil, err
	}
	if o.Product == "" {
		rules = slices.DeleteFunc(rules, func(r finding.Rule) bool { return r.Product != "" })
	}
	// The findings of each component are built on every core (they are
	// independent: the policy, rules and lookup are only read), then kept in
	// component order, each vulnerability of a package and version once.
	built := make([][]finding.Finding, len(comps))
	inParallel(len(comps), func(i int) {
		if c := comps[i]; hits[c.ID] != nil {
			fc := findingComponent(c)
			fc.ID = 0
			built[i] = finding.Build(s.Policy, fc, hits[c.ID], lookup)
		}
	})
	n := 0
	for _, fs := range built {
		n += len(fs)
	}
	out := make([]finding.Finding, 0, n)
	seen := make(map[string]bool, n)
	for _, fs := range built {
		for _, f := range fs {
			if id := identity(f); !seen[id] {
				seen[id] = true
				out = append(out, f)
			}
		}
	}
	inParallel(len(out), func(i int) {
		f := &out[i]
		f.DetectedAt = now
		finding.Decide(s.Policy, f, rules, finding.Target{Product: o.Product, Release: o.Release, Finding: f}, now)
		f.CRA = finding.CRAClocks(s.Policy, f)
	})
	slices.SortStableFunc(out, func(a, b finding.Finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		if c := strings.Compare(a.Component.Package, b.Component.Package); c != 0 {
			return c
		}
		return strings.Compare(a.Vuln, b.Vuln)
	})
	return out, nil
}

// Findings lists stored findings, with their CRA reporting clocks.
func (s *Service) Findings(ctx context.Context, f store.FindingFilter) ([]finding.Finding, int, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	fs, total, err := s.Store.ListFindings(ctx, f)
	for i := range fs {
		fs[i].CRA = finding.CRAClocks(s.Policy, &fs[i])
	}
	return fs, total, err
}

// Finding is one stored finding, with its CRA reporting clocks.
func (s *Service) Finding(ctx context.Context, id int64) (finding.Finding, error) {
	f, err := s.Store.FindingByID(ctx, id)
	if err == nil {
		f.CRA = finding.CRAClocks(s.Policy, &f)
	}
	return f, err
}

// CreateRule records an applicability decision (R14) and applies it at
// once to the findings of every release it concerns; it holds for later
// releases too. The author is the actor.
func (s *Service) CreateRule(ctx context.Context, a Actor, r finding.Rule) (finding.Rule, MatchStats, error) {
	var stats MatchStats
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		r.ID, r.Author, r.CreatedAt, r.RevokedAt = 0, a.Name, now, nil
		var problems []error
		if err := r.Validate(); err != nil {
			problems = append(problems, err)
		}
		if r.Product != "" {
			if _, err := tx.ProductBySlug(ctx, r.Product); errors.Is(err, store.ErrNotFound) {
				problems = append(problems, fmt.Errorf("product: no product %q", r.Product))
			} else if err != nil {
				return err
			}
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		if err := tx.CreateRule(ctx, &r); err != nil {
			return err
		}
		var err error
		if stats, err = s.redecide(ctx, tx, r); err != nil {
			return err
		}
		if err := s.findingsChanged(ctx, tx, nil, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "rule.create", fmt.Sprintf("rule:%d", r.ID), map[string]any{"rule": r, "findings": stats.Findings})
	})
	return r, stats, err
}

// RevokeRule ends an applicability decision; the findings it decided are
// decided again without it.
func (s *Service) RevokeRule(ctx context.Context, a Actor, id int64) (finding.Rule, MatchStats, error) {
	var (
		stats MatchStats
		r     finding.Rule
	)
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		now := s.now()
		if err := tx.RevokeRule(ctx, id, now); err != nil {
			return err
		}
		var err error
		if r, err = tx.RuleByID(ctx, id); err != nil {
			return err
		}
		if stats, err = s.redecide(ctx, tx, r); err != nil {
			return err
		}
		if err := s.findingsChanged(ctx, tx, nil, now); err != nil {
			return err
		}
		return record(ctx, tx, now, a, "rule.revoke", fmt.Sprintf("rule:%d", id), map[string]any{"findings": stats.Findings})
	})
	return r, stats, err
}

// Rules lists the rules for a product ("" for all).
func (s *Service) Rules(ctx context.Context, productSlug string, includeInactive bool) ([]finding.Rule, error) {
	return s.Store.ListRules(ctx, productSlug, includeInactive, s.now())
}

// redecide matches again what a rule may concern: the components of its
// package, or every component when it names no package.
func (s *Service) redecide(ctx context.Context, tx *store.Store, r finding.Rule) (MatchStats, error) {
	if r.Package == "" {
		return s.rematch(ctx, tx, 0, nil, s.now(), nil)
	}
	comps, err := tx.AllComponents(ctx)
	if err != nil {
		return MatchStats{}, err
	}
	var keys []match.Key
	for _, k := range componentKeys(comps) {
		eco, _, _ := strings.Cut(k.Ecosystem, ":")
		if (k.Ecosystem == r.Ecosystem || eco == r.Ecosystem) && k.Package == match.KeyOf(eco, r.Package).Package {
			keys = append(keys, k)
		}
	}
	return s.rematch(ctx, tx, 0, keys, s.now(), nil)
}

// ReleasePlans proposes the next release of every maintained branch with
// open findings on its latest published release (R16, R17).
func (s *Service) ReleasePlans(ctx context.Context) ([]finding.Plan, error) {
	products, err := s.Store.ListProducts(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var plans []finding.Plan
	for _, p := range products {
		branches, err := s.Store.ListBranches(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, b := range branches {
			if b.Status != product.Maintained {
				continue
			}
			releases, err := s.Store.ListReleases(ctx, b.ID)
			if err != nil {
				return nil, err
			}
			var cur *product.Release
			for i, r := range releases {
				if r.State == product.Published && (cur == nil || r.Version.Compare(cur.Version) > 0) {
					cur = &releases[i]
				}
			}
			if cur == nil {
				continue
			}
			open, err := s.Store.FindingsOfRelease(ctx, cur.ID)
			if err != nil {
				return nil, err
			}
			open = slices.DeleteFunc(open, func(f finding.Finding) bool { return f.ResolvedAt != nil })
			if plan, ok := finding.PlanBranch(s.Policy, now, b, releases, open); ok {
				plan.ProductID = p.ID
				plans = append(plans, plan)
			}
		}
	}
	return plans, nil
}

// recordLookup looks up, in one query, the records of every source that
// name an ID, alias or upstream ID of the matched records (NVD's scores,
// KEV's exploitation, the records of other sources to group with). records
// are the ones just read for matching, with their rows: the look-up reuses
// them instead of reading them again (most aliases of an OSV record lead
// back to itself).
func recordLookup(ctx context.Context, st *store.Store, hits map[int64][]match.Hit, records []vuln.Record, rows []int64) (finding.Lookup, error) {
	idSet := map[string]bool{}
	for _, hs := range hits {
		for _, h := range hs {
			idSet[h.Record.ID] = true
			for _, id := range h.Record.Aliases {
				idSet[id] = true
			}
			for _, id := range h.Record.Upstream {
				idSet[id] = true
			}
		}
	}
	if len(idSet) == 0 {
		return func(string) []*vuln.Record { return nil }, nil
	}
	known := make(map[int64]*vuln.Record, len(records))
	for i := range records {
		known[rows[i]] = &records[i]
	}
	recs, err := st.RecordsByAliasesKnown(ctx, slices.Sorted(maps.Keys(idSet)), known)
	if err != nil {
		return nil, err
	}
	byID := make(map[string][]*vuln.Record, len(idSet))
	for _, r := range recs {
		byID[r.ID] = append(byID[r.ID], r)
		for _, id := range r.Aliases {
			byID[id] = append(byID[id], r)
		}
	}
	return func(id string) []*vuln.Record { return byID[id] }, nil
}

// inParallel calls fn(0) ... fn(n-1) on as many goroutines as there are
// cores, each taking the next index.
func inParallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

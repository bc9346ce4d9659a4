package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/policy"
)

// MaxSyncFindings bounds the findings of one SyncFindings.
const MaxSyncFindings = 1_000_000

// FindingFilter selects findings for ListFindings; zero fields select all.
type FindingFilter struct {
	ProductID, BranchID, ReleaseID int64
	Status                         []finding.Status
	MinSeverity                    *policy.Severity
	// Vuln matches the finding's vulnerability ID or one of its aliases.
	Vuln string
	// Package matches the component's package, its match key's package or
	// its name.
	Package string
	// Open selects the findings that are affected or under investigation
	// and not resolved.
	Open          bool
	Limit, Offset int // Limit 0: DefaultLimit; at most MaxLimit
}

// findingIdent is what identifies a finding within its release.
type findingIdent struct {
	key           match.Key
	version, vuln string
}

func identOf(f *finding.Finding) findingIdent {
	return findingIdent{key: componentKey(f.Component), version: f.Component.Version, vuln: f.Vuln}
}

// componentKey is the match key of a finding's component: its ecosystem
// already names the Debian release.
func componentKey(c finding.Component) match.Key {
	return match.Component{Ecosystem: c.Ecosystem, Package: c.Package}.Key()
}

var findingColumns = []string{"id", "release_id", "component_id", "component_purl", "component_name", "component_version",
	"component_ecosystem", "component_package", "vuln", "aliases", "records", "summary", "severity", "severity_name",
	"score", "vector", "reasons", "exploited", "exploited_since", "fixed_version", "status", "justification", "rule_id",
	"status_note", "detected_at", "due_at", "clock", "resolved_at", "resolved_by"}

// findingCols are the columns scanFinding reads, each prefixed with the
// table alias "f.".
var findingCols = "f." + strings.Join(findingColumns, ", f.")

func scanFinding(r scanner) (finding.Finding, error) {
	var x finding.Finding
	var comp, rule, by sql.NullInt64
	err := r.Scan(&x.ID, &x.ReleaseID, &comp, &x.Component.PURL, &x.Component.Name, &x.Component.Version,
		&x.Component.Ecosystem, &x.Component.Package, &x.Vuln, jsonv(&x.Aliases), jsonv(&x.Records), &x.Summary,
		&x.Severity, &x.SeverityName, &x.Score, &x.Vector, jsonv(&x.Reasons), &x.Exploited, tmp(&x.ExploitedSince),
		&x.FixedVersion, &x.Status, &x.Justification, &rule, &x.StatusNote, tm(&x.DetectedAt), tmp(&x.DueAt), &x.Clock,
		tmp(&x.ResolvedAt), &by)
	x.Component.ID, x.RuleID, x.ResolvedBy = comp.Int64, rule.Int64, by.Int64
	return x, err
}

// nullID stores an ID of 0 as NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// normaliseFinding makes f what reading it back gives: times in UTC with
// microseconds, empty lists nil.
func normaliseFinding(f *finding.Finding) {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.UTC().Truncate(time.Microsecond)
		return &v
	}
	f.DetectedAt = *utc(&f.DetectedAt)
	f.ExploitedSince, f.DueAt, f.ResolvedAt = utc(f.ExploitedSince), utc(f.DueAt), utc(f.ResolvedAt)
	for _, l := range []*[]string{&f.Aliases, &f.Records, &f.Reasons} {
		if len(*l) == 0 {
			*l = nil
		}
	}
}

// sameFinding reports whether two normalised findings store the same row.
func sameFinding(a, b *finding.Finding) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && a.Severity == b.Severity && string(ja) == string(jb)
}

// findingArgs are the values of the columns after id and release_id.
func findingArgs(f *finding.Finding) ([]any, error) {
	var texts [3]string
	for i, l := range [][]string{f.Aliases, f.Records, f.Reasons} {
		t, err := jsonText(l)
		if err != nil {
			return nil, err
		}
		texts[i] = t
	}
	k := componentKey(f.Component)
	return []any{nullID(f.Component.ID), f.Component.PURL, f.Component.Name, f.Component.Version, f.Component.Ecosystem,
		f.Component.Package, k.Ecosystem, k.Package, f.Vuln, texts[0], texts[1], f.Summary, int(f.Severity), f.SeverityName,
		f.Score, f.Vector, texts[2], f.Exploited, f.ExploitedSince, f.FixedVersion, string(f.Status), string(f.Justification),
		nullID(f.RuleID), f.StatusNote, f.DetectedAt, f.DueAt, f.Clock, f.ResolvedAt, nullID(f.ResolvedBy)}, nil
}

const findingWriteCols = `component_id, component_purl, component_name, component_version, component_ecosystem,
	component_package, match_ecosystem, match_package, vuln, aliases, records, summary, severity, severity_name, score, vector,
	reasons, exploited, exploited_since, fixed_version, status, justification, rule_id, status_note, detected_at, due_at,
	clock, resolved_at, resolved_by`

// findingSet is findingWriteCols as "col = ?, ...".
var findingSet = strings.Join(strings.Fields(strings.ReplaceAll(findingWriteCols, ",", " = ?,")), " ") + " = ?"

// SyncFindings makes the stored findings of the release within scope equal
// to fs, in one transaction. A finding is identified by its component's
// match key and version and its Vuln. Findings of fs are inserted, or
// updated when stored: an updated finding keeps its ID and the earlier of
// the two DetectedAt, so DetectedAt never moves later. Stored findings in
// scope that fs lacks are deleted. scope nil means the whole release;
// otherwise a finding is in scope when its component's key is one of
// scope. On success it sets the ID, ReleaseID and DetectedAt of fs (and
// their times to UTC microseconds); updated counts only findings whose
// stored row changed.
func (s *Store) SyncFindings(ctx context.Context, releaseID int64, scope []match.Key, fs []finding.Finding) (added, updated, removed int, err error) {
	return s.syncFindings(ctx, releaseID, scope, fs, nil)
}

// SyncFindingsOver is SyncFindings for a caller inside a transaction that
// has read the release's findings in it (FindingsOfRelease) to build fs:
// stored are those, and they are not read a second time.
func (s *Store) SyncFindingsOver(ctx context.Context, releaseID int64, scope []match.Key, fs, stored []finding.Finding) (added, updated, removed int, err error) {
	if s.tx == nil {
		return 0, 0, 0, fmt.Errorf("sync findings of release %d: the stored findings given are not of this transaction", releaseID)
	}
	return s.syncFindings(ctx, releaseID, scope, fs, &stored)
}

// syncFindings is SyncFindings, reading the stored findings when given is nil.
func (s *Store) syncFindings(ctx context.Context, releaseID int64, scope []match.Key, fs []finding.Finding, given *[]finding.Finding) (added, updated, removed int, err error) {
	if len(fs) > MaxSyncFindings {
		return 0, 0, 0, fmt.Errorf("sync findings of release %d: %d findings, at most %d", releaseID, len(fs), MaxSyncFindings)
	}
	out := slices.Clone(fs)
	seen := make(map[findingIdent]int, len(out))
	var errs []error
	for i := range out {
		f := &out[i]
		if f.ReleaseID != 0 && f.ReleaseID != releaseID {
			errs = append(errs, fmt.Errorf("findings[%d].release_id: %d, not release %d", i, f.ReleaseID, releaseID))
		}
		if f.Vuln == "" {
			errs = append(errs, fmt.Errorf("findings[%d].vuln: missing", i))
		}
		id := identOf(f)
		if j, ok := seen[id]; ok {
			errs = append(errs, fmt.Errorf("findings[%d]: the same component version and vulnerability as findings[%d] (%s %s %s %s)",
				i, j, id.key.Ecosystem, id.key.Package, id.version, id.vuln))
		}
		seen[id] = i
		f.ReleaseID = releaseID
		normaliseFinding(f)
	}
	if len(errs) > 0 {
		return 0, 0, 0, fmt.Errorf("sync findings of release %d: %w", releaseID, errors.Join(errs...))
	}
	var inScope map[match.Key]bool
	if scope != nil {
		inScope = make(map[match.Key]bool, len(scope))
		for _, k := range scope {
			inScope[k] = true
		}
	}
	in := out
	err = s.InTx(ctx, func(tx *Store) error {
		// A PostgreSQL transaction may run again: start from the input.
		out = slices.Clone(in)
		added, updated, removed = 0, 0, 0
		var stored []finding.Finding
		if given != nil {
			stored = *given
		} else {
			var err error
			if stored, err = tx.FindingsOfRelease(ctx, releaseID); err != nil {
				return err
			}
		}
		byIdent := make(map[findingIdent]*finding.Finding, len(stored))
		for i := range stored {
			byIdent[identOf(&stored[i])] = &stored[i]
		}
		for i := range out {
			f := &out[i]
			old, ok := byIdent[identOf(f)]
			if !ok {
				args, err := findingArgs(f)
				if err != nil {
					return err
				}
				id, err := tx.insert(ctx, `INSERT INTO findings (release_id, `+findingWriteCols+`) VALUES (`+
					placeholders(len(args)+1)+`)`, append([]any{releaseID}, args...)...)
				if err != nil {
					return fmt.Errorf("finding %s of %s %s: %w", f.Vuln, f.Component.Package, f.Component.Version, err)
				}
				f.ID = id
				added++
				continue
			}
			f.ID = old.ID
			if old.DetectedAt.Before(f.DetectedAt) {
				f.DetectedAt = old.DetectedAt
			}
			if sameFinding(old, f) {
				continue
			}
			args, err := findingArgs(f)
			if err != nil {
				return err
			}
			if err := tx.execOne(ctx, `UPDATE findings SET `+findingSet+` WHERE id = ?`, append(args, f.ID)...); err != nil {
				return fmt.Errorf("finding %d: %w", f.ID, err)
			}
			updated++
		}
		var gone []int64
		for i := range stored {
			old := &stored[i]
			if _, ok := seen[identOf(old)]; ok {
				continue
			}
			if inScope != nil && !inScope[componentKey(old.Component)] {
				continue
			}
			gone = append(gone, old.ID)
		}
		removed = len(gone)
		return tx.execIDs(ctx, `DELETE FROM findings WHERE id IN `, gone)
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("sync findings of release %d: %w", releaseID, err)
	}
	copy(fs, out)
	return added, updated, removed, nil
}

// FindingsOfRelease returns the findings of a release, by component key,
// version and vulnerability.
func (s *Store) FindingsOfRelease(ctx context.Context, releaseID int64) ([]finding.Finding, error) {
	fs, err := all(ctx, s, `SELECT `+findingCols+` FROM findings f WHERE f.release_id = ?`, []any{releaseID}, scanFinding)
	if err != nil {
		return nil, fmt.Errorf("findings of release %d: %w", releaseID, err)
	}
	slices.SortFunc(fs, func(a, b finding.Finding) int {
		ka, kb := identOf(&a), identOf(&b)
		if c := strings.Compare(ka.key.Ecosystem, kb.key.Ecosystem); c != 0 {
			return c
		}
		if c := strings.Compare(ka.key.Package, kb.key.Package); c != 0 {
			return c
		}
		if c := strings.Compare(ka.version, kb.version); c != 0 {
			return c
		}
		return strings.Compare(ka.vuln, kb.vuln)
	})
	return fs, nil
}

// ListFindings returns a page of the findings f selects, most severe first
// and then newest detected first, with the number of all it selects.
func (s *Store) ListFindings(ctx context.Context, f FindingFilter) ([]finding.Finding, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where, args = append(where, cond), append(args, a...)
	}
	if f.ReleaseID != 0 {
		add("f.release_id = ?", f.ReleaseID)
	}
	if f.BranchID != 0 {
		add("r.branch_id = ?", f.BranchID)
	}
	if f.ProductID != 0 {
		add("b.product_id = ?", f.ProductID)
	}
	if len(f.Status) > 0 {
		var a []any
		for _, st := range f.Status {
			a = append(a, string(st))
		}
		add("f.status IN ("+placeholders(len(a))+")", a...)
	}
	if f.MinSeverity != nil {
		add("f.severity >= ?", int(*f.MinSeverity))
	}
	if f.Vuln != "" {
		// aliases is a JSON list of strings: look for the JSON string.
		q, _ := json.Marshal(f.Vuln)
		add(`(f.vuln = ? OR f.aliases LIKE ? ESCAPE '\')`, f.Vuln, "%"+likeEscape(string(q))+"%")
	}
	if f.Package != "" {
		add("(f.component_package = ? OR f.match_package = ? OR f.component_name = ?)", f.Package, f.Package, f.Package)
	}
	if f.Open {
		add("f.status IN (?, ?) AND f.resolved_at IS NULL", string(finding.Affected), string(finding.UnderInvestigation))
	}
	from := ` FROM findings f JOIN releases r ON r.id = f.release_id JOIN branches b ON b.id = r.branch_id` + whereClause(where)
	total, err := one(ctx, s, `SELECT COUNT(*)`+from, args, scanInt)
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	limit, offset := page(f.Limit, f.Offset)
	fs, err := all(ctx, s, `SELECT `+findingCols+from+` ORDER BY f.severity DESC, f.detected_at DESC, f.id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset), scanFinding)
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	return fs, total, nil
}

// likeEscape escapes the LIKE wildcards of s for ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindingByID returns a finding.
func (s *Store) FindingByID(ctx context.Context, id int64) (finding.Finding, error) {
	f, err := one(ctx, s, `SELECT `+findingCols+` FROM findings f WHERE f.id = ?`, []any{id}, scanFinding)
	if err != nil {
		return finding.Finding{}, fmt.Errorf("finding %d: %w", id, err)
	}
	return f, nil
}

// ResolveFindings records that the release by carried the upgrade for the
// findings: their ResolvedAt and ResolvedBy are set, their status is left
// as it is (it is the status in their own release). A finding resolved
// already keeps its first resolution. ErrNotFound, and nothing changed, if
// a finding or the release does not exist.
func (s *Store) ResolveFindings(ctx context.Context, ids []int64, by int64, at time.Time) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	err := s.InTx(ctx, func(tx *Store) error {
		for chunk := range slices.Chunk(ids, byIDsChunk) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			n, err := one(ctx, tx, `SELECT COUNT(*) FROM findings WHERE id IN (`+placeholders(len(chunk))+`)`, args, scanInt)
			if err != nil {
				return err
			}
			if n != len(chunk) {
				return fmt.Errorf("%w: %d of %d findings", ErrNotFound, len(chunk)-n, len(chunk))
			}
			_, err = tx.exec(ctx, `UPDATE findings SET resolved_at = ?, resolved_by = ? WHERE resolved_at IS NULL AND id IN (`+
				placeholders(len(chunk))+`)`, append([]any{at, nullID(by)}, args...)...)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("resolve findings: %w", err)
	}
	return nil
}

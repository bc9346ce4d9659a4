package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// Case reads a case; a person's read of an embargoed case is audited (R7).
func (s *Service) Case(ctx context.Context, a Actor, id int64) (vcase.Case, error) {
	c, err := s.Store.CaseByID(ctx, id)
	if err != nil {
		return vcase.Case{}, err
	}
	if a.IsPerson() && c.State != vcase.Disclosed {
		err := s.Store.InTx(ctx, func(tx *store.Store) error {
			return record(ctx, tx, s.now(), a, "case.read", "case:"+c.Key, nil)
		})
		if err != nil {
			return vcase.Case{}, err
		}
	}
	return c, nil
}

// CasePatch changes the editable fields of a case; nil fields stay as they are.
type CasePatch struct {
	Version           *int                 `json:"version,omitempty"` // optimistic lock: refuse if the case changed since
	Title             *string              `json:"title,omitempty"`
	Summary           *string              `json:"summary,omitempty"`
	Details           *string              `json:"details,omitempty"`
	Workaround        *string              `json:"workaround,omitempty"`
	ProductID         *int64               `json:"product_id,omitempty"`
	Risk              *vcase.Risk          `json:"risk,omitempty"`
	CVEID             *string              `json:"cve_id,omitempty"`
	CVEDraft          *vcase.CVEDraft      `json:"cve_draft,omitempty"`
	ChangeRequest     *vcase.ChangeRequest `json:"change_request,omitempty"`
	TaskForce         *[]string            `json:"task_force,omitempty"`
	PlannedDisclosure *time.Time           `json:"planned_disclosure,omitempty"`
	Credits           *[]vcase.Credit      `json:"credits,omitempty"`
	References        *[]vcase.Reference   `json:"references,omitempty"`
	// AffectedBranches sets the affected branches: a fix is added for each new
	// one, and removed for each branch no longer listed.
	AffectedBranches *[]int64 `json:"affected_branches,omitempty"`
}

// UpdateCase applies a patch, re-derives the severity from the policy and
// records what changed. Assigning a CVE ID queues the reporter's notice (R5);
// marking the risk exploited starts the CRA clocks.
func (s *Service) UpdateCase(ctx context.Context, a Actor, id int64, p CasePatch) (vcase.Case, error) {
	var out vcase.Case
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.CaseByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Version != nil && *p.Version != c.Version {
			return fmt.Errorf("case %s is at version %d, not %d: %w", c.Key, c.Version, *p.Version, store.ErrConflict)
		}
		if c.State == vcase.Disclosed || c.State == vcase.Rejected {
			return fmt.Errorf("case %s is %s: %w", c.Key, c.State, ErrClosed)
		}
		now := s.now()
		before := c
		changed := applyPatch(&c, p)
		if c.CVEID != before.CVEID {
			c.CVEState = vcase.CVEReserved
			if c.CVEID == "" {
				c.CVEState = vcase.CVENone
			}
		}
		var problems []error
		if p.Risk != nil {
			cls, err := s.Policy.Classify(policy.Risk{CVSS31: c.Risk.CVSS31, CVSS40: c.Risk.CVSS40, Tags: c.Risk.Tags, Exploited: c.Risk.Exploited, PublicPoC: c.Risk.PublicPoC})
			if err != nil {
				problems = append(problems, fmt.Errorf("risk: %w", err))
			} else if c.Risk.Evaluated() || len(c.Risk.Tags) > 0 {
				c.Severity, c.Score = cls.Severity.String(), cls.Score
			} else {
				c.Severity, c.Score = "", 0
			}
			if c.Risk.Exploited && c.ExploitedKnown == nil {
				c.ExploitedKnown = &now
			}
		}
		if c.CVEID != "" && c.CVEID != before.CVEID {
			// One of the CNA's own IDs that is already published or
			// rejected cannot be given to another vulnerability.
			switch id, err := tx.CVEIDByID(ctx, c.CVEID); {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return err
			case id.State == store.CVEIDPublished || id.State == store.CVEIDRejected:
				problems = append(problems, fmt.Errorf("cve_id: %s is %s and cannot be assigned again", c.CVEID, id.State))
			}
		}
		if p.ProductID != nil {
			if _, err := tx.ProductByID(ctx, *p.ProductID); err != nil {
				problems = append(problems, fmt.Errorf("product_id: product %d: %w", *p.ProductID, err))
			}
		}
		if p.AffectedBranches != nil {
			problems = append(problems, s.setBranches(ctx, tx, &c, *p.AffectedBranches)...)
		}
		if err := c.Validate(); err != nil {
			problems = append(problems, err)
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		if err := tx.UpdateCase(ctx, &c); err != nil {
			return err
		}
		if err := record(ctx, tx, now, a, "case.update", "case:"+c.Key, map[string]any{"fields": changed}); err != nil {
			return err
		}
		if c.CVEID != "" && c.CVEID != before.CVEID {
			if err := s.notifyReporters(ctx, tx, now, c, "cve.assigned", "case:"+c.Key+":cve:"+c.CVEID); err != nil {
				return err
			}
		}
		if err := s.liaisonNotice(ctx, tx, now, c); err != nil { // R10: a new planned disclosure
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// ErrClosed is returned for a change to a disclosed or rejected case.
var ErrClosed = errors.New("case is closed")

func applyPatch(c *vcase.Case, p CasePatch) []string {
	var changed []string
	trim := func(s *string) *string {
		if s == nil {
			return nil
		}
		t := strings.TrimSpace(*s)
		return &t
	}
	var planned *time.Time
	if p.PlannedDisclosure != nil {
		t := p.PlannedDisclosure.UTC()
		planned = &t
	}
	patch(&changed, "title", &c.Title, trim(p.Title))
	patch(&changed, "summary", &c.Summary, p.Summary)
	patch(&changed, "details", &c.Details, p.Details)
	patch(&changed, "workaround", &c.Workaround, p.Workaround)
	patch(&changed, "product_id", &c.ProductID, ptrTo(p.ProductID))
	patch(&changed, "risk", &c.Risk, p.Risk)
	patch(&changed, "cve_id", &c.CVEID, trim(p.CVEID))
	patch(&changed, "cve_draft", &c.CVEDraft, p.CVEDraft)
	patch(&changed, "change_request", &c.ChangeRequest, ptrTo(p.ChangeRequest))
	patch(&changed, "task_force", &c.TaskForce, p.TaskForce)
	patch(&changed, "planned_disclosure", &c.PlannedDisclose, ptrTo(planned))
	patch(&changed, "credits", &c.Credits, p.Credits)
	patch(&changed, "references", &c.References, p.References)
	if p.AffectedBranches != nil {
		changed = append(changed, "affected_branches") // set by setBranches
	}
	return changed
}

// patch sets *dst to *src when src is given, and names the field changed.
func patch[T any](changed *[]string, name string, dst *T, src *T) {
	if src != nil {
		*dst = *src
		*changed = append(*changed, name)
	}
}

// ptrTo makes an optional pointer field patchable: nil stays "not given".
func ptrTo[T any](p *T) **T {
	if p == nil {
		return nil
	}
	return &p
}

// setBranches makes the fixes match the affected branches, which must belong
// to the case's product.
func (s *Service) setBranches(ctx context.Context, tx *store.Store, c *vcase.Case, ids []int64) []error {
	var problems []error
	if c.ProductID == nil && len(ids) > 0 {
		return []error{errors.New("affected_branches: set product_id first")}
	}
	branches, err := tx.BranchesByIDs(ctx, ids)
	if err != nil {
		return []error{err}
	}
	fixes := []vcase.Fix{}
	for i, id := range ids {
		b, ok := branches[id]
		if !ok || b.ProductID != *c.ProductID {
			problems = append(problems, fmt.Errorf("affected_branches[%d]: branch %d is not a branch of the case's product", i, id))
			continue
		}
		if f, ok := c.Fix(id); ok {
			fixes = append(fixes, *f)
		} else if !slices.ContainsFunc(fixes, func(f vcase.Fix) bool { return f.BranchID == id }) {
			fixes = append(fixes, vcase.Fix{BranchID: id, Status: vcase.FixPending})
		}
	}
	c.Fixes = fixes
	return problems
}

// FixPatch changes the fix of one branch.
type FixPatch struct {
	Status       *vcase.FixStatus `json:"status,omitempty"`
	Commits      *[]string        `json:"commits,omitempty"`
	ReleaseID    *int64           `json:"release_id,omitempty"`
	AffectedFrom *string          `json:"affected_from,omitempty"`
	Evidence     *string          `json:"evidence,omitempty"`
}

// UpdateFix records progress on one branch. Verification (R6) needs evidence
// and stamps who verified and when.
func (s *Service) UpdateFix(ctx context.Context, a Actor, caseID, branchID int64, p FixPatch) (vcase.Case, error) {
	var out vcase.Case
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.CaseByID(ctx, caseID)
		if err != nil {
			return err
		}
		if c.State == vcase.Disclosed || c.State == vcase.Rejected {
			return fmt.Errorf("case %s is %s: %w", c.Key, c.State, ErrClosed)
		}
		f, ok := c.Fix(branchID)
		if !ok {
			return fmt.Errorf("branch %d is not affected by case %s: %w", branchID, c.Key, store.ErrNotFound)
		}
		now := s.now()
		var problems []error
		if p.Status != nil {
			if *p.Status == vcase.FixVerified && f.Status != vcase.FixVerified {
				f.VerifiedBy, f.VerifiedAt = a.Name, &now
			}
			if (*p.Status == vcase.FixFixed || *p.Status == vcase.FixVerified) && f.FixedAt == nil {
				f.FixedAt = &now
			}
			if *p.Status != vcase.FixVerified {
				f.VerifiedBy, f.VerifiedAt = "", nil
			}
			f.Status = *p.Status
		}
		if p.Commits != nil {
			f.Commits = *p.Commits
		}
		if p.Evidence != nil {
			f.Evidence = *p.Evidence
		}
		if p.AffectedFrom != nil {
			f.AffectedFrom = *p.AffectedFrom
			if *p.AffectedFrom != "" {
				if _, err := product.ParseVersion(*p.AffectedFrom); err != nil {
					problems = append(problems, fmt.Errorf("affected_from: %w", err))
				}
			}
		}
		if p.ReleaseID != nil {
			r, err := tx.ReleaseByID(ctx, *p.ReleaseID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				problems = append(problems, fmt.Errorf("release_id: release %d does not exist", *p.ReleaseID))
			case err != nil:
				return err
			case r.BranchID != branchID:
				problems = append(problems, fmt.Errorf("release_id: release %s is not on this branch", r.Version))
			default:
				f.ReleaseID = p.ReleaseID
			}
		}
		if err := c.Validate(); err != nil {
			problems = append(problems, err)
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		if err := tx.UpdateCase(ctx, &c); err != nil {
			return err
		}
		if err := record(ctx, tx, now, a, "fix.update", fmt.Sprintf("case:%s/branch:%d", c.Key, branchID),
			map[string]any{"status": f.Status, "release_id": f.ReleaseID}); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// TransitionArgs are the arguments of a transition (a rejection's reason).
type TransitionArgs struct {
	Reason      vcase.RejectReason `json:"reason,omitempty"`
	DuplicateOf *int64             `json:"duplicate_of,omitempty"`
}

// Transition moves a case along its lifecycle. Disclose publishes in the
// same transaction (see disclose.go).
func (s *Service) Transition(ctx context.Context, a Actor, id int64, t vcase.Transition, args TransitionArgs) (vcase.Case, error) {
	var out vcase.Case
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.CaseByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.now()
		env, err := s.env(ctx, tx, &c, now)
		if err != nil {
			return err
		}
		env.Reason, env.DuplicateOf = args.Reason, args.DuplicateOf
		if t == vcase.Reject && args.DuplicateOf != nil {
			if _, err := tx.CaseByID(ctx, *args.DuplicateOf); err != nil {
				return invalid(fmt.Errorf("duplicate_of: case %d: %w", *args.DuplicateOf, err))
			}
		}
		from := c.State
		if err := c.Apply(t, env); err != nil {
			return err
		}
		if t == vcase.Disclose {
			if err := s.publish(ctx, tx, a, &c, env, now); err != nil {
				return err
			}
		}
		if err := tx.UpdateCase(ctx, &c); err != nil {
			return err
		}
		if err := syncReports(ctx, tx, c, args); err != nil {
			return err
		}
		if err := s.liaisonNotice(ctx, tx, now, c); err != nil { // R10: the case became ready
			return err
		}
		if err := record(ctx, tx, now, a, "case."+string(t), "case:"+c.Key,
			map[string]any{"from": from, "to": c.State, "reason": args.Reason}); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// syncReports moves the case's reports along with it: linked once the task
// force takes the case, duplicates follow the case they duplicate, and they
// close when the case ends.
func syncReports(ctx context.Context, tx *store.Store, c vcase.Case, args TransitionArgs) error {
	reports, err := tx.ListReports(ctx, store.ReportFilter{CaseID: c.ID, Limit: 500})
	if err != nil {
		return err
	}
	for _, r := range reports {
		was := r.State
		switch {
		case c.State == vcase.Rejected && args.Reason == vcase.DuplicateOf:
			r.State, r.CaseID = report.Duplicate, args.DuplicateOf
		case c.State == vcase.Rejected || c.State == vcase.Disclosed:
			r.State = report.Closed
		case c.State != vcase.Received:
			r.State = report.Linked
		}
		if r.State == was && (r.CaseID == nil || *r.CaseID == c.ID) {
			continue
		}
		if err := tx.UpdateReport(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// env gathers the branches and releases the guards look at.
func (s *Service) env(ctx context.Context, tx *store.Store, c *vcase.Case, now time.Time) (vcase.Env, error) {
	env := vcase.Env{Now: now, Branches: map[int64]vcase.BranchInfo{}, Releases: map[int64]vcase.ReleaseInfo{}}
	var bids, rids []int64
	for _, f := range c.Fixes {
		bids = append(bids, f.BranchID)
		if f.ReleaseID != nil {
			rids = append(rids, *f.ReleaseID)
		}
	}
	branches, err := tx.BranchesByIDs(ctx, bids)
	if err != nil {
		return env, err
	}
	for id, b := range branches {
		env.Branches[id] = vcase.BranchInfo{Name: b.Name, Maintained: b.MaintainedAt(now)}
	}
	releases, err := tx.ReleasesByIDs(ctx, rids)
	if err != nil {
		return env, err
	}
	for id, r := range releases {
		env.Releases[id] = vcase.ReleaseInfo{BranchID: r.BranchID, Version: r.Version.String(), Published: r.State == product.Published, PlannedAt: r.PlannedAt}
	}
	if (c.State == vcase.Fixing || c.State == vcase.Ready) && c.CVEID != "" && c.ProductID != nil {
		p, err := s.previewCVE(ctx, tx, c, env)
		if err != nil {
			return env, err
		}
		for _, pr := range p.Problems {
			env.CVEProblems = append(env.CVEProblems, pr.Error())
		}
	}
	return env, nil
}

// Allowed lists the transitions possible now, each with the guards that fail.
func (s *Service) Allowed(ctx context.Context, c vcase.Case) (map[vcase.Transition][]string, error) {
	env, err := s.env(ctx, s.Store, &c, s.now())
	if err != nil {
		return nil, err
	}
	return c.Allowed(env), nil
}

// notifyReporters queues a mail to every reporter of the case with an address.
func (s *Service) notifyReporters(ctx context.Context, tx *store.Store, now time.Time, c vcase.Case, template, key string) error {
	reports, err := tx.ListReports(ctx, store.ReportFilter{CaseID: c.ID, Limit: 500})
	if err != nil {
		return err
	}
	for _, r := range reports {
		if r.Reporter.Email == "" {
			continue
		}
		err := enqueueMail(ctx, tx, now, key+":"+r.TrackingID, Mail{Template: template, To: r.Reporter.Email,
			TrackingID: r.TrackingID, CaseKey: c.Key, Data: map[string]string{"cve_id": c.CVEID, "title": r.Title}})
		if err != nil {
			return err
		}
	}
	return nil
}

// Deadlines are the case's clocks under the policy.
func (s *Service) Deadlines(c vcase.Case) []policy.Deadline {
	ev := map[policy.Event]time.Time{policy.ReportReceived: c.ReceivedAt}
	put := func(e policy.Event, t *time.Time) {
		if t != nil {
			ev[e] = *t
		}
	}
	put(policy.CaseTriaged, c.ConfirmedAt)
	if c.State == vcase.Rejected {
		put(policy.CaseTriaged, c.ClosedAt)
		put(policy.CaseRejected, c.ClosedAt)
	}
	put(policy.CaseConfirmed, c.ConfirmedAt)
	put(policy.ExploitationKnown, c.ExploitedKnown)
	put(policy.FixAvailable, c.FixAvailableAt)
	put(policy.CaseDisclosed, c.DisclosedAt)
	put(policy.AdvisoryPublished, c.DisclosedAt)
	put(policy.ReleasePublished, c.DisclosedAt)
	sev, err := policy.ParseSeverity(c.Severity)
	if err != nil {
		sev = policy.None
	}
	return s.Policy.Deadlines(ev, sev, c.Risk.Exploited)
}

// Embargoed reports whether the case's details are still under embargo.
func Embargoed(c vcase.Case) bool { return c.State != vcase.Disclosed }

// RecordRead audits a person's read of embargoed material (R7): lists of
// cases, a report, the schedule. Reads by vigil itself are not recorded.
func (s *Service) RecordRead(ctx context.Context, a Actor, action, object string, detail any) error {
	if !a.IsPerson() {
		return nil
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		return record(ctx, tx, s.now(), a, action, object, detail)
	})
}

// PlanRelease proposes the release that should carry the case's fixes (R16):
// the next regular window when it meets the earliest running fix deadline,
// an urgent release when the severity justifies it or no window does. It
// answers only for confirmed cases still being fixed.
func (s *Service) PlanRelease(c vcase.Case) (policy.ReleasePlan, bool) {
	if c.State != vcase.Confirmed && c.State != vcase.Fixing {
		return policy.ReleasePlan{}, false
	}
	sev, err := policy.ParseSeverity(c.Severity)
	if err != nil {
		return policy.ReleasePlan{}, false
	}
	var deadline time.Time
	for _, d := range s.Deadlines(c) {
		if d.Clock.Start == policy.ReportReceived || !d.Stopped.IsZero() {
			continue
		}
		if deadline.IsZero() || d.Due.Before(deadline) {
			deadline = d.Due
		}
	}
	return s.Policy.PlanRelease(s.now(), sev, c.Risk.Exploited, deadline), true
}

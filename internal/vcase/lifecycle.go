package vcase

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Transition names a lifecycle step.
type Transition string

const (
	StartTriage Transition = "triage"    // received -> triage: a task force is formed (R2)
	Confirm     Transition = "confirm"   // triage -> confirmed
	StartFix    Transition = "start_fix" // confirmed -> fixing: the change request exists (R4)
	MarkReady   Transition = "ready"     // fixing -> ready: every maintained branch fixed and verified (R6)
	Disclose    Transition = "disclose"  // ready -> disclosed, in one transaction with the publication (R8, R9)
	Reject      Transition = "reject"    // received|triage|confirmed -> rejected
	Reopen      Transition = "reopen"    // ready -> fixing, rejected -> triage
)

// Transitions lists every transition.
var Transitions = []Transition{StartTriage, Confirm, StartFix, MarkReady, Disclose, Reject, Reopen}

var edges = map[Transition]map[State]State{
	StartTriage: {Received: Triage},
	Confirm:     {Triage: Confirmed},
	StartFix:    {Confirmed: Fixing},
	MarkReady:   {Fixing: Ready},
	Disclose:    {Ready: Disclosed},
	Reject:      {Received: Rejected, Triage: Rejected, Confirmed: Rejected},
	Reopen:      {Ready: Fixing, Rejected: Triage},
}

// ErrTransition is wrapped by every refused transition.
var ErrTransition = errors.New("transition not allowed")

// GuardError lists every guard a transition failed.
type GuardError struct {
	Transition Transition
	From       State
	Failed     []string
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("%s from %s: %s", e.Transition, e.From, strings.Join(e.Failed, "; "))
}

func (e *GuardError) Unwrap() error { return ErrTransition }

// BranchInfo is what the guards need to know of a branch.
type BranchInfo struct {
	Name       string
	Maintained bool // maintained at the time of the check
}

// ReleaseInfo is what the guards need to know of a release.
type ReleaseInfo struct {
	BranchID  int64
	Version   string
	Published bool
	PlannedAt *time.Time
}

// Env is the world a transition is checked against.
type Env struct {
	Now      time.Time
	Branches map[int64]BranchInfo
	Releases map[int64]ReleaseInfo
	// CVEProblems are the lint problems of the CVE record the case would
	// publish; none may remain for ready and disclose.
	CVEProblems []string
	// Reason and DuplicateOf are the arguments of a rejection.
	Reason      RejectReason
	DuplicateOf *int64
}

// Next returns the state a transition leads to from the case's state.
func (c *Case) Next(t Transition) (State, bool) {
	to, ok := edges[t][c.State]
	return to, ok
}

// Allowed lists the transitions possible from the current state, each with
// the guards that would fail now (empty when it may be taken).
func (c *Case) Allowed(env Env) map[Transition][]string {
	out := map[Transition][]string{}
	for _, t := range Transitions {
		if _, ok := c.Next(t); ok {
			out[t] = c.guards(t, env)
		}
	}
	return out
}

// Check reports whether t may be taken now, with every failed guard.
func (c *Case) Check(t Transition, env Env) error {
	if _, ok := c.Next(t); !ok {
		return &GuardError{Transition: t, From: c.State, Failed: []string{fmt.Sprintf("no %s from state %s", t, c.State)}}
	}
	if failed := c.guards(t, env); len(failed) > 0 {
		return &GuardError{Transition: t, From: c.State, Failed: failed}
	}
	return nil
}

// Apply takes transition t: it checks the guards and then moves the case,
// stamping the time of the step.
func (c *Case) Apply(t Transition, env Env) error {
	if err := c.Check(t, env); err != nil {
		return err
	}
	to, _ := c.Next(t)
	now := env.Now.UTC()
	switch t {
	case StartTriage:
		c.TriagedAt = &now
	case Confirm:
		c.ConfirmedAt = &now
	case MarkReady:
		c.ReadyAt = &now
		if c.FixAvailableAt == nil {
			c.FixAvailableAt = &now
		}
	case Disclose:
		c.DisclosedAt = &now
		c.ClosedAt = &now
	case Reject:
		c.RejectReason = env.Reason
		// Only a duplicate names another case, and the case keeps its own copy.
		c.DuplicateOf = nil
		if env.Reason == DuplicateOf {
			c.DuplicateOf = new(*env.DuplicateOf)
		}
		c.ClosedAt = &now
	case Reopen:
		if c.State == Rejected {
			c.RejectReason, c.DuplicateOf, c.ClosedAt = "", nil, nil
		}
		c.ReadyAt = nil
	}
	c.State = to
	return nil
}

func (c *Case) guards(t Transition, env Env) []string {
	var failed []string
	fail := func(format string, args ...any) { failed = append(failed, fmt.Sprintf(format, args...)) }
	switch t {
	case StartTriage:
		if len(c.TaskForce) == 0 {
			fail("a task force needs at least one member")
		}
	case Confirm:
		if c.ProductID == nil {
			fail("the affected product is not set")
		}
		if len(c.Fixes) == 0 {
			fail("no affected branch is identified")
		}
		if !c.Risk.Evaluated() {
			fail("no risk evaluation: a CVSS 3.1 or 4.0 vector is needed")
		}
		if c.Severity == "" {
			fail("no severity derived from the risk")
		}
	case StartFix:
		if c.ChangeRequest == nil || c.ChangeRequest.Ref == "" {
			fail("no private change request is recorded")
		}
	case MarkReady, Disclose:
		failed = append(failed, c.readiness(env)...)
		if t == Disclose && c.PlannedDisclose != nil && env.Now.Before(*c.PlannedDisclose) {
			fail("the planned disclosure time %s has not come", c.PlannedDisclose.UTC().Format(time.RFC3339))
		}
	case Reject:
		switch env.Reason {
		case NotReproducible, NotVulnerability, OutOfScope:
		case DuplicateOf:
			if env.DuplicateOf == nil {
				fail("a duplicate needs the case it duplicates")
			} else if *env.DuplicateOf == c.ID {
				fail("a case cannot duplicate itself")
			}
		default:
			fail("a rejection needs a reason: not_reproducible, not_a_vulnerability, duplicate or out_of_scope")
		}
	}
	return failed
}

// readiness lists what keeps the case from being ready for disclosure.
func (c *Case) readiness(env Env) []string {
	var failed []string
	fail := func(format string, args ...any) { failed = append(failed, fmt.Sprintf(format, args...)) }
	if c.CVEID == "" {
		fail("no CVE ID is recorded")
	}
	if strings.TrimSpace(c.CVEDraft.Description) == "" {
		fail("the CVE record draft has no description")
	}
	if strings.TrimSpace(c.Summary) == "" {
		fail("no summary for the announcement")
	}
	if c.PlannedDisclose == nil {
		fail("no planned disclosure time")
	}
	for _, p := range env.CVEProblems {
		fail("CVE record: %s", p)
	}
	maintained := 0
	for _, f := range c.Fixes {
		b, ok := env.Branches[f.BranchID]
		if !ok {
			fail("branch %d is unknown", f.BranchID)
			continue
		}
		if !b.Maintained {
			continue
		}
		maintained++
		if f.Status != FixVerified {
			fail("branch %s: fix is %s, not verified", b.Name, f.Status)
		}
		if f.ReleaseID == nil {
			fail("branch %s: no release carries the fix", b.Name)
			continue
		}
		r, ok := env.Releases[*f.ReleaseID]
		switch {
		case !ok:
			fail("branch %s: release %d is unknown", b.Name, *f.ReleaseID)
		case r.BranchID != f.BranchID:
			fail("branch %s: release %s is on another branch", b.Name, r.Version)
		case r.Published:
		case r.PlannedAt == nil || c.PlannedDisclose == nil || r.PlannedAt.After(*c.PlannedDisclose):
			fail("branch %s: release %s is neither published nor scheduled for the disclosure", b.Name, r.Version)
		}
	}
	if maintained == 0 {
		fail("no affected branch is under maintenance")
	}
	return failed
}

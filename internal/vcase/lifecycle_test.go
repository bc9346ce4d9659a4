package vcase

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The world of the tests: product 1 with the maintained branches 41 and 2.7
// and the end-of-life branch 1.0; 41.1.1 is published, 2.7.4 is planned an
// hour before the disclosure, 1.0.9 is an old release of 1.0.
const (
	branch41 int64 = 1
	branch27 int64 = 2
	branch10 int64 = 3

	release41 int64 = 11
	release27 int64 = 12
	release10 int64 = 13
)

var (
	t0         = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	disclosure = time.Date(2026, 3, 16, 14, 0, 0, 0, time.UTC)
)

func ptr[T any](v T) *T { return &v }

// testEnv returns an environment in which every guard of a readyCase passes
// (Now is the planned disclosure, Reason a valid one); mutators adjust it.
func testEnv(mut ...func(*Env)) Env {
	env := Env{
		Now: disclosure,
		Branches: map[int64]BranchInfo{
			branch41: {Name: "41", Maintained: true},
			branch27: {Name: "2.7", Maintained: true},
			branch10: {Name: "1.0", Maintained: false},
		},
		Releases: map[int64]ReleaseInfo{
			release41: {BranchID: branch41, Version: "41.1.1", Published: true},
			release27: {BranchID: branch27, Version: "2.7.4", PlannedAt: ptr(disclosure.Add(-time.Hour))},
			release10: {BranchID: branch10, Version: "1.0.9", Published: true},
		},
		Reason: NotReproducible,
	}
	for _, m := range mut {
		m(&env)
	}
	return env
}

// readyCase returns a case in state s that satisfies every guard of every
// transition under testEnv(); mutators adjust it.
func readyCase(s State, mut ...func(*Case)) *Case {
	c := &Case{
		ID:        7,
		Key:       "VC-2026-0007",
		Title:     "Import of crafted YAML runs commands",
		Summary:   "An authenticated user can run commands on the server.",
		Details:   "yaml.Load with the unsafe loader in importer.go",
		State:     s,
		ProductID: ptr(int64(1)),
		Risk: Risk{
			CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
			CWE:    []string{"CWE-502"},
			Tags:   []string{"rce"},
		},
		Severity: "high",
		Score:    8.8,
		Fixes: []Fix{
			{BranchID: branch41, Status: FixVerified, Commits: []string{"0123abcd"}, ReleaseID: ptr(release41), Evidence: "exploit replayed: refused"},
			{BranchID: branch27, Status: FixVerified, Commits: []string{"4567ef01"}, ReleaseID: ptr(release27), Evidence: "exploit replayed: refused"},
			{BranchID: branch10, Status: FixPending}, // end of life: no fix
		},
		CVEID:           "CVE-2026-12345",
		CVEState:        CVEReserved,
		CVEDraft:        CVEDraft{Description: "Deserialisation of untrusted data in the importer allows remote code execution."},
		ChangeRequest:   &ChangeRequest{Ref: "SOS-1234", Tracker: "jira", URL: "https://jira.example/browse/SOS-1234"},
		TaskForce:       []string{"alice", "bob"},
		PlannedDisclose: ptr(disclosure),
		Credits:         []Credit{{Name: "Jane Finder", Type: "finder"}},
		References:      []Reference{{URL: "https://vendor.example/advisories/1", Tags: []string{"vendor-advisory"}}},
		ReceivedAt:      t0,
		Version:         3,
	}
	for _, m := range mut {
		m(c)
	}
	return c
}

func clone(c *Case) *Case {
	d := *c
	d.Fixes = append([]Fix(nil), c.Fixes...)
	return &d
}

// The lifecycle of DESIGN.md §2, written out independently of the edges table.
var wantEdges = map[Transition]map[State]State{
	StartTriage: {Received: Triage},
	Confirm:     {Triage: Confirmed},
	StartFix:    {Confirmed: Fixing},
	MarkReady:   {Fixing: Ready},
	Disclose:    {Ready: Disclosed},
	Reject:      {Received: Rejected, Triage: Rejected, Confirmed: Rejected},
	Reopen:      {Ready: Fixing, Rejected: Triage},
}

func TestTransitionTable(t *testing.T) {
	if len(Transitions) != 7 || len(States) != 7 {
		t.Fatalf("Transitions = %v, States = %v: the table below needs updating", Transitions, States)
	}
	for _, tr := range Transitions {
		for _, from := range States {
			t.Run(fmt.Sprintf("%s/from_%s", tr, from), func(t *testing.T) {
				c := readyCase(from)
				before := clone(c)
				want, allowed := wantEdges[tr][from]

				to, ok := c.Next(tr)
				if ok != allowed || to != want {
					t.Errorf("Next(%s) = %q, %v; want %q, %v", tr, to, ok, want, allowed)
				}

				err := c.Apply(tr, testEnv())
				if allowed {
					if err != nil {
						t.Fatalf("Apply(%s) from %s: %v", tr, from, err)
					}
					if c.State != want {
						t.Errorf("state after %s from %s = %s, want %s", tr, from, c.State, want)
					}
					return
				}
				if !errors.Is(err, ErrTransition) {
					t.Fatalf("Apply(%s) from %s = %v, want an error wrapping ErrTransition", tr, from, err)
				}
				var ge *GuardError
				if !errors.As(err, &ge) {
					t.Fatalf("Apply(%s) from %s = %T, want *GuardError", tr, from, err)
				}
				wantErr := &GuardError{Transition: tr, From: from, Failed: []string{fmt.Sprintf("no %s from state %s", tr, from)}}
				if diff := cmp.Diff(wantErr, ge); diff != "" {
					t.Errorf("GuardError (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, c); diff != "" {
					t.Errorf("a refused transition changed the case (-before +after):\n%s", diff)
				}
			})
		}
	}
}

func TestUnknownTransition(t *testing.T) {
	c := readyCase(Received)
	err := c.Apply(Transition("publish"), testEnv())
	var ge *GuardError
	if !errors.As(err, &ge) || !errors.Is(err, ErrTransition) {
		t.Fatalf("Apply(publish) = %v, want a GuardError wrapping ErrTransition", err)
	}
	if diff := cmp.Diff([]string{"no publish from state received"}, ge.Failed); diff != "" {
		t.Errorf("Failed (-want +got):\n%s", diff)
	}
	if c.State != Received {
		t.Errorf("state = %s, want received", c.State)
	}
}

func TestGuards(t *testing.T) {
	const (
		noTaskForce   = "a task force needs at least one member"
		noProduct     = "the affected product is not set"
		noBranch      = "no affected branch is identified"
		noRisk        = "no risk evaluation: a CVSS 3.1 or 4.0 vector is needed"
		noSeverity    = "no severity derived from the risk"
		noCR          = "no private change request is recorded"
		noCVE         = "no CVE ID is recorded"
		noDescription = "the CVE record draft has no description"
		noSummary     = "no summary for the announcement"
		noPlanned     = "no planned disclosure time"
		noMaintained  = "no affected branch is under maintenance"
		noReason      = "a rejection needs a reason: not_reproducible, not_a_vulnerability, duplicate or out_of_scope"
		noDupTarget   = "a duplicate needs the case it duplicates"
		dupSelf       = "a case cannot duplicate itself"
		notYet        = "the planned disclosure time 2026-03-16T14:00:00Z has not come"
		r27Unplanned  = "branch 2.7: release 2.7.4 is neither published nor scheduled for the disclosure"
	)
	setFix := func(branch int64, m func(*Fix)) func(*Case) {
		return func(c *Case) {
			f, ok := c.Fix(branch)
			if !ok {
				panic(fmt.Sprintf("no fix for branch %d", branch))
			}
			m(f)
		}
	}
	setRelease := func(id int64, m func(*ReleaseInfo)) func(*Env) {
		return func(e *Env) {
			r := e.Releases[id]
			m(&r)
			e.Releases[id] = r
		}
	}
	tests := []struct {
		name string
		tr   Transition
		from State
		c    []func(*Case)
		env  []func(*Env)
		want []string // failed guards, in order; nil: allowed
	}{
		// triage
		{name: "triage with a task force", tr: StartTriage, from: Received},
		{name: "triage without a task force", tr: StartTriage, from: Received,
			c: []func(*Case){func(c *Case) { c.TaskForce = nil }}, want: []string{noTaskForce}},
		{name: "triage with an empty task force", tr: StartTriage, from: Received,
			c: []func(*Case){func(c *Case) { c.TaskForce = []string{} }}, want: []string{noTaskForce}},

		// confirm
		{name: "confirm complete", tr: Confirm, from: Triage},
		{name: "confirm with a CVSS 4.0 vector only", tr: Confirm, from: Triage,
			c: []func(*Case){func(c *Case) {
				c.Risk = Risk{CVSS40: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
			}}},
		{name: "confirm without product", tr: Confirm, from: Triage,
			c: []func(*Case){func(c *Case) { c.ProductID = nil }}, want: []string{noProduct}},
		{name: "confirm without affected branch", tr: Confirm, from: Triage,
			c: []func(*Case){func(c *Case) { c.Fixes = nil }}, want: []string{noBranch}},
		{name: "confirm without risk vector", tr: Confirm, from: Triage,
			c:    []func(*Case){func(c *Case) { c.Risk = Risk{CWE: []string{"CWE-79"}, Tags: []string{"rce"}, Notes: "bad"} }},
			want: []string{noRisk}},
		{name: "confirm without severity", tr: Confirm, from: Triage,
			c: []func(*Case){func(c *Case) { c.Severity = "" }}, want: []string{noSeverity}},
		{name: "confirm with nothing", tr: Confirm, from: Triage,
			c:    []func(*Case){func(c *Case) { c.ProductID, c.Fixes, c.Risk, c.Severity = nil, nil, Risk{}, "" }},
			want: []string{noProduct, noBranch, noRisk, noSeverity}},

		// start_fix
		{name: "start fix with change request", tr: StartFix, from: Confirmed},
		{name: "start fix without change request", tr: StartFix, from: Confirmed,
			c: []func(*Case){func(c *Case) { c.ChangeRequest = nil }}, want: []string{noCR}},
		{name: "start fix with an empty change request ref", tr: StartFix, from: Confirmed,
			c: []func(*Case){func(c *Case) { c.ChangeRequest = &ChangeRequest{Tracker: "jira"} }}, want: []string{noCR}},

		// ready
		{name: "ready complete", tr: MarkReady, from: Fixing},
		{name: "ready without CVE ID", tr: MarkReady, from: Fixing,
			c: []func(*Case){func(c *Case) { c.CVEID = "" }}, want: []string{noCVE}},
		{name: "ready with a blank CVE description", tr: MarkReady, from: Fixing,
			c: []func(*Case){func(c *Case) { c.CVEDraft.Description = " \n\t" }}, want: []string{noDescription}},
		{name: "ready with a blank summary", tr: MarkReady, from: Fixing,
			c: []func(*Case){func(c *Case) { c.Summary = "  " }}, want: []string{noSummary}},
		{name: "ready without planned disclosure", tr: MarkReady, from: Fixing,
			c: []func(*Case){func(c *Case) { c.PlannedDisclose = nil }},
			// 2.7.4 is only planned, and there is no disclosure for it to be scheduled for.
			want: []string{noPlanned, r27Unplanned}},
		{name: "ready without planned disclosure, every release published", tr: MarkReady, from: Fixing,
			c:    []func(*Case){func(c *Case) { c.PlannedDisclose = nil }},
			env:  []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.Published = true })},
			want: []string{noPlanned}},
		{name: "ready with a fix only committed", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch41, func(f *Fix) { f.Status = FixFixed })},
			want: []string{"branch 41: fix is fixed, not verified"}},
		{name: "ready with a fix pending", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch27, func(f *Fix) { f.Status = FixPending })},
			want: []string{"branch 2.7: fix is pending, not verified"}},
		{name: "ready with a fix in progress", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch27, func(f *Fix) { f.Status = FixInProgress })},
			want: []string{"branch 2.7: fix is in_progress, not verified"}},
		{name: "ready without release", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch41, func(f *Fix) { f.ReleaseID = nil })},
			want: []string{"branch 41: no release carries the fix"}},
		{name: "ready with an unknown release", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch41, func(f *Fix) { f.ReleaseID = ptr(int64(99)) })},
			want: []string{"branch 41: release 99 is unknown"}},
		{name: "ready with a release of another branch", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch41, func(f *Fix) { f.ReleaseID = ptr(release27) })},
			want: []string{"branch 41: release 2.7.4 is on another branch"}},
		{name: "ready with the release of an end-of-life branch", tr: MarkReady, from: Fixing,
			c:    []func(*Case){setFix(branch41, func(f *Fix) { f.ReleaseID = ptr(release10) })},
			want: []string{"branch 41: release 1.0.9 is on another branch"}},
		{name: "ready with a release neither published nor planned", tr: MarkReady, from: Fixing,
			env:  []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.PlannedAt = nil })},
			want: []string{r27Unplanned}},
		{name: "ready with a release planned after the disclosure", tr: MarkReady, from: Fixing,
			env:  []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.PlannedAt = ptr(disclosure.Add(time.Second)) })},
			want: []string{r27Unplanned}},
		{name: "ready with a release planned at the disclosure", tr: MarkReady, from: Fixing,
			env: []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.PlannedAt = ptr(disclosure) })}},
		{name: "ready with a release planned at the disclosure in another zone", tr: MarkReady, from: Fixing,
			env: []func(*Env){setRelease(release27, func(r *ReleaseInfo) {
				r.PlannedAt = ptr(disclosure.In(time.FixedZone("CET", 3600)))
			})}},
		{name: "ready with a published release planned after the disclosure", tr: MarkReady, from: Fixing,
			env: []func(*Env){setRelease(release27, func(r *ReleaseInfo) {
				r.Published, r.PlannedAt = true, ptr(disclosure.Add(24*time.Hour))
			})}},
		{name: "ready skips end-of-life branches", tr: MarkReady, from: Fixing,
			c: []func(*Case){setFix(branch10, func(f *Fix) { f.Status, f.ReleaseID = FixInProgress, ptr(int64(99)) })}},
		{name: "ready with an affected branch that is unknown", tr: MarkReady, from: Fixing,
			c:    []func(*Case){func(c *Case) { c.Fixes = append(c.Fixes, Fix{BranchID: 9, Status: FixVerified}) }},
			want: []string{"branch 9 is unknown"}},
		{name: "ready with only end-of-life branches", tr: MarkReady, from: Fixing,
			c:    []func(*Case){func(c *Case) { c.Fixes = c.Fixes[2:] }},
			want: []string{noMaintained}},
		{name: "ready with no affected branch", tr: MarkReady, from: Fixing,
			c:    []func(*Case){func(c *Case) { c.Fixes = nil }},
			want: []string{noMaintained}},
		{name: "ready when a branch went out of maintenance", tr: MarkReady, from: Fixing,
			c: []func(*Case){setFix(branch27, func(f *Fix) { f.Status, f.ReleaseID = FixPending, nil })},
			env: []func(*Env){func(e *Env) {
				b := e.Branches[branch27]
				b.Maintained = false
				e.Branches[branch27] = b
			}}},
		{name: "ready with everything missing", tr: MarkReady, from: Fixing,
			c: []func(*Case){
				func(c *Case) { c.CVEID, c.CVEDraft, c.Summary, c.PlannedDisclose = "", CVEDraft{}, "", nil },
				setFix(branch41, func(f *Fix) { f.Status, f.ReleaseID = FixInProgress, nil }),
				setFix(branch27, func(f *Fix) { f.Status = FixFixed }),
			},
			want: []string{noCVE, noDescription, noSummary, noPlanned,
				"branch 41: fix is in_progress, not verified", "branch 41: no release carries the fix",
				"branch 2.7: fix is fixed, not verified", r27Unplanned}},

		// disclose
		{name: "disclose at the planned time", tr: Disclose, from: Ready},
		{name: "disclose after the planned time", tr: Disclose, from: Ready,
			env: []func(*Env){func(e *Env) { e.Now = disclosure.Add(time.Hour) }}},
		{name: "disclose at the planned time seen from another zone", tr: Disclose, from: Ready,
			env: []func(*Env){func(e *Env) { e.Now = disclosure.In(time.FixedZone("PST", -8*3600)) }}},
		{name: "disclose a second before the planned time", tr: Disclose, from: Ready,
			env:  []func(*Env){func(e *Env) { e.Now = disclosure.Add(-time.Second) }},
			want: []string{notYet}},
		{name: "disclose before the planned time and without CVE ID", tr: Disclose, from: Ready,
			c:    []func(*Case){func(c *Case) { c.CVEID = "" }},
			env:  []func(*Env){func(e *Env) { e.Now = t0 }},
			want: []string{noCVE, notYet}},
		{name: "disclose with a fix no longer verified", tr: Disclose, from: Ready,
			c:    []func(*Case){setFix(branch27, func(f *Fix) { f.Status = FixFixed })},
			want: []string{"branch 2.7: fix is fixed, not verified"}},
		{name: "disclose with its release moved after the disclosure", tr: Disclose, from: Ready,
			env:  []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.PlannedAt = ptr(disclosure.Add(time.Hour)) })},
			want: []string{r27Unplanned}},
		{name: "disclose without planned disclosure", tr: Disclose, from: Ready,
			c:    []func(*Case){func(c *Case) { c.PlannedDisclose = nil }},
			env:  []func(*Env){setRelease(release27, func(r *ReleaseInfo) { r.Published = true })},
			want: []string{noPlanned}},

		// reject
		{name: "reject not reproducible", tr: Reject, from: Received,
			env: []func(*Env){func(e *Env) { e.Reason = NotReproducible }}},
		{name: "reject not a vulnerability", tr: Reject, from: Triage,
			env: []func(*Env){func(e *Env) { e.Reason = NotVulnerability }}},
		{name: "reject out of scope", tr: Reject, from: Confirmed,
			env: []func(*Env){func(e *Env) { e.Reason = OutOfScope }}},
		{name: "reject as duplicate", tr: Reject, from: Triage,
			env: []func(*Env){func(e *Env) { e.Reason, e.DuplicateOf = DuplicateOf, ptr(int64(3)) }}},
		{name: "reject without reason", tr: Reject, from: Received,
			env: []func(*Env){func(e *Env) { e.Reason = "" }}, want: []string{noReason}},
		{name: "reject with an unknown reason", tr: Reject, from: Triage,
			env: []func(*Env){func(e *Env) { e.Reason = "boring" }}, want: []string{noReason}},
		{name: "reject as duplicate of nothing", tr: Reject, from: Triage,
			env: []func(*Env){func(e *Env) { e.Reason, e.DuplicateOf = DuplicateOf, nil }}, want: []string{noDupTarget}},
		{name: "reject as duplicate of itself", tr: Reject, from: Triage,
			env: []func(*Env){func(e *Env) { e.Reason, e.DuplicateOf = DuplicateOf, ptr(int64(7)) }}, want: []string{dupSelf}},

		// reopen has no guard
		{name: "reopen ready", tr: Reopen, from: Ready,
			c: []func(*Case){func(c *Case) { c.CVEID, c.Summary = "", "" }}},
		{name: "reopen rejected", tr: Reopen, from: Rejected,
			c: []func(*Case){func(c *Case) { c.TaskForce, c.ProductID = nil, nil }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := readyCase(tt.from, tt.c...)
			env := testEnv(tt.env...)

			if got := c.Allowed(env)[tt.tr]; !cmp.Equal(tt.want, got, cmpopts.EquateEmpty()) {
				t.Errorf("Allowed()[%s] = %q, want %q", tt.tr, got, tt.want)
			}
			err := c.Check(tt.tr, env)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want nil", tt.tr, err)
				}
				if err := c.Apply(tt.tr, env); err != nil {
					t.Fatalf("Apply(%s) = %v, want nil", tt.tr, err)
				}
				if want := wantEdges[tt.tr][tt.from]; c.State != want {
					t.Errorf("state = %s, want %s", c.State, want)
				}
				return
			}
			var ge *GuardError
			if !errors.As(err, &ge) || !errors.Is(err, ErrTransition) {
				t.Fatalf("Check(%s) = %v, want a GuardError wrapping ErrTransition", tt.tr, err)
			}
			want := &GuardError{Transition: tt.tr, From: tt.from, Failed: tt.want}
			if diff := cmp.Diff(want, ge); diff != "" {
				t.Errorf("GuardError (-want +got):\n%s", diff)
			}
			before := clone(c)
			if err := c.Apply(tt.tr, env); err == nil || err.Error() != ge.Error() {
				t.Errorf("Apply(%s) = %v, want the same error as Check: %v", tt.tr, err, ge)
			}
			if diff := cmp.Diff(before, c); diff != "" {
				t.Errorf("a refused transition changed the case (-before +after):\n%s", diff)
			}
		})
	}
}

func TestGuardErrorMessage(t *testing.T) {
	c := readyCase(Triage, func(c *Case) { c.ProductID, c.Severity = nil, "" })
	err := c.Apply(Confirm, testEnv())
	want := "confirm from triage: the affected product is not set; no severity derived from the risk"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	wrapped := fmt.Errorf("case %s: %w", c.Key, err)
	var ge *GuardError
	if !errors.Is(wrapped, ErrTransition) || !errors.As(wrapped, &ge) || ge.Transition != Confirm {
		t.Errorf("wrapped error %v lost its GuardError", wrapped)
	}
}

func TestAllowed(t *testing.T) {
	const noTaskForce = "a task force needs at least one member"
	const noReason = "a rejection needs a reason: not_reproducible, not_a_vulnerability, duplicate or out_of_scope"
	tests := []struct {
		name string
		c    *Case
		env  Env
		want map[Transition][]string
	}{
		{
			name: "received, nothing done",
			c:    &Case{ID: 1, State: Received},
			env:  Env{Now: t0},
			want: map[Transition][]string{StartTriage: {noTaskForce}, Reject: {noReason}},
		},
		{
			name: "received, task force formed, reason given",
			c:    readyCase(Received),
			env:  testEnv(),
			want: map[Transition][]string{StartTriage: nil, Reject: nil},
		},
		{
			name: "triage",
			c:    readyCase(Triage, func(c *Case) { c.Severity = "" }),
			env:  testEnv(func(e *Env) { e.Reason = "" }),
			want: map[Transition][]string{Confirm: {"no severity derived from the risk"}, Reject: {noReason}},
		},
		{
			name: "confirmed",
			c:    readyCase(Confirmed),
			env:  testEnv(),
			want: map[Transition][]string{StartFix: nil, Reject: nil},
		},
		{
			name: "fixing",
			c:    readyCase(Fixing, func(c *Case) { c.CVEID = "" }),
			env:  testEnv(),
			want: map[Transition][]string{MarkReady: {"no CVE ID is recorded"}},
		},
		{
			name: "ready, before the disclosure",
			c:    readyCase(Ready),
			env:  testEnv(func(e *Env) { e.Now = t0 }),
			want: map[Transition][]string{
				Disclose: {"the planned disclosure time 2026-03-16T14:00:00Z has not come"},
				Reopen:   nil,
			},
		},
		{
			name: "disclosed",
			c:    readyCase(Disclosed),
			env:  testEnv(),
			want: map[Transition][]string{},
		},
		{
			name: "rejected",
			c:    readyCase(Rejected),
			env:  testEnv(),
			want: map[Transition][]string{Reopen: nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := clone(tt.c)
			got := tt.c.Allowed(tt.env)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Allowed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.c); diff != "" {
				t.Errorf("Allowed changed the case (-before +after):\n%s", diff)
			}
			// Allowed and Check agree.
			for _, tr := range Transitions {
				failed, listed := got[tr]
				err := tt.c.Check(tr, tt.env)
				if (err == nil) != (listed && len(failed) == 0) {
					t.Errorf("Check(%s) = %v, but Allowed lists %q (listed %v)", tr, err, failed, listed)
				}
			}
		})
	}
}

func TestApplyStampsUTC(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	at := func(d time.Duration) time.Time { return t0.Add(d).In(cet) }
	utc := func(d time.Duration) *time.Time { return ptr(t0.Add(d)) }

	c := readyCase(Received)
	step := func(tr Transition, now time.Time, mut ...func(*Env)) {
		t.Helper()
		env := testEnv(append([]func(*Env){func(e *Env) { e.Now = now }}, mut...)...)
		if err := c.Apply(tr, env); err != nil {
			t.Fatalf("Apply(%s): %v", tr, err)
		}
	}
	checkUTC := func(name string, p *time.Time) {
		t.Helper()
		if p != nil && p.Location() != time.UTC {
			t.Errorf("%s = %v, not in UTC", name, p)
		}
	}
	type stamps struct {
		TriagedAt, ConfirmedAt, ReadyAt, FixAvailableAt, DisclosedAt, ClosedAt *time.Time
		State                                                                  State
		RejectReason                                                           RejectReason
		DuplicateOf                                                            *int64
	}
	check := func(want stamps) {
		t.Helper()
		got := stamps{c.TriagedAt, c.ConfirmedAt, c.ReadyAt, c.FixAvailableAt, c.DisclosedAt, c.ClosedAt, c.State, c.RejectReason, c.DuplicateOf}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", c.State, diff)
		}
		for name, p := range map[string]*time.Time{"triaged_at": c.TriagedAt, "confirmed_at": c.ConfirmedAt,
			"ready_at": c.ReadyAt, "fix_available_at": c.FixAvailableAt, "disclosed_at": c.DisclosedAt, "closed_at": c.ClosedAt} {
			checkUTC(name, p)
		}
	}

	// received -> triage -> rejected -> triage (reopened) -> confirmed ->
	// fixing -> ready -> fixing (reopened) -> ready -> disclosed
	step(StartTriage, at(time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), State: Triage})

	step(Reject, at(2*time.Hour), func(e *Env) { e.Reason, e.DuplicateOf = DuplicateOf, ptr(int64(3)) })
	check(stamps{TriagedAt: utc(time.Hour), ClosedAt: utc(2 * time.Hour), State: Rejected,
		RejectReason: DuplicateOf, DuplicateOf: ptr(int64(3))})

	step(Reopen, at(3*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), State: Triage})

	step(Confirm, at(4*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour), State: Confirmed})

	step(StartFix, at(5*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour), State: Fixing})

	step(MarkReady, at(6*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour),
		ReadyAt: utc(6 * time.Hour), FixAvailableAt: utc(6 * time.Hour), State: Ready})

	step(Reopen, at(7*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour),
		FixAvailableAt: utc(6 * time.Hour), State: Fixing})

	// The fix stays available since the first time the case was ready.
	step(MarkReady, at(8*time.Hour))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour),
		ReadyAt: utc(8 * time.Hour), FixAvailableAt: utc(6 * time.Hour), State: Ready})

	later := disclosure.Add(30 * time.Minute)
	step(Disclose, later.In(cet))
	check(stamps{TriagedAt: utc(time.Hour), ConfirmedAt: utc(4 * time.Hour),
		ReadyAt: utc(8 * time.Hour), FixAvailableAt: utc(6 * time.Hour),
		DisclosedAt: ptr(later), ClosedAt: ptr(later), State: Disclosed})

	// The end: nothing leads out of disclosed.
	for _, tr := range Transitions {
		if err := c.Apply(tr, testEnv()); !errors.Is(err, ErrTransition) {
			t.Errorf("Apply(%s) from disclosed = %v, want ErrTransition", tr, err)
		}
	}
}

func TestApplyRejectArguments(t *testing.T) {
	tests := []struct {
		name    string
		reason  RejectReason
		dup     *int64
		wantDup *int64
	}{
		{name: "duplicate", reason: DuplicateOf, dup: ptr(int64(3)), wantDup: ptr(int64(3))},
		{name: "not reproducible ignores duplicate_of", reason: NotReproducible, dup: ptr(int64(3))},
		{name: "out of scope", reason: OutOfScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := readyCase(Triage)
			env := testEnv(func(e *Env) { e.Now, e.Reason, e.DuplicateOf = t0, tt.reason, tt.dup })
			if err := c.Apply(Reject, env); err != nil {
				t.Fatal(err)
			}
			if c.RejectReason != tt.reason {
				t.Errorf("RejectReason = %q, want %q", c.RejectReason, tt.reason)
			}
			if diff := cmp.Diff(tt.wantDup, c.DuplicateOf); diff != "" {
				t.Errorf("DuplicateOf (-want +got):\n%s", diff)
			}
			if tt.dup != nil {
				*tt.dup = 99 // the caller's value is not the case's
				if c.DuplicateOf != nil && *c.DuplicateOf != 3 {
					t.Errorf("DuplicateOf aliases the environment's pointer: %d", *c.DuplicateOf)
				}
			}
			if err := c.Apply(Reopen, testEnv()); err != nil {
				t.Fatal(err)
			}
			if c.State != Triage || c.RejectReason != "" || c.DuplicateOf != nil || c.ClosedAt != nil {
				t.Errorf("reopened: state %s, reason %q, duplicate_of %v, closed_at %v; want triage and cleared",
					c.State, c.RejectReason, c.DuplicateOf, c.ClosedAt)
			}
		})
	}
}

func TestReopenReadyKeepsRejection(t *testing.T) {
	// Reopening a ready case only takes it back to fixing; it touches nothing
	// of a rejection (there is none) or of the closing.
	c := readyCase(Ready, func(c *Case) { c.ReadyAt, c.FixAvailableAt = ptr(t0), ptr(t0) })
	if err := c.Apply(Reopen, testEnv()); err != nil {
		t.Fatal(err)
	}
	if c.State != Fixing || c.ReadyAt != nil || c.FixAvailableAt == nil || !c.FixAvailableAt.Equal(t0) {
		t.Errorf("state %s, ready_at %v, fix_available_at %v; want fixing, nil, %v", c.State, c.ReadyAt, c.FixAvailableAt, t0)
	}
}

func TestRiskEvaluated(t *testing.T) {
	tests := []struct {
		name string
		risk Risk
		want bool
	}{
		{"nothing", Risk{}, false},
		{"only CWE and tags", Risk{CWE: []string{"CWE-79"}, Tags: []string{"rce"}, Exploited: true}, false},
		{"CVSS 3.1", Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, true},
		{"CVSS 4.0", Risk{CVSS40: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.risk.Evaluated(); got != tt.want {
				t.Errorf("Evaluated() = %v, want %v", got, tt.want)
			}
		})
	}
}

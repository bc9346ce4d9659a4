package casework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// friday is a Friday evening.
var friday = time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC)

var alice = casework.Actor{Kind: "user", Name: "alice", Role: user.PSIRT}

const (
	high = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H" // 8.8
	low  = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N" // 2.0
)

// clock is the service's injected time, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// world is the service over a real store, with a product of two
// maintained branches and one at its end of life.
type world struct {
	t        *testing.T
	ctx      context.Context
	svc      *casework.Service
	clk      *clock
	product  product.Product
	branches []product.Branch // 7.3, 7.2 maintained; 7.1 end of life
}

func newWorld(t *testing.T, s *store.Store) *world {
	t.Helper()
	clk := &clock{t: friday}
	w := &world{t: t, ctx: context.Background(), clk: clk,
		svc: &casework.Service{Store: s, Policy: policy.Default(), Now: clk.Now, BaseURL: "https://vigil.example"}}
	var err error
	if w.product, err = w.svc.CreateProduct(w.ctx, alice, product.Product{Slug: "vault", Name: "Vault"}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		name, release string
		status        product.BranchStatus
	}{{"7.3", "7.3.4", product.Maintained}, {"7.2", "7.2.9", product.Maintained}, {"7.1", "7.1.9", product.EndOfLife}} {
		br, err := w.svc.CreateBranch(w.ctx, alice, product.Branch{ProductID: w.product.ID, Name: b.name, Status: b.status})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreateRelease(w.ctx, alice, casework.NewRelease{BranchID: br.ID, Version: b.release, State: product.Published}); err != nil {
			t.Fatal(err)
		}
		w.branches = append(w.branches, br)
	}
	return w
}

// submit takes a report in; its case is returned by caseOf.
func (w *world) submit(title string) report.Report {
	w.t.Helper()
	r, _, err := w.svc.Submit(w.ctx, casework.Public, report.Report{Channel: report.Web, Title: title, Body: "steps",
		Reporter: report.Contact{Name: "Rita Reporter", Email: "rita@example.org"}})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *world) caseOf(r report.Report) vcase.Case {
	w.t.Helper()
	return w.load(*r.CaseID)
}

func (w *world) load(id int64) vcase.Case {
	w.t.Helper()
	c, err := w.svc.Store.CaseByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) report(id int64) report.Report {
	w.t.Helper()
	r, err := w.svc.Store.ReportByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *world) update(id int64, p casework.CasePatch) vcase.Case {
	w.t.Helper()
	c, err := w.svc.UpdateCase(w.ctx, alice, id, p)
	if err != nil {
		w.t.Fatalf("update case %d: %v", id, err)
	}
	return c
}

func (w *world) transition(id int64, t vcase.Transition, args casework.TransitionArgs) vcase.Case {
	w.t.Helper()
	c, err := w.svc.Transition(w.ctx, alice, id, t, args)
	if err != nil {
		w.t.Fatalf("%s case %d: %v", t, id, err)
	}
	return c
}

// walk takes a case from where it is up to until, with the risk given, the
// planned disclosure at planned; the clock moves an hour per step.
func (w *world) walk(id int64, until vcase.State, risk vcase.Risk, planned time.Time) vcase.Case {
	w.t.Helper()
	c := w.load(id)
	step := func() { w.clk.Advance(time.Hour) }
	if c.State == vcase.Received {
		w.update(id, casework.CasePatch{TaskForce: &[]string{"alice"}})
		c = w.transition(id, vcase.StartTriage, casework.TransitionArgs{})
		step()
	}
	if until == vcase.Triage {
		return c
	}
	if c.State == vcase.Triage {
		var bids []int64
		for _, b := range w.branches {
			bids = append(bids, b.ID)
		}
		summary, details := "zqsummary of "+c.Key, "zqdetails of "+c.Key
		if len(risk.CWE) == 0 && risk.Evaluated() {
			risk.CWE = []string{"CWE-20"}
		}
		w.update(id, casework.CasePatch{ProductID: &w.product.ID, AffectedBranches: &bids, Risk: &risk, Summary: &summary, Details: &details})
		c = w.transition(id, vcase.Confirm, casework.TransitionArgs{})
		step()
	}
	if until == vcase.Confirmed {
		return c
	}
	if c.State == vcase.Confirmed {
		cve := fmt.Sprintf("CVE-2026-%d", 10000+id)
		draft := vcase.CVEDraft{Description: "zqcvedraft of " + c.Key + ": improper input validation lets remote attackers crash the service."}
		cr := vcase.ChangeRequest{Ref: "ZQCR-" + c.Key}
		w.update(id, casework.CasePatch{CVEID: &cve, CVEDraft: &draft, ChangeRequest: &cr})
		c = w.transition(id, vcase.StartFix, casework.TransitionArgs{})
		for _, b := range w.branches[:2] {
			rel, err := w.svc.CreateRelease(w.ctx, alice, casework.NewRelease{BranchID: b.ID, State: product.QA, PlannedAt: &planned})
			if err != nil {
				w.t.Fatal(err)
			}
			st, ev := vcase.FixVerified, "zqevidence"
			if c, err = w.svc.UpdateFix(w.ctx, alice, id, b.ID, casework.FixPatch{Status: &st, ReleaseID: &rel.ID, Evidence: &ev}); err != nil {
				w.t.Fatal(err)
			}
		}
		step()
	}
	if until == vcase.Fixing {
		return c
	}
	if c.State == vcase.Fixing {
		w.update(id, casework.CasePatch{PlannedDisclosure: &planned})
		c = w.transition(id, vcase.MarkReady, casework.TransitionArgs{})
	}
	if until == vcase.Ready {
		return c
	}
	if w.clk.Now().Before(planned) {
		w.clk.Set(planned)
	}
	return w.transition(id, vcase.Disclose, casework.TransitionArgs{})
}

func (w *world) audit() []audit.Event {
	w.t.Helper()
	es, err := w.svc.Store.ListAudit(w.ctx, store.AuditFilter{Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return es
}

func countAudit(es []audit.Event, action, object string) int {
	n := 0
	for _, e := range es {
		if e.Action == action && e.Object == object {
			n++
		}
	}
	return n
}

// TestLinkReport merges reports into another case: an emptied case is
// rejected as a duplicate, a case that keeps a report stays open.
func TestLinkReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		r1, r2, r3 := w.submit("first"), w.submit("second"), w.submit("third")
		c1, c2, c3 := w.caseOf(r1), w.caseOf(r2), w.caseOf(r3)
		w.walk(c1.ID, vcase.Triage, vcase.Risk{}, time.Time{})

		// r3 joins c2: c3 has no report left and is rejected as c2's duplicate.
		got, err := w.svc.LinkReport(w.ctx, alice, r3.ID, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != report.Duplicate || *got.CaseID != c2.ID {
			t.Errorf("linked report: %s case %d", got.State, *got.CaseID)
		}
		c3 = w.load(c3.ID)
		if c3.State != vcase.Rejected || c3.RejectReason != vcase.DuplicateOf || c3.DuplicateOf == nil || *c3.DuplicateOf != c2.ID || c3.ClosedAt == nil {
			t.Errorf("emptied case: %s %s %v %v", c3.State, c3.RejectReason, c3.DuplicateOf, c3.ClosedAt)
		}

		// r2 joins c1: c2 still holds r3, so it stays open.
		if _, err := w.svc.LinkReport(w.ctx, alice, r2.ID, c1.ID); err != nil {
			t.Fatal(err)
		}
		if c2 = w.load(c2.ID); c2.State != vcase.Received {
			t.Errorf("case keeping a report: %s", c2.State)
		}
		if r := w.report(r2.ID); r.State != report.Duplicate || *r.CaseID != c1.ID {
			t.Errorf("second link: %s case %d", r.State, *r.CaseID)
		}

		// Nothing joins a rejected case; nothing joins a missing one.
		var inv *casework.InvalidError
		if _, err := w.svc.LinkReport(w.ctx, alice, r1.ID, c3.ID); !errors.As(err, &inv) {
			t.Errorf("link to a rejected case: %v", err)
		}
		if _, err := w.svc.LinkReport(w.ctx, alice, r1.ID, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("link to a missing case: %v", err)
		}
		if r := w.report(r1.ID); r.State != report.Linked || *r.CaseID != c1.ID {
			t.Errorf("refused links changed r1: %s %d", r.State, *r.CaseID)
		}

		es := w.audit()
		if n := countAudit(es, "case.reject", "case:"+c3.Key); n != 1 {
			t.Errorf("case.reject of %s: %d", c3.Key, n)
		}
		if n := countAudit(es, "case.reject", "case:"+c2.Key); n != 0 {
			t.Errorf("case.reject of %s: %d", c2.Key, n)
		}
		for _, r := range []report.Report{r2, r3} {
			if n := countAudit(es, "report.link", "report:"+r.TrackingID); n != 1 {
				t.Errorf("report.link of %s: %d", r.TrackingID, n)
			}
		}
	})
}

// TestReportStates follows the reports along their cases: new, linked at
// triage, duplicate, closed when the case ends, linked again on reopening.
func TestReportStates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		r1, r2, r3 := w.submit("main"), w.submit("duplicate by link"), w.submit("duplicate by rejection")
		r4 := w.submit("not reproducible")
		c1, c3, c4 := w.caseOf(r1), w.caseOf(r3), w.caseOf(r4)
		states := func() []report.State {
			var out []report.State
			for _, r := range []report.Report{r1, r2, r3, r4} {
				out = append(out, w.report(r.ID).State)
			}
			return out
		}
		check := func(when string, want ...report.State) {
			t.Helper()
			if diff := cmp.Diff(want, states()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", when, diff)
			}
		}
		check("after intake", report.New, report.New, report.New, report.New)

		w.walk(c1.ID, vcase.Triage, vcase.Risk{}, time.Time{})
		check("after triage of c1", report.Linked, report.New, report.New, report.New)

		if _, err := w.svc.LinkReport(w.ctx, alice, r2.ID, c1.ID); err != nil {
			t.Fatal(err)
		}
		w.walk(c3.ID, vcase.Triage, vcase.Risk{}, time.Time{})
		w.transition(c3.ID, vcase.Reject, casework.TransitionArgs{Reason: vcase.DuplicateOf, DuplicateOf: &c1.ID})
		if r := w.report(r3.ID); *r.CaseID != c1.ID {
			t.Errorf("the duplicate report follows the case it duplicates: case %d, want %d", *r.CaseID, c1.ID)
		}
		w.walk(c4.ID, vcase.Triage, vcase.Risk{}, time.Time{})
		w.transition(c4.ID, vcase.Reject, casework.TransitionArgs{Reason: vcase.NotReproducible})
		check("after the rejections", report.Linked, report.Duplicate, report.Duplicate, report.Closed)

		w.transition(c4.ID, vcase.Reopen, casework.TransitionArgs{})
		check("after reopening c4", report.Linked, report.Duplicate, report.Duplicate, report.Linked)

		c1 = w.walk(c1.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		if c1.State != vcase.Disclosed {
			t.Fatalf("c1: %s", c1.State)
		}
		check("after the disclosure of c1", report.Closed, report.Closed, report.Closed, report.Linked)
	})
}

func clockIDs(ds []policy.Deadline) []string {
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.Clock.ID)
	}
	return ids
}

func deadline(t *testing.T, ds []policy.Deadline, id string) policy.Deadline {
	t.Helper()
	for _, d := range ds {
		if d.Clock.ID == id {
			return d
		}
	}
	t.Fatalf("no %s clock in %v", id, clockIDs(ds))
	return policy.Deadline{}
}

// TestDeadlines checks the clocks of the default policy on real cases.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	fix, ok := policy.Default().Clock("fix")
	if !ok || fix.Duration.String() != "5 business days" {
		t.Fatalf("the default policy's fix clock: %+v (found %v)", fix, ok)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)

		// Received Friday evening: triage is due 24 h later, on Saturday.
		c := w.caseOf(w.submit("friday evening"))
		ds := w.svc.Deadlines(c)
		if !slices.Equal(clockIDs(ds), []string{"triage"}) {
			t.Fatalf("clocks of a new case: %v", clockIDs(ds))
		}
		tr := ds[0]
		if !tr.Start.Equal(friday) || !tr.Due.Equal(time.Date(2026, 3, 7, 18, 0, 0, 0, time.UTC)) || !tr.Stopped.IsZero() {
			t.Errorf("triage: start %v due %v stopped %v", tr.Start, tr.Due, tr.Stopped)
		}
		if tr.Breached(tr.Due) || !tr.Breached(tr.Due.Add(time.Minute)) {
			t.Error("triage breach: not exactly at due, after it")
		}

		// Received Tuesday noon, confirmed high on Wednesday 10:00 before
		// Easter: 5 business days skip Good Friday, the weekend and Easter
		// Monday.
		w.clk.Set(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC))
		c = w.caseOf(w.submit("before easter"))
		w.walk(c.ID, vcase.Triage, vcase.Risk{}, time.Time{})
		confirmed := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		w.clk.Set(confirmed)
		c = w.walk(c.ID, vcase.Confirmed, vcase.Risk{CVSS31: high}, time.Time{})
		if c.Severity != "high" || !c.ConfirmedAt.Equal(confirmed) {
			t.Fatalf("confirmed: %s at %v", c.Severity, c.ConfirmedAt)
		}
		ds = w.svc.Deadlines(c)
		if !slices.Equal(clockIDs(ds), []string{"triage", "fix"}) {
			t.Fatalf("clocks of a confirmed high case: %v", clockIDs(ds))
		}
		if tr := deadline(t, ds, "triage"); !tr.Met() || !tr.Stopped.Equal(confirmed) {
			t.Errorf("triage: %+v", tr)
		}
		if fx := deadline(t, ds, "fix"); !fx.Start.Equal(confirmed) || !fx.Due.Equal(time.Date(2026, 4, 10, 10, 0, 0, 0, time.UTC)) || !fx.Stopped.IsZero() {
			t.Errorf("fix: start %v due %v stopped %v", fx.Start, fx.Due, fx.Stopped)
		}

		// Ready stops the fix clock; a low case has no fix clock at all.
		c = w.walk(c.ID, vcase.Ready, vcase.Risk{}, confirmed.Add(10*24*time.Hour))
		if fx := deadline(t, w.svc.Deadlines(c), "fix"); !fx.Met() || !fx.Stopped.Equal(*c.FixAvailableAt) {
			t.Errorf("fix after ready: %+v", fx)
		}
		c = w.caseOf(w.submit("low"))
		c = w.walk(c.ID, vcase.Confirmed, vcase.Risk{CVSS31: low}, time.Time{})
		if c.Severity != "low" || slices.Contains(clockIDs(w.svc.Deadlines(c)), "fix") {
			t.Errorf("low case: %s, clocks %v", c.Severity, clockIDs(w.svc.Deadlines(c)))
		}
	})
}

// TestExploitedStartsCRAClocks: knowing of active exploitation starts the
// Cyber Resilience Act clocks, once; the fix starts the final report's.
func TestExploitedStartsCRAClocks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.caseOf(w.submit("exploited"))
		c = w.walk(c.ID, vcase.Confirmed, vcase.Risk{CVSS31: high}, time.Time{})
		for _, id := range clockIDs(w.svc.Deadlines(c)) {
			if strings.HasPrefix(id, "cra-") {
				t.Errorf("%s runs before exploitation is known", id)
			}
		}

		known := w.clk.Now()
		c = w.update(c.ID, casework.CasePatch{Risk: &vcase.Risk{CVSS31: high, Exploited: true}})
		if c.ExploitedKnown == nil || !c.ExploitedKnown.Equal(known) {
			t.Fatalf("exploitation known at %v, want %v", c.ExploitedKnown, known)
		}
		ds := w.svc.Deadlines(c)
		if d := deadline(t, ds, "cra-early-warning"); !d.Start.Equal(known) || !d.Due.Equal(known.Add(24*time.Hour)) {
			t.Errorf("early warning: %v -> %v", d.Start, d.Due)
		}
		if d := deadline(t, ds, "cra-notification"); !d.Due.Equal(known.Add(72 * time.Hour)) {
			t.Errorf("notification due %v", d.Due)
		}
		if slices.Contains(clockIDs(ds), "cra-final-report") {
			t.Error("the final report runs before a fix is available")
		}

		// A later risk update keeps the first awareness.
		w.clk.Advance(5 * time.Hour)
		c = w.update(c.ID, casework.CasePatch{Risk: &vcase.Risk{CVSS31: high, CWE: []string{"CWE-20"}, Exploited: true, PublicPoC: true}})
		if !c.ExploitedKnown.Equal(known) {
			t.Errorf("exploitation known moved to %v", c.ExploitedKnown)
		}

		c = w.walk(c.ID, vcase.Ready, vcase.Risk{}, w.clk.Now().Add(72*time.Hour))
		if d := deadline(t, w.svc.Deadlines(c), "cra-final-report"); !d.Start.Equal(*c.FixAvailableAt) || !d.Due.Equal(c.FixAvailableAt.AddDate(0, 0, 14)) {
			t.Errorf("final report: %v -> %v, fix available %v", d.Start, d.Due, c.FixAvailableAt)
		}
	})
}

// TestScheduleHidesDetails: the coming disclosures, soonest first, with
// what will be announced and nothing technical.
func TestScheduleHidesDetails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		early, late := friday.Add(5*24*time.Hour), friday.Add(9*24*time.Hour)
		later := w.walk(w.caseOf(w.submit("later")).ID, vcase.Ready, vcase.Risk{CVSS31: high}, late)
		sooner := w.walk(w.caseOf(w.submit("sooner")).ID, vcase.Ready, vcase.Risk{CVSS31: high}, early)
		open := w.walk(w.caseOf(w.submit("open")).ID, vcase.Confirmed, vcase.Risk{CVSS31: low}, time.Time{})
		w.walk(w.caseOf(w.submit("triage")).ID, vcase.Triage, vcase.Risk{}, time.Time{})
		w.caseOf(w.submit("received"))

		got, err := w.svc.Schedule(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, a := range got {
			keys = append(keys, a.Case)
		}
		if diff := cmp.Diff([]string{sooner.Key, later.Key, open.Key}, keys); diff != "" {
			t.Fatalf("schedule order (-want +got):\n%s", diff)
		}
		a := got[0]
		if a.Summary != "zqsummary of "+sooner.Key || a.PlannedDisclosure == nil || !a.PlannedDisclosure.Equal(early) || a.Severity != "high" ||
			a.Product != "Vault" || !slices.Equal(a.Branches, []string{"7.3", "7.2", "7.1"}) || !slices.Equal(a.FixedVersions, []string{"7.3.6", "7.2.11"}) {
			t.Errorf("announcement: %+v", a)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"zqdetails", "zqcvedraft", "ZQCR-", "zqevidence", "Rita", "rita@", "CVE-2026", `"details"`, `"cve_draft"`, `"reporter"`} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the schedule shows %q", secret)
			}
		}
	})
}

// TestConcurrentUpdate: two writers holding the same version race; one
// wins, the other gets ErrConflict, and the case moves one version.
func TestConcurrentUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.walk(w.caseOf(w.submit("race")).ID, vcase.Triage, vcase.Risk{}, time.Time{})
		for round := range 5 {
			v := c.Version
			titles := []string{fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)}
			errs := make([]error, 2)
			var start, done sync.WaitGroup
			start.Add(1)
			for i := range 2 {
				done.Go(func() {
					start.Wait()
					_, errs[i] = w.svc.UpdateCase(w.ctx, alice, c.ID, casework.CasePatch{Version: &v, Title: &titles[i]})
				})
			}
			start.Done()
			done.Wait()
			won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
			lost := 1 - won
			if won < 0 || !errors.Is(errs[lost], store.ErrConflict) {
				t.Fatalf("round %d: errors %v, want one nil and one conflict", round, errs)
			}
			c = w.load(c.ID)
			if c.Version != v+1 || c.Title != titles[won] {
				t.Errorf("round %d: version %d title %q, want %d %q", round, c.Version, c.Title, v+1, titles[won])
			}
		}
		if n := countAudit(w.audit(), "case.update", "case:"+c.Key); n != 1+5 {
			t.Errorf("case.update events: %d, want 6 (task force + one per round)", n)
		}
	})
}

// TestCaseRead: a person's read of an embargoed case is audited; vigil's
// own reads and reads after the disclosure are not.
func TestCaseRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.caseOf(w.submit("read me"))
		obj := "case:" + c.Key
		if _, err := w.svc.Case(w.ctx, alice, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Case(w.ctx, casework.System, c.ID); err != nil {
			t.Fatal(err)
		}
		if n := countAudit(w.audit(), "case.read", obj); n != 1 {
			t.Errorf("reads audited before the disclosure: %d, want 1", n)
		}
		w.walk(c.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(6*24*time.Hour))
		if _, err := w.svc.Case(w.ctx, alice, c.ID); err != nil {
			t.Fatal(err)
		}
		if n := countAudit(w.audit(), "case.read", obj); n != 1 {
			t.Errorf("reads audited after the disclosure: %d, want still 1", n)
		}
		if _, err := w.svc.Case(w.ctx, alice, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing case: %v", err)
		}
	})
}

// TestCVELintGuardsReady: the CVE record a case would publish is linted
// while the case is private, and ready waits until no problem remains.
func TestCVELintGuardsReady(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.caseOf(w.submit("lint"))
		planned := friday.Add(10 * 24 * time.Hour)
		c = w.walk(c.ID, vcase.Fixing, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, planned)
		short := vcase.CVEDraft{Description: "Crash. Credit: Rita Reporter"}
		credits := []vcase.Credit{{Name: "Rita Reporter", Type: "finder"}}
		c = w.update(c.ID, casework.CasePatch{CVEDraft: &short, Credits: &credits, PlannedDisclosure: &planned})
		p, err := w.svc.PreviewCVE(w.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, pr := range p.Problems {
			msgs = append(msgs, pr.Error())
		}
		for _, want := range []string{"too short", "Rita Reporter"} {
			if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, want) }) {
				t.Errorf("lint problems %q lack one about %q", msgs, want)
			}
		}
		if p.Record.CVEMetadata.CVEID != c.CVEID {
			t.Errorf("preview names %q, want %s", p.Record.CVEMetadata.CVEID, c.CVEID)
		}
		_, err = w.svc.Transition(w.ctx, alice, c.ID, vcase.MarkReady, casework.TransitionArgs{})
		var guard *vcase.GuardError
		if !errors.As(err, &guard) || !slices.ContainsFunc(guard.Failed, func(f string) bool { return strings.HasPrefix(f, "CVE record: ") }) {
			t.Fatalf("ready with lint problems: %v", err)
		}
		good := vcase.CVEDraft{Description: "Improper input validation in the export of Vault before 7.3.5 lets remote attackers crash the service."}
		c = w.update(c.ID, casework.CasePatch{CVEDraft: &good})
		if p, _ := w.svc.PreviewCVE(w.ctx, c); len(p.Problems) != 0 {
			t.Fatalf("lint problems remain: %v", p.Problems)
		}
		if c = w.transition(c.ID, vcase.MarkReady, casework.TransitionArgs{}); c.State != vcase.Ready {
			t.Errorf("state %s, want ready", c.State)
		}
	})
}

// TestReviseAndWithdraw: a disclosed advisory gains revisions, each with its
// outbox rows; a withdrawal is the last one and rejects the CVE record.
func TestReviseAndWithdraw(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		c := w.caseOf(w.submit("revise"))
		if _, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "early"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("revising an undisclosed case: %v, want ErrConflict", err)
		}
		c = w.walk(c.ID, vcase.Disclosed, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, friday.Add(10*24*time.Hour))
		var inv *casework.InvalidError
		if _, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "", Title: new(string)}); !errors.As(err, &inv) || len(inv.Problems) != 2 {
			t.Errorf("empty changes and title: %v, want both problems", err)
		}
		wa := "Block the endpoint."
		rev, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "Added a workaround.", Workaround: &wa})
		if err != nil || rev.Number != 2 || rev.Workaround != wa || rev.Status != "final" {
			t.Fatalf("revision 2: %+v %v", rev, err)
		}
		rev, err = w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "Withdrawn.", Withdraw: true})
		if err != nil || rev.Number != 3 || rev.Status != "withdrawn" {
			t.Fatalf("withdrawal: %+v %v", rev, err)
		}
		if got := w.load(c.ID); got.CVEState != vcase.CVERejected {
			t.Errorf("CVE state %q after the withdrawal, want rejected", got.CVEState)
		}
		if _, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "again"}); !errors.Is(err, casework.ErrWithdrawn) {
			t.Errorf("revising a withdrawn advisory: %v", err)
		}
		msgs, err := s.ListMessages(w.ctx, store.OutboxFilter{Channel: "cve_services", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var topics []string
		for _, m := range msgs {
			topics = append(topics, m.Topic)
		}
		slices.Sort(topics)
		if want := []string{"advisory.published", "advisory.updated", "advisory.withdrawn"}; !slices.Equal(topics, want) {
			t.Errorf("CVE Services messages %q, want %q", topics, want)
		}
		if n := countAudit(w.audit(), "advisory.withdraw", "advisory:"+rev.AdvisoryID); n != 1 {
			t.Errorf("%d withdrawal audit events", n)
		}
	})
}

// TestSubscriptions: double opt-in with a confirmation mail in the outbox,
// no mail flood, and a one-click unsubscribe.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		mails := func() []casework.Mail {
			t.Helper()
			ms, err := s.ListMessages(w.ctx, store.OutboxFilter{Channel: "email", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []casework.Mail
			for _, m := range ms {
				var ml casework.Mail
				if err := json.Unmarshal(m.Payload, &ml); err != nil {
					t.Fatal(err)
				}
				if ml.Template == "subscription.confirm" {
					out = append(out, ml)
				}
			}
			return out
		}
		var inv *casework.InvalidError
		if err := w.svc.Subscribe(w.ctx, casework.Public, "not an address", []string{"nope!"}); !errors.As(err, &inv) || len(inv.Problems) != 2 {
			t.Errorf("bad address and product: %v, want both problems", err)
		}
		if err := w.svc.Subscribe(w.ctx, casework.Public, "ops@customer.example", []string{"unknown"}); !errors.As(err, &inv) {
			t.Errorf("unknown product: %v", err)
		}
		if err := w.svc.Subscribe(w.ctx, casework.Public, "ops@customer.example", []string{"vault"}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Subscribe(w.ctx, casework.Public, "ops@customer.example", []string{"vault"}); err != nil {
			t.Fatal(err)
		}
		if n := len(mails()); n != 1 {
			t.Fatalf("%d confirmation mails after two requests within the hour, want 1", n)
		}
		w.clk.Advance(subscription.ResendAfter + time.Minute)
		if err := w.svc.Subscribe(w.ctx, casework.Public, "ops@customer.example", []string{"vault"}); err != nil {
			t.Fatal(err)
		}
		ms := mails()
		if len(ms) != 2 {
			t.Fatalf("%d confirmation mails after the resend delay, want 2", len(ms))
		}
		if subs, _ := s.Subscribers(w.ctx, []string{"vault"}); len(subs) != 0 {
			t.Errorf("an unconfirmed address receives advisories: %v", subs)
		}
		latest, first := ms[0], ms[1] // the outbox lists the newest first
		if _, err := w.svc.ConfirmSubscription(w.ctx, strings.TrimPrefix(first.Data["confirm_url"], "https://vigil.example/subscribe/confirm/")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the superseded confirmation link still works: %v", err)
		}
		sub, err := w.svc.ConfirmSubscription(w.ctx, strings.TrimPrefix(latest.Data["confirm_url"], "https://vigil.example/subscribe/confirm/"))
		if err != nil || sub.State != subscription.Confirmed {
			t.Fatalf("confirm: %+v %v", sub, err)
		}
		subs, err := s.Subscribers(w.ctx, []string{"vault"})
		if err != nil || len(subs) != 1 || subs[0].Email != "ops@customer.example" {
			t.Errorf("subscribers of vault: %+v %v", subs, err)
		}
		if subs, _ := s.Subscribers(w.ctx, []string{"other"}); len(subs) != 0 {
			t.Errorf("a vault subscriber receives another product's advisories")
		}
		w.clk.Advance(2 * subscription.ResendAfter)
		if err := w.svc.Subscribe(w.ctx, casework.Public, "ops@customer.example", []string{"vault"}); err != nil || len(mails()) != 2 {
			t.Errorf("subscribing a confirmed address again sent mail (%v)", err)
		}
		unsub := strings.TrimPrefix(latest.Data["unsubscribe_url"], "https://vigil.example/unsubscribe/")
		for range 2 {
			if sub, err := w.svc.Unsubscribe(w.ctx, unsub); err != nil || sub.State != subscription.Unsubscribed {
				t.Errorf("unsubscribe: %+v %v", sub, err)
			}
		}
		if subs, _ := s.Subscribers(w.ctx, []string{"vault"}); len(subs) != 0 {
			t.Errorf("an unsubscribed address receives advisories")
		}
		if _, err := w.svc.Unsubscribe(w.ctx, "vsu_forged"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("forged unsubscribe token: %v", err)
		}
	})
}

// TestCustomerNotices: when the policy allows it, customers entitled to the
// product hear of a ready case's disclosure ahead of time, once, without
// technical details; other subscribers do not.
func TestCustomerNotices(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		base, err := policy.ExampleFile("default.yaml")
		if err != nil {
			t.Fatal(err)
		}
		w.svc.Policy, err = policy.Load(append(base, []byte("\nnotifications:\n  customer_advance: 24h\n")...))
		if err != nil {
			t.Fatal(err)
		}
		cust, err := w.svc.CreateUser(w.ctx, alice, user.User{Name: "dave", Role: user.Customer, Email: "dave@customer.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Entitle(w.ctx, alice, cust.ID, []string{"vault"}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Subscribe(w.ctx, casework.Public, "reader@example.org", nil); err != nil {
			t.Fatal(err)
		}
		planned := friday.Add(10 * 24 * time.Hour)
		w.walk(w.caseOf(w.submit("prenotice")).ID, vcase.Ready, vcase.Risk{CVSS31: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, planned)
		notices := func() []casework.Mail {
			ms, err := s.ListMessages(w.ctx, store.OutboxFilter{Channel: "email", Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			var out []casework.Mail
			for _, m := range ms {
				if m.Topic == casework.CustomerNoticeTemplate {
					var ml casework.Mail
					json.Unmarshal(m.Payload, &ml)
					out = append(out, ml)
				}
			}
			return out
		}
		if n, err := w.svc.CustomerNotices(w.ctx, planned.Add(-25*time.Hour)); err != nil || n != 0 {
			t.Errorf("25 h before: %d notices (%v), want none yet", n, err)
		}
		if n, err := w.svc.Remind(w.ctx, planned.Add(-23*time.Hour)); err != nil || len(notices()) != 1 {
			t.Fatalf("23 h before: %d queued, %d notices (%v), want the customer's one", n, len(notices()), err)
		}
		if n, _ := w.svc.CustomerNotices(w.ctx, planned.Add(-22*time.Hour)); n != 0 || len(notices()) != 1 {
			t.Errorf("a second round sent %d more", n)
		}
		m := notices()[0]
		if m.To != "dave@customer.example" || m.Data["fixed_versions"] == "" || m.Data["planned_disclosure"] == "" {
			t.Errorf("notice: %+v", m)
		}
		for _, v := range m.Data {
			if strings.Contains(v, "zqdetails") || strings.Contains(v, "zqcvedraft") || strings.Contains(v, "Rita") {
				t.Errorf("the customer notice carries technical details or the reporter: %q", v)
			}
		}
	})
}

// TestReporterCreditReachesTheAdvisory: a reporter who asked for credit
// (here through the status link) is the advisory's finder when the team set
// no credits; credits the team sets win.
func TestReporterCreditReachesTheAdvisory(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	w := newWorld(t, s)
	r, rc, err := w.svc.Submit(w.ctx, casework.Public, report.Report{Channel: report.Web, Title: "Credit me", Body: "steps",
		Reporter: report.Contact{Name: "Rita\tReporter", Email: "rita@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Reporter.Name != "Rita Reporter" {
		t.Errorf("reporter name %q, want the tab made a space", r.Reporter.Name)
	}
	if err := w.svc.ReporterCredit(w.ctx, rc.Token, "Rita R. (Example Lab)"); err != nil {
		t.Fatal(err)
	}
	var inv *casework.InvalidError
	if err := w.svc.ReporterCredit(w.ctx, rc.Token, "two\nlines"); !errors.As(err, &inv) {
		t.Errorf("a credit on two lines: %v", err)
	}
	c := w.walk(w.caseOf(r).ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(6*24*time.Hour))
	revs, err := s.LatestRevisions(w.ctx, 10, 0)
	if err != nil || len(revs) != 1 {
		t.Fatalf("revisions: %v %v", revs, err)
	}
	if want := []advisory.Credit{{Name: "Rita R. (Example Lab)", Type: "finder"}}; !slices.Equal(revs[0].Credits, want) {
		t.Errorf("credits of %s = %+v, want %+v", c.Key, revs[0].Credits, want)
	}
}

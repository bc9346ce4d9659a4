package casework_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/cveservices/cveservicestest"
	"github.com/vigil-psirt/vigil/internal/deliver"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// asCNA makes the world's service a CNA with an account at the fake, the
// fake's clock the world's.
func asCNA(t *testing.T, w *world, cna bool) *cveservicestest.Fake {
	t.Helper()
	f := cveservicestest.New(t, 5)
	f.Now = w.clk.Now
	cl, err := cveservices.New(cveservices.Config{URL: f.URL, Org: cveservicestest.Org, User: cveservicestest.User, Key: cveservicestest.Key})
	if err != nil {
		t.Fatal(err)
	}
	vendor := advisory.Publisher{Name: "Vault Inc.", Namespace: "https://vault.example", Contact: "security@vault.example",
		BaseURL: w.svc.BaseURL, IDPrefix: "VIGIL-SA"}
	if cna {
		vendor.CNAOrgID, vendor.CNAShort = cveservicestest.OrgID, cveservicestest.Org
	}
	key, err := publish.Key(w.ctx, w.svc.Store, vendor, w.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	w.svc.Renderer = &publish.Renderer{Vendor: vendor, Key: key}
	w.svc.CVE = cl
	return f
}

func (w *world) deliverCVE() deliver.Result {
	w.t.Helper()
	wk := &deliver.Worker{Store: w.svc.Store, Now: w.clk.Now,
		Handlers: map[outbox.Channel]deliver.Handler{outbox.CVEServices: w.svc.CVEHandler(nil)}}
	res, err := wk.RunOnce(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

func (w *world) cveID(id string) store.CVEID {
	w.t.Helper()
	v, err := w.svc.Store.CVEIDByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// TestCVEServicesEndToEnd: the CNA reserves IDs, a case takes one, the
// disclosure publishes its record through the outbox worker (after a rate
// limit), a revision updates it, a withdrawal rejects it; an unused ID is
// reported and rejected.
func TestCVEServicesEndToEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		f := asCNA(t, w, true)
		res, err := w.svc.ReserveCVEIDs(w.ctx, alice, 3, 0, cveservices.Sequential)
		if err != nil || len(res.IDs) != 3 || res.RemainingQuota == nil || *res.RemainingQuota != 2 {
			t.Fatalf("reserve: %+v %v", res, err)
		}
		used, unused, spare := res.IDs[0].ID, res.IDs[1].ID, res.IDs[2].ID
		if _, err := w.svc.ReserveCVEIDs(w.ctx, alice, 3, 0, ""); !errors.Is(err, cveservices.ErrQuota) {
			t.Errorf("over the quota: %v", err)
		}

		c := w.caseOf(w.submit("cve services"))
		c = w.walk(c.ID, vcase.Fixing, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		c = w.update(c.ID, casework.CasePatch{CVEID: &used})
		if v := w.cveID(used); v.State != store.CVEIDAssigned || v.CaseID == nil || *v.CaseID != c.ID || v.CaseKey != c.Key {
			t.Errorf("assigned ID: %+v", v)
		}
		if _, err := w.svc.RejectCVEID(w.ctx, alice, used, ""); !errors.Is(err, casework.ErrCVEIDInUse) {
			t.Errorf("rejecting an assigned ID: %v", err)
		}
		c = w.walk(c.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		if c.CVEState != vcase.CVEPublishRequested {
			t.Fatalf("CVE state %q after the disclosure", c.CVEState)
		}

		// A rate limit: retried, then published.
		f.FailNext(cveservicestest.Fail{Status: http.StatusTooManyRequests, Times: 1, Reset: 1})
		if r := w.deliverCVE(); r.Retried != 1 || r.Sent != 0 {
			t.Fatalf("first round %+v, want a retry", r)
		}
		w.clk.Advance(time.Hour)
		if r := w.deliverCVE(); r.Sent != 1 {
			t.Fatalf("second round %+v", r)
		}
		if f.State(used) != "PUBLISHED" {
			t.Fatalf("fake state %s, want PUBLISHED", f.State(used))
		}
		rec, err := cve5.ParseRecord(f.Record(used))
		if err != nil {
			t.Fatal(err)
		}
		if rec.CVEMetadata.CVEID != used || !strings.Contains(rec.Containers.CNA.Descriptions[0].Value, "improper input validation") {
			t.Errorf("published record %+v", rec)
		}
		if got := w.load(c.ID); got.CVEState != vcase.CVEPublished {
			t.Errorf("case CVE state %q, want published", got.CVEState)
		}
		if v := w.cveID(used); v.State != store.CVEIDPublished || v.CaseKey != c.Key {
			t.Errorf("published ID: %+v", v)
		}
		if n := countAudit(w.audit(), "cve.published", "cve:"+used); n != 1 {
			t.Errorf("%d cve.published audit events", n)
		}

		wa := "Block the export endpoint at the proxy."
		if _, err := w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "Added a workaround.", Workaround: &wa}); err != nil {
			t.Fatal(err)
		}
		if r := w.deliverCVE(); r.Sent != 1 {
			t.Fatalf("update round %+v", r)
		}
		if rec, err := cve5.ParseRecord(f.Record(used)); err != nil || len(rec.Containers.CNA.Workarounds) == 0 || rec.Containers.CNA.Workarounds[0].Value != wa {
			t.Errorf("updated record: %+v %v", rec.Containers.CNA.Workarounds, err)
		}

		// The renderer cannot yet render the documents of a withdrawn
		// advisory of a CNA (publish renders cve.json with FromAdvisory,
		// which refuses a withdrawn advisory): the withdrawal itself is
		// made without it, the delivery with it.
		rnd := w.svc.Renderer
		w.svc.Renderer = nil
		_, err = w.svc.Revise(w.ctx, alice, c.ID, casework.Revision{Changes: "Not a vulnerability after all.", Withdraw: true})
		w.svc.Renderer = rnd
		if err != nil {
			t.Fatal(err)
		}
		if r := w.deliverCVE(); r.Sent != 1 {
			t.Fatalf("withdrawal round %+v", r)
		}
		if f.State(used) != "REJECTED" || !strings.Contains(string(f.Record(used)), "Not a vulnerability after all.") {
			t.Errorf("after the withdrawal: %s %s", f.State(used), f.Record(used))
		}
		if got := w.load(c.ID); got.CVEState != vcase.CVERejected {
			t.Errorf("case CVE state %q, want rejected", got.CVEState)
		}
		if v := w.cveID(used); v.State != store.CVEIDRejected {
			t.Errorf("withdrawn ID: %+v", v)
		}

		// Unused IDs left behind: reported after a month, rejected by hand.
		const month = 30 * 24 * time.Hour
		if ids, err := w.svc.UnusedCVEIDs(w.ctx, month); err != nil || len(ids) != 0 {
			t.Errorf("unused too early: %v %v", ids, err)
		}
		w.clk.Advance(month)
		ids, err := w.svc.UnusedCVEIDs(w.ctx, month)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, v := range ids {
			names = append(names, v.ID)
		}
		if want := []string{unused, spare}; !slices.Equal(names, want) {
			t.Errorf("unused %q, want %q", names, want)
		}
		v, err := w.svc.RejectCVEID(w.ctx, alice, unused, "")
		if err != nil || v.State != store.CVEIDRejected || f.State(unused) != "REJECTED" {
			t.Fatalf("reject unused: %+v %v (fake %s)", v, err, f.State(unused))
		}
		if _, err := w.svc.RejectCVEID(w.ctx, alice, unused, ""); !errors.Is(err, casework.ErrCVEIDInUse) {
			t.Errorf("rejecting twice: %v", err)
		}
		if _, err := w.svc.RejectCVEID(w.ctx, alice, "CVE-2026-424242", ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rejecting an ID vigil did not reserve: %v", err)
		}
		// A rejected (or published) ID of the CNA cannot go to another case.
		taken := unused
		var inv *casework.InvalidError
		if _, err := w.svc.UpdateCase(w.ctx, alice, w.caseOf(w.submit("takes a rejected ID")).ID, casework.CasePatch{CVEID: &taken}); !errors.As(err, &inv) {
			t.Errorf("a case took the rejected %s: %v", unused, err)
		}
		if n := countAudit(w.audit(), "cve.reject", "cve:"+unused); n != 1 {
			t.Errorf("%d cve.reject audit events", n)
		}
		reserved, err := w.svc.CVEIDs(w.ctx, store.CVEIDFilter{State: store.CVEIDReserved})
		if err != nil || len(reserved) != 1 || reserved[0].ID != spare {
			t.Errorf("reserved now: %v %v", reserved, err)
		}

		// An ID reserved with another tool is found by a sync, once.
		other, err := w.svc.CVE.Reserve(w.ctx, cveservices.ReserveRequest{Amount: 1, Year: 2026})
		if err != nil {
			t.Fatal(err)
		}
		added, err := w.svc.SyncCVEIDs(w.ctx, alice)
		if err != nil || len(added) != 1 || added[0].ID != other.IDs[0].CVEID {
			t.Errorf("sync added %+v %v, want %s", added, err, other.IDs[0].CVEID)
		}
		if added, err := w.svc.SyncCVEIDs(w.ctx, alice); err != nil || len(added) != 0 {
			t.Errorf("second sync added %+v %v", added, err)
		}
	})
}

// TestCVEServicesRefusals: a record CVE Services refuses fails the message
// at once; without a CNA organisation nothing is sent and reservation is
// refused.
func TestCVEServicesRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newWorld(t, s)
		f := asCNA(t, w, true)
		// The case keeps the hand-entered ID of walk, unknown to CVE Services: 404.
		c := w.caseOf(w.submit("unknown id"))
		w.walk(c.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		if r := w.deliverCVE(); r.Failed != 1 {
			t.Fatalf("round %+v, want a permanent failure", r)
		}
		msgs, err := s.ListMessages(w.ctx, store.OutboxFilter{Channel: outbox.CVEServices})
		if err != nil || len(msgs) != 1 || msgs[0].State != outbox.Failed || !strings.Contains(msgs[0].LastError, "404") {
			t.Errorf("messages %+v %v", msgs, err)
		}
		if got := w.load(c.ID); got.CVEState != vcase.CVEPublishRequested {
			t.Errorf("case CVE state %q after a refusal", got.CVEState)
		}

		w2 := newWorld(t, storetest.SQLite(t))
		f2 := asCNA(t, w2, false)
		cl := w2.svc.CVE
		w2.svc.CVE = nil
		if _, err := w2.svc.ReserveCVEIDs(w2.ctx, alice, 1, 0, ""); !errors.Is(err, casework.ErrNoCVEServices) {
			t.Errorf("reserve without an account: %v", err)
		}
		if _, err := w2.svc.RejectCVEID(w2.ctx, alice, "CVE-2026-1000", ""); !errors.Is(err, casework.ErrNoCVEServices) {
			t.Errorf("reject without an account: %v", err)
		}
		w2.svc.CVE = cl
		c2 := w2.caseOf(w2.submit("not a cna"))
		w2.walk(c2.ID, vcase.Disclosed, vcase.Risk{CVSS31: high}, friday.Add(10*24*time.Hour))
		if r := w2.deliverCVE(); r.Sent != 1 {
			t.Errorf("round %+v, want the message done", r)
		}
		if n := len(f2.Requests()); n != 0 {
			t.Errorf("%d requests to CVE Services without being a CNA", n)
		}
		_ = f
	})
}

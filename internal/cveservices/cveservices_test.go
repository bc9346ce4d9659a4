package cveservices_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/cveservices/cveservicestest"
)

var ctx = context.Background()

func client(t *testing.T, f *cveservicestest.Fake, mut func(*cveservices.Config)) *cveservices.Client {
	t.Helper()
	c := cveservices.Config{URL: f.URL, Org: cveservicestest.Org, User: cveservicestest.User, Key: cveservicestest.Key}
	if mut != nil {
		mut(&c)
	}
	cl, err := cveservices.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func container(t *testing.T) cve5.CNAPublishedContainer {
	t.Helper()
	c, err := cve5.CNAContainer(advisorytest.Publisher(), advisorytest.Advisory())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rejection() cve5.CNARejectedContainer {
	return cve5.CNARejectedContainer{RejectedReasons: []cve5.Description{{Lang: "en", Value: "This candidate was reserved but not used."}}}
}

func reserve(t *testing.T, cl *cveservices.Client, n int) []string {
	t.Helper()
	res, err := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: n, Year: time.Now().Year()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, id := range res.IDs {
		ids = append(ids, id.CVEID)
	}
	return ids
}

func TestNewChecksTheConfiguration(t *testing.T) {
	for name, c := range map[string]cveservices.Config{
		"no url":          {Org: "a", User: "u", Key: "k"},
		"plain http":      {URL: "http://cveawg.mitre.org/api", Org: "a", User: "u", Key: "k"},
		"ftp":             {URL: "ftp://cveawg.mitre.org/api", Org: "a", User: "u", Key: "k"},
		"no key":          {URL: "https://cveawg.mitre.org/api", Org: "a", User: "u"},
		"no user":         {URL: "https://cveawg.mitre.org/api", Org: "a", Key: "k"},
		"header newline":  {URL: "https://cveawg.mitre.org/api", Org: "a\r\nX: y", User: "u", Key: "k"},
		"credentials url": {URL: "https://u:p@cveawg.mitre.org/api", Org: "a", User: "u", Key: "k"},
	} {
		if _, err := cveservices.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "k\"") {
			t.Errorf("%s: error shows the key: %v", name, err)
		}
	}
	for _, u := range []string{"https://cveawg.mitre.org/api", "http://127.0.0.1:8080/api", "http://localhost/api", "http://[::1]:1/"} {
		if _, err := cveservices.New(cveservices.Config{URL: u, Org: "a", User: "u", Key: "k"}); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
}

// TestReserve: one ID, a sequential and a non-sequential batch, the quota
// going down, the IDs listed and read back.
func TestReserve(t *testing.T) {
	f := cveservicestest.New(t, 10)
	cl := client(t, f, nil)
	year := time.Now().Year()
	res, err := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 1, Year: year})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 1 || res.IDs[0].State != cveservices.Reserved || res.IDs[0].OwningCNA != cveservicestest.Org ||
		res.IDs[0].Year != fmt.Sprint(year) || res.IDs[0].Reserved.IsZero() || res.IDs[0].RequestedBy.User != cveservicestest.User {
		t.Errorf("reservation %+v", res.IDs)
	}
	if res.RemainingQuota == nil || *res.RemainingQuota != 9 {
		t.Errorf("remaining quota %v, want 9", res.RemainingQuota)
	}
	seq, err := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 3, Year: year, Batch: cveservices.Sequential})
	if err != nil || len(seq.IDs) != 3 {
		t.Fatalf("sequential: %+v %v", seq, err)
	}
	nonseq, err := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 2, Year: year, Batch: cveservices.Nonsequential})
	if err != nil || len(nonseq.IDs) != 2 {
		t.Fatalf("nonsequential: %+v %v", nonseq, err)
	}
	number := func(id string) (n int) {
		fmt.Sscanf(id[strings.LastIndex(id, "-")+1:], "%d", &n)
		return n
	}
	if number(seq.IDs[1].CVEID)-number(seq.IDs[0].CVEID) != 1 || number(nonseq.IDs[1].CVEID)-number(nonseq.IDs[0].CVEID) == 1 {
		t.Errorf("sequential %v, non-sequential %v", seq.IDs, nonseq.IDs)
	}
	q, err := cl.Quota(ctx)
	if err != nil || q != (cveservices.Quota{IDQuota: 10, TotalReserved: 6, Available: 4}) {
		t.Errorf("quota %+v %v", q, err)
	}
	f.SetPageSize(4) // the listing follows the pages
	ids, err := cl.IDs(ctx, cveservices.IDFilter{State: cveservices.Reserved, Year: year})
	if err != nil || len(ids) != 6 {
		t.Fatalf("listed %d IDs, %v", len(ids), err)
	}
	one, err := cl.ID(ctx, seq.IDs[0].CVEID)
	if err != nil || one.CVEID != seq.IDs[0].CVEID || one.State != cveservices.Reserved || one.Time == nil {
		t.Errorf("ID %+v %v", one, err)
	}
}

// TestErrors maps every documented error answer to its sentinel.
func TestErrors(t *testing.T) {
	f := cveservicestest.New(t, 2)
	cl := client(t, f, nil)
	year := time.Now().Year()
	other := client(t, f, func(c *cveservices.Config) {
		c.Org, c.User, c.Key = cveservicestest.OtherOrg, cveservicestest.OtherUser, cveservicestest.OtherKey
	})
	theirs := reserve(t, other, 1)[0]

	check := func(name string, err error, want error, temporary bool) *cveservices.Error {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		if cveservices.Temporary(err) != temporary {
			t.Errorf("%s: temporary %v, want %v", name, !temporary, temporary)
		}
		if err != nil && strings.Contains(err.Error(), cveservicestest.Key) {
			t.Errorf("%s: the error shows the API key: %v", name, err)
		}
		var e *cveservices.Error
		errors.As(err, &e)
		return e
	}

	bad := client(t, f, func(c *cveservices.Config) { c.Key = "wrong" })
	_, err := bad.Quota(ctx)
	check("wrong key", err, cveservices.ErrUnauthorized, false)
	_, err = cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 1, Year: 1990})
	if e := check("year 1990", err, cveservices.ErrBadRequest, false); e == nil || len(e.Details) == 0 || e.Details[0].Param != "cve_year" {
		t.Errorf("bad request details: %+v", e)
	}
	_, err = cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 3, Year: year})
	if e := check("over the quota", err, cveservices.ErrQuota, false); e == nil || e.Name != "EXCEEDED_ID_QUOTA" || !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("quota error %+v", e)
	}
	_, err = cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 1, Year: year, ShortName: cveservicestest.OtherOrg})
	check("another org's reservation", err, cveservices.ErrForbidden, false)
	_, err = cl.ID(ctx, fmt.Sprintf("CVE-%d-999999", year))
	check("unknown ID", err, cveservices.ErrNotFound, false)
	_, err = cl.Publish(ctx, fmt.Sprintf("CVE-%d-999999", year), container(t))
	check("publish unknown ID", err, cveservices.ErrNotFound, false)
	_, err = cl.Publish(ctx, theirs, container(t))
	check("publish another org's ID", err, cveservices.ErrForbidden, false)
	_, err = cl.Reject(ctx, theirs, rejection())
	check("reject another org's ID", err, cveservices.ErrForbidden, false)
	if got, err := cl.ID(ctx, theirs); err != nil || got.OwningCNA != "" || got.State != cveservices.Reserved {
		t.Errorf("another org's reserved ID: %+v %v, want the owner redacted", got, err)
	}

	mine := reserve(t, cl, 1)[0]
	if !f.Validates() {
		t.Skip("the CVE schemas are absent (../shared/testdata)")
	}
	broken := container(t)
	broken.Descriptions = nil
	broken.Affected[0].Versions[0].Status = "maybe"
	_, err = cl.Publish(ctx, mine, broken)
	if e := check("invalid record", err, cveservices.ErrBadRequest, false); e == nil || e.Name != "INVALID_JSON_SCHEMA" || len(e.Details) < 2 {
		t.Errorf("schema error %+v", e)
	}
	if f.State(mine) != "RESERVED" {
		t.Errorf("an invalid record changed the state to %s", f.State(mine))
	}

	f.FailNext(cveservicestest.Fail{Status: http.StatusTooManyRequests, Times: 1, Reset: 42})
	_, err = cl.ID(ctx, mine)
	if e := check("rate limited", err, cveservices.ErrRateLimited, true); e == nil || e.RetryAfter != 42*time.Second {
		t.Errorf("rate limit %+v", e)
	}
	f.FailNext(cveservicestest.Fail{Status: http.StatusInternalServerError, Times: 1})
	_, err = cl.Quota(ctx)
	check("server error", err, cveservices.ErrServer, true)
	if _, err := cl.Quota(ctx); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}

// TestPartialReservation: 206 returns the IDs reserved before the range
// ran out, with an error that matches ErrQuota.
func TestPartialReservation(t *testing.T) {
	f := cveservicestest.New(t, 10)
	f.SetYearRange(2)
	cl := client(t, f, nil)
	res, err := cl.Reserve(ctx, cveservices.ReserveRequest{Amount: 3, Year: time.Now().Year(), Batch: cveservices.Sequential})
	if !errors.Is(err, cveservices.ErrQuota) || len(res.IDs) != 2 {
		t.Fatalf("partial: %d IDs, %v", len(res.IDs), err)
	}
	if f.Reserved(cveservicestest.Org) != 2 {
		t.Errorf("fake holds %d reserved", f.Reserved(cveservicestest.Org))
	}
}

// TestStateRules: RESERVED -> PUBLISHED -> REJECTED and RESERVED ->
// REJECTED; never back to RESERVED; a PUBLISHED ID is rejected only by a
// rejection record.
func TestStateRules(t *testing.T) {
	f := cveservicestest.New(t, 10)
	cl := client(t, f, nil)
	ids := reserve(t, cl, 2)
	pubID, unused := ids[0], ids[1]

	_, err := cl.Update(ctx, pubID, container(t))
	if !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("update before publish: %v", err)
	}
	_, err = cl.RejectRecord(ctx, pubID, rejection())
	if !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("rejection record of a reserved ID without record: %v", err)
	}
	rec, err := cl.Publish(ctx, pubID, container(t))
	if err != nil || rec.Metadata.State != cve5.StatePublished || rec.Metadata.CVEID != pubID || rec.Metadata.AssignerOrgID != cveservicestest.OrgID {
		t.Fatalf("publish: %+v %v", rec.Metadata, err)
	}
	if _, err := cve5.ParseRecord(f.Record(pubID)); err != nil {
		t.Errorf("the stored record does not parse: %v", err)
	}
	if _, err := cl.Publish(ctx, pubID, container(t)); !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("publish twice: %v", err)
	}
	upd := container(t)
	upd.Title = "Updated title"
	if rec, err := cl.Update(ctx, pubID, upd); err != nil || rec.Metadata.State != cve5.StatePublished || !strings.Contains(string(rec.Raw), "Updated title") {
		t.Errorf("update: %v", err)
	}
	// Only a rejection record rejects a published ID.
	if _, err := cl.Reject(ctx, pubID, rejection()); !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("POST reject of a published ID: %v", err)
	}
	if status := putState(t, f, pubID, "REJECTED"); status != http.StatusForbidden {
		t.Errorf("PUT /cve-id state=REJECTED of a published ID: %d", status)
	}
	if status := putState(t, f, pubID, "RESERVED"); status != http.StatusForbidden {
		t.Errorf("published back to RESERVED: %d", status)
	}
	rec, err = cl.RejectRecord(ctx, pubID, rejection())
	if err != nil || rec.Metadata.State != cve5.StateRejected || f.State(pubID) != "REJECTED" {
		t.Fatalf("rejection record: %+v %v", rec.Metadata, err)
	}
	if status := putState(t, f, pubID, "RESERVED"); status != http.StatusForbidden {
		t.Errorf("rejected back to RESERVED: %d", status)
	}
	if _, err := cl.Update(ctx, pubID, container(t)); !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("update of a rejected record: %v", err)
	}
	if _, err := cl.Publish(ctx, pubID, container(t)); !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("publish of a rejected ID: %v", err)
	}
	if _, err := cl.RejectRecord(ctx, pubID, rejection()); err != nil {
		t.Errorf("updating the rejection record: %v", err)
	}

	// An unused reserved ID: rejected with a new rejection record.
	bad := rejection()
	bad.RejectedReasons = nil
	if _, err := cl.Reject(ctx, unused, bad); f.Validates() && !errors.Is(err, cveservices.ErrBadRequest) {
		t.Errorf("rejection without reason: %v", err)
	}
	if rec, err := cl.Reject(ctx, unused, rejection()); err != nil || rec.Metadata.State != cve5.StateRejected {
		t.Fatalf("reject unused: %v", err)
	}
	if got, err := cl.ID(ctx, unused); err != nil || got.State != cveservices.Rejected {
		t.Errorf("unused ID is %+v %v", got, err)
	}
	if _, err := cl.Reject(ctx, unused, rejection()); !errors.Is(err, cveservices.ErrForbidden) {
		t.Errorf("rejecting twice with POST: %v", err)
	}
	if status := putState(t, f, unused, "RESERVED"); status != http.StatusForbidden {
		t.Errorf("rejected back to RESERVED: %d", status)
	}
	left := reserve(t, cl, 1)[0]
	if status := putState(t, f, left, "PUBLISHED"); status != http.StatusBadRequest {
		t.Errorf("PUT state=PUBLISHED (not in the document's enum): %d", status)
	}
	if status := putState(t, f, left, "REJECTED"); status != http.StatusOK || f.State(left) != "REJECTED" {
		t.Errorf("RESERVED -> REJECTED by state: %d %s", status, f.State(left))
	}
	if q, _ := cl.Quota(ctx); q.TotalReserved != 0 {
		t.Errorf("quota counts %d reserved", q.TotalReserved)
	}
	rejected, err := cl.IDs(ctx, cveservices.IDFilter{State: cveservices.Rejected})
	if err != nil || len(rejected) != 3 {
		t.Errorf("%d rejected IDs listed, %v", len(rejected), err)
	}
}

// putState calls PUT /cve-id/{id}?state= as the default account.
func putState(t *testing.T, f *cveservicestest.Fake, id, state string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, f.URL+"/cve-id/"+id+"?state="+state, nil)
	req.Header.Set(cveservices.HeaderOrg, cveservicestest.Org)
	req.Header.Set(cveservices.HeaderUser, cveservicestest.User)
	req.Header.Set(cveservices.HeaderKey, cveservicestest.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHeadersAndTransport: the three headers on every request; a huge
// answer, a timeout and a non-JSON error page are handled.
func TestHeadersAndTransport(t *testing.T) {
	var mu sync.Mutex
	var got []http.Header
	mode := ""
	setMode := func(m string) {
		mu.Lock()
		defer mu.Unlock()
		mode = m
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		m := mode
		mu.Unlock()
		switch m {
		case "huge":
			w.Write([]byte(`{"id_quota": 1, "x": "`))
			chunk := []byte(strings.Repeat("a", 1<<16))
			for range cveservices.MaxResponse/len(chunk) + 2 {
				w.Write(chunk)
			}
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "html":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		default:
			w.Write([]byte(`{"id_quota": 5, "total_reserved": 1, "available": 4}`))
		}
	}))
	defer srv.Close()
	cl, err := cveservices.New(cveservices.Config{URL: srv.URL + "/api", Org: "acme", User: "u@acme", Key: "sekrit", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hasty, err := cveservices.New(cveservices.Config{URL: srv.URL + "/api", Org: "acme", User: "u@acme", Key: "sekrit", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if q, err := cl.Quota(ctx); err != nil || q.Available != 4 {
		t.Fatalf("quota %+v %v", q, err)
	}
	mu.Lock()
	h := got[0]
	mu.Unlock()
	if h.Get("CVE-API-ORG") != "acme" || h.Get("CVE-API-USER") != "u@acme" || h.Get("CVE-API-KEY") != "sekrit" {
		t.Errorf("headers %v", h)
	}
	setMode("huge")
	if _, err := cl.Quota(ctx); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge answer: %v", err)
	}
	setMode("slow")
	_, err = hasty.Quota(ctx)
	if err == nil || !cveservices.Temporary(err) {
		t.Errorf("timeout: %v (temporary %v)", err, cveservices.Temporary(err))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cl.Quota(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	setMode("html")
	_, err = cl.Quota(ctx)
	if !errors.Is(err, cveservices.ErrServer) || !cveservices.Temporary(err) {
		t.Errorf("html 502: %v", err)
	}
	for _, e := range []error{err} {
		if strings.Contains(e.Error(), "sekrit") {
			t.Errorf("the key leaks: %v", e)
		}
	}
}

// TestFakeValidatesWhatVigilWrites: every variant vigil renders is
// accepted, so the fake's schema check is the official one, not a stricter
// or looser one.
func TestFakeValidatesWhatVigilWrites(t *testing.T) {
	f := cveservicestest.New(t, 10)
	cl := client(t, f, nil)
	adv := advisorytest.Advisory()
	id := reserve(t, cl, 1)[0]
	if _, err := cl.Publish(ctx, id, container(t)); err != nil {
		t.Fatal(err)
	}
	last := adv.Latest()
	last.Number, last.Status, last.Changes = last.Number+1, advisory.Withdrawn, "Withdrawn: not a vulnerability."
	adv.Revisions = append(adv.Revisions, last)
	rej, err := cve5.RejectedContainer(advisorytest.Publisher(), adv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.RejectRecord(ctx, id, rej); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /cve-id", "POST /cve/" + id + "/cna", "PUT /cve/" + id + "/reject"}
	if got := f.Requests(); !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

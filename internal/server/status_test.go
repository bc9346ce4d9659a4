package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

// TestReporterStatusForms: through the secret status link the reporter
// replies and sets their credit; both reach the team, and a form from
// another site is refused.
func TestReporterStatusForms(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	rc := e.intake("Crash in the parser", "steps", report.Contact{Name: "Rita", Email: "rita@example.org"})
	page := "/report/status/" + rc.StatusToken
	form := func(path string, v url.Values, header ...string) result {
		t.Helper()
		h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
		return e.send("POST", page+path, "", v.Encode(), h...)
	}
	if res := form("/messages", url.Values{"body": {"Here is a second proof of concept."}}); res.Status != 303 {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	if res := form("/credit", url.Values{"credit_as": {"Rita R. of Example Lab"}}); res.Status != 303 {
		t.Fatalf("credit: %d %s", res.Status, res.Body)
	}
	v := e.reporterStatus(rc.StatusToken)
	if v.CreditAs != "Rita R. of Example Lab" || len(v.Messages) == 0 || v.Messages[len(v.Messages)-1].Body != "Here is a second proof of concept." {
		t.Errorf("status after the forms: credit %q, messages %+v", v.CreditAs, v.Messages)
	}
	if got := e.reportByTracking(rc.TrackingID); got.Reporter.CreditAs != "Rita R. of Example Lab" {
		t.Errorf("the team sees credit %q", got.Reporter.CreditAs)
	}
	// Bad input is shown with the form, nothing stored; other sites are refused.
	if res := form("/credit", url.Values{"credit_as": {"\x01bell"}}); res.Status != 422 || !strings.Contains(string(res.Body), "credit_as") {
		t.Errorf("bad credit: %d", res.Status)
	}
	if res := form("/messages", url.Values{"body": {"x"}}, "Sec-Fetch-Site", "cross-site"); res.Status != 403 {
		t.Errorf("cross-site reply: %d", res.Status)
	}
	if res := e.send("POST", "/report/status/"+rc.StatusToken[:len(rc.StatusToken)-2]+"zz/messages", "", url.Values{"body": {"x"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded"); res.Status != 404 {
		t.Errorf("unknown token: %d", res.Status)
	}
}

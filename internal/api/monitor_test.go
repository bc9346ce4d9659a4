package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// The tests of this file walk continuous monitoring through the real
// handler over a real SQLite store, with the Debian security advisories of
// 2023-04-02 (OSV) and the 3-package bullseye SBOM: every answer is checked
// against openapi.json by the client of openapi_test.go.

// importDSAs imports the OSV records of the Debian advisories of
// 2023-04-02, those keep accepts (every one when keep is nil), and returns
// the feed runs.
func importDSAs(t *testing.T, svc *casework.Service, keep func(vuln.Record) bool) []store.FeedRun {
	t.Helper()
	batches, err := upstream.ReadPath(t.Context(), sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), "")
	if err != nil {
		t.Fatal(err)
	}
	var runs []store.FeedRun
	for _, b := range batches {
		if keep != nil {
			b.Records = slices.DeleteFunc(b.Records, func(r vuln.Record) bool { return !keep(r) })
		}
		run, err := svc.ImportFeed(t.Context(), casework.System, "import", b)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	return runs
}

// ofPackages keeps the records that affect one of the packages.
func ofPackages(names ...string) func(vuln.Record) bool {
	return func(r vuln.Record) bool {
		return slices.ContainsFunc(r.Affected, func(a vuln.Affected) bool { return slices.Contains(names, a.Package) })
	}
}

func bullseyeSBOM(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// token creates a user of a role and returns a bearer token of it.
func token(t *testing.T, svc *casework.Service, name string, role user.Role) string {
	t.Helper()
	u, err := svc.CreateUser(t.Context(), casework.System, user.User{Name: name, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := svc.IssueToken(t.Context(), casework.System, u.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// raw sends a request the client cannot (a streamed body, a declared
// length) and returns the response.
func raw(t *testing.T, h http.Handler, tok, method, target string, body io.Reader, length int64) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	r.ContentLength = length
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// spaces is an endless reader of blanks.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// asList decodes a JSON array of objects.
func asList(v []any) []map[string]any {
	out := make([]map[string]any, len(v))
	for i, x := range v {
		out[i], _ = x.(map[string]any)
	}
	return out
}

func strList(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// findingOf returns the one finding of a package in list, failing when
// there is not exactly one.
func findingOf(t *testing.T, list []any, pkg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, f := range asList(list) {
		if c, _ := f["component"].(map[string]any); c["package"] == pkg {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d findings of %s in %v", len(found), pkg, list)
	}
	return found[0]
}

func TestMonitorAPI(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	svc := &casework.Service{Store: storetest.SQLite(t), Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: "https://psirt.example"}
	a := New(svc, Options{})
	h := a.Handler()
	c := newClient(t, h)
	adm := token(t, svc, "admin", user.Admin)
	eng := token(t, svc, "erin", user.Engineer)
	liaison := token(t, svc, "lia", user.Liaison)
	customer := token(t, svc, "cora", user.Customer)
	const v1 = "/api/v1"
	none := []any(nil)
	at := func(args ...any) []any { return args }

	c.want(201, adm, "POST", v1+"/products", none, map[string]any{"slug": "vault", "name": "Acme Vault"})
	branch := c.want(201, adm, "POST", v1+"/products/{slug}/branches", at("vault"), map[string]any{"name": "7.3"})
	cur := id(c.want(201, adm, "POST", v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "7.3.1", "state": "published"}))
	planned := id(c.want(201, adm, "POST", v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "7.3.2"}))

	runs := importDSAs(t, svc, nil)
	if len(runs) == 0 || runs[0].State != "ok" || runs[0].Added < 1000 {
		t.Fatalf("import of the DSAs: %+v", runs)
	}

	// The SBOM: its identity, counts and SHA-256, and the findings it gives.
	doc := bullseyeSBOM(t)
	sum := sha256.Sum256([]byte(doc))
	up := c.want(200, adm, "PUT", v1+"/releases/{id}/sbom?name=bullseye.cdx.json", at(cur), doc)
	imp, _ := up["sbom"].(map[string]any)
	if imp["sha256"] != hex.EncodeToString(sum[:]) || imp["components"] != 3.0 || imp["format"] != sbom.CycloneDXJSON || imp["imported_by"] == "" {
		t.Errorf("imported SBOM = %v", imp)
	}
	if m, _ := up["match"].(map[string]any); m["components"] != 3.0 || m["findings"].(float64) < 2 {
		t.Errorf("match = %v, want 3 components with findings", m)
	}
	if u, _ := up["unidentified"].([]any); len(u) != 0 {
		t.Errorf("unidentified = %v", u)
	}
	if got := c.want(200, customer, "GET", v1+"/releases/{id}/sbom", at(cur), nil); got["sha256"] != imp["sha256"] {
		t.Errorf("GET sbom = %v, want what the upload answered", got)
	}
	c.want(404, adm, "GET", v1+"/releases/{id}/sbom", at(planned), nil)
	comps := c.list(200, adm, "GET", v1+"/releases/{id}/components", at(cur))
	var names []string
	for _, cm := range asList(comps) {
		names = append(names, fmt.Sprint(cm["name"], " ", cm["version"]))
	}
	want := []string{"openssl 1.1.1n-0+deb11u3", "xorg-server 2:1.20.11-1+deb11u5", "xorg-server 2:1.20.11-1+deb11u6"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if l := c.list(200, adm, "GET", v1+"/releases/{id}/components?limit=2&offset=2", at(cur)); len(l) != 1 {
		t.Errorf("second page of components = %v", l)
	}
	if res := raw(t, h, adm, "GET", fmt.Sprintf(v1+"/releases/%d/components?limit=1", cur), nil, 0); res.Header.Get(totalHeader) != "3" {
		t.Errorf("%s = %q, want 3", totalHeader, res.Header.Get(totalHeader))
	}
	// A planned release announces a coming security release: the customer
	// does not see it, those who work on cases do.
	c.want(200, adm, "PUT", v1+"/releases/{id}/sbom", at(planned), doc)
	c.want(404, customer, "GET", v1+"/releases/{id}/sbom", at(planned), nil)
	c.list(404, customer, "GET", v1+"/releases/{id}/components", at(planned))
	c.list(200, eng, "GET", v1+"/releases/{id}/components", at(planned))

	// Findings: DSA-5343-1 for openssl (the advisory names several CVEs),
	// CVE-2023-1393 for xorg-server (one CVE, named by it); the fixed
	// xorg-server deb11u6 has no finding of it.
	fs := c.list(200, adm, "GET", fmt.Sprintf("%s/findings?release=%d", v1, cur), none)
	ossl := findingOf(t, fs, "openssl")
	if ossl["vuln"] != "DSA-5343-1" || ossl["status"] != "affected" || !slices.Contains(strList(ossl["aliases"]), "CVE-2023-0286") {
		t.Errorf("openssl finding = %v, want DSA-5343-1 (CVE-2023-0286 among its aliases), affected", ossl)
	}
	xorg := findingOf(t, fs, "xorg-server")
	if xorg["vuln"] != "CVE-2023-1393" || !slices.Contains(strList(xorg["records"]), "osv:DSA-5380-1") {
		t.Errorf("xorg-server finding = %v, want CVE-2023-1393 from DSA-5380-1", xorg)
	}
	if c := xorg["component"].(map[string]any); c["version"] != "2:1.20.11-1+deb11u5" {
		t.Errorf("xorg-server finding is of %v", c)
	}
	if l := c.list(200, adm, "GET", v1+"/findings?vuln=CVE-2023-1393&product=vault&status=affected&status=under_investigation&open=true", none); len(l) != 2 {
		t.Errorf("CVE-2023-1393 in vault = %d findings, want 2 (7.3.1 and 7.3.2)", len(l))
	}
	if l := c.list(200, adm, "GET", fmt.Sprintf("%s/findings?package=openssl&branch=%d&release=%d", v1, id(branch), cur), none); len(l) != 1 {
		t.Errorf("openssl in 7.3.1 = %v", l)
	}
	if l := c.list(200, adm, "GET", v1+"/findings?status=fixed", none); len(l) != 0 {
		t.Errorf("fixed findings = %v", l)
	}
	if l := c.list(200, adm, "GET", v1+"/findings?limit=1&offset=1", none); len(l) != 1 {
		t.Errorf("page of findings = %v", l)
	}
	if res := raw(t, h, eng, "GET", v1+"/findings?limit=1", nil, 0); res.Header.Get(totalHeader) != "4" {
		t.Errorf("%s = %q, want 4 (2 per release)", totalHeader, res.Header.Get(totalHeader))
	}
	bad := c.want(400, adm, "GET", v1+"/findings?status=bogus&release=x&min_severity=huge&open=yes&vuln="+strings.Repeat("x", 201), none, nil)
	for _, p := range []string{"status", "release", "min_severity", "open", "vuln"} {
		if !strings.Contains(fmt.Sprint(bad["detail"]), p+":") {
			t.Errorf("bad query: detail %q does not name %s", bad["detail"], p)
		}
	}
	c.want(400, adm, "GET", v1+"/findings?product=nope", none, nil)
	c.want(200, eng, "GET", v1+"/findings/{id}", at(id(ossl)), nil)
	c.want(404, adm, "GET", v1+"/findings/{id}", at(999999), nil)
	for _, tok := range []string{customer, liaison} {
		c.want(403, tok, "GET", v1+"/findings", none, nil)
		c.want(403, tok, "GET", v1+"/findings/{id}", at(id(ossl)), nil)
		c.want(403, tok, "GET", v1+"/plans", none, nil)
		c.want(403, tok, "GET", v1+"/rules", none, nil)
	}

	// The plan: 7.3.2 should carry the upgrades of 7.3.1's open findings.
	plans := asList(c.list(200, eng, "GET", v1+"/plans", none))
	if len(plans) != 1 || plans[0]["next"] != "7.3.2" || len(plans[0]["findings"].([]any)) != 2 {
		t.Fatalf("plans = %v, want 7.3.2 for 2 findings", plans)
	}

	// An applicability rule: openssl's advisory does not apply.
	c.want(403, eng, "POST", v1+"/rules", none, map[string]any{"vuln": "DSA-5343-1"})
	inv := c.want(422, adm, "POST", v1+"/rules", none, map[string]any{"status": "fixed", "reason": "bored", "note": " ", "from_version": "7.3"})
	if got := strings.Join(strList(inv["problems"]), "\n"); !strings.Contains(got, "status:") || !strings.Contains(got, "reason:") ||
		!strings.Contains(got, "note:") || !strings.Contains(got, "vuln:") || !strings.Contains(got, "from_version:") {
		t.Errorf("invalid rule: problems %q, want status, reason, note, vuln and from_version", got)
	}
	if p := c.want(422, adm, "POST", v1+"/rules", none, map[string]any{"product": "nope", "vuln": "DSA-5343-1", "status": "affected", "reason": "other", "note": "n"}); !slices.Contains(strList(p["problems"]), `product: no product "nope"`) {
		t.Errorf("rule of an unknown product: %v", p)
	}
	c.want(400, adm, "POST", v1+"/rules", none, map[string]any{"id": 7, "vuln": "DSA-5343-1", "status": "affected", "reason": "other", "note": "n"})
	c.want(400, adm, "POST", v1+"/rules", none, map[string]any{"author": "mallory", "vuln": "DSA-5343-1", "status": "affected", "reason": "other", "note": "n"})
	ch := c.want(201, adm, "POST", v1+"/rules", none, map[string]any{"product": "vault", "from_version": "7.3.1", "ecosystem": "Debian", "package": "openssl",
		"status": "not_affected", "justification": "vulnerable_code_not_in_execute_path", "reason": "feature_not_used",
		"note": "X.400 names are never parsed: certificates come from our own CA only."})
	rule, _ := ch["rule"].(map[string]any)
	if rule["author"] != "admin" || ch["match"].(map[string]any)["findings"].(float64) < 1 {
		t.Errorf("created rule = %v", ch)
	}
	f := c.want(200, adm, "GET", v1+"/findings/{id}", at(id(ossl)), nil)
	if f["status"] != "not_affected" || f["rule_id"] != rule["id"] || f["due_at"] != nil || f["justification"] != "vulnerable_code_not_in_execute_path" {
		t.Errorf("openssl after the rule = %v", f)
	}
	if l := c.list(200, adm, "GET", fmt.Sprintf("%s/findings?open=true&release=%d", v1, cur), none); len(l) != 1 {
		t.Errorf("open findings after the rule = %v, want xorg-server's alone", l)
	}
	if l := c.list(200, eng, "GET", v1+"/rules?product=vault", none); len(l) != 1 {
		t.Errorf("rules of vault = %v", l)
	}
	if p := asList(c.list(200, adm, "GET", v1+"/plans", none)); len(p) != 1 || len(p[0]["findings"].([]any)) != 1 {
		t.Errorf("plans after the rule = %v, want one finding left", p)
	}

	// Revoking it decides the finding again; revoking twice is a conflict.
	rv := c.want(200, adm, "DELETE", v1+"/rules/{id}", at(id(rule)), nil)
	if r, _ := rv["rule"].(map[string]any); r["revoked_at"] == nil {
		t.Errorf("revoked rule = %v", rv)
	}
	if f := c.want(200, adm, "GET", v1+"/findings/{id}", at(id(ossl)), nil); f["status"] != "affected" || f["rule_id"] != nil {
		t.Errorf("openssl after the revocation = %v", f)
	}
	c.want(409, adm, "DELETE", v1+"/rules/{id}", at(id(rule)), nil)
	c.want(404, adm, "DELETE", v1+"/rules/{id}", at(999999), nil)
	c.want(403, eng, "DELETE", v1+"/rules/{id}", at(id(rule)), nil)
	if l := c.list(200, adm, "GET", v1+"/rules?product=vault", none); len(l) != 0 {
		t.Errorf("active rules after the revocation = %v", l)
	}
	if l := c.list(200, adm, "GET", v1+"/rules?all=true", none); len(l) != 1 {
		t.Errorf("all rules = %v", l)
	}
	c.list(400, adm, "GET", v1+"/rules?all=yes", none)
	c.list(400, adm, "GET", v1+"/rules?product=nope", none)

	// A full rematch keeps what the incremental ones gave.
	st := c.want(200, adm, "POST", v1+"/findings/rematch", none, map[string]any{})
	if st["components"] != 6.0 || st["findings"] != 4.0 || st["added"] != 0.0 || st["removed"] != 0.0 {
		t.Errorf("rematch = %v, want 6 components, 4 findings, nothing added or removed", st)
	}
	c.want(400, adm, "POST", v1+"/findings/rematch", none, map[string]any{"full": true})
	c.want(403, eng, "POST", v1+"/findings/rematch", none, map[string]any{})

	// Feed runs, newest first.
	rs := asList(c.list(200, adm, "GET", v1+"/feeds/runs", none))
	if len(rs) != len(runs) || rs[0]["id"] != float64(runs[len(runs)-1].ID) || rs[0]["state"] != "ok" || rs[0]["added"] != float64(runs[len(runs)-1].Added) {
		t.Errorf("feed runs = %v, want %+v newest first", rs, runs)
	}
	if l := c.list(200, adm, "GET", v1+"/feeds/runs?limit=1&feed="+url.QueryEscape(runs[0].Feed), none); len(l) != 1 {
		t.Errorf("runs of %s = %v", runs[0].Feed, l)
	}
	if l := c.list(200, adm, "GET", v1+"/feeds/runs?feed=kev", none); len(l) != 0 {
		t.Errorf("runs of kev = %v", l)
	}
	c.list(400, adm, "GET", v1+"/feeds/runs?limit=0", none)
	c.list(403, eng, "GET", v1+"/feeds/runs", none)

	// Every write is in the audit trail.
	for _, action := range []string{"sbom.import", "rule.create", "rule.revoke", "findings.rematch"} {
		if l := c.list(200, adm, "GET", v1+"/audit?action="+action, none); len(l) == 0 {
			t.Errorf("no %s in the audit trail", action)
		}
	}
}

func TestMonitorSBOMRefused(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	svc := &casework.Service{Store: storetest.SQLite(t), Policy: policy.Default(), Now: func() time.Time { return now }}
	h := New(svc, Options{}).Handler()
	c := newClient(t, h)
	adm := token(t, svc, "admin", user.Admin)
	eng := token(t, svc, "erin", user.Engineer)
	const v1 = "/api/v1"
	at := func(args ...any) []any { return args }
	c.want(201, adm, "POST", v1+"/products", nil, map[string]any{"slug": "vault", "name": "Acme Vault"})
	branch := c.want(201, adm, "POST", v1+"/products/{slug}/branches", at("vault"), map[string]any{"name": "7.3"})
	rel := id(c.want(201, adm, "POST", v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "7.3.1", "state": "published"}))
	put := v1 + "/releases/{id}/sbom"

	tests := []struct {
		name, query, body string
		status            int
		detail            []string // in the problem's detail or problems
	}{
		{"truncated JSON", "?name=image.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":`, 400,
			[]string{"image.cdx.json", "line 1"}},
		{"not an SBOM", "", "hello, world\n", 400, []string{fmt.Sprintf("release-%d-sbom", rel), "unknown SBOM format"}},
		{"empty", "", "", 400, []string{"empty document"}},
		{"wrong format named", "?format=spdx-json", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}`, 400, []string{"release-"}},
		{"unknown format", "?format=rpm", "{}", 400, []string{"format:", "rpm"}},
		{"every query problem", "?format=rpm&distro=" + strings.Repeat("x", 201), "{}", 400, []string{"format:", "distro:"}},
		{"unknown distro", "?distro=hurd", "Package: bash\nStatus: install ok installed\nVersion: 5.2-2\n", 422, []string{"distro:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.want(tt.status, adm, "PUT", put+tt.query, at(rel), tt.body)
			got := fmt.Sprint(p["detail"], p["problems"])
			for _, d := range tt.detail {
				if !strings.Contains(got, d) {
					t.Errorf("problem %q does not name %q", got, d)
				}
			}
		})
	}
	c.want(404, adm, "PUT", put, at(999999), bullseyeSBOM(t))
	c.want(403, eng, "PUT", put, at(rel), bullseyeSBOM(t))
	c.want(404, adm, "GET", put, at(rel), nil) // nothing was imported

	// Too large: refused from the declared length before reading, and
	// while reading a body of unknown length.
	target := fmt.Sprintf(v1+"/releases/%d/sbom", rel)
	for _, tt := range []struct {
		name   string
		length int64
	}{{"declared", maxSBOMBody + 1}, {"streamed", -1}} {
		t.Run("too large "+tt.name, func(t *testing.T) {
			res := raw(t, h, adm, "PUT", target, io.LimitReader(spaces{}, maxSBOMBody+1), tt.length)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %s", res.StatusCode, body)
			}
			if err := c.validate("#/components/schemas/Problem", body); err != nil {
				t.Error(err)
			}
		})
	}
	c.want(404, adm, "GET", put, at(rel), nil)

	// Within the limit, a dpkg status file of a named Debian release.
	status := "Package: openssl\nStatus: install ok installed\nVersion: 1.1.1n-0+deb11u3\nArchitecture: amd64\n\n" +
		"Package: bash\nStatus: deinstall ok config-files\nVersion: 5.1-2\n"
	res := raw(t, h, adm, "PUT", target+"?distro=bullseye", strings.NewReader(status), int64(len(status)))
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("dpkg status import: status %d: %s", res.StatusCode, body)
	}
	if err := c.validate("#/components/schemas/SBOMUpload", body); err != nil {
		t.Error(err)
	}
	var up sbomUpload
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	if up.SBOM.Format != sbom.DpkgStatus || up.SBOM.Components != 1 || up.SBOM.Skipped != 1 {
		t.Errorf("dpkg status import = %+v", up.SBOM)
	}
	if l := asList(c.list(200, adm, "GET", v1+"/releases/{id}/components", at(rel))); len(l) != 1 || l[0]["distro"] != "11" {
		t.Errorf("components = %v, want openssl matched against Debian 11", l)
	}
}

// TestMonitorSchemaFields keeps the monitoring schemas in step with the Go
// types the handlers read and write, as TestOpenAPISchemaFields does for
// the rest.
func TestMonitorSchemaFields(t *testing.T) {
	doc := document(t)
	tests := []struct {
		schema string
		typ    reflect.Type
	}{
		{"Finding", reflect.TypeFor[finding.Finding]()},
		{"FindingComponent", reflect.TypeFor[finding.Component]()},
		{"Rule", reflect.TypeFor[finding.Rule]()},
		{"NewRule", reflect.TypeFor[newRule]()},
		{"RuleChange", reflect.TypeFor[ruleChange]()},
		{"Plan", reflect.TypeFor[finding.Plan]()},
		{"Upgrade", reflect.TypeFor[finding.Upgrade]()},
		{"MatchStats", reflect.TypeFor[casework.MatchStats]()},
		{"SBOMImport", reflect.TypeFor[sbomView]()},
		{"SBOMProblem", reflect.TypeFor[problemView]()},
		{"SBOMUpload", reflect.TypeFor[sbomUpload]()},
		{"Component", reflect.TypeFor[componentView]()},
		{"FeedRun", reflect.TypeFor[feedRunView]()},
	}
	for _, tt := range tests {
		s, ok := pointer(doc, "#/components/schemas/"+tt.schema)
		if !ok {
			t.Errorf("no schema %s", tt.schema)
			continue
		}
		if diff := cmp.Diff(jsonNames(tt.typ), schemaProperties(doc, s.(map[string]any))); diff != "" {
			t.Errorf("schema %s properties differ from the JSON names of %s (-Go +schema):\n%s", tt.schema, tt.typ, diff)
		}
	}
	enums := map[string][]string{
		"VEXStatus":           strs(finding.UnderInvestigation, finding.Affected, finding.NotAffected, finding.Fixed),
		"Justification":       strs(finding.ComponentNotPresent, finding.VulnerableCodeNotPresent, finding.VulnerableCodeNotInExecutePath, finding.VulnerableCodeCannotBeControlledByAdversary, finding.InlineMitigationsAlreadyExist),
		"ApplicabilityReason": strs(finding.FeatureNotUsed, finding.WorkaroundInPlace, finding.CustomModification, finding.OtherReason),
	}
	for name, want := range enums {
		if diff := cmp.Diff(want, strList(deref(doc, map[string]any{"$ref": "#/components/schemas/" + name})["enum"])); diff != "" {
			t.Errorf("schema %s enum differs from the Go constants (-Go +schema):\n%s", name, diff)
		}
	}
	formats := deref(doc, map[string]any{"$ref": "#/components/schemas/SBOMImport"})["properties"].(map[string]any)["format"]
	if diff := cmp.Diff(sbom.Formats, strList(formats.(map[string]any)["enum"])); diff != "" {
		t.Errorf("SBOMImport.format enum differs from sbom.Formats (-Go +schema):\n%s", diff)
	}
}

// monitorCalls answers every monitoring operation once with success for
// TestOpenAPIResponses, on a product of its own and the advisories of the
// SBOM's two source packages.
func monitorCalls(t *testing.T, c *client, svc *casework.Service, adm string) {
	t.Helper()
	const v1 = "/api/v1"
	at := func(args ...any) []any { return args }
	c.want(201, adm, "POST", v1+"/products", nil, map[string]any{"slug": "vault", "name": "Acme Vault"})
	branch := c.want(201, adm, "POST", v1+"/products/{slug}/branches", at("vault"), map[string]any{"name": "7.3"})
	rel := id(c.want(201, adm, "POST", v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "7.3.1", "state": "published"}))
	importDSAs(t, svc, ofPackages("openssl", "xorg-server"))
	c.want(200, adm, "PUT", v1+"/releases/{id}/sbom", at(rel), bullseyeSBOM(t))
	c.want(200, adm, "GET", v1+"/releases/{id}/sbom", at(rel), nil)
	c.list(200, adm, "GET", v1+"/releases/{id}/components", at(rel))
	fs := c.list(200, adm, "GET", v1+"/findings?product=vault&status=affected&min_severity=none", nil)
	if len(fs) == 0 {
		t.Fatal("no findings of the SBOM")
	}
	c.want(200, adm, "GET", v1+"/findings/{id}", at(id(fs[0].(map[string]any))), nil)
	ch := c.want(201, adm, "POST", v1+"/rules", nil, map[string]any{"product": "vault", "ecosystem": "Debian", "package": "openssl",
		"versions": ">=1.1.1n-0+deb11u3", "status": "not_affected", "justification": "inline_mitigations_already_exist",
		"reason": "workaround_in_place", "note": "X.400 names are refused by the proxy.", "expires_at": "2027-06-01T00:00:00Z"})
	c.list(200, adm, "GET", v1+"/rules?product=vault&all=true", nil)
	c.list(200, adm, "GET", v1+"/plans", nil)
	c.want(200, adm, "DELETE", v1+"/rules/{id}", at(id(ch["rule"].(map[string]any))), nil)
	c.want(200, adm, "POST", v1+"/findings/rematch", nil, map[string]any{})
	c.list(200, adm, "GET", v1+"/feeds/runs?limit=5", nil)
}

// FuzzFindingFilter reads arbitrary queries of GET /findings: a query is
// refused as a bad request or gives a filter within the bounds.
func FuzzFindingFilter(f *testing.F) {
	for _, seed := range []string{
		"", "release=1&branch=2&status=affected&status=fixed&min_severity=high&vuln=CVE-2023-1393&package=openssl&open=true&limit=10&offset=5",
		"status=bogus&release=x&min_severity=huge&open=yes", "product=nope", "product=vault", "limit=0", "offset=-1",
		"status=affected&status=affected&status=affected&status=affected&status=affected", "vuln=%00", "release=-1",
		"min_severity=%20CRITICAL%20", "release=99999999999999999999",
	} {
		f.Add(seed)
	}
	svc := &casework.Service{Store: storetest.SQLite(f), Policy: policy.Default(), Now: time.Now}
	if _, err := svc.CreateProduct(f.Context(), casework.System, product.Product{Slug: "vault", Name: "Acme Vault"}); err != nil {
		f.Fatal(err)
	}
	a := New(svc, Options{})
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest("GET", "/api/v1/findings", nil)
		r.URL.RawQuery = query
		flt, err := a.findingFilter(r)
		if err != nil {
			if p := a.problemFor(err); p.Status != http.StatusBadRequest {
				t.Fatalf("query %q: %v gives status %d, want 400", query, err, p.Status)
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > 500 || flt.Offset < 0 || len(flt.Vuln) > maxQueryValue || len(flt.Package) > maxQueryValue ||
			flt.ReleaseID < 0 || flt.BranchID < 0 || len(flt.Status) > 4 || (flt.MinSeverity != nil && !flt.MinSeverity.Valid()) {
			t.Fatalf("query %q gives a filter out of bounds: %+v", query, flt)
		}
	})
}

package web_test

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/upstream"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// monitorChecks are the role test's checks of this area's routes. The
// fixture's release 7.3.4 gets one finding (a made-up Go record, so that
// the role test needs no shared data) and a rule to revoke.
func monitorChecks(t *testing.T, f *fixture) []roleCheck {
	rel := f.release("7.3.4")
	fd := f.goFinding(rel.ID)
	rule, _, err := f.svc.CreateRule(f.ctx, admin, finding.Rule{Product: "gateway", Ecosystem: "Go", Package: "example.com/mod",
		Vuln: "GO-2026-0001", Status: finding.UnderInvestigation, Reason: finding.OtherReason, Note: "checking"})
	f.must(err)
	relURL := fmt.Sprintf("/ui/releases/%d", rel.ID)
	branchURL := fmt.Sprintf("/ui/branches/%d", f.branch.ID)
	findingURL := fmt.Sprintf("/ui/findings/%d", fd.ID)
	ruleForm := url.Values{"status": {"not_affected"}, "justification": {"vulnerable_code_not_in_execute_path"}, "reason": {"feature_not_used"},
		"note": {"the module's HTTP server is not started"}, "product": {"gateway"}, "ecosystem": {"Go"}, "package": {"example.com/mod"}, "vuln": {"GO-2026-0001"}}
	return []roleCheck{
		{"GET", "/ui/products", "/ui/products", user.ReadProducts, nil, 0},
		{"GET", "/ui/products/{slug}", "/ui/products/gateway", user.ReadProducts, nil, 0},
		// An empty name is refused (422) for every role that may try: the
		// check does not depend on what an earlier role created.
		{"POST", "/ui/products/{slug}/branches", "/ui/products/gateway/branches", user.ManageProducts, url.Values{"name": {""}}, http.StatusUnprocessableEntity},
		{"POST", "/ui/branches/{id}", branchURL, user.ManageProducts, url.Values{"status": {"maintained"}}, 0},
		{"POST", "/ui/branches/{id}/releases", branchURL + "/releases", user.ManageProducts, url.Values{"kind": {"regular"}}, 0},
		{"GET", "/ui/releases/{id}", relURL, user.ReadProducts, nil, 0},
		{"POST", "/ui/releases/{id}", relURL, user.ManageProducts, url.Values{"notes": {"QA passed"}}, 0},
		// A form without a file is refused next to the file field.
		{"POST", "/ui/releases/{id}/sbom", relURL + "/sbom", user.ManageProducts, nil, http.StatusUnprocessableEntity},
		{"GET", "/ui/findings", "/ui/findings?open=true", user.ReadCases, nil, 0},
		{"GET", "/ui/findings/{id}", findingURL, user.ReadCases, nil, 0},
		{"POST", "/ui/findings/{id}/rules", findingURL + "/rules", user.ManageCases, ruleForm, 0},
		{"POST", "/ui/findings/rematch", "/ui/findings/rematch", user.ManageCases, nil, 0},
		{"GET", "/ui/jobs/{id}", "/ui/jobs/no-such-job", user.ReadCases, nil, http.StatusNotFound},
		{"GET", "/ui/rules", "/ui/rules?all=true", user.ReadCases, nil, 0},
		{"POST", "/ui/rules/{id}/revoke", fmt.Sprintf("/ui/rules/%d/revoke", rule.ID), user.ManageCases, nil, 0},
		{"GET", "/ui/plans", "/ui/plans", user.ReadCases, nil, 0},
		{"GET", "/ui/feeds", "/ui/feeds", user.ReadAudit, nil, 0},
	}
}

// release is the fixture's release of branch 7.3 with a version.
func (f *fixture) release(version string) product.Release {
	f.t.Helper()
	rs, err := f.svc.Store.ListReleases(f.ctx, f.branch.ID)
	f.must(err)
	for _, r := range rs {
		if r.Version.String() == version {
			return r
		}
	}
	f.t.Fatalf("no release %s", version)
	return product.Release{}
}

// goFinding gives a release an SBOM with one Go module and imports the one
// made-up record that affects it: the release then has exactly one finding.
func (f *fixture) goFinding(releaseID int64) finding.Finding {
	f.t.Helper()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rec := vuln.Record{ID: "GO-2026-0001", Source: vuln.SourceOSV, Aliases: []string{"CVE-2026-0001"}, Summary: "A test vulnerability",
		Published: day, Modified: day, Affected: []vuln.Affected{{Ecosystem: "Go", Package: "example.com/mod", Status: vuln.StatusAffected,
			Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "1.2.0"}}}}}}}
	_, err := f.svc.ImportFeed(f.ctx, casework.System, "import", upstream.Batch{Feed: "osv/Go", Source: vuln.SourceOSV, Format: upstream.FormatOSV,
		Location: "test", Records: []vuln.Record{rec}})
	f.must(err)
	doc := &sbom.SBOM{Format: sbom.CycloneDXJSON, Name: "test", Components: []sbom.Component{{Name: "example.com/mod", Version: "v1.1.0",
		PURL: "pkg:golang/example.com/mod@v1.1.0", Ecosystem: "Go", Package: "example.com/mod", Ref: "mod"}}}
	_, _, err = f.svc.ImportSBOM(f.ctx, casework.System, casework.SBOMInput{ReleaseID: releaseID, Doc: doc, SHA256: "00"})
	f.must(err)
	fs, err := f.svc.Store.FindingsOfRelease(f.ctx, releaseID)
	f.must(err)
	if len(fs) != 1 {
		f.t.Fatalf("findings of release %d: %v", releaseID, fs)
	}
	return fs[0]
}

// debianRecords reads the OSV records of Debian's advisories of 2023-04-02
// that concern openssl and xorg-server.
func debianRecords(t *testing.T) []upstream.Batch {
	t.Helper()
	batches, err := upstream.ReadPath(t.Context(), sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range batches {
		batches[i].Records = slices.DeleteFunc(batches[i].Records, func(r vuln.Record) bool {
			return !slices.ContainsFunc(r.Affected, func(a vuln.Affected) bool { return a.Package == "openssl" || a.Package == "xorg-server" })
		})
	}
	return batches
}

// importFeeds imports batches of records as vigil feeds import does.
func (f *fixture) importFeeds(batches []upstream.Batch) {
	f.t.Helper()
	for _, b := range batches {
		_, err := f.svc.ImportFeed(f.ctx, casework.System, "import", b)
		f.must(err)
	}
}

// upload posts a multipart form with one file, as a browser does.
func (b *browser) upload(path string, fields url.Values, field, name string, content []byte) page {
	b.f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			b.f.must(mw.WriteField(k, v))
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile(field, name)
		b.f.must(err)
		_, err = fw.Write(content)
		b.f.must(err)
	}
	b.f.must(mw.Close())
	req, err := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	b.f.must(err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.origin)
	return b.do(req)
}

// follow gets the page a 303 leads to.
func (b *browser) follow(t *testing.T, p page) page {
	t.Helper()
	if p.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", p.status, p.body)
	}
	return b.get(p.header.Get("Location"))
}

func mustContain(t *testing.T, name string, p page, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s lacks %q", name, w)
		}
	}
}

// noInjection checks that hostile strings appear in a page only escaped.
func noInjection(t *testing.T, name string, p page) {
	t.Helper()
	for _, h := range hostile[:3] {
		if strings.Contains(p.body, h) {
			t.Errorf("%s: %q appears unescaped", name, h)
		}
	}
	if strings.Contains(p.body, "<script") {
		t.Errorf("%s: a script element", name)
	}
}

// TestSBOMUploadFindingsAndRules walks the monitoring pages with Debian's
// real advisories and a real bullseye SBOM: upload through the form, the
// release's components and findings, the findings list and its filters, a
// finding with its records, a rule refused then recorded, then revoked.
func TestSBOMUploadFindingsAndRules(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(sharedtest.Path(t, "peer-outputs", "test-bullseye-3pkgs.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	records := debianRecords(t)
	eachStore(t, func(t *testing.T, f *fixture) { sbomUploadFindingsAndRules(t, f, records, doc) })
}

func sbomUploadFindingsAndRules(t *testing.T, f *fixture, records []upstream.Batch, doc []byte) {
	f.importFeeds(records)
	rel := f.release("7.3.4")
	relURL := fmt.Sprintf("/ui/releases/%d", rel.ID)
	b := f.as(user.PSIRT)

	// The upload form: every problem next to its field.
	p := b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}, "format": {"bogus"}, "distro": {hostile[1]}}, "", "", nil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("upload without a file: %d", p.status)
	}
	mustContain(t, "the refused upload", p, `id="sb-file-err"`, `id="sb-format-err"`, html.EscapeString(hostile[1]))
	noInjection(t, "the refused upload", p)
	p = b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}}, "sbom", "broken.json", []byte(`{"bomFormat": "CycloneDX", "components": [`))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "broken.json") {
		t.Errorf("a broken SBOM: %d", p.status)
	}
	p = b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}, "distro": {"nonsense"}}, "sbom", "bullseye.cdx.json", doc)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="sb-distro-err"`) {
		t.Errorf("an unknown Debian release: %d", p.status)
	}

	// Over the route's 64 MiB: too large, not a refused form.
	p = b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}}, "sbom", "huge.json", bytes.Repeat([]byte(" "), 65<<20))
	if p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload over the limit: %d, want 413", p.status)
	}

	// A good upload: the counts of the import and of the match.
	p = b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}}, "sbom", "bullseye.cdx.json", doc)
	loc := p.header.Get("Location")
	if !strings.Contains(loc, "done=sbom") || !strings.Contains(loc, "components=3") {
		t.Fatalf("upload: %d to %q\n%s", p.status, loc, p.body)
	}
	p = b.follow(t, p)
	mustContain(t, "the release after the upload", p, "SBOM imported and matched", "bullseye.cdx.json", "cyclonedx-json",
		"openssl", "1.1.1n-0", "pkg:deb/debian/xorg-server@2:1.20.11-1", `class="stat"`)
	if m := regexp.MustCompile(`<span class="n">(\d+)</span><span class="l">open</span>`).FindStringSubmatch(p.body); m == nil || m[1] != "2" {
		t.Errorf("open findings of the release: %v", m)
	}
	// A customer sees the published release and its SBOM, not its findings.
	cus := f.as(user.Customer)
	if p := cus.get(relURL); p.status != http.StatusOK || strings.Contains(p.body, "h-findings") || !strings.Contains(p.body, "openssl") {
		t.Errorf("the customer's release page: %d", p.status)
	}

	// The findings list: real IDs, severity badges, filters in the query.
	p = b.get(fmt.Sprintf("/ui/findings?release=%d&open=true", rel.ID))
	mustContain(t, "findings", p, "DSA-5343-1", "CVE-2023-1393", "2 matching findings", `class="psev`, `selected>Gateway 7.3.4`, `name="open" type="checkbox" value="true" checked`)
	if p := b.get("/ui/findings?package=openssl"); !strings.Contains(p.body, "DSA-5343-1") || strings.Contains(p.body, "CVE-2023-1393") {
		t.Error("the package filter does not filter")
	}
	p = b.get("/ui/findings?status=bogus&release=x&min_severity=huge&open=yes&product=nope&vuln=" + url.QueryEscape(hostile[0]))
	if p.status != http.StatusBadRequest {
		t.Errorf("bad filters: %d", p.status)
	}
	for _, field := range []string{"status:", "release:", "min_severity:", "open:", "product:"} {
		mustContain(t, "bad filters", p, field)
	}
	mustContain(t, "bad filters", p, html.EscapeString(hostile[0]))
	noInjection(t, "bad filters", p)

	// One finding: its records link to Debian's tracker and NVD.
	fs, _, err := f.svc.Findings(f.ctx, store.FindingFilter{ReleaseID: rel.ID, Vuln: "CVE-2023-1393"})
	f.must(err)
	if len(fs) != 1 {
		t.Fatalf("findings of CVE-2023-1393: %v", fs)
	}
	furl := fmt.Sprintf("/ui/findings/%d", fs[0].ID)
	p = b.get(furl)
	mustContain(t, "the finding", p, "https://nvd.nist.gov/vuln/detail/CVE-2023-1393", "https://security-tracker.debian.org/tracker/DSA-5380-1",
		"Record rule", `name="vuln" value="CVE-2023-1393"`, `name="from_version" value="7.3.4"`, `name="ecosystem" value="Debian"`, "Release plan")

	// A rule with every problem: each next to its field, the input kept.
	bad := url.Values{"csrf": {b.token(t)}, "status": {"not_affected"}, "reason": {""}, "note": {hostile[4]},
		"ecosystem": {"Debian"}, "package": {"xorg-server"}, "versions": {"<<nonsense"}, "from_version": {"7.3"}, "expires_at": {"tomorrow"}}
	p = b.post(furl+"/rules", bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid rule: %d", p.status)
	}
	mustContain(t, "the refused rule", p, `id="r-expires-err"`, html.EscapeString(hostile[4]))
	noInjection(t, "the refused rule", p)
	delete(bad, "expires_at")
	p = b.post(furl+"/rules", bad)
	mustContain(t, "the refused rule", p, `id="r-just-err"`, `id="r-reason-err"`, `id="r-versions-err"`, `id="r-from-err"`, `aria-invalid="true"`)

	// A good rule applies at once.
	good := url.Values{"csrf": {b.token(t)}, "status": {"not_affected"}, "justification": {"vulnerable_code_not_in_execute_path"},
		"reason": {"feature_not_used"}, "note": {"No X server runs on the appliance: " + hostile[0]}, "product": {"gateway"},
		"from_version": {"7.3.4"}, "ecosystem": {"Debian"}, "package": {"xorg-server"}, "vuln": {"CVE-2023-1393"}, "expires_at": {"2027-01-31"}}
	p = b.follow(t, b.post(furl+"/rules", good))
	mustContain(t, "the finding after the rule", p, "Rule recorded and applied", "Not affected", "Vulnerable code not in execute path")
	noInjection(t, "the finding after the rule", p)
	p = b.get("/ui/rules")
	mustContain(t, "rules", p, "xorg-server", "CVE-2023-1393", "until the end of 2027-01-31", html.EscapeString(hostile[0]), "Revoke")
	noInjection(t, "rules", p)
	rules, err := f.svc.Rules(f.ctx, "", false)
	f.must(err)
	if len(rules) != 1 || rules[0].Author != "pia" || rules[0].ExpiresAt == nil {
		t.Fatalf("rules: %+v", rules)
	}
	p = b.follow(t, b.post(fmt.Sprintf("/ui/rules/%d/revoke", rules[0].ID), url.Values{"csrf": {b.token(t)}}))
	mustContain(t, "rules after the revocation", p, "Rule revoked")
	if p := b.get("/ui/rules?all=true"); !strings.Contains(p.body, "Revoked") {
		t.Error("the revoked rule is not listed with all=true")
	}
	if p := b.get(furl); !strings.Contains(p.body, `vstatus-affected`) {
		t.Error("the finding is not affected again after the revocation")
	}
	// The engineer reads findings but may not decide them.
	eng := f.as(user.Engineer)
	if p := eng.get(furl); p.status != http.StatusOK || strings.Contains(p.body, "Record rule") {
		t.Errorf("the engineer's finding page: %d", p.status)
	}

	// The plan: the next security upgrade of 7.3 carries both upgrades.
	p = b.get("/ui/plans")
	mustContain(t, "plans", p, "7.3.4", "7.3.5", "xorg-server", "openssl", `class="cal"`, "Next regular window")
	// The calendar moves by month in the query; the deadlines are in September.
	mustContain(t, "plans in September", b.get("/ui/plans?month=2026-09"), "September 2026", "2 deadlines", `datetime="2026-09-06"`, "?month=2026-08")
	if p := b.get("/ui/plans?month=" + url.QueryEscape(hostile[0])); p.status != http.StatusBadRequest || !strings.Contains(p.body, "month: ") {
		t.Errorf("a bad month: %d", p.status)
	}
	// Rematch from the feeds page shows what it did.
	p = b.get("/ui/feeds")
	mustContain(t, "feeds", p, "Rematch now", "debian-tracker", "added")
	p = b.follow(t, b.post("/ui/findings/rematch", url.Values{"csrf": {b.token(t)}}))
	mustContain(t, "feeds after a rematch", p, "Rematch done", "Components")
	// In the background: the job's page shows its progress until it is
	// done, then leads to the result.
	p = b.post("/ui/findings/rematch", url.Values{"csrf": {b.token(t)}, "background": {"1"}})
	job := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(job, "/ui/jobs/") {
		t.Fatalf("a background rematch: %d to %q", p.status, job)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		p = b.get(job)
		if p.status != http.StatusOK {
			t.Fatalf("the job page: %d", p.status)
		}
		if !strings.Contains(p.body, `http-equiv="refresh"`) {
			break // done: no more reloading
		}
		mustContain(t, "the running job", p, "<progress", "reloads every second")
		if time.Now().After(deadline) {
			t.Fatal("the rematch job did not finish")
		}
	}
	mustContain(t, "the finished job", p, "Done.", "/ui/feeds?done=rematch")
}

// TestProductsAndReleases creates a branch and plans, moves and publishes a
// release through the forms; the supported versions follow.
func TestProductsAndReleases(t *testing.T) {
	t.Parallel()
	eachStore(t, productsAndReleases)
}

func productsAndReleases(t *testing.T, f *fixture) {
	pr, err := f.svc.CreateProduct(f.ctx, admin, product.Product{Slug: "evil", Name: hostile[0], Description: hostile[1], Upstreams: []string{hostile[2]}})
	f.must(err)
	_, err = f.svc.CreateBranch(f.ctx, admin, product.Branch{ProductID: pr.ID, Name: "1"})
	f.must(err)
	b := f.as(user.PSIRT)

	p := b.get("/ui/products")
	mustContain(t, "products", p, "Supported versions", "Gateway", "7.3.4", html.EscapeString(hostile[0]), html.EscapeString(hostile[2]))
	noInjection(t, "products", p)

	// A new branch: problems next to their fields, then added.
	p = b.post("/ui/products/gateway/branches", url.Values{"csrf": {b.token(t)}, "name": {hostile[1]}, "status": {"gone"}, "eol": {"soon"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid branch: %d", p.status)
	}
	mustContain(t, "the refused branch", p, `id="nb-name-err"`, `id="nb-eol-err"`, html.EscapeString(hostile[1]))
	noInjection(t, "the refused branch", p)
	p = b.post("/ui/products/gateway/branches", url.Values{"csrf": {b.token(t)}, "name": {"7.2"}, "status": {"eol"}, "eol": {"2026-01-31"}})
	p = b.follow(t, p)
	mustContain(t, "the product", p, "Branch added", "Branch <span class=\"mono\">7.2</span>", "End of life 2026-01-31")
	p = b.post("/ui/products/gateway/branches", url.Values{"csrf": {b.token(t)}, "name": {"7.2"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="nb-name-err"`) {
		t.Errorf("a branch twice: %d", p.status)
	}

	// Plan a release: the version defaults to the next security upgrade.
	p = b.get("/ui/products/gateway")
	mustContain(t, "the product", p, `placeholder="7.3.5"`)
	path := fmt.Sprintf("/ui/branches/%d/releases", f.branch.ID)
	p = b.post(path, url.Values{"csrf": {b.token(t)}, "version": {"8.0.0"}, "kind": {"sometimes"}, "planned_at": {"31/03"}, "notes": {hostile[3]}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid release: %d", p.status)
	}
	rv := fmt.Sprintf("rv-%d-err", f.branch.ID)
	mustContain(t, "the refused release", p, `id="`+fmt.Sprintf("rp-%d-err", f.branch.ID)+`"`, html.EscapeString(hostile[3]))
	p = b.post(path, url.Values{"csrf": {b.token(t)}, "version": {"8.0.0"}, "kind": {"sometimes"}, "notes": {hostile[3]}})
	mustContain(t, "the refused release", p, `id="`+rv+`"`, fmt.Sprintf(`id="rk-%d-err"`, f.branch.ID))
	p = b.post(path, url.Values{"csrf": {b.token(t)}, "kind": {"urgent"}, "planned_at": {"2026-03-20"}, "notes": {"Security upgrade " + hostile[0]}})
	relPage := b.follow(t, p)
	mustContain(t, "the new release", relPage, "Release planned", "7.3.5", "Planned", "2026-03-20", "Urgent", "Import the SBOM")
	noInjection(t, "the new release", relPage)
	rel := f.release("7.3.5")
	relURL := fmt.Sprintf("/ui/releases/%d", rel.ID)

	// An SBOM with a component nothing identifies: listed with its problem.
	cdx := fmt.Sprintf(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
		{"type": "library", "bom-ref": "ok", "name": "golang.org/x/net", "version": "v0.1.0", "purl": "pkg:golang/golang.org/x/net@v0.1.0"},
		{"type": "library", "bom-ref": %q, "name": %q, "version": "1.0"}]}`, hostile[1], hostile[0])
	p = b.upload(relURL+"/sbom", url.Values{"csrf": {b.token(t)}, "format": {"cyclonedx-json"}}, "sbom", hostile[2]+".json", []byte(cdx))
	if loc := p.header.Get("Location"); !strings.Contains(loc, "components=2&unidentified=1") {
		t.Fatalf("upload: %d to %q\n%s", p.status, loc, p.body)
	}
	p = b.follow(t, p)
	mustContain(t, "the release with an unidentified component", p, "Unidentified components", html.EscapeString(hostile[1]), "golang.org/x/net")
	noInjection(t, "the release with an unidentified component", p)

	// R7: the customer sees neither the planned release nor its page.
	cus := f.as(user.Customer)
	if p := cus.get(relURL); p.status != http.StatusNotFound {
		t.Errorf("the customer reads a planned release: %d", p.status)
	}
	if p := cus.get("/ui/products/gateway"); strings.Contains(p.body, "7.3.5") || strings.Contains(p.body, "Plan a release") {
		t.Error("the customer sees the planned release or the forms")
	}
	if p := f.as(user.Liaison).get("/ui/products"); p.status != http.StatusOK || strings.Contains(p.body, "7.3.5") {
		t.Errorf("the liaison's products: %d", p.status)
	}
	// Planned → QA → published; a published release cannot go back.
	p = b.follow(t, b.post(relURL, url.Values{"csrf": {b.token(t)}, "state": {"qa"}}))
	mustContain(t, "the release in QA", p, "Release saved", "In QA")
	p = b.post(relURL, url.Values{"csrf": {b.token(t)}, "state": {"published"}, "planned_at": {"2026-03-20"}, "notes": {"done"},
		"download_url": {"javascript:alert(1)"}, "sha256": {"xyz"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="re-url-err"`) || !strings.Contains(p.body, `id="re-sha-err"`) {
		t.Errorf("a release with a bad download: %d", p.status)
	}
	p = b.follow(t, b.post(relURL, url.Values{"csrf": {b.token(t)}, "state": {"published"}}))
	mustContain(t, "the published release", p, "Published")
	p = b.post(relURL, url.Values{"csrf": {b.token(t)}, "state": {"planned"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "cannot go back") {
		t.Errorf("unpublishing: %d", p.status)
	}
	p = cus.get("/ui/products")
	if !regexp.MustCompile(`Gateway</a></td>\s*<td data-label="Maintained branches"><span class="mono">7.3</span></td>\s*<td data-label="Latest stable"><strong class="mono">7.3.5</strong>`).MatchString(p.body) {
		t.Errorf("the supported versions do not show 7.3.5:\n%s", p.body)
	}
	// End of life: the branch leaves the supported versions.
	p = b.post(fmt.Sprintf("/ui/branches/%d", f.branch.ID), url.Values{"csrf": {b.token(t)}, "status": {"eol"}, "eol": {"2026-03-01"}})
	b.follow(t, p)
	if p := cus.get("/ui/products"); strings.Contains(p.body, `<strong class="mono">7.3.5</strong>`) {
		t.Error("an end-of-life branch is still supported")
	}
}

// TestMonitorEmptyPages renders every monitoring page with nothing to show.
func TestMonitorEmptyPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.as(user.Admin)
	for path, want := range map[string]string{
		"/ui/findings": "No finding yet", "/ui/rules": "No active rule", "/ui/plans": "No release is needed",
		"/ui/feeds": "No feed run", "/ui/findings/999": "Not found", "/ui/releases/999": "Not found", "/ui/products/nope": "Not found",
		"/ui/feeds?feed=" + url.QueryEscape(strings.Repeat("x", 300)): "feed: longer than",
	} {
		p := b.get(path)
		if !strings.Contains(p.body, want) {
			t.Errorf("%s (%d) lacks %q", path, p.status, want)
		}
	}
}

// TestProductReleasesCapped lists a branch's newest releases, all on demand.
func TestProductReleasesCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for z := 5; z <= 17; z++ {
		_, err := f.svc.CreateRelease(f.ctx, admin, casework.NewRelease{BranchID: f.branch.ID, Version: fmt.Sprintf("7.3.%d", z), State: product.Published})
		f.must(err)
	}
	b := f.as(user.Engineer)
	p := b.get("/ui/products/gateway")
	mustContain(t, "the product", p, "7.3.17", "7.3.6", "All 14 releases of 7.3", "?releases=all")
	if strings.Contains(p.body, ">7.3.5<") || strings.Contains(p.body, ">7.3.4<") || strings.Contains(p.body, "Plan a release") {
		t.Error("the product page lists more than the newest 12 releases, or forms for an engineer")
	}
	if p := b.get("/ui/products/gateway?releases=all"); !strings.Contains(p.body, ">7.3.4<") || strings.Contains(p.body, "All 14 releases") {
		t.Error("?releases=all does not list every release")
	}
}

// TestFeedRunProblems shows a run's problems as text.
func TestFeedRunProblems(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	bad := vuln.Record{ID: hostile[1], Source: vuln.SourceOSV, Summary: hostile[0], Published: day, Modified: day,
		Affected: []vuln.Affected{{Ecosystem: hostile[2], Package: hostile[0]}}}
	run, err := f.svc.ImportFeed(f.ctx, casework.System, "import", upstream.Batch{Feed: "osv/" + hostile[0], Source: vuln.SourceOSV,
		Format: upstream.FormatOSV, Location: hostile[1], Records: []vuln.Record{bad},
		Problems: []vuln.Problem{{Name: "all.zip: " + hostile[2], Err: errors.New(hostile[0])}}})
	f.must(err)
	if run.Problems != 1 {
		t.Fatalf("run %+v", run)
	}
	p := f.as(user.Admin).get("/ui/feeds")
	if p.status != http.StatusOK || !strings.Contains(p.body, html.EscapeString("osv/"+hostile[0])) {
		t.Fatalf("feeds: %d\n%s", p.status, p.body)
	}
	mustContain(t, "feeds", p, "1 problem", html.EscapeString(hostile[2]))
	noInjection(t, "feeds", p)
	if p := f.as(user.Engineer).get("/ui/feeds"); p.status != http.StatusForbidden {
		t.Errorf("the engineer reads the feeds: %d", p.status)
	}
}

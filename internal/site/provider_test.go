package site

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/signing"
)

// memFiles is an in-memory Files: every revision of every path, oldest first.
type memFiles struct {
	files map[string][]File
	keys  []PublicKey
}

func (m memFiles) FileAt(ctx context.Context, path string, rev int) (File, error) {
	revs := m.files[path]
	if len(revs) == 0 {
		return File{}, fmt.Errorf("file %s: %w", path, ErrNotFound)
	}
	if rev == 0 {
		return revs[len(revs)-1], nil
	}
	for _, f := range revs {
		if f.Revision == rev {
			return f, nil
		}
	}
	return File{}, fmt.Errorf("file %s revision %d: %w", path, rev, ErrNotFound)
}

func (m memFiles) ListFiles(ctx context.Context, kinds ...string) ([]File, error) {
	var out []File
	for _, revs := range m.files {
		f := revs[len(revs)-1]
		if len(kinds) == 0 || slices.Contains(kinds, f.Kind) {
			f.Content, f.Signature = nil, ""
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b File) int { return b.PublishedAt.Compare(a.PublishedAt) })
	return out, nil
}

func (m memFiles) FileHistory(ctx context.Context, path string) ([]File, error) {
	return m.files[path], nil
}

func (m memFiles) PublicKeys(ctx context.Context) ([]PublicKey, error) { return m.keys, nil }

// csafFixture is a small CSAF document as the directory lists it.
func csafFixture(t *testing.T, key *signing.Key, path, kind, id, category string, initial, current time.Time, rev int) File {
	t.Helper()
	doc := map[string]any{"document": map[string]any{
		"category": category, "csaf_version": "2.0", "title": "Title of " + id + " " + hostile,
		"tracking": map[string]any{"id": id, "initial_release_date": initial.Format(time.RFC3339), "current_release_date": current.Format(time.RFC3339)},
	}}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	s256, s512 := sha256.Sum256(b), sha512.Sum512(b)
	sig, err := key.Sign(b, current)
	if err != nil {
		t.Fatal(err)
	}
	return File{Path: path, Revision: rev, Kind: kind, AdvisoryID: id, ContentType: "application/json", Content: b,
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:]), Signature: sig, PublishedAt: current}
}

type providerFixture struct {
	srv   *httptest.Server
	key   *signing.Key
	files memFiles
	now   time.Time
}

const (
	advPath = "/.well-known/csaf/white/2026/acme-sa-2026-001.json"
	vexPath = "/.well-known/csaf/white/2026/acme-vex-scheduler-2_7_2.json"
	oldPath = "/.well-known/csaf/white/2025/acme-sa-2025-007.json"
)

func providerSite(t *testing.T) providerFixture {
	t.Helper()
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	priv, err := signing.Generate("Acme", "security@acme.example", now.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.Load(priv)
	if err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 4, 12, 30, 0, 0, time.UTC), time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC)
	files := memFiles{files: map[string][]File{
		advPath: {
			csafFixture(t, key, advPath, "csaf", "ACME-SA-2026-001", "csaf_security_advisory", d1, d1, 1),
			csafFixture(t, key, advPath, "csaf", "ACME-SA-2026-001", "csaf_security_advisory", d1, d2.Add(time.Hour), 2),
		},
		vexPath: {csafFixture(t, key, vexPath, "csaf_vex", "ACME-VEX-scheduler-2.7.2", "csaf_vex", d2, d2, 1)},
		oldPath: {csafFixture(t, key, oldPath, "csaf", "ACME-SA-2025-007", "csaf_security_advisory", d3, d3, 1)},
		// Published, but not a CSAF document: never in the CSAF directory.
		"/advisories/ACME-SA-2026-001/osv.json": {{Path: "/advisories/ACME-SA-2026-001/osv.json", Revision: 1, Kind: "osv",
			Content: []byte(`{"id":"ACME-SA-2026-001"}`), PublishedAt: d1}},
	}, keys: []PublicKey{{Fingerprint: key.Fingerprint, Armored: key.Public}}}
	s, err := New(Site{
		Source: published{}, Files: files, Signer: key, Name: "Acme", Now: func() time.Time { return now },
		Vendor: advisory.Publisher{Name: "Acme Corp", Namespace: "https://acme.example", Contact: "security@acme.example", IDPrefix: "ACME-SA"},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return providerFixture{srv: srv, key: key, files: files, now: now}
}

// base is the https URL the site names itself by (no base URL configured).
func (p providerFixture) base() string { return "https://" + strings.TrimPrefix(p.srv.URL, "http://") }

// compile loads a JSON schema and the schemas it references.
func compile(t *testing.T, id string, files map[string]string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for url, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, name, body string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("%s is not valid against its schema: %v\n%s", name, err, body)
	}
}

// decodeStrict decodes JSON as csaf_checker does: unknown fields are errors.
func decodeStrict(t *testing.T, name, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, body)
	}
}

func TestProviderMetadata(t *testing.T) {
	p := providerSite(t)
	resp, body := get(t, p.srv.URL+"/.well-known/csaf/provider-metadata.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("provider-metadata.json: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	dir := sharedtest.Path(t, "oasis-csaf", "csaf_2.0")
	const csafID, providerID = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "https://docs.oasis-open.org/csaf/csaf/v2.0/provider_json_schema.json"
	files := map[string]string{
		csafID:     filepath.Join(dir, "json_schema", "csaf_json_schema.json"),
		providerID: filepath.Join(dir, "json_schema", "provider_json_schema.json"),
	}
	for _, v := range []string{"v2.0", "v3.0", "v3.1"} {
		files["https://www.first.org/cvss/cvss-"+v+".json"] = filepath.Join(dir, "referenced_schema", "first", "cvss-"+v+".json")
	}
	validate(t, compile(t, providerID, files), "provider-metadata.json", body)

	var m ProviderMetadata
	decodeStrict(t, "provider-metadata.json", body, &m)
	base := p.base()
	want := ProviderMetadata{
		CanonicalURL: base + "/.well-known/csaf/provider-metadata.json",
		Distributions: []Distribution{{DirectoryURL: base + "/.well-known/csaf/white/",
			ROLIE: &ROLIE{Feeds: []ROLIEFeedRef{{Summary: "TLP:WHITE advisories and VEX documents", TLPLabel: "WHITE", URL: base + "/.well-known/csaf/white/csaf-feed-tlp-white.json"}}}}},
		LastUpdated: "2026-11-04T13:30:00Z", ListOnCSAFAggregators: true, MetadataVersion: "2.0", MirrorOnCSAFAggregators: true,
		PublicOpenPGPKeys: []OpenPGPKey{{Fingerprint: p.key.Fingerprint, URL: base + "/.well-known/csaf/openpgp/" + p.key.Fingerprint + ".asc"}},
		Role:              "csaf_trusted_provider",
	}
	want.Publisher = m.Publisher
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("provider metadata (-want +got):\n%s", diff)
	}
	if pub := m.Publisher; pub.Category != "vendor" || pub.Name != "Acme Corp" || pub.Namespace != "https://acme.example" ||
		pub.ContactDetails != "Contact: mailto:security@acme.example" || pub.IssuingAuthority == "" {
		t.Errorf("publisher %+v", pub)
	}

	// Conditional requests: the same bytes have the same ETag.
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequest("GET", p.srv.URL+"/.well-known/csaf/provider-metadata.json", nil)
	req.Header.Set("If-None-Match", etag)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if etag == "" || r2.StatusCode != http.StatusNotModified || resp.Header.Get("Last-Modified") != "Wed, 04 Nov 2026 13:30:00 GMT" {
		t.Errorf("conditional GET: ETag %q -> %d, Last-Modified %q", etag, r2.StatusCode, resp.Header.Get("Last-Modified"))
	}

	// The key the metadata names is served at its URL.
	resp, body = get(t, p.srv.URL+"/.well-known/csaf/openpgp/"+p.key.Fingerprint+".asc")
	if resp.StatusCode != 200 || body != p.key.Public {
		t.Errorf("public key: %d\n%s", resp.StatusCode, body)
	}
	for _, bad := range []string{"/.well-known/csaf/openpgp/0000.asc", "/.well-known/csaf/openpgp/" + p.key.Fingerprint} {
		if resp, _ := get(t, p.srv.URL+bad); resp.StatusCode != 404 {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}
}

// TestCSAFDirectory fetches every document of the directory with its hash
// and signature files, as csaf_checker and csaf_downloader do.
func TestCSAFDirectory(t *testing.T) {
	p := providerSite(t)
	for _, path := range []string{advPath, vexPath, oldPath} {
		latest, _ := p.files.FileAt(context.Background(), path, 0)
		name := filepath.Base(path)
		resp, body := get(t, p.srv.URL+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || body != string(latest.Content) {
			t.Errorf("%s: %d %q\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		s256, s512 := sha256.Sum256([]byte(body)), sha512.Sum512([]byte(body))
		for ext, sum := range map[string][]byte{".sha256": s256[:], ".sha512": s512[:]} {
			resp, hash := get(t, p.srv.URL+path+ext)
			if want := hex.EncodeToString(sum) + "  " + name + "\n"; resp.StatusCode != 200 || hash != want {
				t.Errorf("%s%s: %d %q, want %q", path, ext, resp.StatusCode, hash, want)
			}
		}
		resp, sig := get(t, p.srv.URL+path+".asc")
		if resp.StatusCode != 200 {
			t.Errorf("%s.asc: %d", path, resp.StatusCode)
		} else if err := signing.Verify(p.key.Public, []byte(body), sig); err != nil {
			t.Errorf("%s.asc: %v", path, err)
		}
	}
	for _, path := range []string{
		"/.well-known/csaf/white/2026/acme-sa-2026-999.json",
		"/.well-known/csaf/white/2026/acme-sa-2026-999.json.sha256",
		"/.well-known/csaf/white/2026/ACME-SA-2026-001.json",
		"/.well-known/csaf/white/26/acme-sa-2026-001.json",
		"/.well-known/csaf/white/2026/acme-sa-2026-001.json.md5",
		"/.well-known/csaf/white/2026/%3Cscript%3E.json",
		"/.well-known/csaf/white/nothing.txt",
	} {
		if resp, _ := get(t, p.srv.URL+path); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}

	resp, body := get(t, p.srv.URL+"/.well-known/csaf/white/index.txt")
	if want := "2025/acme-sa-2025-007.json\n2026/acme-sa-2026-001.json\n2026/acme-vex-scheduler-2_7_2.json\n"; resp.StatusCode != 200 || body != want {
		t.Errorf("index.txt: %d\n%s\nwant\n%s", resp.StatusCode, body, want)
	}
	resp, body = get(t, p.srv.URL+"/.well-known/csaf/white/changes.csv")
	want := `"2026/acme-sa-2026-001.json","2026-11-04T13:30:00Z"
"2026/acme-vex-scheduler-2_7_2.json","2026-11-04T12:30:00Z"
"2025/acme-sa-2025-007.json","2025-12-30T08:00:00Z"
`
	if resp.StatusCode != 200 || body != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("changes.csv: %d %q\n%s\nwant\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Errorf("changes.csv as CSV: %v %v", rows, err)
	}
	for i := 1; i < len(rows); i++ {
		a, _ := time.Parse(time.RFC3339, rows[i-1][1])
		b, _ := time.Parse(time.RFC3339, rows[i][1])
		if a.Before(b) {
			t.Errorf("changes.csv is not newest first at row %d", i+1)
		}
	}

	// Directory listings (requirement 14) link every file.
	resp, body = get(t, p.srv.URL+"/.well-known/csaf/white/")
	for _, link := range []string{`href="2025/"`, `href="2026/"`, `href="index.txt"`, `href="changes.csv"`, `href="csaf-feed-tlp-white.json"`} {
		if resp.StatusCode != 200 || !strings.Contains(body, link) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("white/ listing has no %s: %d\n%s", link, resp.StatusCode, body)
		}
	}
	resp, body = get(t, p.srv.URL+"/.well-known/csaf/white/2026/")
	for _, name := range []string{"acme-sa-2026-001.json", "acme-vex-scheduler-2_7_2.json"} {
		for _, ext := range []string{"", ".sha256", ".sha512", ".asc"} {
			if !strings.Contains(body, `href="`+name+ext+`"`) {
				t.Errorf("2026/ listing has no %s%s: %d\n%s", name, ext, resp.StatusCode, body)
			}
		}
	}
	if strings.Contains(body, "2025-007") || strings.Contains(body, "osv") {
		t.Errorf("2026/ listing lists other files:\n%s", body)
	}
	if resp, _ := get(t, p.srv.URL+"/.well-known/csaf/white/2024/"); resp.StatusCode != 404 {
		t.Errorf("empty year folder: %d", resp.StatusCode)
	}
	if resp, body := get(t, p.srv.URL+"/.well-known/csaf/"); resp.StatusCode != 200 || !strings.Contains(body, `href="provider-metadata.json"`) {
		t.Errorf("csaf/ listing: %d\n%s", resp.StatusCode, body)
	}
}

func TestROLIEFeed(t *testing.T) {
	p := providerSite(t)
	resp, body := get(t, p.srv.URL+"/.well-known/csaf/white/csaf-feed-tlp-white.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("feed: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	const rolieID = "https://raw.githubusercontent.com/oasis-tcs/csaf/master/csaf_2.0/json_schema/ROLIE_feed_json_schema.json"
	schema := compile(t, rolieID, map[string]string{rolieID: sharedtest.Path(t, "gocsaf-testdata", "csaf", "schema", "ROLIE_feed_json_schema.json")})
	validate(t, schema, "ROLIE feed", body)

	var feed rolieFeed
	decodeStrict(t, "ROLIE feed", body, &feed)
	base := p.base()
	if f := feed.Feed; len(f.Entry) != 3 || f.Updated != "2026-11-04T13:30:00.000Z" || f.Link[0] != (rolieLink{"self", base + "/.well-known/csaf/white/csaf-feed-tlp-white.json"}) {
		t.Fatalf("feed: %+v", f)
	}
	e := feed.Feed.Entry[0]
	u := base + advPath
	wantLinks := []rolieLink{{"self", u}, {"hash", u + ".sha256"}, {"hash", u + ".sha512"}, {"signature", u + ".asc"}}
	if e.ID != "ACME-SA-2026-001" || !slices.Equal(e.Link, wantLinks) || e.Published != "2026-11-03T09:00:00.000Z" || e.Updated != "2026-11-04T13:30:00.000Z" ||
		e.Content != (rolieContent{"application/json", u}) || e.Format.Version != "2.0" || !strings.Contains(e.Title, "<script>") ||
		!slices.Contains(e.Category, rolieCategory{rolieInfoType, "csaf"}) || !slices.Contains(e.Category, rolieCategory{"", "csaf_security_advisory"}) {
		t.Errorf("first entry: %+v", e)
	}
	// Hostile titles stay data: JSON escapes < and >, so no browser runs them.
	if strings.Contains(body, "<script>") {
		t.Error("the feed carries an unescaped <script>")
	}

	resp, body = get(t, p.srv.URL+"/.well-known/csaf/service.json")
	var svc rolieService
	decodeStrict(t, "service.json", body, &svc)
	if resp.StatusCode != 200 || len(svc.Service.Workspace) != 1 || len(svc.Service.Workspace[0].Collection) != 1 ||
		svc.Service.Workspace[0].Collection[0].HRef != base+"/.well-known/csaf/white/csaf-feed-tlp-white.json" {
		t.Errorf("service.json: %d\n%s", resp.StatusCode, body)
	}
	resp, body = get(t, p.srv.URL+"/.well-known/csaf/white/category-white.json")
	var cat rolieCategories
	decodeStrict(t, "category-white.json", body, &cat)
	if resp.StatusCode != 200 || len(cat.Categories.Category) != 2 {
		t.Errorf("category-white.json: %d\n%s", resp.StatusCode, body)
	}
}

func TestSignedSecurityTxt(t *testing.T) {
	p := providerSite(t)
	resp, body := get(t, p.srv.URL+"/.well-known/security.txt")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("security.txt: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text, err := signing.VerifyClearSigned(p.key.Public, []byte(body))
	if err != nil {
		t.Fatalf("security.txt signature: %v\n%s", err, body)
	}
	fields := map[string][]string{}
	for _, line := range strings.Split(string(text), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, "#") {
			fields[k] = append(fields[k], v)
		}
	}
	base := p.base()
	want := map[string][]string{
		"Contact":             {"mailto:security@acme.example", base + "/report"},
		"Expires":             {"2027-05-05T00:00:00Z"},
		"Encryption":          {base + "/.well-known/csaf/openpgp/" + p.key.Fingerprint + ".asc"},
		"Policy":              {base + "/report"},
		"Canonical":           {base + "/.well-known/security.txt"},
		"Preferred-Languages": {"en"},
		"CSAF":                {base + "/.well-known/csaf/provider-metadata.json"},
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("security.txt fields (-want +got):\n%s\n%s", diff, text)
	}
	if exp, _ := time.Parse(time.RFC3339, fields["Expires"][0]); !exp.After(p.now.AddDate(0, 5, 0)) {
		t.Errorf("Expires %s is not months ahead of %s", exp, p.now)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r2, err := c.Get(p.srv.URL + "/security.txt")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusMovedPermanently || r2.Header.Get("Location") != "/.well-known/security.txt" {
		t.Errorf("/security.txt: %d %q", r2.StatusCode, r2.Header.Get("Location"))
	}

	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg is not installed: the clear signature was checked with signing.VerifyClearSigned only")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	os.Mkdir(home, 0o700)
	os.WriteFile(filepath.Join(dir, "key.asc"), []byte(p.key.Public), 0o644)
	os.WriteFile(filepath.Join(dir, "security.txt"), []byte(body), 0o644)
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--import", filepath.Join(dir, "key.asc")).CombinedOutput(); err != nil {
		t.Fatalf("gpg import: %v\n%s", err, out)
	}
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--verify", filepath.Join(dir, "security.txt")).CombinedOutput(); err != nil || !bytes.Contains(out, []byte("Good signature")) {
		t.Fatalf("gpg verify: %v\n%s", err, out)
	}
}

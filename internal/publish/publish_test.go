package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cli"
	"github.com/vigil-psirt/vigil/internal/csaf/csaftest"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/publish"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/signing"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

var now = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func vendor() advisory.Publisher {
	return advisory.Publisher{Name: "Acme Corporation", Namespace: "https://acme.example", Contact: "security@acme.example",
		BaseURL: "https://security.acme.example", IDPrefix: "VIGIL-SA",
		CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "acme"}
}

// demo fills s with `vigil demo` through a service that renders documents.
func demo(t *testing.T, s *store.Store) (*casework.Service, *signing.Key) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	key, err := publish.Key(ctx, s, vendor(), now)
	if err != nil {
		t.Fatal(err)
	}
	svc := &casework.Service{Store: s, Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: vendor().BaseURL,
		Renderer: &publish.Renderer{Vendor: vendor(), Key: key}}
	if _, err := cli.Demo(ctx, svc, now); err != nil {
		t.Fatal(err)
	}
	return svc, key
}

// schemas compiles the official schema of every published kind.
func schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	add := func(url string, parts ...string) {
		b, err := os.ReadFile(sharedtest.Path(t, parts...))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"v2.0", "v3.0", "v3.1"} {
		add("https://www.first.org/cvss/cvss-"+v+".json", "oasis-csaf", "csaf_2.0", "referenced_schema", "first", "cvss-"+v+".json")
	}
	add("https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "oasis-csaf", "csaf_2.0", "json_schema", "csaf_json_schema.json")
	add("file:///cve.json", "cve5-cve-services", "src", "middleware", "schemas", "CVE_JSON_5.1_bundled.json")
	add("file:///osv.json", "osv-schema", "validation", "schema.json")
	add("file:///openvex.json", "openvex-spec", "openvex_json_schema.json")
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		add("http://cyclonedx.org/schema/"+name, "cyclonedx", "schema", name)
	}
	out := map[string]*jsonschema.Schema{}
	for kind, url := range map[string]string{
		publish.KindCSAF: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", publish.KindCSAFVEX: "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
		publish.KindCVE: "file:///cve.json", publish.KindOSV: "file:///osv.json", publish.KindOpenVEX: "file:///openvex.json",
		publish.KindCDXVEX: "http://cyclonedx.org/schema/bom-1.6.schema.json",
	} {
		s, err := c.Compile(url)
		if err != nil {
			t.Fatal(err)
		}
		out[kind] = s
	}
	return out
}

// TestDemoDocuments publishes the demo and checks every document it
// produces: hashes and signature match the bytes, each is valid against its
// official schema, and every CSAF document passes csaf_validator and the
// Secvisogram mandatory and optional tests.
func TestDemoDocuments(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	_, key := demo(t, s)
	files, err := s.ListFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range files {
		count[f.Kind]++
	}
	// One advisory; ten published releases of the scheduler carry VEX.
	want := map[string]int{publish.KindCSAF: 1, publish.KindCVE: 1, publish.KindOSV: 1, publish.KindCSAFVEX: 10, publish.KindOpenVEX: 10, publish.KindCDXVEX: 10}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s documents, want %d", count[k], k, n)
		}
	}
	sch := schemas(t)
	dir := t.TempDir()
	var csafFiles []string
	for _, info := range files {
		f, err := s.FileAt(ctx, info.Path, 0)
		if err != nil {
			t.Fatal(err)
		}
		s256, s512 := sha256.Sum256(f.Content), sha512.Sum512(f.Content)
		if f.SHA256 != hex.EncodeToString(s256[:]) || f.SHA512 != hex.EncodeToString(s512[:]) {
			t.Errorf("%s: stored hashes do not match the bytes", f.Path)
		}
		if err := signing.Verify(key.Public, f.Content, f.Signature); err != nil {
			t.Errorf("%s: %v", f.Path, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Content))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if err := sch[f.Kind].Validate(doc); err != nil {
			t.Errorf("%s is not a valid %s document: %v", f.Path, f.Kind, err)
		}
		if f.Kind == publish.KindCSAF || f.Kind == publish.KindCSAFVEX {
			p := filepath.Join(dir, path.Base(f.Path))
			if err := os.WriteFile(p, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
			csafFiles = append(csafFiles, p)
		}
	}
	t.Run("csaf_validator", func(t *testing.T) { csaftest.CSAFValidator(t, csafFiles) })
	t.Run("secvisogram", func(t *testing.T) { csaftest.Secvisogram(t, csafFiles) })
}

// TestRepublish: publishing again changes nothing; a new revision of the
// advisory makes new revisions of its documents and of the VEX documents,
// whose history grows and whose place stays.
func TestRepublish(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		svc, _ := demo(t, s)
		before, err := s.ListFiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		revs, err := s.LatestRevisions(ctx, 10, 0)
		if err != nil || len(revs) != 1 {
			t.Fatalf("revisions: %v %v", revs, err)
		}
		id := revs[0].AdvisoryID
		if err := s.InTx(ctx, func(tx *store.Store) error {
			return publish.Advisory(ctx, tx, *svc.Renderer, id, now.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		again, _ := s.ListFiles(ctx)
		for i := range again {
			if again[i].Revision != before[i].Revision {
				t.Errorf("%s: republishing the same content made revision %d", again[i].Path, again[i].Revision)
			}
		}
		c, err := s.CaseByKey(ctx, "VC-2026-0001")
		if err != nil {
			t.Fatal(err)
		}
		rev2 := revs[0]
		rev2.Number, rev2.PublishedAt, rev2.Changes = 2, now.Add(2*time.Hour), "Added a workaround."
		rev2.Workaround = "Block the import endpoint at the proxy."
		if err := s.InTx(ctx, func(tx *store.Store) error {
			if err := tx.AddRevision(ctx, c.ID, rev2); err != nil {
				return err
			}
			return publish.Advisory(ctx, tx, *svc.Renderer, id, rev2.PublishedAt)
		}); err != nil {
			t.Fatal(err)
		}
		after, _ := s.ListFiles(ctx)
		if len(after) != len(before) {
			t.Fatalf("%d paths after the revision, %d before: the documents moved", len(after), len(before))
		}
		for _, f := range after {
			if f.Revision != 2 {
				t.Errorf("%s is at revision %d, want 2", f.Path, f.Revision)
			}
		}
		vex, err := s.FileAt(ctx, "/.well-known/csaf/white/2026/vigil-vex-scheduler-2_7_2.json", 0)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Document struct {
				Tracking struct {
					Version         string `json:"version"`
					RevisionHistory []struct {
						Summary string `json:"summary"`
					} `json:"revision_history"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(vex.Content, &doc); err != nil {
			t.Fatal(err)
		}
		h := doc.Document.Tracking.RevisionHistory
		if doc.Document.Tracking.Version != "2" || len(h) != 2 || !strings.Contains(h[1].Summary, id+" revision 2: affected") {
			t.Errorf("VEX tracking after the revision: version %s, history %+v", doc.Document.Tracking.Version, h)
		}
	})
}

// TestFailedRenderRollsBack: when a document cannot be rendered the whole
// disclosure is refused and nothing of it remains.
func TestFailedRenderRollsBack(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		svc, _ := demo(t, s)
		ready, err := s.ListCases(ctx, store.CaseFilter{States: []vcase.State{vcase.Ready}})
		if err != nil || len(ready) != 1 {
			t.Fatalf("ready cases: %v %v", ready, err)
		}
		c := ready[0]
		files, _ := s.ListFiles(ctx)
		broken := *svc.Renderer
		broken.Vendor.Namespace = "not a URL" // the OSV package name cannot be derived
		svc.Renderer = &broken
		svc.Now = func() time.Time { return c.PlannedDisclose.Add(time.Hour) }
		_, err = svc.Transition(ctx, casework.System, c.ID, vcase.Disclose, casework.TransitionArgs{})
		if err == nil {
			t.Fatal("the disclosure succeeded with a renderer that cannot render")
		}
		got, err := s.CaseByID(ctx, c.ID)
		if err != nil || got.State != vcase.Ready || got.Version != c.Version {
			t.Errorf("case after the failed disclosure: %s v%d (%v), want ready v%d", got.State, got.Version, err, c.Version)
		}
		if _, err := s.AdvisoryIDByCase(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an advisory remains: %v", err)
		}
		after, _ := s.ListFiles(ctx)
		if len(after) != len(files) {
			t.Errorf("%d published files after the failed disclosure, %d before", len(after), len(files))
		}
		for _, f := range c.Fixes {
			r, err := s.ReleaseByID(ctx, *f.ReleaseID)
			if err != nil || r.State == "published" {
				t.Errorf("release %d was published by a failed disclosure (%v)", r.ID, err)
			}
		}
	})
}

// TestWithdrawnDocuments: withdrawing an advisory publishes the withdrawn
// revision in every format, the CVE record as a REJECTED record, all valid.
func TestWithdrawnDocuments(t *testing.T) {
	ctx := context.Background()
	s := storetest.SQLite(t)
	svc, key := demo(t, s)
	c, err := s.CaseByKey(ctx, "VC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := svc.Revise(ctx, casework.System, c.ID, casework.Revision{Changes: "Withdrawn: the report was a misunderstanding.", Withdraw: true})
	if err != nil {
		t.Fatal(err)
	}
	sch := schemas(t)
	for _, path := range []string{publish.CVEPath(rev.AdvisoryID), publish.OSVPath(rev.AdvisoryID), "/.well-known/csaf/white/2026/vigil-sa-2026-001.json"} {
		f, err := s.FileAt(ctx, path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if f.Revision != 2 {
			t.Errorf("%s: revision %d after the withdrawal, want 2", path, f.Revision)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Content))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch[f.Kind].Validate(doc); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if err := signing.Verify(key.Public, f.Content, f.Signature); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if f.Kind == publish.KindCVE && !bytes.Contains(f.Content, []byte(`"state": "REJECTED"`)) {
			t.Errorf("the CVE record of a withdrawn advisory is not REJECTED:\n%s", f.Content)
		}
	}
}

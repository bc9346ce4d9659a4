package osv

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// render converts the demo advisory after mut has changed it.
func render(t *testing.T, mut func(*advisory.Advisory)) (Vulnerability, []byte) {
	t.Helper()
	adv := advisorytest.Advisory()
	if mut != nil {
		mut(&adv)
	}
	v, err := FromAdvisory(advisorytest.Publisher(), adv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return v, b
}

// TestGolden renders the demo advisory, compares it with its golden file and
// validates it against the OSV schema.
func TestGolden(t *testing.T) {
	_, got := render(t, nil)
	golden := filepath.Join("testdata", ID(advisorytest.Advisory().ID)+".json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the rendering (-golden +got):\n%s", golden, diff)
	}
}

func TestSchema(t *testing.T) {
	schema := compile(t)
	for _, tc := range []struct {
		name string
		mut  func(*advisory.Advisory)
	}{
		{"demo", nil},
		{"withdrawn", withdraw},
		{"cvss 4.0, no CVE, no credits", func(a *advisory.Advisory) {
			r := &a.Revisions[len(a.Revisions)-1]
			r.CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
			r.CVEID, r.Credits, r.Workaround = "", nil, ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, b := render(t, tc.mut)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("not a valid OSV record: %v\n%s", err, b)
			}
		})
	}
}

// TestSchemaRejectsBareID shows why the ID carries the x_ prefix.
func TestSchemaRejectsBareID(t *testing.T) {
	schema := compile(t)
	_, b := render(t, nil)
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["id"] = advisorytest.Advisory().ID
	raw, _ := json.Marshal(doc)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if schema.Validate(v) == nil {
		t.Error("the schema accepts an unprefixed vendor ID: the x_ prefix may be unnecessary")
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := sharedtest.Path(t, "osv-schema", "validation", "schema.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func withdraw(a *advisory.Advisory) {
	w := a.Latest()
	w.Number++
	w.Status = advisory.Withdrawn
	w.PublishedAt = w.PublishedAt.Add(72 * time.Hour)
	w.Changes = "The report was a duplicate of VIGIL-SA-2026-000."
	a.Revisions = append(a.Revisions, w)
}

func TestFields(t *testing.T) {
	v, _ := render(t, nil)
	adv := advisorytest.Advisory()
	if v.ID != "x_VIGIL-SA-2026-001" || !cmp.Equal(v.Aliases, []string{"CVE-2026-41001"}) {
		t.Errorf("id %s aliases %v", v.ID, v.Aliases)
	}
	if !v.Published.Equal(adv.Initial()) || !v.Modified.Equal(adv.Latest().PublishedAt) || v.Withdrawn != nil {
		t.Errorf("published %s modified %s withdrawn %v", v.Published, v.Modified, v.Withdrawn)
	}
	if !strings.Contains(v.Details, adv.Latest().Workaround) {
		t.Error("details lack the workaround")
	}
	wantRefs := []Reference{
		{"ADVISORY", "https://security.acme.example/advisories/VIGIL-SA-2026-001"},
		{"ARTICLE", "https://research.example/blog/job-import-rce"},
	}
	if diff := cmp.Diff(wantRefs, v.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Credit{{"Jane Finder (Research Lab)", "FINDER"}}, v.Credits); diff != "" {
		t.Errorf("credits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Severity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}}, v.Severity); diff != "" {
		t.Errorf("severity (-want +got):\n%s", diff)
	}
	wantPkg := Package{Ecosystem: "Maven", Name: "example.acme:scheduler", PURL: "pkg:maven/example.acme/scheduler"}
	if len(v.Affected) != 1 || v.Affected[0].Package != wantPkg {
		t.Fatalf("affected %+v, want one entry for %+v", v.Affected, wantPkg)
	}

	w, _ := render(t, withdraw)
	if w.Withdrawn == nil || !strings.HasPrefix(w.Summary, "Withdrawn: ") || !strings.Contains(w.Summary, "duplicate") {
		t.Errorf("withdrawn %v summary %q", w.Withdrawn, w.Summary)
	}
	if len(w.Affected) == 0 {
		t.Error("a withdrawn record lost its affected ranges")
	}
}

// TestRanges checks the union of the branches' intervals against the
// lifecycle's own reading of the same list (advisory.StatusFor).
func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		affected []advisory.Affected
		want     []Event
	}{
		{"demo: end of life merges into the next branch", advisorytest.Advisory().Latest().Affected, []Event{
			{Introduced: "2.5.0"}, {Fixed: "2.6.9"}, {Introduced: "2.7.0"}, {Fixed: "2.7.3"},
		}},
		{"end of life before an unaffected branch ends at that branch", []advisory.Affected{
			{ProductSlug: "scheduler", Branch: "2.7", Introduced: "2.7.1", Fixed: "2.7.3"},
			{ProductSlug: "scheduler", Branch: "2.5", Introduced: "2.5.4"},
		}, []Event{{Introduced: "2.5.4"}, {Fixed: "2.6.0"}, {Introduced: "2.7.1"}, {Fixed: "2.7.3"}}},
		{"major branches, no introduced", []advisory.Affected{
			{ProductSlug: "scheduler", Branch: "41", Fixed: "41.2.5"},
			{ProductSlug: "scheduler", Branch: "40"},
			{ProductSlug: "scheduler", Branch: "42", Fixed: "42.0.1"},
		}, []Event{{Introduced: "40.0.0"}, {Fixed: "41.2.5"}, {Introduced: "42.0.0"}, {Fixed: "42.0.1"}}},
		{"fixed beyond the branch is clipped to it", []advisory.Affected{
			{ProductSlug: "scheduler", Branch: "2.6", Fixed: "2.8.0"},
		}, []Event{{Introduced: "2.6.0"}, {Fixed: "2.7.0"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub := advisorytest.Publisher()
			rev := advisorytest.Advisory().Latest()
			rev.Affected = tc.affected
			v, err := FromAdvisory(pub, advisory.Advisory{ID: rev.AdvisoryID, Revisions: []advisory.Revision{rev}})
			if err != nil {
				t.Fatal(err)
			}
			got := v.Affected[0].Ranges[0].Events
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("events (-want +got):\n%s", diff)
			}
			// Every version of every branch from 39.0.0 to 43.x and 2.4 to 2.9
			// is affected by the events exactly when StatusFor says so.
			for _, s := range versions() {
				st, err := advisory.StatusFor(rev, "scheduler", s)
				if err != nil {
					t.Fatal(err)
				}
				if in, want := inRange(got, s.String()), st.Status == advisory.StatusAffected; in != want {
					t.Errorf("%s: in range %v, StatusFor says %s", s, in, st.Status)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(*advisory.Revision)
		want []string
	}{
		{"bad versions and vectors, all reported", func(r *advisory.Revision) {
			r.Affected[0].Fixed = "2.7"
			r.Affected[1].Introduced = "x"
			r.CVSS31 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
		}, []string{"affected[0]: fixed", "affected[1]: introduced", "cvss31"}},
		{"bad branch", func(r *advisory.Revision) { r.Affected[2].Branch = "2.5.1" }, []string{"affected[2]: branch"}},
		{"fixed before introduced", func(r *advisory.Revision) { r.Affected[0].Fixed = "2.7.0"; r.Affected[0].Introduced = "2.7.1" }, []string{"before introduced"}},
		{"slug", func(r *advisory.Revision) {
			for i := range r.Affected {
				r.Affected[i].ProductSlug = "job scheduler"
			}
		}, []string{"artifactId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv := advisorytest.Advisory()
			tc.mut(&adv.Revisions[len(adv.Revisions)-1])
			_, err := FromAdvisory(advisorytest.Publisher(), adv)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := FromAdvisory(advisorytest.Publisher(), advisory.Advisory{ID: "VIGIL-SA-2026-009"}); err == nil {
		t.Error("an advisory without revisions rendered")
	}
	pub := advisorytest.Publisher()
	pub.Namespace = "acme"
	if _, err := FromAdvisory(pub, advisorytest.Advisory()); err == nil {
		t.Error("a publisher namespace without host rendered")
	}
}

func TestPURL(t *testing.T) {
	pub := advisorytest.Publisher()
	for _, tc := range []struct{ namespace, slug, version, want string }{
		{"https://acme.example", "scheduler", "2.7.2", "pkg:maven/example.acme/scheduler@2.7.2"},
		{"https://acme.example", "scheduler", "", "pkg:maven/example.acme/scheduler"},
		{"https://Security.Acme.Example:8443/psirt", "central", "41.0.1", "pkg:maven/example.acme.security/central@41.0.1"},
	} {
		pub.Namespace = tc.namespace
		got, err := PURL(pub, tc.slug, tc.version)
		if err != nil || got != tc.want {
			t.Errorf("PURL(%s, %s, %s) = %q, %v; want %q", tc.namespace, tc.slug, tc.version, got, err, tc.want)
		}
	}
}

// versions are the versions TestRanges checks, on both naming schemes of
// branches.
func versions() []product.Version {
	var vs []product.Version
	for minor := 4; minor <= 9; minor++ {
		for patch := 0; patch <= 12; patch++ {
			vs = append(vs, product.Version{Major: 2, Minor: minor, Patch: patch})
		}
	}
	for major := 39; major <= 43; major++ {
		for minor := 0; minor <= 3; minor++ {
			for patch := 0; patch <= 6; patch++ {
				vs = append(vs, product.Version{Major: major, Minor: minor, Patch: patch})
			}
		}
	}
	return vs
}

// inRange evaluates a range as the OSV specification's pseudocode does.
func inRange(events []Event, version string) bool {
	v := product.MustVersion(version)
	affected := false
	for _, e := range events {
		switch {
		case e.Introduced != "" && v.Compare(product.MustVersion(e.Introduced)) >= 0:
			affected = true
		case e.Fixed != "" && v.Compare(product.MustVersion(e.Fixed)) >= 0:
			affected = false
		}
	}
	return affected
}

package feed

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func fixture() []advisory.Revision {
	adv := advisorytest.Advisory()
	other := adv.Revisions[0]
	other.AdvisoryID, other.Title, other.PublishedAt = "VIGIL-SA-2026-002", "Stored XSS <script>alert(1)</script> & more", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	other.Severity = "medium"
	other.Affected = []advisory.Affected{{Product: "Acme Central Server", ProductSlug: "central", Branch: "41", Maintained: true, Fixed: "41.0.1"}}
	return []advisory.Revision{adv.Latest(), other}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s", path, got)
	}
}

func TestRSS(t *testing.T) {
	f := Feed{Title: "Acme security advisories", SelfURL: "https://security.acme.example/feed.rss", SiteURL: "https://security.acme.example/", Language: "en"}
	got, err := RSS(f, advisorytest.Publisher(), fixture())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "all.rss", got)
	var doc struct {
		Channel struct {
			Items []struct {
				Title   string `xml:"title"`
				Link    string `xml:"link"`
				PubDate string `xml:"pubDate"`
				GUID    string `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	items := doc.Channel.Items
	if len(items) != 2 || !strings.Contains(items[0].Title, "VIGIL-SA-2026-002") || !strings.Contains(items[1].Title, "[CRITICAL] VIGIL-SA-2026-001") {
		t.Errorf("items not newest first with severity: %+v", items)
	}
	if _, err := time.Parse(time.RFC1123Z, items[0].PubDate); err != nil {
		t.Errorf("pubDate %q is not RFC 822: %v", items[0].PubDate, err)
	}
	if items[1].GUID != "https://security.acme.example/advisories/VIGIL-SA-2026-001" {
		t.Errorf("guid %q", items[1].GUID)
	}
	if bytes.Contains(got, []byte("<script>")) {
		t.Error("markup in a title is not escaped")
	}
}

func TestAtom(t *testing.T) {
	f := Feed{Title: "Acme Job Scheduler advisories", SelfURL: "https://security.acme.example/products/scheduler/feed.atom", SiteURL: "https://security.acme.example/"}
	revs := ForProduct(fixture(), "scheduler")
	if len(revs) != 1 {
		t.Fatalf("ForProduct kept %d revisions, want 1", len(revs))
	}
	first := map[string]time.Time{"VIGIL-SA-2026-001": advisorytest.Advisory().Initial()}
	got, err := Atom(f, advisorytest.Publisher(), revs, first)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "scheduler.atom", got)
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID        string `xml:"id"`
			Updated   string `xml:"updated"`
			Published string `xml:"published"`
			Summary   string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Fatalf("not well-formed Atom: %v", err)
	}
	e := doc.Entries[0]
	if e.Published != "2026-10-29T11:55:00Z" || e.Updated != "2026-11-02T08:00:00Z" || doc.Updated != e.Updated {
		t.Errorf("dates: feed %s, entry published %s updated %s", doc.Updated, e.Published, e.Updated)
	}
	if !strings.Contains(e.Summary, "Fixed in Acme Job Scheduler 2.7.3, Acme Job Scheduler 2.6.9.") || !strings.Contains(e.Summary, "CVE-2026-41001") {
		t.Errorf("summary %q lacks the fixed versions or CVE", e.Summary)
	}
	empty, err := Atom(f, advisorytest.Publisher(), nil, nil)
	if err != nil || !bytes.Contains(empty, []byte("<updated>1970-01-01T00:00:00Z</updated>")) {
		t.Errorf("empty feed: %v\n%s", err, empty)
	}
}

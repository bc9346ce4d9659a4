package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/csaf"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/cvss"
	"github.com/vigil-psirt/vigil/internal/feed"
)

// perPage is the number of advisories on one news page.
const perPage = 20

// feedLink is an autodiscovery link in a page's head.
type feedLink struct {
	Title, Type, Href string
}

// productRef names a product and its page.
type productRef struct {
	Slug, Name string
}

// entry is an advisory in a list: its latest revision and what the list
// shows of it.
type entry struct {
	advisory.Revision
	Withdrawn bool
	Products  []productRef
	Fixed     []string // "Acme Job Scheduler 2.7.3"
}

type newsPage struct {
	page
	Advisories []entry
	Number     int
	Prev, Next string // URLs of the neighbouring pages, "" where there is none
	Subscribe  string // the subscription form, "" without one
}

type productPage struct {
	page
	Product    productRef
	Advisories []entry
	RSS, Atom  string
	Subscribe  string // the subscription form for the product, "" without one
}

// score is one CVSS vector with what it scores.
type score struct {
	Version  string // "3.1", "4.0"
	Vector   string
	Base     float64
	Label    string // the nomenclature of a CVSS 4.0 score: "CVSS-B"
	Severity string // "HIGH"; "" when the vector does not parse
}

// weakness is a CWE with its name and its page at MITRE.
type weakness struct {
	ID, Name, URL string
}

// document is a published machine-readable document as the advisory page
// links it: the file, its hashes and its detached signature.
type document struct {
	Format      string
	Path        string
	Name        string
	SHA256      string
	SHA512      string
	Signed      bool
	Revision    int
	PublishedAt time.Time
}

// releaseDocuments are the VEX documents of one release.
type releaseDocuments struct {
	Product   productRef
	Version   string
	Documents []document
}

type advisoryPage struct {
	page
	Latest    advisory.Revision
	Withdrawn bool
	Products  []productRef
	Scores    []score
	CWE       []weakness
	Revisions []advisory.Revision
	Documents []document
	Releases  []releaseDocuments
	Keys      []keyLink // the OpenPGP keys the signatures verify with
	API       string    // the revisions as JSON
}

// keyLink is a signing key and where the CSAF provider publishes it.
type keyLink struct {
	Fingerprint, URL string
}

// newPage is the common part of a page.
func (s *Site) newPage(title string, feeds ...feedLink) page {
	return page{Site: s.Name, Title: title, Feeds: feeds}
}

func entryOf(r advisory.Revision) entry {
	e := entry{Revision: r, Withdrawn: r.Status == advisory.Withdrawn, Products: productsOf(r)}
	for _, a := range r.Affected {
		if a.Fixed != "" {
			e.Fixed = append(e.Fixed, a.Product+" "+a.Fixed)
		}
	}
	return e
}

func entries(revs []advisory.Revision) []entry {
	out := make([]entry, 0, len(revs))
	for _, r := range revs {
		out = append(out, entryOf(r))
	}
	return out
}

// productsOf lists the products a revision names, in its order.
func productsOf(r advisory.Revision) []productRef {
	var out []productRef
	for _, a := range r.Affected {
		if a.ProductSlug != "" && !slices.ContainsFunc(out, func(p productRef) bool { return p.Slug == a.ProductSlug }) {
			out = append(out, productRef{Slug: a.ProductSlug, Name: a.Product})
		}
	}
	return out
}

// allLatest reads the latest revision of every published advisory, newest
// first, page by page (the source may cap a page below the size asked).
func (s *Site) allLatest(ctx context.Context) ([]advisory.Revision, error) {
	var out []advisory.Revision
	for {
		batch, err := s.Source.LatestRevisions(ctx, 500, len(out))
		if err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			return out, nil
		}
		out = append(out, batch...)
	}
}

func (s *Site) news(w http.ResponseWriter, r *http.Request) {
	n := 1
	if q := r.URL.Query().Get("page"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n < 1 || n > 1_000_000 {
			s.fail(w, ErrNotFound)
			return
		}
	}
	revs, err := s.Source.LatestRevisions(r.Context(), perPage+1, (n-1)*perPage)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(revs) == 0 && n > 1 {
		s.fail(w, ErrNotFound)
		return
	}
	p := newsPage{page: s.newPage("Security advisories"), Number: n}
	if s.Subscriptions != nil {
		p.Subscribe = "/subscribe"
	}
	if n > 1 {
		p.Title += fmt.Sprintf(" (page %d)", n)
		p.Prev = "/"
		if n > 2 {
			p.Prev = fmt.Sprintf("/?page=%d", n-1)
		}
	}
	if len(revs) > perPage {
		revs, p.Next = revs[:perPage], fmt.Sprintf("/?page=%d", n+1)
	}
	p.Advisories = entries(revs)
	s.render(w, 200, "news", p)
}

// productFeeds are the autodiscovery links of a product's feeds.
func productFeeds(site string, p productRef) []feedLink {
	base := "/products/" + p.Slug + "/feed"
	title := site + " security advisories for " + p.Name
	return []feedLink{{title + " (RSS)", "application/rss+xml", base + ".rss"}, {title + " (Atom)", "application/atom+xml", base + ".atom"}}
}

// productRevisions are the latest revisions naming the product, newest
// first, and the product as the newest of them names it; ErrNotFound when
// no published advisory names it.
func (s *Site) productRevisions(ctx context.Context, slug string) (productRef, []advisory.Revision, error) {
	all, err := s.allLatest(ctx)
	if err != nil {
		return productRef{}, nil, err
	}
	revs := feed.ForProduct(all, slug)
	if len(revs) == 0 {
		return productRef{}, nil, fmt.Errorf("product %q: %w", slug, ErrNotFound)
	}
	ref := productRef{Slug: slug}
	for _, a := range revs[0].Affected {
		if a.ProductSlug == slug {
			ref.Name = a.Product
			break
		}
	}
	return ref, revs, nil
}

func (s *Site) product(w http.ResponseWriter, r *http.Request) {
	ref, revs, err := s.productRevisions(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, err)
		return
	}
	feeds := productFeeds(s.Name, ref)
	p := productPage{page: s.newPage(ref.Name, feeds...), Product: ref, Advisories: entries(revs), RSS: feeds[0].Href, Atom: feeds[1].Href}
	if s.Subscriptions != nil {
		p.Subscribe = "/subscribe?product=" + url.QueryEscape(ref.Slug)
	}
	s.render(w, 200, "product", p)
}

func (s *Site) advisory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	revs, err := s.Source.RevisionsOf(ctx, r.PathValue("id"))
	if err == nil && len(revs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	latest := revs[len(revs)-1]
	p := advisoryPage{Latest: latest, Withdrawn: latest.Status == advisory.Withdrawn, Products: productsOf(latest),
		Revisions: revs, API: "/api/v1/advisories/" + latest.AdvisoryID}
	var feeds []feedLink
	for _, ref := range p.Products {
		feeds = append(feeds, productFeeds(s.Name, ref)...)
	}
	p.page = s.newPage(latest.AdvisoryID+": "+latest.Title, feeds...)
	for _, v := range []string{latest.CVSS31, latest.CVSS40} {
		if v != "" {
			p.Scores = append(p.Scores, scoreOf(v))
		}
	}
	for _, id := range latest.CWE {
		p.CWE = append(p.CWE, weaknessOf(id))
	}
	if p.Documents, p.Releases, err = s.documentsOf(ctx, latest); err != nil {
		s.fail(w, err)
		return
	}
	if len(p.Documents) > 0 {
		keys, err := s.publicKeys(ctx)
		if err != nil {
			s.fail(w, err)
			return
		}
		for _, k := range keys {
			p.Keys = append(p.Keys, keyLink{Fingerprint: k.Fingerprint, URL: openPGPFolder + k.Fingerprint + ".asc"})
		}
	}
	s.render(w, 200, "advisory", p)
}

func scoreOf(vector string) score {
	sc := score{Vector: vector}
	if v, _, ok := strings.Cut(strings.TrimPrefix(vector, "CVSS:"), "/"); ok {
		sc.Version = v
	}
	parsed, err := cvss.Parse(vector)
	if err != nil {
		return sc
	}
	sc.Version, sc.Base, sc.Label, sc.Severity = string(parsed.Version), parsed.Overall(), parsed.Nomenclature(), parsed.Severity
	return sc
}

var cweID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CWE-([0-9]{1,6})$`) })

func weaknessOf(id string) weakness {
	w := weakness{ID: id, Name: strings.TrimSpace(strings.TrimPrefix(cve5.CWEName(id), id))}
	if m := cweID().FindStringSubmatch(id); m != nil {
		w.URL = "https://cwe.mitre.org/data/definitions/" + m[1] + ".html"
	}
	return w
}

// formats names the kinds of published documents, in the order the page
// lists them.
var formats = []struct{ kind, name string }{
	{"csaf", "CSAF 2.0 security advisory"},
	{"cve", "CVE JSON 5 record"},
	{"osv", "OSV record"},
	{"csaf_vex", "CSAF 2.0 VEX"},
	{"openvex", "OpenVEX"},
	{"cdx_vex", "CycloneDX VEX"},
}

// documentsOf finds the published documents of an advisory (CSAF, CVE
// record, OSV) and the VEX documents of the releases that fix it.
func (s *Site) documentsOf(ctx context.Context, rev advisory.Revision) ([]document, []releaseDocuments, error) {
	if s.Files == nil {
		return nil, nil, nil
	}
	kinds := make([]string, 0, len(formats))
	for _, f := range formats {
		kinds = append(kinds, f.kind)
	}
	files, err := s.Files.ListFiles(ctx, kinds...)
	if err != nil {
		return nil, nil, fmt.Errorf("list published files: %w", err)
	}
	// pick returns the listed file of a kind that matches, as a document.
	pick := func(kind string, match func(File) bool) (document, bool, error) {
		for _, f := range files {
			if f.Kind != kind || !match(f) {
				continue
			}
			full, err := s.Files.FileAt(ctx, f.Path, f.Revision)
			if err != nil {
				return document{}, false, fmt.Errorf("published file %s: %w", f.Path, err)
			}
			d := document{Path: f.Path, Name: f.Path[strings.LastIndex(f.Path, "/")+1:], SHA256: f.SHA256, SHA512: f.SHA512,
				Signed: full.Signature != "", Revision: f.Revision, PublishedAt: f.PublishedAt}
			for _, fm := range formats {
				if fm.kind == kind {
					d.Format = fm.name
				}
			}
			return d, true, nil
		}
		return document{}, false, nil
	}
	var own []document
	for _, kind := range []string{"csaf", "cve", "osv"} {
		d, ok, err := pick(kind, func(f File) bool { return f.AdvisoryID == rev.AdvisoryID })
		if err != nil {
			return nil, nil, err
		}
		if ok {
			own = append(own, d)
		}
	}
	var releases []releaseDocuments
	for _, a := range rev.Affected {
		if a.Fixed == "" || a.ProductSlug == "" || slices.ContainsFunc(releases, func(r releaseDocuments) bool {
			return r.Product.Slug == a.ProductSlug && r.Version == a.Fixed
		}) {
			continue
		}
		rd := releaseDocuments{Product: productRef{Slug: a.ProductSlug, Name: a.Product}, Version: a.Fixed}
		csafName := "/" + csaf.Filename(csaf.VEXID(s.Vendor, advisory.ReleaseVEX{ProductSlug: a.ProductSlug, Version: a.Fixed}))
		stem := "/vex/" + a.ProductSlug + "-" + a.Fixed
		for _, c := range []struct {
			kind  string
			match func(File) bool
		}{
			{"csaf_vex", func(f File) bool {
				return strings.HasPrefix(f.Path, "/.well-known/csaf/") && strings.HasSuffix(f.Path, csafName)
			}},
			{"openvex", func(f File) bool { return f.Path == stem+".openvex.json" }},
			{"cdx_vex", func(f File) bool { return f.Path == stem+".cdx.json" }},
		} {
			d, ok, err := pick(c.kind, c.match)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				rd.Documents = append(rd.Documents, d)
			}
		}
		if len(rd.Documents) > 0 {
			releases = append(releases, rd)
		}
	}
	return own, releases, nil
}

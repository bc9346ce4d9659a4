package site

import (
	"net/http"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/feed"
)

// feedSize is the number of advisories a feed carries: the newest.
const feedSize = 50

// baseURL is where absolute links point: the vendor's public base URL, or
// the host the request came to when none is configured.
func (s *Site) baseURL(r *http.Request) string {
	if b := strings.TrimRight(s.Vendor.BaseURL, "/"); b != "" {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// newsFeed serves the RSS 2.0 or Atom feed of every advisory, or of one
// product's.
func (s *Site) newsFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	base := s.baseURL(r)
	atom := strings.HasSuffix(r.URL.Path, ".atom")
	ext := ".rss"
	if atom {
		ext = ".atom"
	}
	f := feed.Feed{Title: s.Name + " security advisories", SelfURL: base + "/feed" + ext, SiteURL: base + "/", Language: "en"}
	var revs []advisory.Revision
	var err error
	if slug := r.PathValue("slug"); slug != "" {
		var ref productRef
		ref, revs, err = s.productRevisions(ctx, slug)
		if err == nil {
			f.Title += " for " + ref.Name
			f.SiteURL = base + "/products/" + ref.Slug
			f.SelfURL = f.SiteURL + "/feed" + ext
		}
	} else {
		revs, err = s.Source.LatestRevisions(ctx, feedSize, 0)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(revs) > feedSize {
		revs = revs[:feedSize]
	}
	pub := s.Vendor
	pub.BaseURL = base
	if pub.Name == "" {
		pub.Name = s.Name
	}
	var b []byte
	ct := "application/rss+xml; charset=utf-8"
	if atom {
		ct = "application/atom+xml; charset=utf-8"
		// An updated advisory keeps the date of its first publication.
		first := map[string]time.Time{}
		for _, rev := range revs {
			if rev.Number <= 1 {
				continue
			}
			all, err := s.Source.RevisionsOf(ctx, rev.AdvisoryID)
			if err != nil {
				s.fail(w, err)
				return
			}
			if len(all) > 0 {
				first[rev.AdvisoryID] = all[0].PublishedAt
			}
		}
		b, err = feed.Atom(f, pub, revs, first)
	} else {
		b, err = feed.RSS(f, pub, revs)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	w.Write(b)
}

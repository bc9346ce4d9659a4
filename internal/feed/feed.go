// Package feed renders published advisories as RSS 2.0 and Atom 1.0 feeds
// (R9), globally or for one product.
//
// Invariants: entries are the latest revision of each advisory, newest
// first; an entry's ID is the advisory's permanent URL, so an update
// replaces the entry in readers rather than adding one; the feed's update
// time is the newest entry's, so the same input renders the same bytes.
package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
)

// Feed says what a feed is about and where it lives.
type Feed struct {
	Title    string // "Acme security advisories"
	SelfURL  string // the feed's own URL
	SiteURL  string // the news page it mirrors
	Language string
}

func sorted(revs []advisory.Revision) []advisory.Revision {
	out := slices.Clone(revs)
	slices.SortStableFunc(out, func(a, b advisory.Revision) int { return b.PublishedAt.Compare(a.PublishedAt) })
	return out
}

func updated(revs []advisory.Revision) time.Time {
	if len(revs) == 0 {
		return time.Unix(0, 0).UTC()
	}
	return revs[0].PublishedAt.UTC()
}

// entryTitle is what readers list: severity, ID, title.
func entryTitle(r advisory.Revision) string {
	t := fmt.Sprintf("[%s] %s: %s", strings.ToUpper(r.Severity), r.AdvisoryID, r.Title)
	if r.Status == advisory.Withdrawn {
		t += " (withdrawn)"
	}
	return t
}

// entryText is the summary with the fixed versions, in plain text.
func entryText(r advisory.Revision) string {
	var b strings.Builder
	b.WriteString(r.Summary)
	if r.CVEID != "" {
		b.WriteString(" " + r.CVEID + ".")
	}
	var fixed []string
	for _, a := range r.Affected {
		if a.Fixed != "" {
			fixed = append(fixed, a.Product+" "+a.Fixed)
		}
	}
	if len(fixed) > 0 {
		b.WriteString(" Fixed in " + strings.Join(fixed, ", ") + ".")
	}
	return b.String()
}

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	Value       string `xml:",chardata"`
	IsPermaLink bool   `xml:"isPermaLink,attr"`
}

// RSS renders an RSS 2.0 feed of the revisions (the latest of each advisory).
func RSS(f Feed, pub advisory.Publisher, revs []advisory.Revision) ([]byte, error) {
	revs = sorted(revs)
	ch := rssChannel{Title: f.Title, Link: f.SiteURL, Description: f.Title, Language: f.Language,
		LastBuildDate: updated(revs).Format(time.RFC1123Z), Self: atomLink{Href: f.SelfURL, Rel: "self", Type: "application/rss+xml"}}
	for _, r := range revs {
		item := rssItem{Title: entryTitle(r), Link: pub.URL(r.AdvisoryID), Description: entryText(r),
			GUID: rssGUID{Value: pub.URL(r.AdvisoryID), IsPermaLink: true}, PubDate: r.PublishedAt.UTC().Format(time.RFC1123Z)}
		item.Categories = append(item.Categories, r.Severity)
		item.Categories = append(item.Categories, products(r)...)
		ch.Items = append(ch.Items, item)
	}
	return encode(rss{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: ch})
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name  string `xml:"name"`
	URI   string `xml:"uri,omitempty"`
	Email string `xml:"email,omitempty"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Summary    string         `xml:"summary"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// Atom renders an Atom 1.0 feed of the revisions. published is when each
// advisory first appeared (by advisory ID); entries without one use the
// revision's date.
func Atom(f Feed, pub advisory.Publisher, revs []advisory.Revision, published map[string]time.Time) ([]byte, error) {
	revs = sorted(revs)
	af := atomFeed{Title: f.Title, ID: f.SelfURL, Updated: updated(revs).Format(time.RFC3339),
		Links:  []atomLink{{Href: f.SelfURL, Rel: "self", Type: "application/atom+xml"}, {Href: f.SiteURL, Rel: "alternate", Type: "text/html"}},
		Author: atomAuthor{Name: pub.Name, URI: pub.Namespace, Email: pub.Contact}}
	for _, r := range revs {
		first, ok := published[r.AdvisoryID]
		if !ok {
			first = r.PublishedAt
		}
		e := atomEntry{Title: entryTitle(r), ID: pub.URL(r.AdvisoryID), Updated: r.PublishedAt.UTC().Format(time.RFC3339),
			Published: first.UTC().Format(time.RFC3339), Links: []atomLink{{Href: pub.URL(r.AdvisoryID), Rel: "alternate", Type: "text/html"}},
			Summary: entryText(r)}
		e.Categories = append(e.Categories, atomCategory{Term: r.Severity})
		for _, p := range products(r) {
			e.Categories = append(e.Categories, atomCategory{Term: p})
		}
		af.Entries = append(af.Entries, e)
	}
	return encode(af)
}

// ForProduct keeps the revisions that name the product.
func ForProduct(revs []advisory.Revision, slug string) []advisory.Revision {
	var out []advisory.Revision
	for _, r := range revs {
		if slices.ContainsFunc(r.Affected, func(a advisory.Affected) bool { return a.ProductSlug == slug }) {
			out = append(out, r)
		}
	}
	return out
}

func products(r advisory.Revision) []string {
	var out []string
	for _, a := range r.Affected {
		if !slices.Contains(out, a.Product) {
			out = append(out, a.Product)
		}
	}
	return out
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode feed: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

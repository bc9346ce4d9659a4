package site

// This file makes the site a CSAF 2.0 trusted provider (CSAF 2.0 section
// 7.1 and 7.2.3): the provider metadata, the TLP:WHITE directory with its
// index.txt, changes.csv, year folders, directory listings, hash and
// signature files, the ROLIE feed with its service and category documents,
// the public OpenPGP keys, and a signed security.txt (RFC 9116) that points
// to the provider metadata.
//
// Everything is derived at request time from Files, which holds only
// published documents, each stored with its hashes and signature in the
// same transaction: no index or feed is ever half-written or out of step
// with the documents it lists.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/csaf"
)

// Signer clear-signs a text with the publisher's OpenPGP key (security.txt).
// The site never holds the private key itself.
type Signer interface {
	ClearSign(text []byte) ([]byte, error)
}

// Where the provider's files live, below the base URL.
const (
	wellKnownCSAF    = "/.well-known/csaf/"
	providerMetadata = wellKnownCSAF + "provider-metadata.json"
	serviceDocument  = wellKnownCSAF + "service.json"
	feedName         = "csaf-feed-tlp-white.json"
	categoryName     = "category-white.json"
	openPGPFolder    = wellKnownCSAF + "openpgp/"
	securityTxtPath  = "/.well-known/security.txt"
	csafSchemaURL    = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
	rolieInfoType    = "urn:ietf:params:rolie:category:information-type"
)

// Kinds of published files that belong in the CSAF directory.
var csafKinds = []string{"csaf", "csaf_vex"}

var (
	yearFolder   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{4}$`) })
	csafFilename = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[+\-a-z0-9_]+\.json$`) })
)

// providerRoutes registers the trusted provider's routes on the public mux.
func (s *Site) providerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+wellKnownCSAF+"{$}", s.providerListing)
	mux.HandleFunc("GET "+providerMetadata, s.providerMetadata)
	mux.HandleFunc("GET "+serviceDocument, s.rolieService)
	mux.HandleFunc("GET "+openPGPFolder+"{name}", s.openPGPKey)
	mux.HandleFunc("GET "+csaf.Directory+"{$}", s.directoryListing)
	mux.HandleFunc("GET "+csaf.Directory+"{name}", s.directoryFile)
	mux.HandleFunc("GET "+csaf.Directory+"{year}/{$}", s.yearListing)
	mux.HandleFunc("GET "+csaf.Directory+"{year}/{name}", s.csafFile)
	mux.HandleFunc("GET "+securityTxtPath, s.securityTxt)
	mux.HandleFunc("GET /security.txt", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, securityTxtPath, http.StatusMovedPermanently)
	})
}

// providerBase is the public base URL the provider's links are made of; without a
// configured one, the host asked for, over HTTPS (CSAF requires TLS).
func (s *Site) providerBase(r *http.Request) string {
	if b := strings.TrimRight(s.Vendor.BaseURL, "/"); b != "" {
		return b
	}
	return "https://" + r.Host
}

// serve writes generated or stored bytes with an ETag and Last-Modified, so
// that conditional requests are answered with 304.
func serve(w http.ResponseWriter, r *http.Request, contentType string, body []byte, modified time.Time) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", modified.UTC(), bytes.NewReader(body))
}

func (s *Site) providerFail(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	s.Log.Error("csaf provider", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// csafDoc is a published CSAF document as the directory and the feed list it.
type csafDoc struct {
	File
	Name     string // path below the directory: "2026/vigil-sa-2026-001.json"
	ID       string
	Title    string
	Category string
	Initial  time.Time
	Current  time.Time
}

// csafFiles lists the latest revision of every document in the TLP:WHITE
// directory, without content.
func (s *Site) csafFiles(ctx context.Context) ([]File, error) {
	if s.Files == nil {
		return nil, nil
	}
	fs, err := s.Files.ListFiles(ctx, csafKinds...)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(fs, func(f File) bool {
		year, name, ok := strings.Cut(strings.TrimPrefix(f.Path, csaf.Directory), "/")
		return !strings.HasPrefix(f.Path, csaf.Directory) || !ok || !yearFolder().MatchString(year) || !csafFilename().MatchString(name)
	}), nil
}

// csafDocs reads every document of the directory with what its tracking
// says, newest current release first.
func (s *Site) csafDocs(ctx context.Context) ([]csafDoc, error) {
	fs, err := s.csafFiles(ctx)
	if err != nil {
		return nil, err
	}
	docs := make([]csafDoc, 0, len(fs))
	for _, f := range fs {
		full, err := s.Files.FileAt(ctx, f.Path, 0)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Document struct {
				Category string `json:"category"`
				Title    string `json:"title"`
				Tracking struct {
					ID      string    `json:"id"`
					Initial time.Time `json:"initial_release_date"`
					Current time.Time `json:"current_release_date"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(full.Content, &doc); err != nil {
			return nil, fmt.Errorf("read %s: %w", f.Path, err)
		}
		d := doc.Document
		docs = append(docs, csafDoc{File: full, Name: strings.TrimPrefix(f.Path, csaf.Directory), ID: d.Tracking.ID, Title: d.Title,
			Category: d.Category, Initial: d.Tracking.Initial, Current: d.Tracking.Current})
	}
	slices.SortStableFunc(docs, func(a, b csafDoc) int {
		if c := b.Current.Compare(a.Current); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return docs, nil
}

// lastUpdated is when the directory last changed: its newest document, or,
// for an empty directory, the start of the current day (stable, so that the
// provider metadata is the same bytes on every request of a day).
func (s *Site) lastUpdated(fs []File) time.Time {
	var t time.Time
	for _, f := range fs {
		if f.PublishedAt.After(t) {
			t = f.PublishedAt
		}
	}
	if t.IsZero() {
		t = s.Now().UTC().Truncate(24 * time.Hour)
	}
	return t.UTC().Truncate(time.Second)
}

// ProviderMetadata is the CSAF 2.0 provider metadata (section 7.2.1).
type ProviderMetadata struct {
	CanonicalURL            string         `json:"canonical_url"`
	Distributions           []Distribution `json:"distributions"`
	LastUpdated             string         `json:"last_updated"`
	ListOnCSAFAggregators   bool           `json:"list_on_CSAF_aggregators"`
	MetadataVersion         string         `json:"metadata_version"`
	MirrorOnCSAFAggregators bool           `json:"mirror_on_CSAF_aggregators"`
	PublicOpenPGPKeys       []OpenPGPKey   `json:"public_openpgp_keys"`
	Publisher               csaf.Publisher `json:"publisher"`
	Role                    string         `json:"role"`
}

// Distribution is one way the documents are distributed: the directory and
// the ROLIE feed.
type Distribution struct {
	DirectoryURL string `json:"directory_url,omitempty"`
	ROLIE        *ROLIE `json:"rolie,omitempty"`
}

// ROLIE lists the ROLIE feeds of a distribution.
type ROLIE struct {
	Feeds []ROLIEFeedRef `json:"feeds"`
}

// ROLIEFeedRef names one ROLIE feed in the provider metadata.
type ROLIEFeedRef struct {
	Summary  string `json:"summary"`
	TLPLabel string `json:"tlp_label"`
	URL      string `json:"url"`
}

// OpenPGPKey is a public key the documents are signed with.
type OpenPGPKey struct {
	Fingerprint string `json:"fingerprint"`
	URL         string `json:"url"`
}

func (s *Site) publisherName() string {
	if s.Vendor.Name != "" {
		return s.Vendor.Name
	}
	return s.Name
}

func (s *Site) metadata(ctx context.Context, base string) (ProviderMetadata, error) {
	fs, err := s.csafFiles(ctx)
	if err != nil {
		return ProviderMetadata{}, err
	}
	keys, err := s.publicKeys(ctx)
	if err != nil {
		return ProviderMetadata{}, err
	}
	ns := s.Vendor.Namespace
	if ns == "" {
		ns = base
	}
	pub := csaf.Publisher{Category: "vendor", Name: s.publisherName(), Namespace: ns,
		IssuingAuthority: "The product security team (PSIRT) of " + s.publisherName() + " publishes these documents as the vendor of the products they name."}
	pub.ContactDetails = "Contact: " + s.contact(base)
	m := ProviderMetadata{
		CanonicalURL: base + providerMetadata,
		Distributions: []Distribution{{
			DirectoryURL: base + csaf.Directory,
			ROLIE: &ROLIE{Feeds: []ROLIEFeedRef{{
				Summary: "TLP:WHITE advisories and VEX documents", TLPLabel: "WHITE", URL: base + csaf.Directory + feedName}}},
		}},
		LastUpdated:             s.lastUpdated(fs).Format(time.RFC3339),
		ListOnCSAFAggregators:   true,
		MetadataVersion:         "2.0",
		MirrorOnCSAFAggregators: true,
		PublicOpenPGPKeys:       []OpenPGPKey{},
		Publisher:               pub,
		Role:                    "csaf_trusted_provider",
	}
	for _, k := range keys {
		m.PublicOpenPGPKeys = append(m.PublicOpenPGPKeys, OpenPGPKey{Fingerprint: k.Fingerprint, URL: base + openPGPFolder + k.Fingerprint + ".asc"})
	}
	return m, nil
}

// publicKeys are the signing keys, the one in use first (none without Files).
func (s *Site) publicKeys(ctx context.Context) ([]PublicKey, error) {
	if s.Files == nil {
		return nil, nil
	}
	return s.Files.PublicKeys(ctx)
}

func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (s *Site) providerMetadata(w http.ResponseWriter, r *http.Request) {
	m, err := s.metadata(r.Context(), s.providerBase(r))
	var b []byte
	if err == nil {
		b, err = marshal(m)
	}
	if err != nil {
		s.providerFail(w, err)
		return
	}
	t, _ := time.Parse(time.RFC3339, m.LastUpdated)
	serve(w, r, "application/json", b, t)
}

// ROLIE documents (RFC 8322 in JSON, as CSAF 2.0 section 7.1.20-7.1.22 uses it).
type (
	rolieLink struct {
		Rel  string `json:"rel"`
		HRef string `json:"href"`
	}
	rolieCategory struct {
		Scheme string `json:"scheme,omitempty"`
		Term   string `json:"term"`
	}
	rolieEntry struct {
		ID        string          `json:"id"`
		Title     string          `json:"title"`
		Link      []rolieLink     `json:"link"`
		Published string          `json:"published"`
		Updated   string          `json:"updated"`
		Summary   *rolieSummary   `json:"summary,omitempty"`
		Category  []rolieCategory `json:"category,omitempty"`
		Content   rolieContent    `json:"content"`
		Format    rolieFormat     `json:"format"`
	}
	rolieSummary struct {
		Content string `json:"content"`
	}
	rolieContent struct {
		Type string `json:"type"`
		Src  string `json:"src"`
	}
	rolieFormat struct {
		Schema  string `json:"schema"`
		Version string `json:"version"`
	}
	rolieFeed struct {
		Feed struct {
			ID       string          `json:"id"`
			Title    string          `json:"title"`
			Link     []rolieLink     `json:"link"`
			Category []rolieCategory `json:"category"`
			Updated  string          `json:"updated"`
			Entry    []rolieEntry    `json:"entry"`
		} `json:"feed"`
	}
	rolieCollection struct {
		Title      string `json:"title"`
		HRef       string `json:"href"`
		Categories struct {
			Category []rolieCategory `json:"category"`
		} `json:"categories"`
	}
	rolieService struct {
		Service struct {
			Workspace []struct {
				Title      string            `json:"title"`
				Collection []rolieCollection `json:"collection"`
			} `json:"workspace"`
		} `json:"service"`
	}
	rolieCategories struct {
		Categories struct {
			Category []rolieCategory `json:"category"`
		} `json:"categories"`
	}
)

const rolieTime = "2006-01-02T15:04:05.000Z"

// Terms of the category document: CSAF document categories, which tell
// advisories from VEX documents.
var documentCategories = []string{"csaf_security_advisory", "csaf_vex"}

func (s *Site) csafFeed(ctx context.Context, base string) (rolieFeed, time.Time, error) {
	var f rolieFeed
	docs, err := s.csafDocs(ctx)
	if err != nil {
		return f, time.Time{}, err
	}
	fs := make([]File, 0, len(docs))
	for _, d := range docs {
		fs = append(fs, d.File)
	}
	updated := s.lastUpdated(fs)
	f.Feed.ID = "csaf-feed-tlp-white"
	f.Feed.Title = s.publisherName() + " CSAF feed (TLP:WHITE)"
	f.Feed.Link = []rolieLink{{Rel: "self", HRef: base + csaf.Directory + feedName}, {Rel: "service", HRef: base + serviceDocument}}
	f.Feed.Category = []rolieCategory{{Scheme: rolieInfoType, Term: "csaf"}}
	f.Feed.Updated = updated.Format(rolieTime)
	f.Feed.Entry = []rolieEntry{}
	for _, d := range docs {
		u := base + csaf.Directory + d.Name
		f.Feed.Entry = append(f.Feed.Entry, rolieEntry{
			ID: d.ID, Title: d.Title,
			Link: []rolieLink{{Rel: "self", HRef: u}, {Rel: "hash", HRef: u + ".sha256"}, {Rel: "hash", HRef: u + ".sha512"},
				{Rel: "signature", HRef: u + ".asc"}},
			Published: d.Initial.UTC().Format(rolieTime), Updated: d.Current.UTC().Format(rolieTime),
			Summary:  &rolieSummary{Content: d.Title},
			Category: []rolieCategory{{Scheme: rolieInfoType, Term: "csaf"}, {Term: d.Category}},
			Content:  rolieContent{Type: "application/json", Src: u},
			Format:   rolieFormat{Schema: csafSchemaURL, Version: "2.0"},
		})
	}
	return f, updated, nil
}

func (s *Site) rolieService(w http.ResponseWriter, r *http.Request) {
	base := s.providerBase(r)
	fs, err := s.csafFiles(r.Context())
	if err != nil {
		s.providerFail(w, err)
		return
	}
	var doc rolieService
	c := rolieCollection{Title: s.publisherName() + " CSAF feed (TLP:WHITE)", HRef: base + csaf.Directory + feedName}
	c.Categories.Category = []rolieCategory{{Scheme: rolieInfoType, Term: "csaf"}}
	doc.Service.Workspace = append(doc.Service.Workspace, struct {
		Title      string            `json:"title"`
		Collection []rolieCollection `json:"collection"`
	}{Title: s.publisherName() + " CSAF feeds", Collection: []rolieCollection{c}})
	b, err := marshal(doc)
	if err != nil {
		s.providerFail(w, err)
		return
	}
	serve(w, r, "application/json", b, s.lastUpdated(fs))
}

// directoryFile serves the files of the TLP:WHITE directory itself:
// index.txt, changes.csv, the ROLIE feed and its category document.
func (s *Site) directoryFile(w http.ResponseWriter, r *http.Request) {
	ctx, base := r.Context(), s.providerBase(r)
	switch name := r.PathValue("name"); name {
	case "index.txt":
		fs, err := s.csafFiles(ctx)
		if err != nil {
			s.providerFail(w, err)
			return
		}
		var names []string
		for _, f := range fs {
			names = append(names, strings.TrimPrefix(f.Path, csaf.Directory))
		}
		slices.Sort(names)
		var b bytes.Buffer
		for _, n := range names {
			b.WriteString(n + "\n")
		}
		serve(w, r, "text/plain; charset=utf-8", b.Bytes(), s.lastUpdated(fs))
	case "changes.csv":
		docs, err := s.csafDocs(ctx)
		if err != nil {
			s.providerFail(w, err)
			return
		}
		var b bytes.Buffer
		var fs []File
		for _, d := range docs {
			// CSAF 2.0 section 7.1.14: both columns quoted (names and times
			// never hold a quote, see csafFilename).
			fmt.Fprintf(&b, "%q,%q\n", d.Name, d.Current.UTC().Format(time.RFC3339Nano))
			fs = append(fs, d.File)
		}
		serve(w, r, "text/csv; charset=utf-8", b.Bytes(), s.lastUpdated(fs))
	case feedName:
		f, updated, err := s.csafFeed(ctx, base)
		var b []byte
		if err == nil {
			b, err = marshal(f)
		}
		if err != nil {
			s.providerFail(w, err)
			return
		}
		serve(w, r, "application/json", b, updated)
	case categoryName:
		var doc rolieCategories
		for _, t := range documentCategories {
			doc.Categories.Category = append(doc.Categories.Category, rolieCategory{Term: t})
		}
		b, _ := marshal(doc)
		serve(w, r, "application/json", b, time.Time{})
	default:
		if yearFolder().MatchString(name) {
			http.Redirect(w, r, csaf.Directory+name+"/", http.StatusMovedPermanently)
			return
		}
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// csafFile serves a document of a year folder, or its hash or signature file.
func (s *Site) csafFile(w http.ResponseWriter, r *http.Request) {
	year, name := r.PathValue("year"), r.PathValue("name")
	doc, suffix := name, ""
	for _, ext := range []string{".sha256", ".sha512", ".asc"} {
		if strings.HasSuffix(name, ext) {
			doc, suffix = strings.TrimSuffix(name, ext), ext
			break
		}
	}
	if !yearFolder().MatchString(year) || !csafFilename().MatchString(doc) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	f, err := s.Files.FileAt(r.Context(), csaf.Directory+year+"/"+doc, 0)
	if err == nil && !slices.Contains(csafKinds, f.Kind) {
		err = ErrNotFound
	}
	if err != nil {
		s.providerFail(w, err)
		return
	}
	switch suffix {
	case "":
		serve(w, r, "application/json", f.Content, f.PublishedAt)
	case ".sha256":
		serve(w, r, "text/plain; charset=utf-8", []byte(f.SHA256+"  "+doc+"\n"), f.PublishedAt)
	case ".sha512":
		serve(w, r, "text/plain; charset=utf-8", []byte(f.SHA512+"  "+doc+"\n"), f.PublishedAt)
	case ".asc":
		if f.Signature == "" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		serve(w, r, "application/pgp-signature", []byte(f.Signature), f.PublishedAt)
	}
}

func (s *Site) openPGPKey(w http.ResponseWriter, r *http.Request) {
	fp, ok := strings.CutSuffix(r.PathValue("name"), ".asc")
	keys, err := s.publicKeys(r.Context())
	if err != nil {
		s.providerFail(w, err)
		return
	}
	for _, k := range keys {
		if ok && strings.EqualFold(k.Fingerprint, fp) {
			serve(w, r, "application/pgp-keys", []byte(k.Armored), time.Time{})
			return
		}
	}
	http.Error(w, "not found", http.StatusNotFound)
}

// listing is a directory listing (CSAF 2.0 requirement 14): a plain HTML
// page whose links a client follows to every file.
var listing = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("listing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Index of {{.Path}}</title></head>
<body><h1>Index of {{.Path}}</h1>
<ul>{{if .Parent}}
<li><a href="../">../</a></li>{{end}}{{range .Entries}}
<li><a href="{{.}}">{{.}}</a></li>{{end}}
</ul></body></html>
`))
})

type listingPage struct {
	Path    string
	Parent  bool
	Entries []string
}

func (s *Site) renderListing(w http.ResponseWriter, r *http.Request, p listingPage, modified time.Time) {
	var b bytes.Buffer
	if err := listing().Execute(&b, p); err != nil {
		s.providerFail(w, err)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
	serve(w, r, "text/html; charset=utf-8", b.Bytes(), modified)
}

func (s *Site) providerListing(w http.ResponseWriter, r *http.Request) {
	fs, err := s.csafFiles(r.Context())
	if err != nil {
		s.providerFail(w, err)
		return
	}
	s.renderListing(w, r, listingPage{Path: wellKnownCSAF, Entries: []string{"provider-metadata.json", "service.json", "white/"}}, s.lastUpdated(fs))
}

func (s *Site) directoryListing(w http.ResponseWriter, r *http.Request) {
	fs, err := s.csafFiles(r.Context())
	if err != nil {
		s.providerFail(w, err)
		return
	}
	var years []string
	for _, f := range fs {
		y, _, _ := strings.Cut(strings.TrimPrefix(f.Path, csaf.Directory), "/")
		if !slices.Contains(years, y+"/") {
			years = append(years, y+"/")
		}
	}
	slices.Sort(years)
	entries := append([]string{categoryName, "changes.csv", feedName, "index.txt"}, years...)
	s.renderListing(w, r, listingPage{Path: csaf.Directory, Parent: true, Entries: entries}, s.lastUpdated(fs))
}

func (s *Site) yearListing(w http.ResponseWriter, r *http.Request) {
	year := r.PathValue("year")
	fs, err := s.csafFiles(r.Context())
	if err != nil {
		s.providerFail(w, err)
		return
	}
	var entries []string
	var in []File
	for _, f := range fs {
		y, name, _ := strings.Cut(strings.TrimPrefix(f.Path, csaf.Directory), "/")
		if y == year {
			entries = append(entries, name, name+".asc", name+".sha256", name+".sha512")
			in = append(in, f)
		}
	}
	if len(entries) == 0 {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	slices.Sort(entries)
	s.renderListing(w, r, listingPage{Path: csaf.Directory + year + "/", Parent: true, Entries: entries}, s.lastUpdated(in))
}

// contact is the security contact as a URI: mailto: for an e-mail address.
func (s *Site) contact(base string) string {
	c := strings.TrimSpace(s.Vendor.Contact)
	switch {
	case c == "":
		return base + "/report"
	case strings.Contains(c, "://") || strings.HasPrefix(c, "mailto:"):
		return c
	case strings.Contains(c, "@"):
		return "mailto:" + c
	default:
		return c
	}
}

// oneLine keeps a configured value from adding fields to security.txt.
func oneLine(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, v)
}

// securityTxt serves /.well-known/security.txt (RFC 9116), cleartext-signed
// with the publisher's key when a signer is configured (section 2.3). It
// expires six months after today, so that it is always in the future.
func (s *Site) securityTxt(w http.ResponseWriter, r *http.Request) {
	base := s.providerBase(r)
	expires := s.Now().UTC().AddDate(0, 6, 0).Truncate(24 * time.Hour)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s: security contact and disclosure policy (RFC 9116)\n", oneLine(s.publisherName()))
	fmt.Fprintf(&b, "Contact: %s\n", oneLine(s.contact(base)))
	if c := s.contact(base); c != base+"/report" {
		fmt.Fprintf(&b, "Contact: %s/report\n", base)
	}
	fmt.Fprintf(&b, "Expires: %s\n", expires.Format(time.RFC3339))
	if keys, err := s.publicKeys(r.Context()); err == nil && len(keys) > 0 {
		fmt.Fprintf(&b, "Encryption: %s%s%s.asc\n", base, openPGPFolder, keys[0].Fingerprint)
	} else if err != nil {
		s.providerFail(w, err)
		return
	}
	fmt.Fprintf(&b, "Policy: %s/report\nCanonical: %s%s\nPreferred-Languages: en\nCSAF: %s%s\n", base, base, securityTxtPath, base, providerMetadata)
	body := b.Bytes()
	if s.Signer != nil {
		signed, err := s.Signer.ClearSign(body)
		if err != nil {
			s.providerFail(w, err)
			return
		}
		body = signed
	}
	serve(w, r, "text/plain; charset=utf-8", body, s.Now().UTC().Truncate(24*time.Hour))
}

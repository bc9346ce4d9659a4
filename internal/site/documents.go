package site

import (
	"bytes"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
)

// documentName is what a path segment of a published document may hold;
// anything else cannot name one and is not looked up.
var documentName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`) })

// siblings are the files served next to every document: its hashes and its
// detached OpenPGP signature.
var siblings = []string{".sha256", ".sha512", ".asc"}

// splitSibling splits "osv.json.sha256" into the document and the sibling
// suffix ("" for the document itself).
func splitSibling(file string) (name, sibling string) {
	for _, s := range siblings {
		if strings.HasSuffix(file, s) {
			return strings.TrimSuffix(file, s), s
		}
	}
	return file, ""
}

// advisoryDocument serves an advisory's CVE record or OSV record, or a
// sibling of one. (Its CSAF document lives in the CSAF provider directory.)
func (s *Site) advisoryDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	name, sibling := splitSibling(r.PathValue("file"))
	if !documentName().MatchString(id) || (name != "cve.json" && name != "osv.json") {
		s.fail(w, ErrNotFound)
		return
	}
	s.serveDocument(w, r, "/advisories/"+id+"/"+name, sibling)
}

// vexDocument serves a release's OpenVEX or CycloneDX VEX document, or a
// sibling of one.
func (s *Site) vexDocument(w http.ResponseWriter, r *http.Request) {
	name, sibling := splitSibling(r.PathValue("file"))
	if !documentName().MatchString(name) || !(strings.HasSuffix(name, ".openvex.json") || strings.HasSuffix(name, ".cdx.json")) {
		s.fail(w, ErrNotFound)
		return
	}
	s.serveDocument(w, r, "/vex/"+name, sibling)
}

// serveDocument serves the latest revision of a published file, or its
// sibling: "<hash>  <file name>" for the hashes (as sha256sum writes them),
// the armored signature for ".asc".
func (s *Site) serveDocument(w http.ResponseWriter, r *http.Request, p, sibling string) {
	if s.Files == nil {
		s.fail(w, ErrNotFound)
		return
	}
	f, err := s.Files.FileAt(r.Context(), p, 0)
	if err != nil {
		s.fail(w, err)
		return
	}
	var body []byte
	ct, etag := f.ContentType, `"sha256-`+f.SHA256+`"`
	switch sibling {
	case "":
		body = f.Content
		if ct == "" {
			ct = "application/json"
		}
	case ".sha256":
		body, ct = fmt.Appendf(nil, "%s  %s\n", f.SHA256, path.Base(f.Path)), "text/plain; charset=utf-8"
	case ".sha512":
		body, ct = fmt.Appendf(nil, "%s  %s\n", f.SHA512, path.Base(f.Path)), "text/plain; charset=utf-8"
	case ".asc":
		if f.Signature == "" {
			s.fail(w, ErrNotFound)
			return
		}
		body, ct = []byte(f.Signature), "application/pgp-signature"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", strings.TrimSuffix(etag, `"`)+sibling+`"`)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	http.ServeContent(w, r, "", f.PublishedAt, bytes.NewReader(body))
}

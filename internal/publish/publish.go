// Package publish renders what a disclosure makes public into every
// standard format (CSAF advisory and VEX, CVE record, OSV, OpenVEX,
// CycloneDX VEX), hashes and signs each document, and stores it as an
// immutable published file, inside the caller's transaction: a failed
// rendering rolls the whole disclosure back.
//
// A published release's VEX documents state every advisory of its product
// and every upstream vulnerability vigil found in its components (its
// findings); ReleaseFindingsChanged publishes them anew when findings change.
//
// Invariants: a published file's hashes and signature always cover its exact
// bytes; re-rendering an unchanged document adds no revision, and a VEX
// document gains exactly one revision whenever its statements change (its
// revision summary names every advisory statement and sums up the
// component statements by status with a digest of all they say); only
// published advisory revisions and published releases are ever rendered.
package publish

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cdx"
	"github.com/vigil-psirt/vigil/internal/csaf"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/openvex"
	"github.com/vigil-psirt/vigil/internal/osv"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/signing"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Kinds of published files.
const (
	KindCSAF    = "csaf"
	KindCSAFVEX = "csaf_vex"
	KindCVE     = "cve"
	KindOSV     = "osv"
	KindOpenVEX = "openvex"
	KindCDXVEX  = "cdx_vex"
)

// Renderer renders and signs for one publisher.
type Renderer struct {
	Vendor advisory.Publisher
	Key    *signing.Key
}

// Paths of the documents of an advisory.
func CVEPath(advisoryID string) string { return "/advisories/" + advisoryID + "/cve.json" }
func OSVPath(advisoryID string) string { return "/advisories/" + advisoryID + "/osv.json" }

// VEXPath is where a release's VEX document of a format lives ("openvex", "cdx").
func VEXPath(productSlug, version, format string) string {
	return "/vex/" + productSlug + "-" + version + "." + format + ".json"
}

// file hashes and signs content.
func (r Renderer) file(path, kind, advisoryID, contentType string, content []byte, at time.Time) (store.File, error) {
	s256, s512 := sha256.Sum256(content), sha512.Sum512(content)
	f := store.File{Path: path, Kind: kind, AdvisoryID: advisoryID, ContentType: contentType, Content: content,
		SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:]), PublishedAt: at}
	if r.Key != nil {
		sig, err := r.Key.Sign(content, at)
		if err != nil {
			return f, fmt.Errorf("sign %s: %w", path, err)
		}
		f.Signature = sig
	}
	return f, nil
}

// AdvisoryFiles renders an advisory's own documents: CSAF, CVE record, OSV.
func (r Renderer) AdvisoryFiles(adv advisory.Advisory) ([]store.File, error) {
	at := adv.Latest().PublishedAt
	var errs []error
	var files []store.File
	add := func(path, kind, ct string, b []byte, err error) {
		if err == nil {
			var f store.File
			f, err = r.file(path, kind, adv.ID, ct, b, at)
			files = append(files, f)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", kind, err))
		}
	}
	doc, err := csaf.Advisory(r.Vendor, adv)
	var b []byte
	if err == nil {
		b, err = csaf.Marshal(doc)
	}
	add("/.well-known/csaf/white/"+csaf.Path(adv.ID, adv.Initial()), KindCSAF, "application/json", b, err)
	// The CVE record is the vendor's to publish only when it is the CNA
	// that assigned the ID; otherwise the assigning CNA publishes it.
	if adv.Latest().CVEID != "" && r.Vendor.CNAOrgID != "" {
		var rec any
		var err error
		if adv.Latest().Status == advisory.Withdrawn {
			rec, err = cve5.FromWithdrawn(r.Vendor, adv)
		} else {
			rec, err = cve5.FromAdvisory(r.Vendor, adv)
		}
		if err == nil {
			b, err = indent(rec)
		}
		add(CVEPath(adv.ID), KindCVE, "application/json", b, err)
	}
	v, err := osv.FromAdvisory(r.Vendor, adv)
	if err == nil {
		b, err = osv.Encode(v)
	}
	add(OSVPath(adv.ID), KindOSV, "application/json", b, err)
	return files, errors.Join(errs...)
}

func indent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReleaseFiles renders a release's VEX documents. history is the CSAF VEX
// document's revision history so far (oldest first, the new change last).
func (r Renderer) ReleaseFiles(rel advisory.ReleaseVEX, history []csaf.Change) ([]store.File, error) {
	at := rel.PublishedAt
	if len(history) > 0 {
		at = history[len(history)-1].Date
		rel.Changes, rel.UpdatedAt = len(history), at
	}
	var errs []error
	var files []store.File
	add := func(path, kind string, b []byte, err error) {
		if err == nil {
			var f store.File
			f, err = r.file(path, kind, "", "application/json", b, at)
			files = append(files, f)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s of %s %s: %w", kind, rel.ProductSlug, rel.Version, err))
		}
	}
	doc, err := csaf.VEX(r.Vendor, rel, history...)
	var b []byte
	if err == nil {
		b, err = csaf.Marshal(doc)
	}
	initial := rel.PublishedAt
	if len(history) > 0 {
		initial = history[0].Date
	}
	add(csafVEXPath(r.Vendor, rel, initial), KindCSAFVEX, b, err)
	ov, err := openvex.FromRelease(r.Vendor, rel)
	if err == nil {
		b, err = openvex.Encode(ov)
	}
	add(VEXPath(rel.ProductSlug, rel.Version, "openvex"), KindOpenVEX, b, err)
	purl, err := osv.PURL(r.Vendor, rel.ProductSlug, rel.Version)
	if err == nil {
		bom, berr := cdx.VEX(r.Vendor, rel, purl)
		if err = berr; err == nil {
			b, err = cdx.Encode(bom)
		}
	}
	add(VEXPath(rel.ProductSlug, rel.Version, "cdx"), KindCDXVEX, b, err)
	return files, errors.Join(errs...)
}

func csafVEXPath(pub advisory.Publisher, rel advisory.ReleaseVEX, initial time.Time) string {
	return "/.well-known/csaf/white/" + csaf.Path(csaf.VEXID(pub, rel), initial)
}

// Advisory publishes an advisory's documents and the VEX documents of every
// published release of its products, inside tx.
func Advisory(ctx context.Context, tx *store.Store, r Renderer, advisoryID string, now time.Time) error {
	revs, err := tx.RevisionsOf(ctx, advisoryID)
	if err != nil {
		return err
	}
	adv := advisory.Advisory{ID: advisoryID, Revisions: revs}
	files, err := r.AdvisoryFiles(adv)
	if err != nil {
		return fmt.Errorf("render %s: %w", advisoryID, err)
	}
	for i := range files {
		if _, err := tx.PutFile(ctx, &files[i]); err != nil {
			return err
		}
	}
	var slugs []string
	for _, a := range adv.Latest().Affected {
		if !slices.Contains(slugs, a.ProductSlug) {
			slugs = append(slugs, a.ProductSlug)
		}
	}
	for _, slug := range slugs {
		if err := ProductVEX(ctx, tx, r, slug, now); err != nil {
			return err
		}
	}
	return nil
}

// ProductVEX publishes the VEX documents of every published release of a
// product whose statements changed since they were last published.
func ProductVEX(ctx context.Context, tx *store.Store, r Renderer, slug string, now time.Time) error {
	p, err := tx.ProductBySlug(ctx, slug)
	if err != nil {
		return err
	}
	revs, err := productRevisions(ctx, tx, slug)
	if err != nil {
		return err
	}
	branches, err := tx.ListBranches(ctx, p.ID)
	if err != nil {
		return err
	}
	existing, err := tx.ListFiles(ctx, KindCSAFVEX)
	if err != nil {
		return err
	}
	for _, b := range branches {
		releases, err := tx.ListReleases(ctx, b.ID)
		if err != nil {
			return err
		}
		br := branchFindings{releases: releases, findings: map[int64][]finding.Finding{}}
		for _, rel := range releases {
			if rel.State != product.Published || rel.PublishedAt == nil {
				continue
			}
			if br.findings[rel.ID], err = tx.FindingsOfRelease(ctx, rel.ID); err != nil {
				return err
			}
		}
		for _, rel := range releases {
			if rel.State != product.Published || rel.PublishedAt == nil {
				continue
			}
			comps, err := componentStatements(ctx, tx, rel, br)
			if err != nil {
				return err
			}
			if err := releaseVEX(ctx, tx, r, p, b, rel, revs, comps, existing, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReleaseFindingsChanged publishes anew the VEX documents of the products of
// the given releases (of every product when releaseIDs is nil) whose
// statements changed: to be called, inside the transaction that changed
// them, whenever the findings of releases change (an SBOM import, a
// rematch, a rule made or revoked, a feed import, a release's publication
// that carries fixes). The findings of one release can change what the VEX
// of another release of its branch says (the release that fixes them), so
// every published release of the product is considered; documents whose
// statements did not change gain no revision.
func ReleaseFindingsChanged(ctx context.Context, tx *store.Store, r Renderer, releaseIDs []int64, now time.Time) error {
	var slugs []string
	if releaseIDs == nil {
		ps, err := tx.ListProducts(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			slugs = append(slugs, p.Slug)
		}
	}
	products := map[int64]string{}
	for _, id := range releaseIDs {
		rel, err := tx.ReleaseByID(ctx, id)
		if err != nil {
			return err
		}
		b, err := tx.BranchByID(ctx, rel.BranchID)
		if err != nil {
			return err
		}
		if _, ok := products[b.ProductID]; ok {
			continue
		}
		p, err := tx.ProductByID(ctx, b.ProductID)
		if err != nil {
			return err
		}
		products[b.ProductID] = p.Slug
		slugs = append(slugs, p.Slug)
	}
	slices.Sort(slugs)
	for _, slug := range slices.Compact(slugs) {
		if err := ProductVEX(ctx, tx, r, slug, now); err != nil {
			return fmt.Errorf("VEX of %s: %w", slug, err)
		}
	}
	return nil
}

// branchFindings are a branch's releases and the findings of its published ones.
type branchFindings struct {
	releases []product.Release
	findings map[int64][]finding.Finding
}

// fixKey identifies a vulnerability of a package across releases, as
// finding.Carry does: base ecosystem, package and one of its IDs.
type fixKey struct{ eco, pkg, id string }

func fixKeys(f *finding.Finding) []fixKey {
	eco, _, _ := strings.Cut(f.Component.Ecosystem, ":")
	keys := []fixKey{{eco, f.Component.Package, strings.ToUpper(f.Vuln)}}
	for _, a := range f.Aliases {
		keys = append(keys, fixKey{eco, f.Component.Package, strings.ToUpper(a)})
	}
	return keys
}

// componentStatements are the statements of the findings of a published
// release. An affected finding names the published release that fixes it:
// the one that resolved it, else the first later published release of the
// branch where it is fixed, else none. A release in preparation is never
// named (it may carry the fix of an embargoed vulnerability).
func componentStatements(ctx context.Context, tx *store.Store, rel product.Release, br branchFindings) ([]advisory.ComponentStatement, error) {
	fs := br.findings[rel.ID]
	if len(fs) == 0 {
		return nil, nil
	}
	versions := map[int64]product.Version{}
	var later []product.Release
	for _, o := range br.releases {
		if o.State != product.Published {
			continue
		}
		versions[o.ID] = o.Version
		if o.Version.Compare(rel.Version) > 0 {
			later = append(later, o)
		}
	}
	slices.SortFunc(later, func(x, y product.Release) int { return x.Version.Compare(y.Version) })
	fixedIn := func(f *finding.Finding) string {
		if v, ok := versions[f.ResolvedBy]; ok && f.ResolvedBy != 0 {
			return v.String()
		}
		want := fixKeys(f)
		for _, l := range later {
			for i := range br.findings[l.ID] {
				g := &br.findings[l.ID][i]
				if g.Status == finding.Fixed && slices.ContainsFunc(fixKeys(g), func(k fixKey) bool { return slices.Contains(want, k) }) {
					return l.Version.String()
				}
			}
		}
		return ""
	}
	// CVSS 3.x vectors of the affected findings whose own vector is another
	// version, from their records.
	var refs []string
	for _, f := range fs {
		if f.Status == finding.Affected && !isCVSS3(f.Vector) {
			refs = append(refs, f.Records...)
		}
	}
	vectors := map[string]string{} // record ID -> CVSS 3.x vector
	if len(refs) > 0 {
		recs, err := tx.RecordsByRefs(ctx, refs)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			for _, sc := range rec.Severity {
				if sc.Type == vuln.CVSSv3 && isCVSS3(sc.Vector) && vectors[string(rec.Source)+":"+rec.ID] == "" {
					vectors[string(rec.Source)+":"+rec.ID] = sc.Vector
				}
			}
		}
	}
	out := make([]advisory.ComponentStatement, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		c := advisory.ComponentStatement{
			Vuln: f.Vuln, Aliases: f.Aliases, Summary: advisory.Clip(f.Summary, advisory.MaxComponentNote),
			Component: advisory.ComponentRef{PURL: f.Component.PURL, Name: f.Component.Name, Version: f.Component.Version},
			Status:    advisory.VEXStatus(f.Status), Justification: string(f.Justification),
			Note:    advisory.Clip(f.StatusNote, advisory.MaxComponentNote),
			Package: f.Component.Package, FixedVersion: f.FixedVersion,
		}
		if f.Status == finding.Affected {
			c.FixRelease = fixedIn(f)
			if isCVSS3(f.Vector) {
				c.CVSS3 = f.Vector
			}
			for _, ref := range f.Records {
				if c.CVSS3 == "" {
					c.CVSS3 = vectors[ref]
				}
			}
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(x, y advisory.ComponentStatement) int {
		return cmp.Or(strings.Compare(x.Component.Key(), y.Component.Key()), strings.Compare(x.Vuln, y.Vuln))
	})
	return out, nil
}

func isCVSS3(vector string) bool {
	return strings.HasPrefix(vector, "CVSS:3.0/") || strings.HasPrefix(vector, "CVSS:3.1/")
}

// componentSummary sums up the component statements for the revision
// history: the count of each status and a digest of everything they say,
// so that the summary changes exactly when a statement does.
func componentSummary(comps []advisory.ComponentStatement) string {
	counts := map[advisory.VEXStatus]int{}
	h := sha256.New()
	for _, c := range comps {
		counts[c.Status]++
		b, _ := json.Marshal(c) // strings and bools only: cannot fail
		h.Write(append(b, '\n'))
	}
	var parts []string
	for _, st := range []advisory.VEXStatus{advisory.StatusAffected, advisory.UnderInvestigation, advisory.NotAffected, advisory.Fixed} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], strings.ReplaceAll(string(st), "_", " ")))
		}
	}
	return fmt.Sprintf("Upstream vulnerabilities of components: %s (digest %s).", strings.Join(parts, ", "), hex.EncodeToString(h.Sum(nil))[:16])
}

// productRevisions are the latest revisions of every advisory naming the product.
func productRevisions(ctx context.Context, tx *store.Store, slug string) ([]advisory.Revision, error) {
	var out []advisory.Revision
	for offset := 0; ; offset += store.MaxLimit {
		page, err := tx.LatestRevisions(ctx, store.MaxLimit, offset)
		if err != nil {
			return nil, err
		}
		for _, rev := range page {
			if slices.ContainsFunc(rev.Affected, func(a advisory.Affected) bool { return a.ProductSlug == slug }) {
				out = append(out, rev)
			}
		}
		if len(page) < store.MaxLimit {
			break
		}
	}
	slices.SortFunc(out, func(a, b advisory.Revision) int { return strings.Compare(a.AdvisoryID, b.AdvisoryID) })
	return out, nil
}

func releaseVEX(ctx context.Context, tx *store.Store, r Renderer, p product.Product, b product.Branch, rel product.Release,
	revs []advisory.Revision, comps []advisory.ComponentStatement, existing []store.File, now time.Time) error {
	rv := advisory.ReleaseVEX{Product: p.Name, ProductSlug: p.Slug, Branch: b.Name, Version: rel.Version.String(), PublishedAt: *rel.PublishedAt,
		Components: comps, EndOfLife: b.Status != product.Maintained}
	var summary []string
	for _, rev := range revs {
		st, err := advisory.StatusFor(rev, p.Slug, rel.Version)
		if err != nil {
			return err
		}
		rv.Statements = append(rv.Statements, st)
		summary = append(summary, fmt.Sprintf("%s revision %d: %s", rev.AdvisoryID, rev.Number, st.Status))
	}
	if len(rv.Statements) == 0 && len(rv.Components) == 0 {
		// Nothing to state: every VEX format needs a statement. A document
		// published before keeps its last revision.
		return nil
	}
	text := "Statements: " + strings.Join(summary, "; ") + "."
	switch {
	case len(summary) == 0:
		text = componentSummary(comps)
	case len(comps) > 0:
		text += " " + componentSummary(comps)
	}
	change := csaf.Change{Date: now.UTC().Truncate(time.Second), Summary: text}
	history, err := vexHistory(ctx, tx, existing, csaf.Filename(csaf.VEXID(r.Vendor, rv)))
	if err != nil {
		return err
	}
	if len(history) > 0 && history[len(history)-1].Summary == change.Summary {
		return nil // nothing changed for this release
	}
	files, err := r.ReleaseFiles(rv, append(history, change))
	if err != nil {
		return fmt.Errorf("render VEX: %w", err)
	}
	for i := range files {
		if _, err := tx.PutFile(ctx, &files[i]); err != nil {
			return err
		}
	}
	return nil
}

// vexHistory reads the revision history of a published CSAF VEX document
// back from its latest revision.
func vexHistory(ctx context.Context, tx *store.Store, existing []store.File, filename string) ([]csaf.Change, error) {
	for _, f := range existing {
		if !strings.HasSuffix(f.Path, "/"+filename) {
			continue
		}
		full, err := tx.FileAt(ctx, f.Path, 0)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Document struct {
				Tracking struct {
					RevisionHistory []struct {
						Date    time.Time `json:"date"`
						Summary string    `json:"summary"`
					} `json:"revision_history"`
				} `json:"tracking"`
			} `json:"document"`
		}
		if err := json.Unmarshal(full.Content, &doc); err != nil {
			return nil, fmt.Errorf("read back %s: %w", f.Path, err)
		}
		var out []csaf.Change
		for _, h := range doc.Document.Tracking.RevisionHistory {
			out = append(out, csaf.Change{Date: h.Date, Summary: h.Summary})
		}
		return out, nil
	}
	return nil, nil
}

// Key returns the signing key in use, generating and storing the first one
// when there is none.
func Key(ctx context.Context, st *store.Store, vendor advisory.Publisher, now time.Time) (*signing.Key, error) {
	ks, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(ks) > 0 {
		return signing.Load(ks[0].Private)
	}
	priv, err := signing.Generate(vendor.Name, vendor.Contact, now)
	if err != nil {
		return nil, err
	}
	k, err := signing.Load(priv)
	if err != nil {
		return nil, err
	}
	err = st.AddSigningKey(ctx, store.SigningKey{Fingerprint: k.Fingerprint, Private: priv, Public: k.Public, CreatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return k, nil
	}
	if err != nil {
		// Another process may have made the first key meanwhile: use the newest.
		if ks, lerr := st.SigningKeys(ctx); lerr == nil && len(ks) > 0 {
			return signing.Load(ks[0].Private)
		}
		return nil, err
	}
	return k, nil
}

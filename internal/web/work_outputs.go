package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/csaf"
	"github.com/vigil-psirt/vigil/internal/openvex"
	"github.com/vigil-psirt/vigil/internal/osv"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// The outputs preview renders, read-only, what disclosing the case now
// would publish: the CSAF advisory, the CVE record with its lint, the OSV
// record, the OpenVEX document of each fixed release and the advisory's
// text. Nothing is stored or signed.

// output is one rendered document.
type output struct {
	ID, Name, Path string
	Content        string
	Problems       []string // lint problems or why it cannot be rendered
	Text           bool     // prose rather than JSON
}

type outputsPage struct {
	layout
	Case     vcase.Case
	Outputs  []output
	Note     string // why nothing can be rendered yet
	Disclose bool   // the case is disclosed: the published files are on the site
}

// maxOutput bounds a rendered document shown on the page.
const maxOutput = 512 << 10

func (w *Web) outputsPage(rw http.ResponseWriter, r *http.Request) error {
	c, err := w.loadCase(r)
	if err != nil {
		return err
	}
	p := outputsPage{layout: w.layout(r, c.Key+": outputs"), Case: c, Disclose: c.State == vcase.Disclosed}
	p.Section = "/ui/cases"
	adv, releases, note, err := w.draftAdvisory(r.Context(), c)
	if err != nil {
		return err
	}
	p.Note = note
	if note == "" {
		p.Outputs = w.renderOutputs(r.Context(), c, adv, releases)
	}
	w.render(rw, http.StatusOK, "work_outputs", p)
	return nil
}

// vendor is who publishes, as casework names it.
func (w *Web) vendor() advisory.Publisher {
	if w.svc.Renderer != nil {
		return w.svc.Renderer.Vendor
	}
	return advisory.Publisher{Name: "vigil", BaseURL: w.svc.BaseURL, Namespace: w.svc.BaseURL}
}

// draftAdvisory is the advisory revision the case would publish now, with
// the releases carrying its fixes. It follows casework's revisionOf (which
// is not exported) field for field; note says why there is none yet.
func (w *Web) draftAdvisory(ctx context.Context, c vcase.Case) (advisory.Advisory, []product.Release, string, error) {
	if c.ProductID == nil {
		return advisory.Advisory{}, nil, "Choose the product and the affected branches first (Branches and fixes).", nil
	}
	rev, releases, err := w.svc.PreviewRevision(ctx, c)
	var inv *casework.InvalidError
	if errors.As(err, &inv) {
		return advisory.Advisory{}, nil, strings.Join(inv.Problems, "; "), nil
	}
	if err != nil {
		return advisory.Advisory{}, nil, "", err
	}
	rev.AdvisoryID = advisory.ID(w.now().Year(), 0) // the real number is drawn at disclosure
	return advisory.Advisory{ID: rev.AdvisoryID, Revisions: []advisory.Revision{rev}}, releases, "", nil
}

// renderOutputs renders every document; a converter's refusal is shown in
// place of its document.
func (w *Web) renderOutputs(ctx context.Context, c vcase.Case, adv advisory.Advisory, releases []product.Release) []output {
	vendor := w.vendor()
	rev := adv.Latest()
	var out []output
	add := func(o output, b []byte, err error) {
		if err != nil {
			o.Problems = append(o.Problems, err.Error())
		} else if len(b) > maxOutput {
			o.Content = strings.ToValidUTF8(string(b[:maxOutput]), "") + "\n…"
		} else {
			o.Content = string(b)
		}
		out = append(out, o)
	}

	doc, err := csaf.Advisory(vendor, adv)
	var b []byte
	if err == nil {
		b, err = csaf.Marshal(doc)
	}
	add(output{ID: "csaf", Name: "CSAF 2.0 advisory", Path: "/.well-known/csaf/white/" + csaf.Path(adv.ID, adv.Initial())}, b, err)

	o := output{ID: "cve-record", Name: "CVE record (JSON 5)", Path: "CVE Services"}
	prev, err := w.svc.PreviewCVE(ctx, c)
	if err == nil {
		b, err = json.MarshalIndent(prev.Record, "", "  ")
		for _, pr := range prev.Problems {
			o.Problems = append(o.Problems, pr.Path+": "+pr.Message)
		}
	}
	if c.CVEID == "" {
		o.Problems = append(o.Problems, "No CVE ID yet: the record is published only with one.")
	}
	add(o, b, err)

	v, err := osv.FromAdvisory(vendor, adv)
	if err == nil {
		b, err = osv.Encode(v)
	}
	add(output{ID: "osv", Name: "OSV record", Path: "/advisories/" + adv.ID + "/osv.json"}, b, err)

	if len(releases) == 0 {
		out = append(out, output{ID: "openvex", Name: "OpenVEX", Problems: []string{"No fixed release is set on a maintained branch: the disclosure publishes no release, so no VEX document changes."}})
	}
	for _, rel := range releases {
		b, err := w.releaseVEX(adv, rel, rev, vendor)
		add(output{ID: "openvex-" + rel.Version.String(), Name: "OpenVEX of " + rel.Version.String(), Path: "/vex/" + rev.Affected[0].ProductSlug + "-" + rel.Version.String() + ".openvex.json"}, b, err)
	}

	out = append(out, output{ID: "text", Name: "Advisory text", Path: vendor.URL(adv.ID), Text: true, Content: advisoryText(vendor, rev, w.zone)})
	return out
}

// releaseVEX renders the OpenVEX document of a release the disclosure
// publishes, with this advisory's statement (the published document also
// carries the product's earlier advisories and the release's findings).
func (w *Web) releaseVEX(adv advisory.Advisory, rel product.Release, rev advisory.Revision, vendor advisory.Publisher) ([]byte, error) {
	var branch, slug, name string
	for _, a := range rev.Affected {
		if a.FixedRelease == rel.ID {
			branch, slug, name = a.Branch, a.ProductSlug, a.Product
		}
	}
	st, err := advisory.StatusFor(rev, slug, rel.Version)
	if err != nil {
		return nil, err
	}
	rv := advisory.ReleaseVEX{Product: name, ProductSlug: slug, Branch: branch, Version: rel.Version.String(), PublishedAt: rev.PublishedAt,
		Statements: []advisory.Statement{st}}
	doc, err := openvex.FromRelease(vendor, rv)
	if err != nil {
		return nil, err
	}
	return openvex.Encode(doc)
}

// advisoryText is the advisory as plain text: what a reader of the site
// or of the announcement gets.
func advisoryText(vendor advisory.Publisher, rev advisory.Revision, zone *time.Location) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("%s: %s", rev.AdvisoryID, rev.Title)
	line("%s", strings.Repeat("=", min(72, len(rev.AdvisoryID)+2+len(rev.Title))))
	line("")
	line("Published:  %s (assigned at disclosure)", rev.PublishedAt.In(zone).Format("2006-01-02 15:04 MST"))
	sev := strings.ToUpper(rev.Severity)
	if sev == "" {
		sev = "UNRATED"
	}
	if rev.Score > 0 {
		sev += fmt.Sprintf(" (%.1f)", rev.Score)
	}
	line("Severity:   %s", sev)
	if rev.CVEID != "" {
		line("CVE:        %s", rev.CVEID)
	}
	if rev.CVSS31 != "" {
		line("CVSS 3.1:   %s", rev.CVSS31)
	}
	if rev.CVSS40 != "" {
		line("CVSS 4.0:   %s", rev.CVSS40)
	}
	if len(rev.CWE) > 0 {
		line("CWE:        %s", strings.Join(rev.CWE, ", "))
	}
	section := func(title, text string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		line("")
		line("%s", title)
		line("%s", strings.Repeat("-", len(title)))
		line("%s", strings.TrimSpace(text))
	}
	section("Summary", rev.Summary)
	section("Description", rev.Description)
	var aff strings.Builder
	for _, a := range rev.Affected {
		fmt.Fprintf(&aff, "%s %s: ", a.Product, a.Branch)
		switch {
		case a.Fixed != "":
			fmt.Fprintf(&aff, "fixed in %s", a.Fixed)
		case !a.Maintained:
			aff.WriteString("affected; the branch is no longer maintained, upgrade to a maintained branch")
		default:
			aff.WriteString("affected; no fixed release yet")
		}
		if a.Introduced != "" {
			fmt.Fprintf(&aff, " (affected from %s)", a.Introduced)
		}
		aff.WriteString("\n")
	}
	section("Affected products and fixes", aff.String())
	section("Workaround", rev.Workaround)
	var credits []string
	for _, c := range rev.Credits {
		credits = append(credits, c.Name+" ("+strings.ReplaceAll(c.Type, "_", " ")+")")
	}
	section("Credits", strings.Join(credits, "\n"))
	var refs []string
	for _, r := range rev.References {
		refs = append(refs, r.URL)
	}
	section("References", strings.Join(refs, "\n"))
	line("")
	line("%s", vendor.URL(rev.AdvisoryID))
	return b.String()
}

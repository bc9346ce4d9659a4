package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// branchView is a branch with its releases as a role may see them.
type branchView struct {
	Branch       product.Branch
	Maintained   bool
	Since, EOL   string       // dates in the zone, "" when unset
	Releases     []releaseRow // newest first, at most maxBranchReleases unless all are asked for
	AllReleases  int          // how many the role may see
	LatestStable string
	NextUpgrade  string // for those who read cases
	// Form is the branch's "plan a release" form; Edit its maintenance form.
	Form releaseForm
	Edit branchForm
}

// releaseRow is a release with its dates as the lists show them.
type releaseRow struct {
	product.Release
	Planned, Published string
}

// productView is a product with its branches.
type productView struct {
	Product  product.Product
	Branches []branchView
}

// supportedRow is a line of the supported-versions table (R11).
type supportedRow struct {
	Product, Slug string
	Branches      []string
	LatestStable  string
	Upstreams     []string
}

type productsPage struct {
	layout
	Products  []productView
	Supported []supportedRow
	Insider   bool
}

// branchForm is the form of a new branch or of a branch's maintenance.
type branchForm struct {
	BranchID          int64
	Name, Status      string
	Since, EOL        string
	Errors            map[string][]string
	Statuses          []option
	Submitted, Failed bool
}

// releaseForm is the form that plans a release on a branch.
type releaseForm struct {
	Version, Kind, State, Planned, Notes string
	Errors                               map[string][]string
	Kinds, States                        []option
}

type productPage struct {
	layout
	productView
	CanManage bool
	Insider   bool
	NewBranch branchForm
	Done      string
	ShowAll   bool // every release of every branch, not the newest only
}

// maxBranchReleases is how many of a branch's releases its product's page
// lists unless asked for all (?releases=all).
const maxBranchReleases = 12

// productView reads a product with its branches and releases; releases not
// yet published are only for those who read cases (R7), as in the API.
func (w *Web) productView(ctx context.Context, p product.Product, insider bool) (productView, error) {
	v := productView{Product: p}
	bs, err := w.store.ListBranches(ctx, p.ID)
	if err != nil {
		return v, err
	}
	now := w.now()
	for _, b := range bs {
		rs, err := w.store.ListReleases(ctx, b.ID)
		if err != nil {
			return v, err
		}
		bv := branchView{Branch: b, Maintained: b.MaintainedAt(now), Since: w.dateValue(b.Since), EOL: w.dateValue(b.EOL)}
		var vs []product.Version
		var latest product.Version
		for _, rel := range rs {
			vs = append(vs, rel.Version)
			if rel.State == product.Published && rel.Version.Compare(latest) > 0 {
				latest = rel.Version
			}
			if insider || rel.State == product.Published {
				bv.Releases = append(bv.Releases, releaseRow{Release: rel, Planned: w.dateValue(rel.PlannedAt), Published: w.dateValue(rel.PublishedAt)})
			}
		}
		slices.SortFunc(bv.Releases, func(a, b releaseRow) int { return b.Version.Compare(a.Version) })
		bv.AllReleases = len(bv.Releases)
		if !latest.IsZero() {
			bv.LatestStable = latest.String()
		}
		if next, err := product.NextSecurityRelease(b.Name, vs); err == nil && insider {
			bv.NextUpgrade = next.String()
		}
		bv.Form = w.newReleaseForm(releaseForm{})
		bv.Edit = w.newBranchForm(branchForm{BranchID: b.ID, Name: b.Name, Status: string(b.Status), Since: w.dateValue(b.Since), EOL: w.dateValue(b.EOL)})
		v.Branches = append(v.Branches, bv)
	}
	return v, nil
}

func (w *Web) newBranchForm(f branchForm) branchForm {
	if f.Status == "" {
		f.Status = string(product.Maintained)
	}
	f.Statuses = []option{{Value: string(product.Maintained), Text: "Maintained", Selected: f.Status == string(product.Maintained)},
		{Value: string(product.EndOfLife), Text: "End of life", Selected: f.Status == string(product.EndOfLife)}}
	return f
}

func (w *Web) newReleaseForm(f releaseForm) releaseForm {
	if f.Kind == "" {
		f.Kind = string(product.Regular)
	}
	if f.State == "" {
		f.State = string(product.Planned)
	}
	for _, k := range []product.ReleaseKind{product.Regular, product.Urgent} {
		f.Kinds = append(f.Kinds, option{Value: string(k), Text: label(string(k)), Selected: f.Kind == string(k)})
	}
	f.States = releaseStates(f.State)
	return f
}

func releaseStates(cur string) []option {
	var out []option
	for _, s := range []product.ReleaseState{product.Planned, product.QA, product.Published} {
		t := label(string(s))
		if s == product.QA {
			t = "In QA"
		}
		out = append(out, option{Value: string(s), Text: t, Selected: cur == string(s)})
	}
	return out
}

// products lists every product with its branches and the supported-versions
// table: each product with a maintained branch and its latest stable version.
func (w *Web) products(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ps, err := w.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	p := productsPage{layout: w.layout(r, "Products"), Insider: permitted(r, user.ReadCases)}
	for _, pr := range ps {
		v, err := w.productView(ctx, pr, p.Insider)
		if err != nil {
			return err
		}
		p.Products = append(p.Products, v)
		row := supportedRow{Product: pr.Name, Slug: pr.Slug, Upstreams: pr.Upstreams}
		var latest product.Version
		for _, b := range v.Branches {
			if !b.Maintained {
				continue
			}
			row.Branches = append(row.Branches, b.Branch.Name)
			if b.LatestStable != "" {
				if lv, err := product.ParseVersion(b.LatestStable); err == nil && lv.Compare(latest) > 0 {
					latest = lv
				}
			}
		}
		if !latest.IsZero() {
			row.LatestStable = latest.String()
		}
		if len(row.Branches) > 0 {
			p.Supported = append(p.Supported, row)
		}
	}
	w.render(rw, http.StatusOK, "products", p)
	return nil
}

func (w *Web) loadProductPage(r *http.Request) (productPage, error) {
	pr, err := w.store.ProductBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return productPage{}, err
	}
	p := productPage{layout: w.layout(r, pr.Name), Insider: permitted(r, user.ReadCases), CanManage: permitted(r, user.ManageProducts),
		ShowAll: r.URL.Query().Get("releases") == "all"}
	p.Section = "/ui/products"
	if p.productView, err = w.productView(r.Context(), pr, p.Insider); err != nil {
		return p, err
	}
	if !p.ShowAll {
		for i := range p.Branches {
			p.Branches[i].Releases = p.Branches[i].Releases[:min(len(p.Branches[i].Releases), maxBranchReleases)]
		}
	}
	p.NewBranch = w.newBranchForm(branchForm{})
	return p, nil
}

func (w *Web) productPage(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.loadProductPage(r)
	if err != nil {
		return err
	}
	switch d := r.URL.Query().Get("done"); d {
	case "branch", "branch-saved", "release":
		p.Done = d
	}
	w.render(rw, http.StatusOK, "product", p)
	return nil
}

// createBranch adds a branch through casework; problems are shown next to
// their fields with the input kept.
func (w *Web) createBranch(rw http.ResponseWriter, r *http.Request) error {
	pr, err := w.store.ProductBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	f := branchForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Status: r.PostForm.Get("status"),
		Since: r.PostForm.Get("since"), EOL: r.PostForm.Get("eol"), Submitted: true}
	var problems []string
	since := dateField(f.Since, "since", w.zone, &problems)
	eol := dateField(f.EOL, "eol", w.zone, &problems)
	nb := product.Branch{ProductID: pr.ID, Name: f.Name, Status: product.BranchStatus(f.Status), Since: since, EOL: eol}
	if len(problems) > 0 { // every problem at once: the branch's own too
		problems = append(problems, validationLines(nb.Validate())...)
	} else {
		_, err = w.svc.CreateBranch(r.Context(), actor(r), nb)
		inv, ok := isInvalid(err)
		switch {
		case err == nil:
			http.Redirect(rw, r, "/ui/products/"+url.PathEscape(pr.Slug)+"?done=branch", http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		case errors.Is(err, store.ErrConflict):
			problems = []string{fmt.Sprintf("name: the product has a branch %q already", clip(f.Name, 40))}
		default:
			return err
		}
	}
	p, err := w.loadProductPage(r)
	if err != nil {
		return err
	}
	f.Errors = fieldErrors(problems, "name", "status", "since", "eol")
	p.NewBranch = w.newBranchForm(f)
	w.render(rw, http.StatusUnprocessableEntity, "product", p)
	return nil
}

// updateBranch changes a branch's maintenance: status, since and end of life.
func (w *Web) updateBranch(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := w.store.BranchByID(r.Context(), id)
	if err != nil {
		return err
	}
	pr, err := w.store.ProductByID(r.Context(), b.ProductID)
	if err != nil {
		return err
	}
	f := branchForm{BranchID: id, Name: b.Name, Status: r.PostForm.Get("status"), Since: r.PostForm.Get("since"), EOL: r.PostForm.Get("eol"), Submitted: true}
	var problems []string
	patch := casework.BranchPatch{Since: dateField(f.Since, "since", w.zone, &problems), EOL: dateField(f.EOL, "eol", w.zone, &problems)}
	if f.Status != "" {
		st := product.BranchStatus(f.Status)
		patch.Status = &st
	}
	if len(problems) == 0 {
		_, err = w.svc.UpdateBranch(r.Context(), actor(r), id, patch)
		inv, ok := isInvalid(err)
		switch {
		case err == nil:
			http.Redirect(rw, r, "/ui/products/"+url.PathEscape(pr.Slug)+"?done=branch-saved#branch-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		default:
			return err
		}
	}
	r.SetPathValue("slug", pr.Slug)
	p, err := w.loadProductPage(r)
	if err != nil {
		return err
	}
	f.Errors, f.Failed = fieldErrors(problems, "status", "since", "eol"), true
	for i := range p.Branches {
		if p.Branches[i].Branch.ID == id {
			p.Branches[i].Edit = w.newBranchForm(f)
		}
	}
	w.render(rw, http.StatusUnprocessableEntity, "product", p)
	return nil
}

// createRelease plans a release of a branch; an empty version is the next
// security upgrade (R17).
func (w *Web) createRelease(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := w.store.BranchByID(r.Context(), id)
	if err != nil {
		return err
	}
	pr, err := w.store.ProductByID(r.Context(), b.ProductID)
	if err != nil {
		return err
	}
	f := releaseForm{Version: strings.TrimSpace(r.PostForm.Get("version")), Kind: r.PostForm.Get("kind"), State: r.PostForm.Get("state"),
		Planned: r.PostForm.Get("planned_at"), Notes: r.PostForm.Get("notes")}
	var problems []string
	in := casework.NewRelease{BranchID: id, Version: f.Version, Kind: product.ReleaseKind(f.Kind), State: product.ReleaseState(f.State),
		PlannedAt: dateField(f.Planned, "planned_at", w.zone, &problems), Notes: strings.TrimSpace(f.Notes)}
	if len(problems) > 0 { // every problem at once: the release's own too
		rel := product.Release{BranchID: id, Kind: in.Kind, State: in.State, Notes: in.Notes, Version: product.BranchBase(b.Name).NextSecurity()}
		if f.Version != "" {
			rel.Version, err = product.ParseVersion(f.Version)
			if err != nil {
				problems = append(problems, "version: "+err.Error())
			}
		}
		for _, line := range validationLines(rel.Validate(b)) {
			if err == nil || !strings.HasPrefix(line, "version:") {
				problems = append(problems, line)
			}
		}
	} else {
		var rel product.Release
		rel, err = w.svc.CreateRelease(r.Context(), actor(r), in)
		inv, ok := isInvalid(err)
		switch {
		case err == nil:
			http.Redirect(rw, r, fmt.Sprintf("/ui/releases/%d?done=created", rel.ID), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		case errors.Is(err, store.ErrConflict):
			problems = []string{fmt.Sprintf("version: the branch has a release %s already", clip(f.Version, 40))}
		default:
			return err
		}
	}
	r.SetPathValue("slug", pr.Slug)
	p, err := w.loadProductPage(r)
	if err != nil {
		return err
	}
	f.Errors = fieldErrors(problems, "version", "kind", "state", "planned_at", "notes", "download_url", "sha256")
	for i := range p.Branches {
		if p.Branches[i].Branch.ID == id {
			p.Branches[i].Form = w.newReleaseForm(f)
		}
	}
	w.render(rw, http.StatusUnprocessableEntity, "product", p)
	return nil
}

// releaseEdit is the form that moves a release through QA to publication.
type releaseEdit struct {
	State, Planned, Notes, DownloadURL, SHA256 string
	Errors                                     map[string][]string
	States                                     []option
}

// sbomForm is the upload form of a release's SBOM.
type sbomForm struct {
	Format, Distro string
	Formats        []option
	Errors         map[string][]string
}

// findingSummary counts a release's findings for its page.
type findingSummary struct {
	Total, Open, Exploited, Breached int
	ByStatus                         []tally
	BySeverity                       []sevTally
}

// sevTally is the number of open findings of a severity.
type sevTally struct {
	Sev sevBadge
	N   int
}

type releasePage struct {
	layout
	Release    product.Release
	Branch     product.Branch
	Product    product.Product
	CanManage  bool
	Insider    bool
	Edit       releaseEdit
	SBOM       *store.SBOMImport
	Components []store.Component
	Pager      pager
	Problems   []sbom.Problem // of the SBOM, at most maxShownProblems
	MoreProbs  int
	Upload     sbomForm
	Findings   *findingSummary
	Done       string
	Counts     []tally
	MaxUpload  int
}

// maxShownProblems bounds the unidentified components a release page lists.
const maxShownProblems = 100

func (w *Web) loadRelease(r *http.Request) (releasePage, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return releasePage{}, err
	}
	rel, err := w.store.ReleaseByID(ctx, id)
	if err != nil {
		return releasePage{}, err
	}
	p := releasePage{Release: rel, Insider: permitted(r, user.ReadCases), CanManage: permitted(r, user.ManageProducts), MaxUpload: maxSBOMUpload >> 20}
	// A release not yet published announces a coming security release (R7).
	if rel.State != product.Published && !p.Insider {
		return p, fmt.Errorf("release %d: %w", id, store.ErrNotFound)
	}
	if p.Branch, err = w.store.BranchByID(ctx, rel.BranchID); err != nil {
		return p, err
	}
	if p.Product, err = w.store.ProductByID(ctx, p.Branch.ProductID); err != nil {
		return p, err
	}
	p.layout = w.layout(r, p.Product.Name+" "+rel.Version.String())
	p.Section = "/ui/products"
	p.Edit = releaseEdit{State: string(rel.State), Planned: w.dateValue(rel.PlannedAt), Notes: rel.Notes, DownloadURL: rel.DownloadURL, SHA256: rel.SHA256}
	p.Edit.States = releaseStates(p.Edit.State)
	p.Upload = w.newSBOMForm(sbomForm{})
	imp, err := w.store.SBOMOf(ctx, rel.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return p, err
	default:
		p.SBOM = &imp
		p.Problems = imp.Problems[:min(len(imp.Problems), maxShownProblems)]
		p.MoreProbs = imp.Unidentified - len(p.Problems)
		cs, err := w.store.ComponentsOf(ctx, rel.ID)
		if err != nil {
			return p, err
		}
		n := pageParam(r)
		total := len(cs)
		p.Components = cs[min((n-1)*pageSize, total):min(n*pageSize, total)]
		p.Pager = pager{Page: n, Pages: max(1, (total+pageSize-1)/pageSize), Total: total}
		if n > 1 {
			p.Pager.Prev = pageURL(r, n-1) + "#components"
		}
		if n*pageSize < total {
			p.Pager.Next = pageURL(r, n+1) + "#components"
		}
	}
	if p.Insider {
		fs, err := w.store.FindingsOfRelease(ctx, rel.ID)
		if err != nil {
			return p, err
		}
		p.Findings = w.summarize(fs)
	}
	return p, nil
}

func (w *Web) newSBOMForm(f sbomForm) sbomForm {
	f.Formats = []option{{Value: "", Text: "Detect from the content", Selected: f.Format == ""}}
	for _, fm := range sbom.Formats {
		f.Formats = append(f.Formats, option{Value: fm, Text: fm, Selected: f.Format == fm})
	}
	return f
}

// summarize counts findings by status and the open ones by severity.
func (w *Web) summarize(fs []finding.Finding) *findingSummary {
	s := &findingSummary{Total: len(fs)}
	byStatus := map[finding.Status]int{}
	bySev := map[string]int{}
	now := w.now()
	for _, f := range fs {
		byStatus[f.Status]++
		if f.Open() && f.ResolvedAt == nil {
			s.Open++
			bySev[f.SeverityName]++
			if f.Exploited {
				s.Exploited++
			}
			if f.DueAt != nil && now.After(*f.DueAt) {
				s.Breached++
			}
		}
	}
	for _, st := range findingStatuses {
		if n := byStatus[st]; n > 0 {
			s.ByStatus = append(s.ByStatus, tally{Name: string(st), N: n})
		}
	}
	for i := len(policy.Severities()) - 1; i >= 0; i-- {
		sev := policy.Severities()[i]
		if n := bySev[sev.String()]; n > 0 {
			s.BySeverity = append(s.BySeverity, sevTally{Sev: w.sevOf(sev.String(), 0), N: n})
		}
	}
	return s
}

var findingStatuses = []finding.Status{finding.Affected, finding.UnderInvestigation, finding.NotAffected, finding.Fixed}

func (w *Web) releasePage(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.loadRelease(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch d := q.Get("done"); d {
	case "created", "saved", "sbom":
		p.Done = d
		if d == "sbom" {
			p.Counts = doneCounts(q, "components", "unidentified", "findings", "added", "updated", "removed")
		}
	}
	w.render(rw, http.StatusOK, "release", p)
	return nil
}

// updateRelease moves a release through QA to publication, or changes its
// date, notes and download.
func (w *Web) updateRelease(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := releaseEdit{State: r.PostForm.Get("state"), Planned: r.PostForm.Get("planned_at"), Notes: r.PostForm.Get("notes"),
		DownloadURL: strings.TrimSpace(r.PostForm.Get("download_url")), SHA256: strings.TrimSpace(r.PostForm.Get("sha256"))}
	var problems []string
	var patch casework.ReleasePatch
	if f.State != "" {
		st := product.ReleaseState(f.State)
		if !slices.Contains([]product.ReleaseState{product.Planned, product.QA, product.Published}, st) {
			problems = append(problems, "state: must be planned, qa or published")
		}
		patch.State = &st
	}
	// Fields a form leaves out are left as they are (the quick "Move to
	// QA" buttons send the state alone).
	if r.PostForm.Has("planned_at") {
		patch.PlannedAt = dateField(f.Planned, "planned_at", w.zone, &problems)
	}
	if r.PostForm.Has("notes") {
		notes := strings.TrimSpace(f.Notes)
		patch.Notes = &notes
	}
	if r.PostForm.Has("download_url") {
		patch.DownloadURL = &f.DownloadURL
	}
	if r.PostForm.Has("sha256") {
		patch.SHA256 = &f.SHA256
	}
	if len(problems) == 0 {
		_, err = w.svc.UpdateRelease(r.Context(), actor(r), id, patch)
		inv, ok := isInvalid(err)
		switch {
		case err == nil:
			http.Redirect(rw, r, fmt.Sprintf("/ui/releases/%d?done=saved", id), http.StatusSeeOther)
			return nil
		case ok:
			problems = inv
		default:
			return err
		}
	}
	p, err := w.loadRelease(r)
	if err != nil {
		return err
	}
	f.Errors = fieldErrors(problems, "state", "planned_at", "notes", "download_url", "sha256")
	if !r.PostForm.Has("planned_at") {
		f.Planned, f.Notes, f.DownloadURL, f.SHA256 = p.Edit.Planned, p.Edit.Notes, p.Edit.DownloadURL, p.Edit.SHA256
	}
	f.States = releaseStates(f.State)
	p.Edit = f
	w.render(rw, http.StatusUnprocessableEntity, "release", p)
	return nil
}

// uploadSBOM replaces a release's SBOM and matches its components, at
// once: parsing and matching take seconds even for large images, so the
// request waits for them and the page then shows what they found.
func (w *Web) uploadSBOM(rw http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := w.store.ReleaseByID(r.Context(), id); err != nil {
		return err
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	f := sbomForm{Format: r.PostFormValue("format"), Distro: strings.TrimSpace(r.PostFormValue("distro"))}
	var problems []string
	if f.Format != "" && !slices.Contains(sbom.Formats, f.Format) {
		problems = append(problems, fmt.Sprintf("format: must be one of %s", strings.Join(sbom.Formats, ", ")))
	}
	if len(f.Distro) > maxQueryText {
		problems = append(problems, fmt.Sprintf("distro: longer than %d bytes", maxQueryText))
	}
	var doc *sbom.SBOM
	var sum string
	if r.MultipartForm == nil || len(r.MultipartForm.File["sbom"]) == 0 {
		problems = append(problems, "sbom: choose a file")
	} else if len(problems) == 0 {
		fh := r.MultipartForm.File["sbom"][0]
		name := clip(fh.Filename, maxQueryText)
		if name == "" {
			name = fmt.Sprintf("release-%d-sbom", id)
		}
		file, err := fh.Open()
		if err != nil {
			return err
		}
		defer file.Close()
		h := sha256.New()
		body := io.TeeReader(file, h)
		if f.Format == "" {
			doc, err = sbom.Parse(body, name)
		} else {
			doc, err = sbom.ParseFormat(body, name, f.Format)
		}
		if err != nil {
			// The parser's error names the file and the place in it.
			problems = append(problems, "sbom: "+err.Error())
		}
		sum = hex.EncodeToString(h.Sum(nil))
	}
	if f.Distro != "" && match.DebianRelease(f.Distro) == "" && match.DebianRelease("debian-"+f.Distro) == "" {
		problems = append(problems, fmt.Sprintf("distro: %q names no Debian release", f.Distro))
	}
	if len(problems) == 0 {
		// The import and the match of a large SBOM take a while: a job,
		// whose page shows it running when it outlasts the form's wait.
		in, a := casework.SBOMInput{ReleaseID: id, Doc: doc, SHA256: sum, Distro: f.Distro}, actor(r)
		return w.runJob(rw, r, "sbom", func(ctx context.Context, _ func(done, total int)) (string, error) {
			imp, stats, err := w.svc.ImportSBOM(ctx, a, in)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("/ui/releases/%d?done=sbom&components=%d&unidentified=%d&findings=%d&added=%d&updated=%d&removed=%d#sbom",
				id, imp.Components, imp.Unidentified, stats.Findings, stats.Added, stats.Updated, stats.Removed), nil
		})
	}
	p, err := w.loadRelease(r)
	if err != nil {
		return err
	}
	f.Errors = fieldErrors(problems, "sbom", "format", "distro")
	p.Upload = w.newSBOMForm(f)
	w.render(rw, http.StatusUnprocessableEntity, "release", p)
	return nil
}

// validationLines are the problems of a domain's Validate, one a line.
func validationLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/user"
)

// Continuous monitoring and products (R11–R17) in the UI: products with
// their branches, releases and supported versions; a release's SBOM and its
// components; the findings matching gives, one by one; the applicability
// rules; the release plan with its calendar; the runs of the feeds.
//
// The pages follow the API's rules for the same data: products need
// ReadProducts and show releases that are not yet published only to roles
// that read cases (R7); findings, rules and plans need ReadCases; feed runs
// ReadAudit. Changes go through casework with the API's permissions.

// maxSBOMUpload bounds the body of an SBOM upload, as the API does: far
// above a form, since a container image's SBOM runs to tens of MiB.
const maxSBOMUpload = 64 << 20

// maxQueryText bounds a free-text filter of the query string.
const maxQueryText = 200

// monitorRoutes are the routes of this area's pages.
func (w *Web) monitorRoutes() []route {
	auth := func(method, pattern string, perm user.Permission, h handlerFunc) route {
		return route{Method: method, Pattern: pattern, Perm: perm, h: h}
	}
	upload := auth("POST", "/ui/releases/{id}/sbom", user.ManageProducts, w.uploadSBOM)
	upload.maxBody = maxSBOMUpload
	return []route{
		auth("GET", "/ui/products", user.ReadProducts, w.products),
		auth("GET", "/ui/products/{slug}", user.ReadProducts, w.productPage),
		auth("POST", "/ui/products/{slug}/branches", user.ManageProducts, w.createBranch),
		auth("POST", "/ui/branches/{id}", user.ManageProducts, w.updateBranch),
		auth("POST", "/ui/branches/{id}/releases", user.ManageProducts, w.createRelease),
		auth("GET", "/ui/releases/{id}", user.ReadProducts, w.releasePage),
		auth("POST", "/ui/releases/{id}", user.ManageProducts, w.updateRelease),
		upload,
		auth("GET", "/ui/findings", user.ReadCases, w.findings),
		auth("GET", "/ui/findings/{id}", user.ReadCases, w.findingPage),
		auth("POST", "/ui/findings/{id}/rules", user.ManageCases, w.createRule),
		auth("POST", "/ui/findings/rematch", user.ManageCases, w.rematch),
		auth("GET", "/ui/jobs/{id}", user.ReadCases, w.jobPage),
		auth("GET", "/ui/rules", user.ReadCases, w.rules),
		auth("POST", "/ui/rules/{id}/revoke", user.ManageCases, w.revokeRule),
		auth("GET", "/ui/plans", user.ReadCases, w.plans),
		auth("GET", "/ui/feeds", user.ReadAudit, w.feeds),
	}
}

// permitted reports whether the signed-in user holds a permission.
func permitted(r *http.Request, p user.Permission) bool {
	s, ok := current(r)
	return ok && s.user.Role.Can(p)
}

// sevBadge is a severity as the policy shows it: its label and color.
type sevBadge struct {
	Name, Label, Color string
	Score              float64
}

// sevOf is the badge of a severity name ("critical"); an unknown name is
// shown as unrated.
func (w *Web) sevOf(name string, score float64) sevBadge {
	s, err := policy.ParseSeverity(name)
	if err != nil {
		return sevBadge{Name: "none", Label: "Unrated", Score: score}
	}
	b := sevBadge{Name: s.String(), Label: s.String(), Score: score}
	if w.svc.Policy != nil {
		b.Label, b.Color = w.svc.Policy.Label(s), w.svc.Policy.Color(s)
	}
	return b
}

// HTML renders the badge: the label on a neutral ground (its contrast does
// not depend on the policy) after a swatch in the policy's color. The
// swatch is SVG, whose fill the CSP allows where a style attribute is not.
func (b sevBadge) HTML() template.HTML {
	var sb strings.Builder
	fmt.Fprintf(&sb, `<span class="psev psev-%s">`, html.EscapeString(sevClass(b.Name)))
	if b.Color != "" {
		fmt.Fprintf(&sb, `<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" rx="2" fill="%s"/></svg>`,
			html.EscapeString(b.Color))
	}
	sb.WriteString(`<span class="vh">Severity: </span>`)
	sb.WriteString(html.EscapeString(b.Label))
	if b.Score > 0 {
		fmt.Fprintf(&sb, ` <span class="score">%.1f</span>`, b.Score)
	}
	sb.WriteString(`</span>`)
	return template.HTML(sb.String())
}

// dueOf describes a finding's deadline as of now: time left or breached.
func dueOf(clockName string, due *time.Time, now time.Time) *clock {
	if due == nil {
		return nil
	}
	c := clock{Name: clockName, Due: *due}
	if now.After(*due) {
		c.State, c.Breached, c.Left = "breached", true, "breached "+span(now.Sub(*due))+" ago"
	} else {
		c.State, c.Left = "running", span(due.Sub(now))+" left"
		if due.Sub(now) < 7*24*time.Hour {
			c.State = "soon"
		}
	}
	return &c
}

// qText reads a free-text query parameter, bounded.
func qText(q url.Values, name string, problems *[]string) string {
	v := strings.TrimSpace(q.Get(name))
	if len(v) > maxQueryText {
		*problems = append(*problems, fmt.Sprintf("%s: longer than %d bytes", name, maxQueryText))
		return ""
	}
	return v
}

// qID reads a positive id from the query, 0 when absent.
func qID(q url.Values, name string, problems *[]string) int64 {
	v := q.Get(name)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		*problems = append(*problems, fmt.Sprintf("%s: must be a positive number, not %q", name, clip(v, 40)))
		return 0
	}
	return id
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// dateField reads a date field (YYYY-MM-DD) as midnight in zone; "" is nil.
func dateField(v, field string, zone *time.Location, problems *[]string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, zone)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", field, clip(v, 40)))
		return nil
	}
	t = t.UTC()
	return &t
}

// dateValue is a time as the value of a date field.
func (w *Web) dateValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(w.zone).Format("2006-01-02")
}

// releaseRef names a release for the lists: product, branch and version.
type releaseRef struct {
	ID                   int64
	Product, Slug        string
	Branch, Version      string
	State                product.ReleaseState
	ProductID, BranchID  int64
	Published, Maintains bool
}

// releaseRefs names the releases of ids.
func (w *Web) releaseRefs(ctx context.Context, ids []int64) (map[int64]releaseRef, error) {
	out := map[int64]releaseRef{}
	if len(ids) == 0 {
		return out, nil
	}
	rels, err := w.store.ReleasesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var bids []int64
	for _, r := range rels {
		bids = append(bids, r.BranchID)
	}
	branches, err := w.store.BranchesByIDs(ctx, bids)
	if err != nil {
		return nil, err
	}
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]product.Product{}
	for _, p := range products {
		byID[p.ID] = p
	}
	now := w.now()
	for id, r := range rels {
		b := branches[r.BranchID]
		p := byID[b.ProductID]
		out[id] = releaseRef{ID: id, Product: p.Name, Slug: p.Slug, Branch: b.Name, Version: r.Version.String(), State: r.State,
			ProductID: p.ID, BranchID: b.ID, Published: r.State == product.Published, Maintains: b.MaintainedAt(now)}
	}
	return out, nil
}

// doneCounts reads the counts a redirect after long work carries
// (?done=...&components=3&findings=2), for the notice of the page.
func doneCounts(q url.Values, names ...string) []tally {
	var out []tally
	for _, n := range names {
		if v, err := strconv.Atoi(q.Get(n)); err == nil && v >= 0 {
			out = append(out, tally{Name: n, N: v})
		}
	}
	return out
}

// tally is a named number of a notice ("findings: 3").
type tally struct {
	Name string
	N    int
}

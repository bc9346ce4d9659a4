package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/user"
)

// Continuous monitoring (R11–R17) in the API: the SBOM of a release and its
// components, the findings matching gives, the applicability rules that
// decide what does not apply, the release plans, and the runs of the feeds.

// maxSBOMBody bounds the body of an SBOM upload: far above the team's JSON
// bodies, since a container image's SBOM runs to tens of MiB, and within
// what the SBOM parser reads.
const maxSBOMBody = min(64<<20, sbom.MaxSize)

// maxQueryValue bounds a free-text query parameter (a vulnerability ID, a
// package name, a feed name, an SBOM's file name).
const maxQueryValue = 200

// totalHeader carries the number of all the items a paginated list selects.
const totalHeader = "X-Total-Count"

// sbomView is the SBOM of a release as the API shows it.
type sbomView struct {
	ID           int64         `json:"id"`
	ReleaseID    int64         `json:"release_id"`
	Name         string        `json:"name"`
	Format       string        `json:"format"`
	SpecVersion  string        `json:"spec_version,omitempty"`
	SHA256       string        `json:"sha256"`
	Components   int           `json:"components"`
	Unidentified int           `json:"unidentified"`
	Skipped      int           `json:"skipped"`
	Duplicates   int           `json:"duplicates"`
	Problems     []problemView `json:"problems"`
	ImportedAt   time.Time     `json:"imported_at"`
	ImportedBy   string        `json:"imported_by"`
}

// problemView is a component of an SBOM that could not be identified, with
// its place in the document.
type problemView struct {
	Place   string `json:"place"`
	Ref     string `json:"ref,omitempty"`
	Message string `json:"message"`
}

func problemViews(ps []sbom.Problem) []problemView {
	out := make([]problemView, 0, min(len(ps), store.MaxSBOMProblems))
	for _, p := range ps[:min(len(ps), store.MaxSBOMProblems)] {
		out = append(out, problemView{Place: p.Place, Ref: p.Ref, Message: p.Message})
	}
	return out
}

func viewSBOM(s store.SBOMImport) sbomView {
	return sbomView{ID: s.ID, ReleaseID: s.ReleaseID, Name: s.Name, Format: s.Format, SpecVersion: s.SpecVersion,
		SHA256: s.SHA256, Components: s.Components, Unidentified: s.Unidentified, Skipped: s.Skipped,
		Duplicates: s.Duplicates, Problems: problemViews(s.Problems), ImportedAt: s.ImportedAt.UTC(), ImportedBy: s.ImportedBy}
}

// sbomUpload is the answer to an SBOM upload.
type sbomUpload struct {
	SBOM  sbomView            `json:"sbom"`
	Match casework.MatchStats `json:"match"`
	// Unidentified are the components without a purl or an ecosystem:
	// matching cannot find their vulnerabilities.
	Unidentified []problemView `json:"unidentified"`
}

// componentView is a component of a release.
type componentView struct {
	ID            int64    `json:"id"`
	ReleaseID     int64    `json:"release_id"`
	Name          string   `json:"name"`
	Version       string   `json:"version"`
	PURL          string   `json:"purl,omitempty"`
	Ecosystem     string   `json:"ecosystem,omitempty"`
	Package       string   `json:"package,omitempty"`
	Source        string   `json:"source,omitempty"`
	SourceVersion string   `json:"source_version,omitempty"`
	Group         string   `json:"group,omitempty"`
	Licenses      []string `json:"licenses,omitempty"`
	CPE           string   `json:"cpe,omitempty"`
	Ref           string   `json:"ref,omitempty"`
	Distro        string   `json:"distro,omitempty"`
}

func viewComponent(c store.Component) componentView {
	return componentView{ID: c.ID, ReleaseID: c.ReleaseID, Name: c.Name, Version: c.Version, PURL: c.PURL,
		Ecosystem: c.Ecosystem, Package: c.Package, Source: c.Source, SourceVersion: c.SourceVersion, Group: c.Group,
		Licenses: c.Licenses, CPE: c.CPE, Ref: c.Ref, Distro: c.Distro}
}

// feedRunView is one import or sync of a feed.
type feedRunView struct {
	ID            int64      `json:"id"`
	Feed          string     `json:"feed"`
	Location      string     `json:"location,omitempty"`
	Format        string     `json:"format,omitempty"`
	Trigger       string     `json:"trigger"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	State         string     `json:"state"`
	Added         int        `json:"added"`
	Updated       int        `json:"updated"`
	Unchanged     int        `json:"unchanged"`
	Removed       int        `json:"removed"`
	Problems      int        `json:"problems"`
	ProblemSample []string   `json:"problem_sample"`
	Error         string     `json:"error,omitempty"`
	Rematched     int        `json:"rematched"`
	DurationMS    int64      `json:"duration_ms"`
}

func viewFeedRun(r store.FeedRun) feedRunView {
	v := feedRunView{ID: r.ID, Feed: r.Feed, Location: r.Location, Format: r.Format, Trigger: r.Trigger,
		StartedAt: r.StartedAt.UTC(), State: r.State, Added: r.Added, Updated: r.Updated, Unchanged: r.Unchanged,
		Removed: r.Removed, Problems: r.Problems, ProblemSample: list(r.ProblemSample), Error: r.Error,
		Rematched: r.Rematched, DurationMS: r.Duration.Milliseconds()}
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		v.FinishedAt = &t
	}
	return v
}

// newRule is the body of a new applicability rule: a finding.Rule without
// what vigil sets (id, author, created_at, revoked_at).
type newRule struct {
	Product       string                `json:"product"`
	FromVersion   string                `json:"from_version"`
	Ecosystem     string                `json:"ecosystem"`
	Package       string                `json:"package"`
	Versions      string                `json:"versions"`
	Vuln          string                `json:"vuln"`
	Status        finding.Status        `json:"status"`
	Justification finding.Justification `json:"justification"`
	Reason        finding.Reason        `json:"reason"`
	Note          string                `json:"note"`
	ExpiresAt     *time.Time            `json:"expires_at"`
}

// ruleChange is a rule after a change, with what the change did to the
// findings.
type ruleChange struct {
	Rule  finding.Rule        `json:"rule"`
	Match casework.MatchStats `json:"match"`
}

// releaseFor loads the release of the path for the caller: a release not
// yet published announces a coming security release, so only those who
// work on cases see it (R7), as on the product's page.
func (a *API) releaseFor(r *http.Request) (product.Release, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return product.Release{}, err
	}
	rel, err := a.store.ReleaseByID(r.Context(), id)
	if err != nil {
		return rel, err
	}
	if rel.State != product.Published && !currentUser(r).Role.Can(user.ReadCases) {
		return rel, fmt.Errorf("release %d: %w", id, store.ErrNotFound)
	}
	return rel, nil
}

// queryText reads a free-text query parameter, bounded.
func queryText(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if len(v) > maxQueryValue {
		return "", fmt.Errorf("%s: longer than %d bytes", name, maxQueryValue)
	}
	return v, nil
}

// queryBool reads a query parameter that is true, false or absent.
func queryBool(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s: must be true or false, not %q", name, v)
	}
}

// queryID reads a query parameter that is a positive id, 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s: must be a positive integer, not %q", name, v)
	}
	return id, nil
}

// queryProblems turns the problems of a request's query into one bad
// request naming every one.
func queryProblems(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Error()
	}
	return badRequest{strings.Join(msgs, "; ")}
}

func (a *API) putSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.store.ReleaseByID(r.Context(), id); err != nil {
		return err // before reading a body of up to maxSBOMBody
	}
	var problems []error
	format, err := queryText(r, "format")
	if err != nil {
		problems = append(problems, err)
	} else if format != "" && !slices.Contains(sbom.Formats, format) {
		problems = append(problems, fmt.Errorf("format: %q is not one of %s", format, strings.Join(sbom.Formats, ", ")))
	}
	distro, err := queryText(r, "distro")
	if err != nil {
		problems = append(problems, err)
	}
	name, err := queryText(r, "name")
	if err != nil {
		problems = append(problems, err)
	}
	if err := queryProblems(problems); err != nil {
		return err
	}
	if name == "" {
		name = fmt.Sprintf("release-%d-sbom", id)
	}
	if r.ContentLength > maxSBOMBody {
		return &http.MaxBytesError{Limit: maxSBOMBody}
	}
	h := sha256.New()
	body := io.TeeReader(http.MaxBytesReader(w, r.Body, maxSBOMBody), h)
	var doc *sbom.SBOM
	if format == "" {
		doc, err = sbom.Parse(body, name)
	} else {
		doc, err = sbom.ParseFormat(body, name, format)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, sbom.ErrTooLarge):
		return &http.MaxBytesError{Limit: maxSBOMBody}
	case err != nil:
		// The parser's error names the document and the place in it.
		return badRequest{err.Error()}
	}
	imp, stats, err := a.svc.ImportSBOM(r.Context(), actor(r), casework.SBOMInput{ReleaseID: id, Doc: doc,
		SHA256: hex.EncodeToString(h.Sum(nil)), Distro: distro})
	if err != nil {
		return err
	}
	return writeJSON(w, 200, sbomUpload{SBOM: viewSBOM(imp), Match: stats, Unidentified: problemViews(doc.Unidentified)})
}

func (a *API) getSBOM(w http.ResponseWriter, r *http.Request) error {
	rel, err := a.releaseFor(r)
	if err != nil {
		return err
	}
	imp, err := a.store.SBOMOf(r.Context(), rel.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, viewSBOM(imp))
}

func (a *API) listComponents(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	rel, err := a.releaseFor(r)
	if err != nil {
		return err
	}
	cs, err := a.store.ComponentsOf(r.Context(), rel.ID)
	if err != nil {
		return err
	}
	w.Header().Set(totalHeader, strconv.Itoa(len(cs)))
	cs = cs[min(offset, len(cs)):min(offset+limit, len(cs))]
	out := make([]componentView, len(cs))
	for i, c := range cs {
		out[i] = viewComponent(c)
	}
	return writeJSON(w, 200, out)
}

// findingFilter reads the query of GET /findings, naming every problem.
func (a *API) findingFilter(r *http.Request) (store.FindingFilter, error) {
	var f store.FindingFilter
	var err error
	if f.Limit, f.Offset, err = page(r); err != nil {
		return f, err
	}
	var problems []error
	q := r.URL.Query()
	if f.ReleaseID, err = queryID(r, "release"); err != nil {
		problems = append(problems, err)
	}
	if f.BranchID, err = queryID(r, "branch"); err != nil {
		problems = append(problems, err)
	}
	statuses := []finding.Status{finding.UnderInvestigation, finding.Affected, finding.NotAffected, finding.Fixed}
	if len(q["status"]) > len(statuses) {
		problems = append(problems, fmt.Errorf("status: at most %d values", len(statuses)))
	} else {
		for _, s := range q["status"] {
			if !slices.Contains(statuses, finding.Status(s)) {
				problems = append(problems, fmt.Errorf("status: %q is not one of under_investigation, affected, not_affected, fixed", s))
				continue
			}
			f.Status = append(f.Status, finding.Status(s))
		}
	}
	if v := q.Get("min_severity"); v != "" {
		if sev, err := policy.ParseSeverity(v); err != nil {
			problems = append(problems, fmt.Errorf("min_severity: %w", err))
		} else {
			f.MinSeverity = &sev
		}
	}
	if f.Vuln, err = queryText(r, "vuln"); err != nil {
		problems = append(problems, err)
	}
	if f.Package, err = queryText(r, "package"); err != nil {
		problems = append(problems, err)
	}
	if f.Open, err = queryBool(r, "open"); err != nil {
		problems = append(problems, err)
	}
	slug, err := queryText(r, "product")
	if err != nil {
		problems = append(problems, err)
	}
	if err := queryProblems(problems); err != nil {
		return f, err
	}
	if slug != "" {
		p, err := a.store.ProductBySlug(r.Context(), slug)
		if errors.Is(err, store.ErrNotFound) {
			return f, badRequest{fmt.Sprintf("product: no product %q", slug)}
		} else if err != nil {
			return f, err
		}
		f.ProductID = p.ID
	}
	return f, nil
}

func (a *API) listFindings(w http.ResponseWriter, r *http.Request) error {
	f, err := a.findingFilter(r)
	if err != nil {
		return err
	}
	fs, total, err := a.svc.Findings(r.Context(), f)
	if err != nil {
		return err
	}
	w.Header().Set(totalHeader, strconv.Itoa(total))
	return writeJSON(w, 200, list(fs))
}

func (a *API) getFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := a.svc.Finding(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, f)
}

func (a *API) rematch(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	stats, err := a.svc.Rematch(r.Context(), actor(r))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, stats)
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) error {
	var problems []error
	slug, err := queryText(r, "product")
	if err != nil {
		problems = append(problems, err)
	}
	all, err := queryBool(r, "all")
	if err != nil {
		problems = append(problems, err)
	}
	if err := queryProblems(problems); err != nil {
		return err
	}
	if slug != "" {
		if _, err := a.store.ProductBySlug(r.Context(), slug); errors.Is(err, store.ErrNotFound) {
			return badRequest{fmt.Sprintf("product: no product %q", slug)}
		} else if err != nil {
			return err
		}
	}
	rs, err := a.svc.Rules(r.Context(), slug, all)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(rs))
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) error {
	var in newRule
	if err := decode(w, r, a.opts.MaxBody, &in); err != nil {
		return err
	}
	rule, stats, err := a.svc.CreateRule(r.Context(), actor(r), finding.Rule{Product: in.Product, FromVersion: in.FromVersion,
		Ecosystem: in.Ecosystem, Package: in.Package, Versions: in.Versions, Vuln: in.Vuln, Status: in.Status,
		Justification: in.Justification, Reason: in.Reason, Note: in.Note, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ruleChange{Rule: rule, Match: stats})
}

func (a *API) revokeRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, stats, err := a.svc.RevokeRule(r.Context(), actor(r), id)
	if errors.Is(err, store.ErrConflict) {
		writeProblem(w, problem{Status: http.StatusConflict, Title: "Conflict", Detail: fmt.Sprintf("rule %d is revoked already", id)})
		return nil
	} else if err != nil {
		return err
	}
	return writeJSON(w, 200, ruleChange{Rule: rule, Match: stats})
}

func (a *API) listPlans(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.svc.ReleasePlans(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list(ps))
}

func (a *API) listFeedRuns(w http.ResponseWriter, r *http.Request) error {
	var problems []error
	feed, err := queryText(r, "feed")
	if err != nil {
		problems = append(problems, err)
	}
	limit := store.DefaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > store.MaxLimit {
			problems = append(problems, fmt.Errorf("limit: must be 1-%d", store.MaxLimit))
		}
	}
	if err := queryProblems(problems); err != nil {
		return err
	}
	runs, err := a.svc.FeedRuns(r.Context(), feed, limit)
	if err != nil {
		return err
	}
	out := make([]feedRunView, len(runs))
	for i, run := range runs {
		out[i] = viewFeedRun(run)
	}
	return writeJSON(w, 200, out)
}

package csaf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cvss"
	"github.com/vigil-psirt/vigil/internal/product"
)

// Document categories and the version of CSAF written.
const (
	CategoryAdvisory = "csaf_security_advisory"
	CategoryVEX      = "csaf_vex"
	CSAFVersion      = "2.0"
)

// Directory is where a CSAF trusted provider serves its TLP:WHITE documents,
// below the publisher's base URL (CSAF 2.0 section 7.1.11: one folder per
// year of the initial release date).
const Directory = "/.well-known/csaf/white/"

const (
	engineName = "vigil"
	lang       = "en"
	tlpURL     = "https://www.first.org/tlp/"
	timeFormat = "2006-01-02T15:04:05.000Z"
)

// ErrNoStatements is returned by VEX for a release without statements: a
// csaf_vex document needs at least one vulnerability.
var ErrNoStatements = errors.New("no statements")

// Change is one entry of the revision history of a VEX document, which the
// caller keeps: a release's VEX document changes whenever an advisory of its
// product is published or revised.
type Change struct {
	Date    time.Time
	Summary string
}

var invalidFilename = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^+\-a-z0-9]+`) })

// Filename is the file name of the document with the given tracking ID
// (CSAF 2.0 section 5.1): the ID in lower case, every run of characters other
// than "+", "-", a-z and 0-9 replaced by one "_", and ".json" appended.
func Filename(trackingID string) string {
	return invalidFilename().ReplaceAllString(strings.ToLower(trackingID), "_") + ".json"
}

// Path is where a document lives below [Directory]: the year of its initial
// release date, then its [Filename]: "2026/vigil-sa-2026-001.json".
func Path(trackingID string, initial time.Time) string {
	return strconv.Itoa(initial.UTC().Year()) + "/" + Filename(trackingID)
}

// URL is the canonical URL of a document on the publisher's site, the target
// of its self reference.
func URL(pub advisory.Publisher, trackingID string, initial time.Time) string {
	return strings.TrimSuffix(pub.BaseURL, "/") + Directory + Path(trackingID, initial)
}

// VEXID is the tracking ID of a release's VEX document: the publisher's
// advisory ID prefix without its "-SA" suffix, "VEX", the product slug and the
// version: "VIGIL-VEX-scheduler-2.7.2".
func VEXID(pub advisory.Publisher, rel advisory.ReleaseVEX) string {
	prefix := strings.TrimSuffix(pub.IDPrefix, "-SA")
	if prefix != "" {
		prefix += "-"
	}
	return prefix + "VEX-" + rel.ProductSlug + "-" + rel.Version
}

// Marshal encodes a document as published: indented by two spaces, with
// "<", ">" and "&" left as they are (vers ranges stay readable), and a final
// newline.
func Marshal(d Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode csaf %s: %w", d.Document.Tracking.ID, err)
	}
	return buf.Bytes(), nil
}

// Advisory renders an advisory with all its revisions as a
// csaf_security_advisory. The latest revision gives the content, every
// revision an entry of the revision history. It reports every problem of the
// input at once.
func Advisory(pub advisory.Publisher, adv advisory.Advisory) (Document, error) {
	errs := checkPublisher(pub)
	if !trackingIDRE().MatchString(adv.ID) {
		errs = append(errs, fmt.Errorf("id: %q is empty or has surrounding white space", adv.ID))
	}
	if len(adv.Revisions) == 0 {
		errs = append(errs, errors.New("revisions: none"))
		return Document{}, fmt.Errorf("csaf advisory %s: %w", adv.ID, errors.Join(errs...))
	}
	var history []Revision
	for i, r := range adv.Revisions {
		p := fmt.Sprintf("revisions[%d]", i)
		if r.Number != i+1 {
			errs = append(errs, fmt.Errorf("%s: number %d, want %d", p, r.Number, i+1))
		}
		if r.AdvisoryID != adv.ID {
			errs = append(errs, fmt.Errorf("%s: advisory id %q, want %q", p, r.AdvisoryID, adv.ID))
		}
		if r.PublishedAt.IsZero() {
			errs = append(errs, fmt.Errorf("%s: published_at: zero", p))
		} else if i > 0 && r.PublishedAt.Before(adv.Revisions[i-1].PublishedAt) {
			errs = append(errs, fmt.Errorf("%s: published_at: before the previous revision's", p))
		}
		if strings.TrimSpace(r.Changes) == "" {
			errs = append(errs, fmt.Errorf("%s: changes: empty", p))
		}
		history = append(history, Revision{Date: formatTime(r.PublishedAt), Number: strconv.Itoa(i + 1), Summary: r.Changes})
	}
	rev := adv.Latest()
	errs = append(errs, checkRevision("revisions[latest]", rev)...)
	score, err := cvss3(rev)
	if err != nil {
		errs = append(errs, err)
	}

	tree := newTree(pub)
	var affected, fixed []string
	var remediations []Remediation
	for i, a := range rev.Affected {
		p := fmt.Sprintf("revisions[latest].affected[%d]", i)
		lo, hi, berrs := bounds(a)
		for _, err := range berrs {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
		if len(berrs) > 0 {
			continue
		}
		rangeID := "CSAFPID-" + a.ProductSlug + "-" + a.Branch + "-affected"
		rangeName := "vers:generic/>=" + lo + "|<" + hi
		if err := tree.add(a.Product, "product_version_range", rangeName, FullProductName{
			Name:                        a.Product + " >=" + lo + "|<" + hi,
			ProductID:                   rangeID,
			ProductIdentificationHelper: &Helper{CPE: cpe(pub, a.ProductSlug, a.Branch+".*")},
		}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		affected = append(affected, rangeID)
		if a.Fixed != "" {
			fixedID := releaseID(a.ProductSlug, a.Fixed)
			if err := tree.add(a.Product, "product_version", a.Fixed, releaseProduct(pub, a.Product, a.ProductSlug, a.Fixed)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				continue
			}
			if !slices.Contains(fixed, fixedID) {
				fixed = append(fixed, fixedID)
			}
		}
		remediations = append(remediations, remediation(pub, adv.ID, rev, a, []string{rangeID}))
	}
	if len(errs) > 0 {
		return Document{}, fmt.Errorf("csaf advisory %s: %w", adv.ID, errors.Join(errs...))
	}

	vuln := vulnerability(pub, rev)
	vuln.Acknowledgments = acknowledgments(rev.Credits)
	notes := []Note{{Category: "summary", Title: "Summary", Text: rev.Summary}}
	if rev.Status == advisory.Withdrawn {
		notes = append(notes, Note{Category: "general", Title: "Withdrawn", Text: "This advisory has been withdrawn. " + rev.Changes})
		vuln.ProductStatus = &ProductStatus{KnownNotAffected: append(affected, fixed...)}
	} else {
		vuln.ProductStatus = &ProductStatus{Fixed: fixed, KnownAffected: affected}
		if rev.Workaround != "" {
			remediations = append(remediations, Remediation{Category: "workaround", Details: rev.Workaround, ProductIDs: affected})
		}
		vuln.Remediations = remediations
		if score != nil {
			vuln.Scores = []Score{{CVSSV3: score, Products: affected}}
		}
	}
	notes = append(notes, disclaimer(pub))

	page := pub.URL(adv.ID)
	refs := []Reference{
		{Category: "self", Summary: "Canonical URL of this CSAF document", URL: URL(pub, adv.ID, adv.Initial())},
		{Category: "self", Summary: "Advisory " + adv.ID + " on the " + pub.Name + " security site", URL: page},
	}
	for _, r := range rev.References {
		if r.URL == page {
			continue
		}
		refs = append(refs, Reference{Category: "external", Summary: referenceSummary(r.Tags), URL: r.URL})
	}

	var severity *AggregateSeverity
	if rev.Severity != "" {
		severity = &AggregateSeverity{Text: rev.Severity}
	}
	return Document{
		Document: Meta{
			AggregateSeverity: severity,
			Category:          CategoryAdvisory,
			CSAFVersion:       CSAFVersion,
			Distribution:      &Distribution{TLP: &TLP{Label: "WHITE", URL: tlpURL}},
			Lang:              lang,
			Notes:             notes,
			Publisher:         publisher(pub),
			References:        refs,
			Title:             rev.Title,
			Tracking: Tracking{
				CurrentReleaseDate: formatTime(rev.PublishedAt),
				Generator:          &Generator{Engine: Engine{Name: engineName}},
				ID:                 adv.ID,
				InitialReleaseDate: formatTime(adv.Initial()),
				RevisionHistory:    history,
				Status:             "final",
				Version:            strconv.Itoa(rev.Number),
			},
		},
		ProductTree:     tree.build(),
		Vulnerabilities: []Vulnerability{vuln},
	}, nil
}

// VEX renders the csaf_vex document of one release: one vulnerability per
// statement, with the release's status and, where it is affected, the
// remediation and the score. Component statements add each component to
// the product tree (by purl, as a default_component_of the release) and
// give it its status in the vulnerability of their CVE ID (merged with an
// advisory's of the same CVE ID) or of their ID: not affected with the
// justification as flag and the note as impact, affected with the release
// that fixes it (published) or none, and its CVSS 3.x
// score. history is the document's revision history,
// oldest first; without it the document has a single revision dated at the
// latest of the release's publication and its statements' revisions. A
// caller that republishes a release's VEX document when an advisory changes
// passes the history it keeps, so that the version counts up and the initial
// release date, and with it the document's [Path], stays the same.
func VEX(pub advisory.Publisher, rel advisory.ReleaseVEX, history ...Change) (Document, error) {
	id := VEXID(pub, rel)
	errs := checkPublisher(pub)
	if !trackingIDRE().MatchString(id) {
		errs = append(errs, fmt.Errorf("id: %q has surrounding white space", id))
	}
	if rel.Product == "" {
		errs = append(errs, errors.New("product: empty"))
	}
	if !slugRE().MatchString(rel.ProductSlug) {
		errs = append(errs, fmt.Errorf("product_slug: %q is not a slug", rel.ProductSlug))
	}
	v, err := product.ParseVersion(rel.Version)
	if err != nil {
		errs = append(errs, fmt.Errorf("version: %w", err))
	} else if !product.Contains(rel.Branch, v) {
		errs = append(errs, fmt.Errorf("version: %s is not on branch %q", rel.Version, rel.Branch))
	}
	if len(rel.Statements) == 0 && len(rel.Components) == 0 {
		errs = append(errs, ErrNoStatements)
	}

	asOf := rel.PublishedAt
	pid := releaseID(rel.ProductSlug, rel.Version)
	var vulns []Vulnerability
	seenCVE, seenAdv := map[string]bool{}, map[string]bool{}
	for i, st := range rel.Statements {
		p := fmt.Sprintf("statements[%d]", i)
		rev := st.Revision
		serrs := checkRevision(p+".revision", rev)
		if rev.AdvisoryID == "" {
			serrs = append(serrs, fmt.Errorf("%s.revision: advisory_id: empty", p))
		} else if seenAdv[rev.AdvisoryID] {
			serrs = append(serrs, fmt.Errorf("%s: advisory %s stated twice", p, rev.AdvisoryID))
		}
		if rev.CVEID != "" && seenCVE[rev.CVEID] {
			serrs = append(serrs, fmt.Errorf("%s: %s stated twice", p, rev.CVEID))
		}
		seenAdv[rev.AdvisoryID], seenCVE[rev.CVEID] = true, rev.CVEID != ""
		score, err := cvss3(rev)
		if err != nil {
			serrs = append(serrs, fmt.Errorf("%s.revision: %w", p, err))
		}
		if len(serrs) > 0 {
			errs = append(errs, serrs...)
			continue
		}
		if rev.PublishedAt.After(asOf) {
			asOf = rev.PublishedAt
		}

		vuln := vulnerability(pub, rev)
		vuln.References = []Reference{{Category: "external", Summary: "Security advisory " + rev.AdvisoryID, URL: pub.URL(rev.AdvisoryID)}}
		ids := []string{pid}
		switch st.Status {
		case advisory.StatusAffected:
			vuln.ProductStatus = &ProductStatus{KnownAffected: ids}
			a := advisory.Affected{Product: rel.Product, ProductSlug: rel.ProductSlug, Branch: rel.Branch, Maintained: true, Fixed: st.FixedIn}
			for _, b := range rev.Affected {
				if b.ProductSlug == rel.ProductSlug && b.Branch == rel.Branch {
					a.Maintained = b.Maintained
				}
			}
			vuln.Remediations = []Remediation{remediation(pub, rev.AdvisoryID, rev, a, ids)}
			if rev.Workaround != "" {
				vuln.Remediations = append(vuln.Remediations, Remediation{Category: "workaround", Details: rev.Workaround, ProductIDs: ids})
			}
			if score != nil {
				vuln.Scores = []Score{{CVSSV3: score, Products: ids}}
			}
		case advisory.Fixed:
			vuln.ProductStatus = &ProductStatus{Fixed: ids}
		case advisory.NotAffected:
			vuln.ProductStatus = &ProductStatus{KnownNotAffected: ids}
			if slices.Contains(flagLabels, st.Justification) {
				vuln.Flags = []Flag{{Label: st.Justification, ProductIDs: ids}}
			} else {
				details := st.Justification
				if details == "" {
					details = rel.Product + " " + rel.Version + " is not affected."
				}
				vuln.Threats = []Threat{{Category: "impact", Details: details, ProductIDs: ids}}
			}
		case advisory.UnderInvestigation:
			// Optional test 6.2.2 wants a remediation for products under
			// investigation too.
			vuln.ProductStatus = &ProductStatus{UnderInvestigation: ids}
			vuln.Remediations = []Remediation{{Category: "none_available", ProductIDs: ids, URL: pub.URL(rev.AdvisoryID),
				Details: fmt.Sprintf("%s is investigating whether %s %s is affected; this document will say so when it knows.", pub.Name, rel.Product, rel.Version)}}
			if rev.Workaround != "" {
				vuln.Remediations = append(vuln.Remediations, Remediation{Category: "workaround", Details: rev.Workaround, ProductIDs: ids})
			}
		default:
			errs = append(errs, fmt.Errorf("%s: status: unknown %q", p, st.Status))
			continue
		}
		vulns = append(vulns, vuln)
	}

	var revisions []Revision
	for i, c := range history {
		if c.Date.IsZero() {
			errs = append(errs, fmt.Errorf("history[%d]: date: zero", i))
		} else if i > 0 && c.Date.Before(history[i-1].Date) {
			errs = append(errs, fmt.Errorf("history[%d]: date: before the previous change's", i))
		}
		if strings.TrimSpace(c.Summary) == "" {
			errs = append(errs, fmt.Errorf("history[%d]: summary: empty", i))
		}
		revisions = append(revisions, Revision{Date: formatTime(c.Date), Number: strconv.Itoa(i + 1), Summary: c.Summary})
	}
	if len(history) == 0 {
		if asOf.IsZero() {
			errs = append(errs, errors.New("published_at: zero"))
		}
		history = []Change{{Date: asOf}}
		revisions = []Revision{{Date: formatTime(asOf), Number: "1", Summary: "Initial version."}}
	}
	tree := newTree(pub)
	if err := tree.add(rel.Product, "product_version", rel.Version, releaseProduct(pub, rel.Product, rel.ProductSlug, rel.Version)); err != nil {
		errs = append(errs, err)
	}
	vulns, err = components(pub, rel, pid, tree, vulns)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Document{}, fmt.Errorf("csaf vex %s: %w", id, errors.Join(errs...))
	}
	summary := fmt.Sprintf("The status of %s %s for each security advisory of %s that concerns %s.", rel.Product, rel.Version, pub.Name, rel.Product)
	if len(rel.Components) > 0 {
		summary = fmt.Sprintf("The status of %s %s for each security advisory of %s that concerns %s, and for each upstream vulnerability %s knows of in its components.",
			rel.Product, rel.Version, pub.Name, rel.Product, pub.Name)
	}
	initial, current := history[0].Date, history[len(history)-1].Date
	return Document{
		Document: Meta{
			Category:     CategoryVEX,
			CSAFVersion:  CSAFVersion,
			Distribution: &Distribution{TLP: &TLP{Label: "WHITE", URL: tlpURL}},
			Lang:         lang,
			Notes: []Note{
				{Category: "summary", Title: "Summary", Text: summary},
				disclaimer(pub),
			},
			Publisher:  publisher(pub),
			References: []Reference{{Category: "self", Summary: "Canonical URL of this CSAF document", URL: URL(pub, id, initial)}},
			Title:      "VEX for " + rel.Product + " " + rel.Version,
			Tracking: Tracking{
				CurrentReleaseDate: formatTime(current),
				Generator:          &Generator{Engine: Engine{Name: engineName}},
				ID:                 id,
				InitialReleaseDate: formatTime(initial),
				RevisionHistory:    revisions,
				Status:             "final",
				Version:            strconv.Itoa(len(revisions)),
			},
		},
		ProductTree:     tree.build(),
		Vulnerabilities: vulns,
	}, nil
}

// flagLabels are the justifications CSAF 2.0 has flags for; they are
// OpenVEX's, so vigil's justifications map one to one.
var flagLabels = []string{
	"component_not_present",
	"inline_mitigations_already_exist",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_not_present",
}

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`) })

func checkPublisher(pub advisory.Publisher) []error {
	var errs []error
	if strings.TrimSpace(pub.Name) == "" {
		errs = append(errs, errors.New("publisher.name: empty"))
	}
	if !strings.HasPrefix(pub.Namespace, "https://") && !strings.HasPrefix(pub.Namespace, "http://") {
		errs = append(errs, fmt.Errorf("publisher.namespace: %q is not an http(s) URL", pub.Namespace))
	}
	// An http base URL (a test installation) makes a valid document that
	// optional test 6.2.11 warns about; refusing it would block a disclosure.
	if !strings.HasPrefix(pub.BaseURL, "https://") && !strings.HasPrefix(pub.BaseURL, "http://") {
		errs = append(errs, fmt.Errorf("publisher.base_url: %q is not an http(s) URL", pub.BaseURL))
	}
	return errs
}

// checkRevision checks what a vulnerability is made of.
func checkRevision(p string, rev advisory.Revision) []error {
	var errs []error
	for _, f := range []struct{ name, value string }{{"title", rev.Title}, {"summary", rev.Summary}, {"description", rev.Description}} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("%s.%s: empty", p, f.name))
		}
	}
	if len(rev.Affected) == 0 {
		errs = append(errs, fmt.Errorf("%s.affected: none", p))
	}
	if rev.CVEID != "" && !cveRE().MatchString(rev.CVEID) {
		errs = append(errs, fmt.Errorf("%s.cve_id: %q is not like CVE-2026-12345", p, rev.CVEID))
	}
	for i, r := range rev.References {
		if u, err := url.Parse(r.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s.references[%d]: %q is not an http(s) URL", p, i, r.URL))
		}
	}
	return errs
}

var (
	trackingIDRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\S(.*\S)?$`) })
	cveRE        = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`) })
)

// cvss3 is the CSAF score of the revision's CVSS 3.x vector, nil without one.
func cvss3(rev advisory.Revision) (*CVSSV3, error) {
	if rev.CVSS31 == "" {
		return nil, nil
	}
	s, err := cvss.Parse(rev.CVSS31)
	if err != nil {
		return nil, fmt.Errorf("cvss31: %w", err)
	}
	if s.Version != cvss.Version30 && s.Version != cvss.Version31 {
		return nil, fmt.Errorf("cvss31: version %s is not 3.x", s.Version)
	}
	return &CVSSV3{BaseScore: s.Base, BaseSeverity: cvss.SeverityOf(s.Base), VectorString: s.Vector, Version: string(s.Version)}, nil
}

// bounds is the range of versions of a branch that an advisory affects, as
// the lower (included) and upper (excluded) versions, or the problems of a.
func bounds(a advisory.Affected) (lo, hi string, errs []error) {
	if a.Product == "" {
		errs = append(errs, errors.New("product: empty"))
	}
	if !slugRE().MatchString(a.ProductSlug) {
		errs = append(errs, fmt.Errorf("product_slug: %q is not a slug", a.ProductSlug))
	}
	base := product.BranchBase(a.Branch)
	if base.IsZero() && a.Branch != "0" && a.Branch != "0.0" {
		return "", "", append(errs, fmt.Errorf("branch: %q is not X or X.Y", a.Branch))
	}
	end := product.Version{Major: base.Major + 1}
	if strings.Contains(a.Branch, ".") {
		end = product.Version{Major: base.Major, Minor: base.Minor + 1}
	}
	from, to := base, end
	if a.Introduced != "" {
		v, err := product.ParseVersion(a.Introduced)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("introduced: %w", err))
		case !product.Contains(a.Branch, v):
			errs = append(errs, fmt.Errorf("introduced: %s is not on branch %s", a.Introduced, a.Branch))
		default:
			from = v
		}
	}
	if a.Fixed != "" {
		v, err := product.ParseVersion(a.Fixed)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("fixed: %w", err))
		case !product.Contains(a.Branch, v):
			errs = append(errs, fmt.Errorf("fixed: %s is not on branch %s", a.Fixed, a.Branch))
		default:
			to = v
		}
	}
	if from.Compare(to) >= 0 {
		errs = append(errs, fmt.Errorf("fixed: %s is not after introduced %s", to, from))
	}
	if len(errs) > 0 {
		return "", "", errs
	}
	return from.String(), to.String(), nil
}

// remediation says what to do about the products ids of branch a: update to
// the fixed release, or, without one, upgrade to a maintained branch.
func remediation(pub advisory.Publisher, advisoryID string, rev advisory.Revision, a advisory.Affected, ids []string) Remediation {
	if a.Fixed != "" {
		return Remediation{Category: "vendor_fix", ProductIDs: ids, URL: pub.URL(advisoryID),
			Details: fmt.Sprintf("Update %s %s to version %s or later.", a.Product, a.Branch, a.Fixed)}
	}
	if a.Maintained {
		return Remediation{Category: "none_available", ProductIDs: ids,
			Details: fmt.Sprintf("No fix is available yet for %s %s.", a.Product, a.Branch)}
	}
	var fixes []string
	for _, b := range rev.Affected {
		if b.ProductSlug == a.ProductSlug && b.Fixed != "" {
			fixes = append(fixes, b.Fixed)
		}
	}
	details := fmt.Sprintf("%s %s has reached its end of life and receives no fix. Upgrade to a maintained branch", a.Product, a.Branch)
	if len(fixes) > 0 {
		details += " with the fix: " + strings.Join(fixes, " or later, ") + " or later"
	}
	return Remediation{Category: "no_fix_planned", ProductIDs: ids, URL: pub.URL(advisoryID), Details: details + "."}
}

// vulnerability is what the advisory and the VEX documents say alike about
// the vulnerability of a revision.
func vulnerability(pub advisory.Publisher, rev advisory.Revision) Vulnerability {
	v := Vulnerability{
		CVE:   rev.CVEID,
		IDs:   []ID{{SystemName: pub.Name + " security advisory", Text: rev.AdvisoryID}},
		Notes: []Note{{Category: "description", Title: "Vulnerability description", Text: rev.Description}},
		Title: rev.Title,
	}
	var others []string
	for _, id := range rev.CWE {
		name, ok := cweName(id)
		switch {
		case ok && v.CWE == nil:
			v.CWE = &CWE{ID: id, Name: name}
		case ok:
			others = append(others, id+" "+name)
		default:
			others = append(others, id)
		}
	}
	if len(others) > 0 {
		v.Notes = append(v.Notes, Note{Category: "other", Title: "Further weaknesses (CWE)", Text: strings.Join(others, "\n")})
	}
	if rev.CVSS40 != "" {
		text := rev.CVSS40
		if s, err := cvss.Parse(rev.CVSS40); err == nil {
			text = fmt.Sprintf("%s (%s %.1f, %s)", s.Vector, s.Nomenclature(), s.Base, s.Severity)
		}
		v.Notes = append(v.Notes, Note{Category: "other", Title: "CVSS v4.0", Text: text})
	}
	return v
}

var creditSummaries = map[string]string{
	"finder":                "found the vulnerability",
	"reporter":              "reported the vulnerability",
	"analyst":               "analysed the vulnerability",
	"coordinator":           "coordinated the disclosure",
	"remediation_developer": "developed the fix",
	"remediation_reviewer":  "reviewed the fix",
	"remediation_verifier":  "verified the fix",
	"tool":                  "tool that found the vulnerability",
	"sponsor":               "sponsored the work",
}

func acknowledgments(credits []advisory.Credit) []Acknowledgment {
	var out []Acknowledgment
	for _, c := range credits {
		if strings.TrimSpace(c.Name) == "" {
			continue
		}
		a := Acknowledgment{Names: []string{c.Name}, Summary: creditSummaries[c.Type]}
		if a.Summary == "" && c.Type != "" {
			a.Summary = c.Type
		}
		out = append(out, a)
	}
	return out
}

// referenceSummary describes a reference by its tags: "technical-description"
// reads "Technical description".
func referenceSummary(tags []string) string {
	if len(tags) == 0 {
		return "Reference"
	}
	s := strings.ReplaceAll(strings.Join(tags, ", "), "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func publisher(pub advisory.Publisher) Publisher {
	p := Publisher{Category: "vendor", Name: pub.Name, Namespace: pub.Namespace}
	if pub.Contact != "" {
		p.ContactDetails = "Contact: " + pub.Contact
	}
	return p
}

func disclaimer(pub advisory.Publisher) Note {
	return Note{Category: "legal_disclaimer", Title: "Terms of use", Text: fmt.Sprintf(
		"This document is provided \"as is\", without warranty of any kind. %s updates it when new information becomes available; its revision history records every change.", pub.Name)}
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func releaseID(slug, version string) string { return "CSAFPID-" + slug + "-" + version }

func releaseProduct(pub advisory.Publisher, name, slug, version string) FullProductName {
	return FullProductName{
		Name:                        name + " " + version,
		ProductID:                   releaseID(slug, version),
		ProductIdentificationHelper: &Helper{CPE: cpe(pub, slug, version)},
	}
}

// cpe is a CPE 2.3 name of an application of the publisher. version is a
// version or, for a range, its branch followed by the wildcard "*" ("2.7.*"):
// CPE has no ranges, so the name identifies the branch and the product's
// version range branch says which versions of it are meant.
func cpe(pub advisory.Publisher, slug, version string) string {
	return "cpe:2.3:a:" + cpeValue(pub.Name) + ":" + cpeValue(slug) + ":" + version + ":*:*:*:*:*:*:*"
}

var cpeUnsafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9._-]+`) })

// cpeValue makes a CPE attribute value: lower case, runs of other characters
// than letters, digits, ".", "-" and "_" replaced by one "_".
func cpeValue(s string) string {
	v := strings.Trim(cpeUnsafe().ReplaceAllString(strings.ToLower(s), "_"), "_")
	if v == "" {
		return "*"
	}
	return v
}

// tree builds the product tree: vendor, then a product_name branch per
// product in order of first appearance, then its versions and ranges.
type tree struct {
	vendor   string
	products []string
	branches map[string][]Branch
	ids      map[string]string // product ID -> product name
	full     []FullProductName // products outside the vendor's branches: components
	rels     []Relationship
}

func newTree(pub advisory.Publisher) *tree {
	return &tree{vendor: pub.Name, branches: map[string][]Branch{}, ids: map[string]string{}}
}

// add adds a product; adding the same product again is a no-op, another
// product with the same ID an error (mandatory test 6.1.2).
func (t *tree) add(productName, category, name string, p FullProductName) error {
	if prev, ok := t.ids[p.ProductID]; ok {
		if prev == p.Name {
			return nil
		}
		return fmt.Errorf("product id %s defined twice", p.ProductID)
	}
	t.ids[p.ProductID] = p.Name
	if _, ok := t.branches[productName]; !ok {
		t.products = append(t.products, productName)
	}
	t.branches[productName] = append(t.branches[productName], Branch{Category: category, Name: name, Product: &p})
	return nil
}

func (t *tree) build() *ProductTree {
	var names []Branch
	for _, p := range t.products {
		names = append(names, Branch{Branches: t.branches[p], Category: "product_name", Name: p})
	}
	return &ProductTree{Branches: []Branch{{Branches: names, Category: "vendor", Name: t.vendor}}, FullProductNames: t.full, Relationships: t.rels}
}

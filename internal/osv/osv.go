// Package osv provides the OSV record (https://ossf.github.io/osv-schema/) of
// a published advisory, and the package identity under which every format
// names the vendor's own products: the purl that the OSV records, the
// OpenVEX and CycloneDX VEX documents and the vendor's SBOMs share.
//
// # Identifiers
//
// The record's id is the advisory ID behind the "x_" prefix ([ID]): the
// schema only admits the prefixes of registered home databases, and, since
// schema 1.8.0, "x_" for a local database that OSV.dev does not aggregate,
// which a vendor's own advisory feed is. The CVE ID is the record's one
// alias.
//
// # Ecosystem and purl of the vendor's products
//
// A scanner such as osv-scanner matches a component of an SBOM against OSV
// records by ecosystem, name and version, and it derives the ecosystem from
// the type of the component's purl alone. A pkg:generic purl maps to no
// ecosystem at all, and osv-scanner 2.6.0 drops such a component from the
// scan as unscannable (only a component with a Git commit is matched without
// ecosystem, by repository and enumerated versions, which a vendor's release
// lines cannot give). So the products are published in a real ecosystem,
// chosen for two properties:
//
//   - its version order is the numeric order of the X.Y.Z release versions
//     (R17): Maven orders 2.7.10 above 2.7.3, as package product does;
//   - its names carry a namespace that only the vendor controls: a Maven
//     groupId is the reversed domain of the vendor, and Maven Central only
//     grants a groupId to the owner of that domain, so no other publisher's
//     record can claim the vendor's product, nor the other way round.
//
// Hence ecosystem "Maven", name "<groupId>:<product slug>" and purl
// pkg:maven/<groupId>/<product slug>@<version>, where the groupId is the
// host of the publisher's namespace URL, reversed ("https://acme.example"
// gives "example.acme"). An SBOM component is matched when its purl is that
// purl and its CycloneDX name is the product slug: osv-scanner takes the
// name of a component from its "name" field and only the namespace from the
// purl, so a display name ("Acme Job Scheduler") in "name" is not matched.
//
// # Affected versions
//
// A record has one affected entry per product, as the schema recommends,
// with one ECOSYSTEM range whose events are the union of the branches'
// affected intervals: a branch is affected from its introduced version (its
// first version X.Y.0 when none is given) up to its fixed version, and an
// end-of-life branch without fix up to its end, the first version of the
// next branch. Scanners evaluate every range of a package on its own, so an
// unbounded range of an old branch would also match every later, fixed
// release; in the union an end-of-life interval either merges with the next
// branch's affected interval (2.5.0 up to 2.6.9 in the demo) or ends with a
// fixed event at the next branch's first version, which in the linear
// version order is where the vulnerability ends. The branches themselves
// stay readable in the entry's database_specific.
//
// Invariants: the same advisory always renders the same record; modified is
// the publication time of the latest revision, published that of the first;
// a withdrawn advisory keeps its affected ranges and gains withdrawn.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cvss"
	"github.com/vigil-psirt/vigil/internal/product"
)

// SchemaVersion is the OSV schema version the records declare: 1.8.0
// (2026-07-09) added the "x_" prefix of local databases that the IDs use.
// The JSON schema in ../shared/testdata/osv-schema, a snapshot taken a few
// days before that release, names no version but already holds the prefix.
const SchemaVersion = "1.8.0"

// IDPrefix marks the ID of a local database, one that OSV.dev does not
// aggregate: the specification admits "x_" ("x_CUSTOM-0001") besides the
// prefixes of the registered home databases.
const IDPrefix = "x_"

// Ecosystem is the OSV ecosystem of the vendor's products (see the package
// documentation for why it is Maven).
const Ecosystem = "Maven"

// Vulnerability is an OSV record. Fields appear in the order of the schema.
type Vulnerability struct {
	SchemaVersion    string            `json:"schema_version"`
	ID               string            `json:"id"`
	Modified         time.Time         `json:"modified"`
	Published        time.Time         `json:"published"`
	Withdrawn        *time.Time        `json:"withdrawn,omitempty"`
	Aliases          []string          `json:"aliases,omitempty"`
	Summary          string            `json:"summary,omitempty"`
	Details          string            `json:"details,omitempty"`
	Severity         []Severity        `json:"severity,omitempty"`
	Affected         []Affected        `json:"affected,omitempty"`
	References       []Reference       `json:"references,omitempty"`
	Credits          []Credit          `json:"credits,omitempty"`
	DatabaseSpecific *DatabaseSpecific `json:"database_specific,omitempty"`
}

// Severity is a CVSS vector.
type Severity struct {
	Type  string `json:"type"` // CVSS_V3 or CVSS_V4
	Score string `json:"score"`
}

// Affected is one affected package.
type Affected struct {
	Package          Package          `json:"package"`
	Ranges           []Range          `json:"ranges"`
	DatabaseSpecific AffectedSpecific `json:"database_specific"`
}

// Package identifies a product in its ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"` // without version
}

// Range is a timeline of affected versions.
type Range struct {
	Type   string  `json:"type"` // ECOSYSTEM
	Events []Event `json:"events"`
}

// Event is one change of state on a range's timeline; exactly one field is set.
type Event struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// AffectedSpecific keeps what the range cannot say: the product's name and
// the state of each branch.
type AffectedSpecific struct {
	Product  string   `json:"product"`
	Branches []Branch `json:"branches"`
}

// Branch is one branch of the advisory's affected list.
type Branch struct {
	Branch     string `json:"branch"`
	Maintained bool   `json:"maintained"`
	Introduced string `json:"introduced"`
	Fixed      string `json:"fixed,omitempty"` // empty: no fix (end of life)
}

// Reference is a link with its OSV type.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone with an OSV credit type.
type Credit struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// DatabaseSpecific holds the vendor's own classification.
type DatabaseSpecific struct {
	Severity string   `json:"severity"` // the policy's severity (R13): critical, high, medium, low
	CWEIDs   []string `json:"cwe_ids,omitempty"`
	URL      string   `json:"url"` // the advisory's page
	Revision int      `json:"revision"`
}

// ID is the OSV ID of an advisory.
func ID(advisoryID string) string { return IDPrefix + advisoryID }

// GroupID is the Maven groupId of the publisher's products: the host of its
// namespace URL with the labels reversed.
func GroupID(pub advisory.Publisher) (string, error) {
	u, err := url.Parse(pub.Namespace)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("publisher namespace %q: not an absolute URL with a host", pub.Namespace)
	}
	labels := strings.Split(strings.ToLower(u.Hostname()), ".")
	for _, l := range labels {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return "", fmt.Errorf("publisher namespace %q: host is not a domain name", pub.Namespace)
		}
	}
	slices.Reverse(labels)
	return strings.Join(labels, "."), nil
}

// PackageOf is the OSV package of a product.
func PackageOf(pub advisory.Publisher, productSlug string) (Package, error) {
	group, err := GroupID(pub)
	if err != nil {
		return Package{}, err
	}
	if productSlug == "" || strings.Trim(strings.ToLower(productSlug), "abcdefghijklmnopqrstuvwxyz0123456789-._") != "" {
		return Package{}, fmt.Errorf("product slug %q: not a Maven artifactId", productSlug)
	}
	return Package{
		Ecosystem: Ecosystem,
		Name:      group + ":" + productSlug,
		PURL:      "pkg:maven/" + group + "/" + productSlug,
	}, nil
}

// PURL is the purl of a release of a product, the identity every format
// gives it; with an empty version it names the product.
func PURL(pub advisory.Publisher, productSlug, version string) (string, error) {
	p, err := PackageOf(pub, productSlug)
	if err != nil {
		return "", err
	}
	if version == "" {
		return p.PURL, nil
	}
	return p.PURL + "@" + url.PathEscape(version), nil
}

// FromAdvisory renders the OSV record of an advisory from its revisions.
// It returns every problem of the input at once.
func FromAdvisory(pub advisory.Publisher, adv advisory.Advisory) (Vulnerability, error) {
	if len(adv.Revisions) == 0 {
		return Vulnerability{}, fmt.Errorf("advisory %s: no revision", adv.ID)
	}
	rev := adv.Latest()
	var errs []error
	v := Vulnerability{
		SchemaVersion: SchemaVersion,
		ID:            ID(adv.ID),
		Modified:      rev.PublishedAt.UTC(),
		Published:     adv.Initial().UTC(),
		Summary:       rev.Title,
		Details:       details(rev),
		DatabaseSpecific: &DatabaseSpecific{
			Severity: rev.Severity,
			CWEIDs:   rev.CWE,
			URL:      pub.URL(adv.ID),
			Revision: rev.Number,
		},
	}
	if rev.Status == advisory.Withdrawn {
		w := rev.PublishedAt.UTC()
		v.Withdrawn = &w
		// The schema asks for the reason of a withdrawal in the summary.
		v.Summary = "Withdrawn: " + rev.Title
		if rev.Changes != "" {
			v.Summary += ". " + rev.Changes
		}
	}
	if rev.CVEID != "" {
		v.Aliases = []string{rev.CVEID}
	}
	for _, s := range []struct{ field, vector, typ string }{
		{"cvss31", rev.CVSS31, "CVSS_V3"},
		{"cvss40", rev.CVSS40, "CVSS_V4"},
	} {
		if s.vector == "" {
			continue
		}
		score, err := cvss.Parse(s.vector)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.field, err))
			continue
		}
		if (s.typ == "CVSS_V4") != (score.Version == cvss.Version40) {
			errs = append(errs, fmt.Errorf("%s: vector %s is of another CVSS version", s.field, s.vector))
			continue
		}
		v.Severity = append(v.Severity, Severity{Type: s.typ, Score: s.vector})
	}
	affected, err := affectedOf(pub, rev.Affected)
	if err != nil {
		errs = append(errs, err)
	}
	v.Affected = affected
	v.References = references(pub.URL(adv.ID), rev.References)
	for _, c := range rev.Credits {
		v.Credits = append(v.Credits, Credit{Name: c.Name, Type: creditType(c.Type)})
	}
	if err := errors.Join(errs...); err != nil {
		return Vulnerability{}, fmt.Errorf("advisory %s: %w", adv.ID, err)
	}
	return v, nil
}

// Encode renders a record as indented JSON with a final newline, the bytes
// that are published and golden-tested.
func Encode(v Vulnerability) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// details is the description, then the workaround as its own section
// (details is CommonMark).
func details(rev advisory.Revision) string {
	d := rev.Description
	if rev.Workaround != "" {
		d += "\n\n## Workaround\n\n" + rev.Workaround
	}
	return d
}

// interval is the half-open range [lo, hi) of affected versions of a branch.
type interval struct{ lo, hi product.Version }

// affectedOf builds one affected entry per product, in the order the
// products first appear.
func affectedOf(pub advisory.Publisher, list []advisory.Affected) ([]Affected, error) {
	var (
		out       []Affected
		slugs     []string
		intervals = map[string][]interval{}
		index     = map[string]int{}
		errs      []error
	)
	for i, a := range list {
		field := fmt.Sprintf("affected[%d]", i)
		iv, br, err := branchInterval(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
			continue
		}
		n, ok := index[a.ProductSlug]
		if !ok {
			pkg, err := PackageOf(pub, a.ProductSlug)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", field, err))
				continue
			}
			n = len(out)
			index[a.ProductSlug] = n
			slugs = append(slugs, a.ProductSlug)
			out = append(out, Affected{Package: pkg, DatabaseSpecific: AffectedSpecific{Product: a.Product}})
		}
		out[n].DatabaseSpecific.Branches = append(out[n].DatabaseSpecific.Branches, br)
		if iv.lo.Compare(iv.hi) < 0 {
			intervals[a.ProductSlug] = append(intervals[a.ProductSlug], iv)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for n, slug := range slugs {
		events := timeline(intervals[slug])
		if len(events) == 0 {
			return nil, fmt.Errorf("affected: product %s: no affected version on any branch", slug)
		}
		out[n].Ranges = []Range{{Type: "ECOSYSTEM", Events: events}}
	}
	return out, nil
}

// branchInterval reads one branch of the affected list as StatusFor does:
// the versions of the branch from Introduced (or the branch's first version)
// below Fixed (or the branch's end).
func branchInterval(a advisory.Affected) (interval, Branch, error) {
	base := product.BranchBase(a.Branch)
	if base.IsZero() && a.Branch != "0" && a.Branch != "0.0" {
		return interval{}, Branch{}, fmt.Errorf("branch %q: not a branch name X or X.Y", a.Branch)
	}
	end := product.Version{Major: base.Major + 1}
	if strings.Contains(a.Branch, ".") {
		end = product.Version{Major: base.Major, Minor: base.Minor + 1}
	}
	iv := interval{lo: base, hi: end}
	br := Branch{Branch: a.Branch, Maintained: a.Maintained, Introduced: base.String(), Fixed: a.Fixed}
	var errs []error
	if a.Introduced != "" {
		v, err := product.ParseVersion(a.Introduced)
		if err != nil {
			errs = append(errs, fmt.Errorf("introduced: %w", err))
		} else {
			iv.lo = maxVersion(iv.lo, v)
			br.Introduced = a.Introduced
		}
	}
	if a.Fixed != "" {
		v, err := product.ParseVersion(a.Fixed)
		if err != nil {
			errs = append(errs, fmt.Errorf("fixed: %w", err))
		} else if v.Compare(iv.hi) < 0 {
			iv.hi = v
		}
	}
	if err := errors.Join(errs...); err != nil {
		return interval{}, Branch{}, err
	}
	if a.Fixed != "" && iv.hi.Compare(iv.lo) < 0 {
		return interval{}, Branch{}, fmt.Errorf("fixed: %s is before introduced %s", a.Fixed, iv.lo)
	}
	return iv, br, nil
}

func maxVersion(a, b product.Version) product.Version {
	if a.Compare(b) >= 0 {
		return a
	}
	return b
}

// timeline merges intervals into the events of one range: introduced at the
// start of each run of touching or overlapping intervals, fixed at its end.
func timeline(ivs []interval) []Event {
	slices.SortFunc(ivs, func(a, b interval) int { return a.lo.Compare(b.lo) })
	var merged []interval
	for _, iv := range ivs {
		if n := len(merged); n > 0 && iv.lo.Compare(merged[n-1].hi) <= 0 {
			merged[n-1].hi = maxVersion(merged[n-1].hi, iv.hi)
			continue
		}
		merged = append(merged, iv)
	}
	var events []Event
	for _, iv := range merged {
		events = append(events, Event{Introduced: iv.lo.String()}, Event{Fixed: iv.hi.String()})
	}
	return events
}

// referenceTypes maps CVE reference tags to OSV reference types, the first
// matching tag deciding.
var referenceTypes = map[string]string{
	"vendor-advisory":       "ADVISORY",
	"third-party-advisory":  "ADVISORY",
	"government-resource":   "ADVISORY",
	"vdb-entry":             "ADVISORY",
	"technical-description": "ARTICLE",
	"media-coverage":        "ARTICLE",
	"issue-tracking":        "REPORT",
	"patch":                 "FIX",
	"exploit":               "EVIDENCE",
	"mailing-list":          "DISCUSSION",
	"product":               "PACKAGE",
	"signature":             "DETECTION",
}

// references lists the advisory's page first, as ADVISORY, then the
// revision's references without repeating a URL.
func references(page string, refs []advisory.Reference) []Reference {
	out := []Reference{{Type: "ADVISORY", URL: page}}
	seen := map[string]bool{page: true}
	for _, r := range refs {
		if seen[r.URL] {
			continue
		}
		seen[r.URL] = true
		typ := "WEB"
		for _, tag := range r.Tags {
			if t, ok := referenceTypes[tag]; ok {
				typ = t
				break
			}
		}
		out = append(out, Reference{Type: typ, URL: r.URL})
	}
	return out
}

// creditTypes are the OSV credit types; CVE's "remediation developer" and
// the like map onto them by case and separator.
var creditTypes = []string{"FINDER", "REPORTER", "ANALYST", "COORDINATOR", "REMEDIATION_DEVELOPER",
	"REMEDIATION_REVIEWER", "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER"}

func creditType(t string) string {
	u := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(t)))
	if slices.Contains(creditTypes, u) {
		return u
	}
	return "OTHER"
}

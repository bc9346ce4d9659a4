package advisory

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/product"
)

// Publisher is the vendor as the published formats name it.
type Publisher struct {
	Name      string `json:"name"`       // "Acme Corporation"
	Namespace string `json:"namespace"`  // "https://acme.example": CSAF publisher namespace, OpenVEX author
	Contact   string `json:"contact"`    // "security@acme.example"
	BaseURL   string `json:"base_url"`   // the public site: advisories at BaseURL/advisories/ID
	CNAOrgID  string `json:"cna_org_id"` // CVE Services organisation UUID, when the vendor is a CNA
	CNAShort  string `json:"cna_short"`  // CNA short name
	IDPrefix  string `json:"id_prefix"`  // advisory ID prefix, e.g. "VIGIL-SA"
}

// Advisory is one advisory with its whole published history, oldest
// revision first: what every format renders.
type Advisory struct {
	ID        string     `json:"id"`
	Revisions []Revision `json:"revisions"`
}

// Latest is the revision in force.
func (a Advisory) Latest() Revision { return a.Revisions[len(a.Revisions)-1] }

// Initial is when the advisory was first published.
func (a Advisory) Initial() time.Time { return a.Revisions[0].PublishedAt }

// URL is the advisory's page on the public site.
func (p Publisher) URL(advisoryID string) string { return p.BaseURL + "/advisories/" + advisoryID }

// VEX statuses, as OpenVEX, CSAF VEX and CycloneDX name them in their own terms.
type VEXStatus string

const (
	NotAffected        VEXStatus = "not_affected"
	StatusAffected     VEXStatus = "affected"
	Fixed              VEXStatus = "fixed"
	UnderInvestigation VEXStatus = "under_investigation"
)

// Justifications of not_affected, in OpenVEX's vocabulary.
const (
	CodeNotPresent = "vulnerable_code_not_present"
)

// Statement says how one advisory applies to one release.
type Statement struct {
	Revision      Revision  `json:"revision"` // the latest revision of the advisory
	Status        VEXStatus `json:"status"`
	Justification string    `json:"justification,omitempty"` // for not_affected
	FixedIn       string    `json:"fixed_in,omitempty"`      // for affected: the version that fixes it on this branch
}

// ReleaseVEX is the VEX input of one published release: every advisory of
// its product, with its status for this release, and every upstream
// vulnerability vigil knows of in its components.
type ReleaseVEX struct {
	Product     string      `json:"product"`
	ProductSlug string      `json:"product_slug"`
	Branch      string      `json:"branch"`
	Version     string      `json:"version"`
	PublishedAt time.Time   `json:"published_at"`
	Statements  []Statement `json:"statements"`
	// Components are the statements on upstream vulnerabilities of the
	// release's components (its findings), in a stable order.
	Components []ComponentStatement `json:"components,omitempty"`
	// EndOfLife is set when the release's branch gets no more releases.
	EndOfLife bool `json:"end_of_life,omitempty"`
	// Changes is the number of entries of the VEX documents' revision
	// history and UpdatedAt the date of the latest one; both are zero when
	// the caller keeps no history. They date and count the component
	// statements, which carry no revision of their own.
	Changes   int       `json:"changes,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// MaxComponentNote bounds a component statement's Note, in bytes.
const MaxComponentNote = 2000

// ComponentRef names an upstream component of a release.
type ComponentRef struct {
	PURL    string `json:"purl,omitempty"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // empty when not known (a fix carried from the previous release)
}

// ComponentStatement says how one upstream vulnerability applies to one
// component of a release: what vigil concluded in a finding.
type ComponentStatement struct {
	// Vuln is the vulnerability's ID, its CVE ID when it has one; Aliases
	// are its other IDs.
	Vuln      string       `json:"vuln"`
	Aliases   []string     `json:"aliases,omitempty"`
	Summary   string       `json:"summary,omitempty"`
	Component ComponentRef `json:"component"`
	Status    VEXStatus    `json:"status"`
	// Justification is the OpenVEX justification of not_affected.
	Justification string `json:"justification,omitempty"`
	// Note says why the status holds (the finding's status note), at most
	// MaxComponentNote bytes.
	Note string `json:"note,omitempty"`
	// Package is the component's package as its ecosystem names it, and
	// FixedVersion the upstream version that fixes the vulnerability, when
	// known.
	Package      string `json:"package,omitempty"`
	FixedVersion string `json:"fixed_version,omitempty"`
	// FixRelease is, for an affected component, the published release of
	// the product that no longer has it; empty when there is none yet.
	// Releases in preparation are never named, nor said to exist: they may
	// carry the fix of a vulnerability under embargo, and VEX is public.
	FixRelease string `json:"fix_release,omitempty"`
	// CVSS3 is a CVSS 3.x vector of the vulnerability, when known.
	CVSS3 string `json:"cvss3,omitempty"`
}

// IsCVE reports whether id is a CVE ID (CVE-YYYY-NNNN...).
func IsCVE(id string) bool {
	if len(id) < 13 || !strings.HasPrefix(id, "CVE-") || id[8] != '-' {
		return false
	}
	for i, c := range id[4:] {
		if i != 4 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// StatusFor derives how a revision applies to a release of a product:
// fixed when the release is at or after the branch's fixed version, affected
// between the introduced version and the fix (or without fix on an
// end-of-life branch), not affected otherwise.
func StatusFor(rev Revision, productSlug string, v product.Version) (Statement, error) {
	st := Statement{Revision: rev, Status: NotAffected, Justification: CodeNotPresent}
	if rev.Status == Withdrawn {
		return st, nil
	}
	for _, a := range rev.Affected {
		if a.ProductSlug != productSlug || !product.Contains(a.Branch, v) {
			continue
		}
		if a.Introduced != "" {
			intro, err := product.ParseVersion(a.Introduced)
			if err != nil {
				return st, fmt.Errorf("advisory %s: introduced: %w", rev.AdvisoryID, err)
			}
			if v.Compare(intro) < 0 {
				return st, nil
			}
		}
		if a.Fixed == "" {
			return Statement{Revision: rev, Status: StatusAffected}, nil
		}
		fixed, err := product.ParseVersion(a.Fixed)
		if err != nil {
			return st, fmt.Errorf("advisory %s: fixed: %w", rev.AdvisoryID, err)
		}
		if v.Compare(fixed) >= 0 {
			return Statement{Revision: rev, Status: Fixed}, nil
		}
		return Statement{Revision: rev, Status: StatusAffected, FixedIn: a.Fixed}, nil
	}
	return st, nil
}

// Key identifies a component in a VEX document: its purl when it is one a
// VEX format takes (pkg:type/..., no white space, at most 1000 bytes), else
// a generic purl of its name and version.
func (c ComponentRef) Key() string {
	if len(c.PURL) <= 1000 && purlRE().MatchString(c.PURL) && utf8.ValidString(c.PURL) && !strings.ContainsAny(c.PURL, " \t\r\n") {
		return c.PURL
	}
	name := strings.TrimSpace(c.Name)
	if name == "" {
		name = "unnamed"
	}
	k := "pkg:generic/" + url.PathEscape(Clip(name, 200))
	if c.Version != "" {
		k += "@" + url.PathEscape(Clip(c.Version, 100))
	}
	return k
}

// purlRE is the CSAF 2.0 schema's pattern of a purl.
var purlRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^pkg:[A-Za-z\.\-\+][A-Za-z0-9\.\-\+]*/.+`) })

// Clip trims s, makes it valid UTF-8 and cuts it to at most n bytes on a
// rune boundary, marking a cut with "…".
func Clip(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}

// Display is how a statement names its component: name (or package, or
// key) and version, bounded.
func (c ComponentStatement) Display() string {
	name := c.Component.Name
	if strings.TrimSpace(name) == "" {
		name = c.Package
	}
	if strings.TrimSpace(name) == "" {
		name = c.Component.Key()
	}
	name = Clip(name, 200)
	if c.Component.Version != "" {
		name += " " + Clip(c.Component.Version, 100)
	}
	return name
}

// PackageName is the component's package for a remedy's words.
func (c ComponentStatement) PackageName() string {
	for _, s := range []string{c.Package, c.Component.Name} {
		if strings.TrimSpace(s) != "" {
			return Clip(s, 200)
		}
	}
	return c.Component.Key()
}

// Remedy categories of an affected component, as CSAF names them.
const (
	RemedyVendorFix    = "vendor_fix"
	RemedyNoFixPlanned = "no_fix_planned"
	RemedyNone         = "none_available"
)

// Remedy says what to do about an affected component of rel, in the same
// words in every format: update to the published release that no longer
// has it; nothing on an end-of-life branch; else no fix yet, under
// evaluation (with the upstream fixed version when known).
func (c ComponentStatement) Remedy(rel ReleaseVEX) (category, details string) {
	pkg, fixed := c.PackageName(), Clip(c.FixedVersion, 100)
	switch {
	case c.FixRelease != "":
		return RemedyVendorFix, fmt.Sprintf("Update %s to %s or later, which no longer has %s vulnerable to %s.", rel.Product, c.FixRelease, pkg, c.Vuln)
	case rel.EndOfLife:
		return RemedyNoFixPlanned, fmt.Sprintf("%s %s has reached its end of life and receives no fix. Upgrade to a maintained branch.", rel.Product, rel.Branch)
	case fixed != "":
		return RemedyNone, fmt.Sprintf("%s %s fixes it upstream; an update of %s %s is under evaluation.", pkg, fixed, rel.Product, rel.Branch)
	}
	return RemedyNone, "No fix is available upstream yet; under evaluation."
}

// CVE is the CVE ID the statement's vulnerability goes by: its ID when that
// is one, else its lowest CVE alias; empty without.
func (c ComponentStatement) CVE() string {
	if IsCVE(c.Vuln) {
		return c.Vuln
	}
	var low string
	for _, a := range c.Aliases {
		if IsCVE(a) && (low == "" || a < low) {
			low = a
		}
	}
	return low
}

package advisory

import (
	"fmt"
	"time"

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
// its product, with its status for this release.
type ReleaseVEX struct {
	Product     string      `json:"product"`
	ProductSlug string      `json:"product_slug"`
	Branch      string      `json:"branch"`
	Version     string      `json:"version"`
	PublishedAt time.Time   `json:"published_at"`
	Statements  []Statement `json:"statements"`
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

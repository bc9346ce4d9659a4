// Package advisory provides what is published: an advisory and its immutable
// revisions. A revision holds only what the public may read; the public surface
// reads nothing else, so nothing embargoed can leak through it.
//
// Invariants: revisions are numbered from 1 without gaps; a published revision
// never changes; a withdrawn advisory keeps its revisions and gains one that
// says so.
package advisory

import (
	"fmt"
	"time"
)

// Status of a revision.
type Status string

const (
	Final     Status = "final"
	Withdrawn Status = "withdrawn"
)

// Affected says, for one branch, which versions are affected and which release fixes them.
type Affected struct {
	Product      string `json:"product"`
	ProductSlug  string `json:"product_slug"`
	Branch       string `json:"branch"`
	Maintained   bool   `json:"maintained"`
	Introduced   string `json:"introduced,omitempty"`    // first affected version, empty: all before Fixed
	Fixed        string `json:"fixed,omitempty"`         // version of the release carrying the fix; empty on an end-of-life branch
	FixedRelease int64  `json:"fixed_release,omitempty"` // release id
	Download     string `json:"download,omitempty"`      // where the fixed release is downloaded
	SHA256       string `json:"sha256,omitempty"`        // of the download
}

// Credit names someone in the advisory.
type Credit struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Reference is a link in the advisory.
type Reference struct {
	URL  string   `json:"url"`
	Tags []string `json:"tags,omitempty"`
}

// Revision is one immutable publication of an advisory.
type Revision struct {
	AdvisoryID  string      `json:"advisory_id"`
	Number      int         `json:"number"`
	Status      Status      `json:"status"`
	PublishedAt time.Time   `json:"published_at"`
	Title       string      `json:"title"`
	Summary     string      `json:"summary"`
	Description string      `json:"description"` // the CVE description
	Workaround  string      `json:"workaround,omitempty"`
	CVEID       string      `json:"cve_id,omitempty"`
	Severity    string      `json:"severity"`
	Score       float64     `json:"score,omitempty"`
	CVSS31      string      `json:"cvss31,omitempty"`
	CVSS40      string      `json:"cvss40,omitempty"`
	CWE         []string    `json:"cwe,omitempty"`
	Affected    []Affected  `json:"affected"`
	Credits     []Credit    `json:"credits,omitempty"`
	References  []Reference `json:"references,omitempty"`
	Changes     string      `json:"changes"` // what this revision changed
}

// ID formats an advisory ID.
func ID(year, seq int) string { return fmt.Sprintf("VIGIL-SA-%04d-%03d", year, seq) }

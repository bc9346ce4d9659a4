// Package product provides the vendor's products, their branches and releases,
// and the X.Y.Z release version of the security upgrade policy (R11, R17).
//
// Invariants: a branch belongs to one product; a release belongs to one branch
// and its version starts with the branch's name when the branch is named
// "X" or "X.Y"; versions compare numerically, never as strings.
package product

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Product is something the vendor ships and maintains.
type Product struct {
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Upstreams   []string  `json:"upstreams,omitempty"` // sources the product is built from, e.g. "Debian 12", "OpenSearch" (R11)
	CreatedAt   time.Time `json:"created_at"`
}

// BranchStatus says whether a branch still receives fixes.
type BranchStatus string

const (
	Maintained BranchStatus = "maintained"
	EndOfLife  BranchStatus = "eol"
)

// Branch is a line of releases, such as "41" or "2.7".
type Branch struct {
	ID        int64        `json:"id"`
	ProductID int64        `json:"product_id"`
	Name      string       `json:"name"`
	Status    BranchStatus `json:"status"`
	Since     *time.Time   `json:"since,omitempty"` // first release date
	EOL       *time.Time   `json:"eol,omitempty"`   // end of maintenance, past or planned
	CreatedAt time.Time    `json:"created_at"`
}

// MaintainedAt reports whether the branch receives fixes at t: its status is
// maintained and its end-of-life date, if any, is still ahead.
func (b Branch) MaintainedAt(t time.Time) bool {
	if b.Status != Maintained {
		return false
	}
	return b.EOL == nil || t.Before(*b.EOL)
}

// ReleaseKind distinguishes the monthly regular release from an urgent one (R16).
type ReleaseKind string

const (
	Regular ReleaseKind = "regular"
	Urgent  ReleaseKind = "urgent"
)

// ReleaseState is where a release stands in QA and publication.
type ReleaseState string

const (
	Planned   ReleaseState = "planned"
	QA        ReleaseState = "qa"
	Published ReleaseState = "published"
)

// Release is one X.Y.Z version of a branch.
type Release struct {
	ID          int64        `json:"id"`
	BranchID    int64        `json:"branch_id"`
	Version     Version      `json:"version"`
	Kind        ReleaseKind  `json:"kind"`
	State       ReleaseState `json:"state"`
	PlannedAt   *time.Time   `json:"planned_at,omitempty"`
	PublishedAt *time.Time   `json:"published_at,omitempty"`
	Notes       string       `json:"notes,omitempty"`
	DownloadURL string       `json:"download_url,omitempty"` // where the release is downloaded (R8)
	SHA256      string       `json:"sha256,omitempty"`       // of the download, hex
	CreatedAt   time.Time    `json:"created_at"`
}

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`) })

// Validate reports every problem of a product at once.
func (p Product) Validate() error {
	var errs []error
	if !slugRE().MatchString(p.Slug) {
		errs = append(errs, errors.New("slug: must be 1-63 lowercase letters, digits or dashes"))
	}
	if strings.TrimSpace(p.Name) == "" || len(p.Name) > 200 || !storable(p.Name) {
		errs = append(errs, errors.New("name: required, at most 200 characters of UTF-8 text without NUL"))
	}
	if len(p.Description) > 10000 || !storable(p.Description) {
		errs = append(errs, errors.New("description: at most 10000 characters of UTF-8 text without NUL"))
	}
	for i, u := range p.Upstreams {
		if strings.TrimSpace(u) == "" || len(u) > 200 || !storable(u) {
			errs = append(errs, fmt.Errorf("upstreams[%d]: required, at most 200 characters of UTF-8 text without NUL", i))
		}
	}
	return errors.Join(errs...)
}

// storable reports whether s is text every store keeps as given: valid UTF-8
// without NUL (PostgreSQL refuses both in text columns).
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// branchRE has no leading zeros: versions have none, so such a branch could
// hold no release.
var sha256RE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

var branchRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(0|[1-9][0-9]{0,5})(\.(0|[1-9][0-9]{0,5}))?$`) })

// Validate reports every problem of a branch at once.
func (b Branch) Validate() error {
	var errs []error
	if !branchRE().MatchString(b.Name) {
		errs = append(errs, errors.New(`name: must be "X" or "X.Y"`))
	}
	if b.Status != Maintained && b.Status != EndOfLife {
		errs = append(errs, fmt.Errorf("status: must be %q or %q", Maintained, EndOfLife))
	}
	if b.Since != nil && b.EOL != nil && b.EOL.Before(*b.Since) {
		errs = append(errs, errors.New("eol: before since"))
	}
	return errors.Join(errs...)
}

// Contains reports whether v belongs to the branch named name ("41" holds
// 41.y.z, "2.7" holds 2.7.z).
func Contains(branch string, v Version) bool {
	parts := strings.Split(branch, ".")
	want := []int{v.Major, v.Minor}
	for i, p := range parts {
		if i >= len(want) || p != fmt.Sprint(want[i]) {
			return false
		}
	}
	return true
}

// Validate reports every problem of a release on the given branch at once.
func (r Release) Validate(b Branch) error {
	var errs []error
	if r.Version.IsZero() {
		errs = append(errs, errors.New("version: required"))
	} else if !Contains(b.Name, r.Version) {
		errs = append(errs, fmt.Errorf("version: %s is not on branch %s", r.Version, b.Name))
	}
	if r.Kind != Regular && r.Kind != Urgent {
		errs = append(errs, fmt.Errorf("kind: must be %q or %q", Regular, Urgent))
	}
	switch r.State {
	case Planned, QA:
	case Published:
		if r.PublishedAt == nil {
			errs = append(errs, errors.New("published_at: required for a published release"))
		}
	default:
		errs = append(errs, fmt.Errorf("state: must be %q, %q or %q", Planned, QA, Published))
	}
	if r.DownloadURL != "" {
		if u, err := url.Parse(r.DownloadURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(r.DownloadURL) > 2000 {
			errs = append(errs, errors.New("download_url: must be an http(s) URL of at most 2000 characters"))
		}
	}
	if r.SHA256 != "" && !sha256RE().MatchString(r.SHA256) {
		errs = append(errs, errors.New("sha256: must be 64 lowercase hex digits"))
	}
	if len(r.Notes) > 20000 || !storable(r.Notes) {
		errs = append(errs, errors.New("notes: at most 20000 characters of UTF-8 text without NUL"))
	}
	return errors.Join(errs...)
}

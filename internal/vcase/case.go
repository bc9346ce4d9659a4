// Package vcase provides the case: one vulnerability in the vendor's own code
// being handled, with its risk, fixes per branch, CVE, change request and
// disclosure plan, and the lifecycle that moves it from receipt to disclosure.
// (The package is not called "case", a Go keyword.)
//
// Invariants: a case changes state only through Apply, which checks the
// transition's guards against the case and its environment and reports every
// failed guard at once; a disclosed or rejected case keeps its history.
package vcase

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

// State is a step of the lifecycle.
type State string

const (
	Received  State = "received"
	Triage    State = "triage"
	Confirmed State = "confirmed"
	Fixing    State = "fixing"
	Ready     State = "ready"
	Disclosed State = "disclosed"
	Rejected  State = "rejected"
)

// States lists the lifecycle in order.
var States = []State{Received, Triage, Confirmed, Fixing, Ready, Disclosed, Rejected}

// RejectReason says why a case ends without a fix.
type RejectReason string

const (
	NotReproducible  RejectReason = "not_reproducible"
	NotVulnerability RejectReason = "not_a_vulnerability"
	DuplicateOf      RejectReason = "duplicate"
	OutOfScope       RejectReason = "out_of_scope"
)

// Risk is the task force's evaluation (R2, R13).
type Risk struct {
	CVSS31    string   `json:"cvss31,omitempty"`
	CVSS40    string   `json:"cvss40,omitempty"`
	CWE       []string `json:"cwe,omitempty"`  // "CWE-79"
	Tags      []string `json:"tags,omitempty"` // "rce", "lpe", ...
	Exploited bool     `json:"exploited"`      // exploited in the wild
	PublicPoC bool     `json:"public_poc"`
	Notes     string   `json:"notes,omitempty"`
}

// Evaluated reports whether a risk evaluation exists: at least one vector.
func (r Risk) Evaluated() bool { return r.CVSS31 != "" || r.CVSS40 != "" }

// FixStatus is where the fix of one branch stands (R6).
type FixStatus string

const (
	FixPending    FixStatus = "pending"
	FixInProgress FixStatus = "in_progress"
	FixFixed      FixStatus = "fixed"    // committed, awaiting verification
	FixVerified   FixStatus = "verified" // the exploit no longer applies
)

// Fix is the work on one affected branch.
type Fix struct {
	BranchID     int64      `json:"branch_id"`
	Status       FixStatus  `json:"status"`
	Commits      []string   `json:"commits,omitempty"`
	ReleaseID    *int64     `json:"release_id,omitempty"` // the release that carries the fix
	AffectedFrom string     `json:"affected_from,omitempty"`
	Evidence     string     `json:"evidence,omitempty"` // how the exploit was shown not to apply
	VerifiedBy   string     `json:"verified_by,omitempty"`
	VerifiedAt   *time.Time `json:"verified_at,omitempty"`
	FixedAt      *time.Time `json:"fixed_at,omitempty"`
}

// ChangeRequest is the private change request (R4).
type ChangeRequest struct {
	Ref     string `json:"ref"`               // e.g. "SOS-1234"
	Tracker string `json:"tracker,omitempty"` // e.g. "jira"
	URL     string `json:"url,omitempty"`
	State   string `json:"state,omitempty"`
}

// Credit names someone for the advisory.
type Credit struct {
	Name string `json:"name"`
	Type string `json:"type"` // CVE 5 credit types: finder, reporter, analyst, coordinator, remediation_developer, ...
}

// Reference is a link for the advisory.
type Reference struct {
	URL  string   `json:"url"`
	Tags []string `json:"tags,omitempty"`
}

// CVEDraft is the private draft of the CVE record (R3), kept with the case
// until disclosure.
type CVEDraft struct {
	Description string   `json:"description,omitempty"` // English, no credits inside
	ProblemType string   `json:"problem_type,omitempty"`
	Impacts     []string `json:"impacts,omitempty"`
}

// CVEState is where the CVE record stands (R3, R8).
type CVEState string

const (
	CVENone             CVEState = ""                  // no ID yet
	CVEReserved         CVEState = "reserved"          // ID known, record private
	CVEPublishRequested CVEState = "publish_requested" // disclosed: publication queued in the outbox
	CVEPublished        CVEState = "published"         // the record is public
	CVERejected         CVEState = "rejected"          // the ID was not used
)

// Case is one vulnerability under handling.
type Case struct {
	ID              int64          `json:"id"`
	Key             string         `json:"key"` // "VC-2026-0007"
	Title           string         `json:"title"`
	Summary         string         `json:"summary,omitempty"` // what will be announced, without technical details (R10)
	Details         string         `json:"details,omitempty"` // technical details
	Workaround      string         `json:"workaround,omitempty"`
	State           State          `json:"state"`
	RejectReason    RejectReason   `json:"reject_reason,omitempty"`
	DuplicateOf     *int64         `json:"duplicate_of,omitempty"`
	ProductID       *int64         `json:"product_id,omitempty"`
	Risk            Risk           `json:"risk"`
	Severity        string         `json:"severity,omitempty"` // derived by the policy from Risk
	Score           float64        `json:"score,omitempty"`
	Fixes           []Fix          `json:"fixes"`
	CVEID           string         `json:"cve_id,omitempty"`
	CVEState        CVEState       `json:"cve_state,omitempty"`
	CVEDraft        CVEDraft       `json:"cve_draft"`
	ChangeRequest   *ChangeRequest `json:"change_request,omitempty"`
	TaskForce       []string       `json:"task_force,omitempty"` // user names
	PlannedDisclose *time.Time     `json:"planned_disclosure,omitempty"`
	Credits         []Credit       `json:"credits,omitempty"`
	References      []Reference    `json:"references,omitempty"`
	ReceivedAt      time.Time      `json:"received_at"`
	TriagedAt       *time.Time     `json:"triaged_at,omitempty"`
	ConfirmedAt     *time.Time     `json:"confirmed_at,omitempty"`
	ExploitedKnown  *time.Time     `json:"exploitation_known_at,omitempty"`
	FixAvailableAt  *time.Time     `json:"fix_available_at,omitempty"`
	ReadyAt         *time.Time     `json:"ready_at,omitempty"`
	DisclosedAt     *time.Time     `json:"disclosed_at,omitempty"`
	ClosedAt        *time.Time     `json:"closed_at,omitempty"`
	Version         int            `json:"version"` // optimistic lock, +1 per write
}

// Key formats a case key.
func Key(year, seq int) string { return fmt.Sprintf("VC-%04d-%04d", year, seq) }

// Fix returns the fix of a branch, if the branch is affected.
func (c *Case) Fix(branchID int64) (*Fix, bool) {
	for i := range c.Fixes {
		if c.Fixes[i].BranchID == branchID {
			return &c.Fixes[i], true
		}
	}
	return nil, false
}

var (
	cveRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`) })
	cweRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CWE-[1-9][0-9]{0,5}$`) })
	tagRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`) })
	commitRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{7,64}$`) })
)

// ValidCVEID reports whether s is a CVE ID as CVE Services issues them.
func ValidCVEID(s string) bool { return cveRE().MatchString(s) }

// ValidCredit lists the CVE 5 credit types.
var creditTypes = []string{"finder", "reporter", "analyst", "coordinator", "remediation_developer",
	"remediation_reviewer", "remediation_verifier", "tool", "sponsor", "other"}

// Validate reports every problem of the case's editable fields at once.
func (c *Case) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(text("title", c.Title, 1, 300))
	add(text("summary", c.Summary, 0, 20000))
	add(text("details", c.Details, 0, 200000))
	add(text("workaround", c.Workaround, 0, 20000))
	add(text("risk.notes", c.Risk.Notes, 0, 20000))
	add(text("cve_draft.description", c.CVEDraft.Description, 0, 4000))
	add(text("cve_draft.problem_type", c.CVEDraft.ProblemType, 0, 300))
	if c.CVEID != "" && !ValidCVEID(c.CVEID) {
		errs = append(errs, fmt.Errorf("cve_id: %q is not a CVE ID like CVE-2026-12345", c.CVEID))
	}
	for i, w := range c.Risk.CWE {
		if !cweRE().MatchString(w) {
			errs = append(errs, fmt.Errorf("risk.cwe[%d]: %q is not like CWE-79", i, w))
		}
	}
	for i, t := range c.Risk.Tags {
		if !tagRE().MatchString(t) {
			errs = append(errs, fmt.Errorf("risk.tags[%d]: %q must be a lowercase word", i, t))
		}
	}
	seen := map[int64]bool{}
	for i, f := range c.Fixes {
		if seen[f.BranchID] {
			errs = append(errs, fmt.Errorf("fixes[%d].branch_id: branch %d listed twice", i, f.BranchID))
		}
		seen[f.BranchID] = true
		switch f.Status {
		case FixPending, FixInProgress, FixFixed, FixVerified:
		default:
			errs = append(errs, fmt.Errorf("fixes[%d].status: unknown %q", i, f.Status))
		}
		for j, h := range f.Commits {
			if !commitRE().MatchString(h) {
				errs = append(errs, fmt.Errorf("fixes[%d].commits[%d]: %q is not a commit hash", i, j, h))
			}
		}
		if f.Status == FixVerified && strings.TrimSpace(f.Evidence) == "" {
			errs = append(errs, fmt.Errorf("fixes[%d].evidence: required when verified", i))
		}
		add(prefix(fmt.Sprintf("fixes[%d].", i), text("evidence", f.Evidence, 0, 20000)))
	}
	if cr := c.ChangeRequest; cr != nil {
		add(text("change_request.ref", cr.Ref, 1, 100))
		add(text("change_request.tracker", cr.Tracker, 0, 50))
		add(text("change_request.state", cr.State, 0, 50))
		add(httpURL("change_request.url", cr.URL, false))
	}
	for i, cr := range c.Credits {
		add(text(fmt.Sprintf("credits[%d].name", i), cr.Name, 1, 200))
		if !contains(creditTypes, cr.Type) {
			errs = append(errs, fmt.Errorf("credits[%d].type: must be one of %v", i, creditTypes))
		}
	}
	for i, r := range c.References {
		add(httpURL(fmt.Sprintf("references[%d].url", i), r.URL, true))
	}
	for i, m := range c.TaskForce {
		add(text(fmt.Sprintf("task_force[%d]", i), m, 1, 100))
	}
	if c.PlannedDisclose != nil && c.PlannedDisclose.Location() != time.UTC {
		errs = append(errs, errors.New("planned_disclosure: must be UTC"))
	}
	if len(c.Fixes) > 200 || len(c.Credits) > 100 || len(c.References) > 200 || len(c.TaskForce) > 50 {
		errs = append(errs, errors.New("too many entries: at most 200 fixes, 100 credits, 200 references, 50 task force members"))
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func prefix(p string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s%w", p, err)
}

func text(field, s string, min, max int) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("%s: not valid UTF-8", field)
	case strings.ContainsRune(s, 0):
		return fmt.Errorf("%s: contains a NUL character", field)
	case min > 0 && strings.TrimSpace(s) == "":
		return fmt.Errorf("%s: required", field)
	case len(s) > max:
		return fmt.Errorf("%s: at most %d bytes", field, max)
	}
	return nil
}

func httpURL(field, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("%s: required", field)
		}
		return nil
	}
	if len(s) > 2000 || !(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) || strings.ContainsAny(s, " \t\r\n\"<>") {
		return fmt.Errorf("%s: must be an http(s) URL of at most 2000 characters", field)
	}
	// A link needs a host, and nothing that cannot be stored or shown: invalid
	// UTF-8 here, control characters (NUL, DEL, ...) in url.Parse.
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: not valid UTF-8", field)
	}
	if u, err := url.Parse(s); err != nil || u.Host == "" {
		return fmt.Errorf("%s: must be an http(s) URL with a host", field)
	}
	return nil
}

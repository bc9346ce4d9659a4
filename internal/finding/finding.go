// Package finding provides what vigil concludes when an upstream vulnerability
// matches a component of a release (R12–R17): the finding with its VEX status,
// its severity by the policy, its deadline, the applicability rules that
// record why a vulnerability does not apply (or does) and carry that decision
// to later releases, and the release plan that turns open findings into the
// next X.Y.Z.
//
// Invariants:
//   - The package is pure: no I/O, no clock reads (every "now" is a
//     parameter), no mutable package state.
//   - One Finding per (release, component, vulnerability). A vulnerability is
//     identified by its Vuln ID: the CVE ID when any of the matching records or
//     their aliases names one, else the lowest record ID; every record that
//     describes it is listed in Records, so that the same CVE seen by OSV and
//     by the Debian tracker is one finding, not two.
//   - A Finding's status is derived, never typed in: fixed when a later
//     published release of the branch no longer has it (Carry), otherwise the
//     status of the newest active rule that applies (Decide), otherwise
//     affected, since a record's affected range contains the component's
//     version. A fixed finding keeps its status; only open findings
//     (affected, under_investigation) have a deadline.
//   - Every function is deterministic: the same inputs give the same
//     findings in the same order; Build and Decide never fail, a vector or
//     version they cannot read is skipped and said so in Reasons.
//   - Every input is bounded: versions constraints (MaxConstraintLen,
//     MaxConstraintTerms), rule notes (MaxNoteLen) and rule fields.
//   - A Rule that passed Validate has a reason, an author and at least a
//     vulnerability or a package; not_affected always has a justification.
package finding

import (
	"time"

	"github.com/vigil-psirt/vigil/internal/policy"
)

// Status is the VEX status of a finding, spelled as OpenVEX spells it.
type Status string

// The VEX statuses.
const (
	UnderInvestigation Status = "under_investigation"
	Affected           Status = "affected"
	NotAffected        Status = "not_affected"
	Fixed              Status = "fixed"
)

// Justification says why a component is not affected, as OpenVEX and CSAF
// name the justifications.
type Justification string

// The VEX justifications.
const (
	ComponentNotPresent                         Justification = "component_not_present"
	VulnerableCodeNotPresent                    Justification = "vulnerable_code_not_present"
	VulnerableCodeNotInExecutePath              Justification = "vulnerable_code_not_in_execute_path"
	VulnerableCodeCannotBeControlledByAdversary Justification = "vulnerable_code_cannot_be_controlled_by_adversary"
	InlineMitigationsAlreadyExist               Justification = "inline_mitigations_already_exist"
)

// Reason is the category of an applicability decision (R14).
type Reason string

// The applicability reasons of the security upgrade policy, and "other".
const (
	FeatureNotUsed     Reason = "feature_not_used"
	WorkaroundInPlace  Reason = "workaround_in_place"
	CustomModification Reason = "custom_modification"
	OtherReason        Reason = "other"
)

// Component is a component of a release as a finding names it.
type Component struct {
	ID        int64  `json:"id"` // the stored component, 0 in an offline scan
	PURL      string `json:"purl,omitempty"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	Ecosystem string `json:"ecosystem"` // OSV ecosystem, "Debian:12" for a Debian release
	Package   string `json:"package"`   // as OSV names it (the source package for Debian)
}

// Finding is one upstream vulnerability matched to one component of one
// release.
type Finding struct {
	ID        int64     `json:"id"`
	ReleaseID int64     `json:"release_id"` // 0 in an offline scan
	Component Component `json:"component"`
	// Vuln is the vulnerability's ID: its CVE ID when known, else the record ID.
	Vuln string `json:"vuln"`
	// Aliases are the other IDs of the vulnerability (GHSA, GO-, DSA, ...).
	Aliases []string `json:"aliases,omitempty"`
	// Records are the source:ID of every matching record ("osv:GO-2023-1234",
	// "debian:CVE-2023-1234").
	Records []string `json:"records"`
	Summary string   `json:"summary,omitempty"`

	Severity policy.Severity `json:"-"`
	// SeverityName is Severity spelled as the policy names it.
	SeverityName string   `json:"severity"`
	Score        float64  `json:"score,omitempty"`  // the CVSS base score the policy compared
	Vector       string   `json:"vector,omitempty"` // the CVSS vector it came from
	Reasons      []string `json:"reasons,omitempty"`
	// Exploited is set when a source (CISA KEV) knows of exploitation in the
	// wild; ExploitedSince is when the source first said so.
	Exploited      bool       `json:"exploited,omitempty"`
	ExploitedSince *time.Time `json:"exploited_since,omitempty"`
	// FixedVersion is the component version that fixes it, when a record
	// gives one.
	FixedVersion string `json:"fixed_version,omitempty"`

	Status        Status        `json:"status"`
	Justification Justification `json:"justification,omitempty"`
	// RuleID is the applicability rule that decided Status, 0 when none.
	RuleID int64 `json:"rule_id,omitempty"`
	// StatusNote explains Status in words ("rule 12: feature not used: ...").
	StatusNote string `json:"status_note,omitempty"`

	// DetectedAt is when vigil first matched the vulnerability to the
	// component in this release (the finding.detected event).
	DetectedAt time.Time `json:"detected_at"`
	// DueAt is the upgrade deadline of the policy (R15), nil when no clock
	// applies (low severity, or not affected).
	DueAt *time.Time `json:"due_at,omitempty"`
	// Clock is the policy clock that gave DueAt.
	Clock string `json:"clock,omitempty"`
	// ResolvedAt and ResolvedBy are set when Status became fixed: the time
	// and the release that carried the upgrade.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy int64      `json:"resolved_by,omitempty"`

	// CRA are the reporting deadlines of the Cyber Resilience Act for an
	// actively exploited vulnerability in the product (CRA), derived when
	// read, never stored.
	CRA []Due `json:"cra,omitempty" store:"derived"`
}

// Due is one running reporting clock of a finding.
type Due struct {
	Clock string    `json:"clock"`
	Name  string    `json:"name"`
	DueAt time.Time `json:"due_at"`
}

// Rule is an applicability decision (R14): within its scope, the
// vulnerability has the rule's status (usually not_affected with a
// justification) for the stated reason. Scopes are conjunctive; an empty
// field means "any". A rule made on one release holds for that release and
// every later one of the product (FromVersion), until it expires or is
// revoked.
type Rule struct {
	ID int64 `json:"id"`
	// Product is the product's slug; empty for every product.
	Product string `json:"product,omitempty"`
	// FromVersion is the first release (X.Y.Z) the rule holds for; it holds
	// for every later release of the product too. Empty for all releases.
	FromVersion string `json:"from_version,omitempty"`
	// Ecosystem and Package scope the component ("Go" and the module path,
	// "Debian" and the source package; a "Debian:12" component matches
	// Ecosystem "Debian").
	Ecosystem string `json:"ecosystem,omitempty"`
	Package   string `json:"package,omitempty"`
	// Versions is a constraint on the component's version in its ecosystem's
	// semantics: comma-separated comparisons, all of which must hold
	// (">=1.2.0, <1.4.0"; operators <, <=, >, >=, =). Empty for every version.
	Versions string `json:"versions,omitempty"`
	// Vuln is a vulnerability ID matched against the finding's Vuln and
	// Aliases; empty for every vulnerability of the package.
	Vuln string `json:"vuln,omitempty"`

	Status        Status        `json:"status"`
	Justification Justification `json:"justification,omitempty"`
	Reason        Reason        `json:"reason"`
	Note          string        `json:"note"`
	Author        string        `json:"author"`
	CreatedAt     time.Time     `json:"created_at"`
	ExpiresAt     *time.Time    `json:"expires_at,omitempty"`
	RevokedAt     *time.Time    `json:"revoked_at,omitempty"`
}

// Target is what a rule is tested against: a finding in a release of a
// product.
type Target struct {
	Product string // slug
	Release string // X.Y.Z; empty in an offline scan with no release
	Finding *Finding
}

// Plan is the proposed next release of a branch for its open findings
// (R16, R17).
type Plan struct {
	ProductID int64  `json:"product_id"`
	BranchID  int64  `json:"branch_id"`
	Branch    string `json:"branch"`
	// Current is the latest published release the findings were counted on.
	Current string `json:"current"`
	// Next is the X.Y.Z the upgrade should carry.
	Next        string             `json:"next"`
	Kind        policy.ReleaseKind `json:"kind"`
	WindowStart time.Time          `json:"window_start"`
	WindowEnd   time.Time          `json:"window_end"`
	Reason      string             `json:"reason"`
	// Severity is the highest severity among the open findings.
	Severity string `json:"severity"`
	// DueAt is the earliest deadline among them.
	DueAt     *time.Time `json:"due_at,omitempty"`
	Exploited bool       `json:"exploited,omitempty"`
	// Findings are the open (affected or under investigation) findings the
	// release must carry upgrades for, by ID.
	Findings []int64 `json:"findings"`
	// Upgrades lists the component upgrades: package, from, to.
	Upgrades []Upgrade `json:"upgrades,omitempty"`
}

// Upgrade is one component version change a planned release should carry.
type Upgrade struct {
	Ecosystem string   `json:"ecosystem"`
	Package   string   `json:"package"`
	From      string   `json:"from"`
	To        string   `json:"to,omitempty"` // empty when no record names a fixed version
	Vulns     []string `json:"vulns"`
}

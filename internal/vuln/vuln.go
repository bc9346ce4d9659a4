// Package vuln provides the model of an upstream vulnerability record as the
// feeds (OSV, the Debian security tracker, NVD, CISA KEV) describe it, shaped
// after OSV (https://ossf.github.io/osv-schema/) so that one matcher can
// evaluate every source's ranges the way the OSV specification defines them.
//
// Invariants: times are UTC; a Record that passed Validate has an ID and a
// known Source, every affected package names its ecosystem
// and package, and every range has an introduced event and never both fixed
// and last_affected events. The package is pure: parsers of the individual
// feeds live in their own packages and produce Records.
package vuln

import (
	"errors"
	"fmt"
	"time"
)

// Source names the feed a Record came from.
type Source string

// The sources vigil reads.
const (
	SourceOSV    Source = "osv"
	SourceDebian Source = "debian"
	SourceNVD    Source = "nvd"
	SourceKEV    Source = "kev"
)

// Record is one vulnerability as one source describes it.
type Record struct {
	ID     string
	Source Source
	// Aliases are IDs of the same vulnerability elsewhere (OSV aliases).
	Aliases []string
	// Upstream are IDs of vulnerabilities this record derives from, as a
	// distribution advisory (DSA, DLA) names its CVEs (OSV upstream).
	Upstream []string
	// Related are IDs of closely related, but different, vulnerabilities.
	Related   []string
	Summary   string
	Details   string
	Published time.Time
	// Modified is zero where the source leaves it so: the Go vulnerability
	// database's repository copy sets it only when serving.
	Modified  time.Time
	Withdrawn *time.Time
	Severity  []Score
	// CWEs are CWE IDs in the form "CWE-79".
	CWEs       []string
	References []Reference
	Affected   []Affected
	// Configurations are NVD's CPE applicability statements, kept for an
	// opt-in CPE matching of components that have no purl.
	Configurations []Configuration
	// Exploited is set when the source knows the vulnerability is exploited
	// in the wild (CISA KEV).
	Exploited        *Exploitation
	DatabaseSpecific *DatabaseSpecific
}

// ScoreType names a severity scheme, as OSV's severity[].type does.
type ScoreType string

// The severity schemes of OSV.
const (
	CVSSv2 ScoreType = "CVSS_V2"
	CVSSv3 ScoreType = "CVSS_V3"
	CVSSv4 ScoreType = "CVSS_V4"
	Ubuntu ScoreType = "Ubuntu"
)

// Score is one severity statement: a CVSS vector, or for Ubuntu a word.
type Score struct {
	Type   ScoreType
	Vector string
	// Source names who scored, where the feed says (NVD: nvd@nist.gov or the
	// CNA).
	Source string
}

// Reference is a link about the vulnerability; Type is OSV's reference type
// (ADVISORY, ARTICLE, FIX, WEB, ...).
type Reference struct {
	Type string
	URL  string
}

// Status is what a source states about a package in one release.
type Status string

// Statuses; an OSV record's affected entries are all StatusAffected.
const (
	StatusAffected     Status = "affected"
	StatusNotAffected  Status = "not_affected"
	StatusFixed        Status = "fixed"
	StatusUndetermined Status = "undetermined"
)

// Affected is one package (in one ecosystem) that the vulnerability
// concerns.
type Affected struct {
	// Ecosystem is the OSV ecosystem name, e.g. "Go", "PyPI", "Debian:12".
	Ecosystem string
	Package   string
	PURL      string
	Ranges    []Range
	Versions  []string
	// Status is StatusAffected unless the source states otherwise per
	// release (Debian).
	Status           Status
	DatabaseSpecific *AffectedSpecific
}

// RangeType is OSV's range type.
type RangeType string

// The range types of OSV.
const (
	RangeEcosystem RangeType = "ECOSYSTEM"
	RangeSemver    RangeType = "SEMVER"
	RangeGit       RangeType = "GIT"
)

// Range is a sequence of events in one version scheme, evaluated as the OSV
// specification defines.
type Range struct {
	Type RangeType
	// Repo is the repository URL of a GIT range.
	Repo   string
	Events []Event
}

// Event is one point of a Range; exactly one field is set.
type Event struct {
	Introduced   string
	Fixed        string
	LastAffected string
	Limit        string
}

// Configuration is one NVD configuration: nodes joined by Operator.
type Configuration struct {
	Operator string
	Negate   bool
	Nodes    []Node
}

// Node is a set of CPE matches joined by Operator ("OR" or "AND").
type Node struct {
	Operator string
	Negate   bool
	Matches  []CPEMatch
}

// CPEMatch is one CPE 2.3 match criterion with its optional version range.
type CPEMatch struct {
	Vulnerable            bool
	Criteria              string
	MatchCriteriaID       string
	VersionStartIncluding string
	VersionStartExcluding string
	VersionEndIncluding   string
	VersionEndExcluding   string
}

// Exploitation is CISA's statement that a vulnerability is known to be
// exploited.
type Exploitation struct {
	DateAdded          time.Time
	DueDate            time.Time
	KnownRansomwareUse bool
	RequiredAction     string
	VendorProject      string
	Product            string
	Notes              string
}

// DatabaseSpecific holds the few source-specific facts vigil uses about a
// whole record.
type DatabaseSpecific struct {
	// DebianBug is the Debian bug number, 0 when none.
	DebianBug int
	// Scope is the Debian tracker's "local" or "remote".
	Scope string
	// NVDStatus is NVD's vulnStatus ("Analyzed", "Rejected", ...).
	NVDStatus string
}

// AffectedSpecific holds source-specific facts about one affected entry; for
// Debian, the release's urgency and no-DSA decision.
type AffectedSpecific struct {
	// Urgency is the tracker's urgency: low, medium, high, unimportant, not
	// yet assigned, end-of-life.
	Urgency string
	// NoDSA is set when Debian decided not to issue an advisory for the
	// release; NoDSAReason says why (postponed, ignored, ...).
	NoDSA           string
	NoDSAReason     string
	NextPointUpdate bool
	// Repositories maps a suite (bookworm, bookworm-security) to the version
	// it holds.
	Repositories map[string]string
}

// Validate reports every problem of the record at once, each prefixed by
// its field path.
func (r *Record) Validate() error {
	var errs []error
	add := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if r.ID == "" {
		add("id", "missing")
	}
	switch r.Source {
	case SourceOSV, SourceDebian, SourceNVD, SourceKEV:
	default:
		add("source", "unknown source %q", r.Source)
	}
	for _, t := range []struct {
		path string
		t    time.Time
	}{{"published", r.Published}, {"modified", r.Modified}} {
		if !t.t.IsZero() && t.t.Location() != time.UTC {
			add(t.path, "not in UTC")
		}
	}
	for i, a := range r.Aliases {
		if a == "" {
			add(fmt.Sprintf("aliases[%d]", i), "empty")
		}
	}
	for i, s := range r.Severity {
		p := fmt.Sprintf("severity[%d]", i)
		switch s.Type {
		case CVSSv2, CVSSv3, CVSSv4, Ubuntu:
		default:
			add(p+".type", "unknown severity type %q", s.Type)
		}
		if s.Vector == "" {
			add(p+".score", "missing")
		}
	}
	for i, c := range r.CWEs {
		if len(c) < 5 || c[:4] != "CWE-" {
			add(fmt.Sprintf("cwes[%d]", i), "%q is not a CWE ID", c)
		}
	}
	for i, ref := range r.References {
		if ref.URL == "" {
			add(fmt.Sprintf("references[%d].url", i), "missing")
		}
	}
	for i, a := range r.Affected {
		errs = append(errs, a.validate(fmt.Sprintf("affected[%d]", i))...)
	}
	for i, c := range r.Configurations {
		for j, n := range c.Nodes {
			for k, m := range n.Matches {
				if m.Criteria == "" {
					add(fmt.Sprintf("configurations[%d].nodes[%d].cpeMatch[%d].criteria", i, j, k), "missing")
				}
			}
		}
	}
	if e := r.Exploited; e != nil && e.DateAdded.IsZero() {
		add("exploited.date_added", "missing")
	}
	return errors.Join(errs...)
}

func (a *Affected) validate(path string) []error {
	var errs []error
	add := func(p, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s%s: %s", path, p, fmt.Sprintf(format, args...)))
	}
	gitOnly := a.Ecosystem == "" && a.Package == ""
	if !gitOnly {
		if a.Ecosystem == "" {
			add(".package.ecosystem", "missing")
		}
		if a.Package == "" {
			add(".package.name", "missing")
		}
	} else {
		// OSV allows an affected entry without a package only for GIT
		// ranges (a vulnerability in a repository, not a package).
		for _, rg := range a.Ranges {
			if rg.Type != RangeGit {
				add(".package", "missing for a %s range", rg.Type)
				break
			}
		}
		if len(a.Ranges) == 0 {
			add(".package", "missing")
		}
	}
	switch a.Status {
	case StatusAffected, StatusNotAffected, StatusFixed, StatusUndetermined:
	default:
		add(".status", "unknown status %q", a.Status)
	}
	for i, rg := range a.Ranges {
		p := fmt.Sprintf(".ranges[%d]", i)
		switch rg.Type {
		case RangeEcosystem, RangeSemver:
		case RangeGit:
			if rg.Repo == "" {
				add(p+".repo", "missing for a GIT range")
			}
		default:
			add(p+".type", "unknown range type %q", rg.Type)
		}
		var introduced, fixed, lastAffected bool
		for j, e := range rg.Events {
			n := 0
			for _, v := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
				if v != "" {
					n++
				}
			}
			if n != 1 {
				add(fmt.Sprintf("%s.events[%d]", p, j), "has %d of introduced, fixed, last_affected, limit (want exactly one)", n)
			}
			introduced = introduced || e.Introduced != ""
			fixed = fixed || e.Fixed != ""
			lastAffected = lastAffected || e.LastAffected != ""
		}
		if !introduced {
			add(p+".events", "no introduced event")
		}
		if fixed && lastAffected {
			add(p+".events", "both fixed and last_affected events")
		}
	}
	for i, v := range a.Versions {
		if v == "" {
			add(fmt.Sprintf(".versions[%d]", i), "empty")
		}
	}
	return errs
}

package cve5

import (
	"errors"
	"fmt"
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

// Errors of the conversion.
var (
	ErrNoRevision   = errors.New("advisory has no revision")
	ErrWithdrawn    = errors.New("advisory is withdrawn: its CVE record is rejected, not published")
	ErrNotWithdrawn = errors.New("advisory is not withdrawn: its CVE record is published, not rejected")
)

// VersionType is the versionType of every range vigil writes. vigil's
// versions are X.Y.Z with decimal numbers (R17, product.ParseVersion),
// which semantic versioning orders exactly, so the schema's discouraged
// "custom" is not needed.
const VersionType = "semver"

// rejectedText opens the reason of a rejected record, in the words CVE
// Services itself uses.
const rejectedText = "This CVE ID has been rejected or withdrawn by its CVE Numbering Authority."

// FromAdvisory renders the full CVE record of an advisory's latest
// revision: the CNA container of CNAContainer under the cveMetadata that
// CVE Services keeps (the ID, the assigner, the state and the dates).
func FromAdvisory(pub advisory.Publisher, adv advisory.Advisory) (Record, error) {
	cna, err := CNAContainer(pub, adv)
	if err != nil {
		return Record{}, err
	}
	rev := adv.Latest()
	return Record{
		DataType:    DataType,
		DataVersion: DataVersion,
		CVEMetadata: Metadata{
			CVEID:             rev.CVEID,
			AssignerOrgID:     pub.CNAOrgID,
			AssignerShortName: pub.CNAShort,
			State:             StatePublished,
			DatePublished:     timestamp(adv.Initial()),
			DateUpdated:       timestamp(rev.PublishedAt),
		},
		Containers: Containers{CNA: cna},
	}, nil
}

// CNAContainer renders the CNA container of an advisory's latest revision,
// as CVE Services' POST and PUT /cve/{id}/cna take it (inside a
// CNARequest). It fails on an advisory without revisions, a withdrawn one
// (see RejectedContainer) and on vectors or versions it cannot read; missing
// content is rendered as it is and left to Lint.
func CNAContainer(pub advisory.Publisher, adv advisory.Advisory) (CNAPublishedContainer, error) {
	if len(adv.Revisions) == 0 {
		return CNAPublishedContainer{}, fmt.Errorf("advisory %s: %w", adv.ID, ErrNoRevision)
	}
	rev := adv.Latest()
	if rev.Status == advisory.Withdrawn {
		return CNAPublishedContainer{}, fmt.Errorf("advisory %s: %w", adv.ID, ErrWithdrawn)
	}
	var errs []error
	affected, err := affectedProducts(pub.Name, rev.Affected)
	errs = append(errs, err)
	metrics, err := metricsOf(rev)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return CNAPublishedContainer{}, fmt.Errorf("advisory %s: %w", adv.ID, err)
	}

	c := CNAPublishedContainer{
		ProviderMetadata: ProviderMetadata{OrgID: pub.CNAOrgID, ShortName: pub.CNAShort, DateUpdated: timestamp(rev.PublishedAt)},
		DatePublic:       timestamp(adv.Initial()),
		Title:            strings.TrimSpace(rev.Title),
		Descriptions:     english(rev.Description),
		Affected:         affected,
		ProblemTypes:     problemTypes(rev.CWE),
		References:       references(pub, adv.ID, rev.References),
		Metrics:          metrics,
		Workarounds:      english(rev.Workaround),
		Solutions:        english(solution(rev.Affected)),
		Credits:          credits(rev.Credits),
		Source:           &Source{Advisory: adv.ID, Discovery: discovery(rev.Credits)},
		Generator:        &Generator{Engine: Engine},
	}
	if len(c.Workarounds) == 0 {
		c.Workarounds = nil
	}
	if len(c.Solutions) == 0 {
		c.Solutions = nil
	}
	if len(rev.Affected) > 0 && !slices.ContainsFunc(rev.Affected, func(a advisory.Affected) bool { return a.Maintained }) {
		c.Tags = []string{"unsupported-when-assigned"}
	}
	return c, nil
}

// RejectedContainer renders the CNA container that rejects the CVE record
// of a withdrawn advisory (CVE Services' PUT /cve/{id}/reject, inside a
// RejectRequest). The reason is what the withdrawing revision says changed.
func RejectedContainer(pub advisory.Publisher, adv advisory.Advisory) (CNARejectedContainer, error) {
	if len(adv.Revisions) == 0 {
		return CNARejectedContainer{}, fmt.Errorf("advisory %s: %w", adv.ID, ErrNoRevision)
	}
	rev := adv.Latest()
	if rev.Status != advisory.Withdrawn {
		return CNARejectedContainer{}, fmt.Errorf("advisory %s: %w", adv.ID, ErrNotWithdrawn)
	}
	reason := rejectedText
	if s := strings.TrimSpace(rev.Changes); s != "" {
		reason += " " + s
	}
	return CNARejectedContainer{
		ProviderMetadata: &ProviderMetadata{OrgID: pub.CNAOrgID, ShortName: pub.CNAShort, DateUpdated: timestamp(rev.PublishedAt)},
		RejectedReasons:  []Description{{Lang: "en", Value: reason}},
	}, nil
}

// timestamp formats a time as the schema's timestamp, in UTC; the zero time
// (which the schema's years 1900-2999 exclude) is absent.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// english is a one-element list of an English text, empty for no text. It
// is never nil: descriptions is required, so an empty draft shows as [].
func english(s string) []Description {
	s = strings.TrimSpace(s)
	if s == "" {
		return []Description{}
	}
	return []Description{{Lang: "en", Value: s}}
}

// affectedProducts lists each product once, with one range per branch, in
// the order of the advisory. Every version not in a range is unaffected:
// earlier and later branches, and the fixed releases onwards.
func affectedProducts(vendor string, in []advisory.Affected) ([]Product, error) {
	out := []Product{}
	index := map[string]int{}
	var errs []error
	for i, a := range in {
		v, err := versionRange(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("affected[%d] (%s %s): %w", i, a.Product, a.Branch, err))
			continue
		}
		j, ok := index[a.Product]
		if !ok {
			j = len(out)
			index[a.Product] = j
			out = append(out, Product{Vendor: vendor, Product: a.Product, DefaultStatus: StatusUnaffected})
		}
		if !slices.Contains(out[j].Versions, v) {
			out[j].Versions = append(out[j].Versions, v)
		}
	}
	return out, errors.Join(errs...)
}

// versionRange is the affected range of one branch: from the introducing
// version (the branch's first version when unknown) to the fix, or, on a
// branch without fix, to the first version after the branch ("2.5" ends
// before 2.6.0). A bounded range is preferred to the schema's "2.5.*"
// because more consumers understand it.
func versionRange(a advisory.Affected) (Version, error) {
	first, next, err := branchBounds(a.Branch)
	if err != nil {
		return Version{}, err
	}
	lo := first
	if a.Introduced != "" {
		if lo, err = inBranch("introduced", a.Introduced, a.Branch); err != nil {
			return Version{}, err
		}
	}
	hi := next
	if a.Fixed != "" {
		if hi, err = inBranch("fixed", a.Fixed, a.Branch); err != nil {
			return Version{}, err
		}
		if hi.Compare(lo) <= 0 {
			return Version{}, fmt.Errorf("fixed %s is not after introduced %s", hi, lo)
		}
	}
	return Version{Version: lo.String(), Status: StatusAffected, VersionType: VersionType, LessThan: hi.String()}, nil
}

func inBranch(field, s, branch string) (product.Version, error) {
	v, err := product.ParseVersion(s)
	if err != nil {
		return v, fmt.Errorf("%s: %w", field, err)
	}
	if !product.Contains(branch, v) {
		return v, fmt.Errorf("%s: %s is not on branch %s", field, v, branch)
	}
	return v, nil
}

// branchBounds returns the first version of a branch ("41" or "2.7") and
// the first version after it.
func branchBounds(branch string) (first, next product.Version, err error) {
	parts := strings.Split(branch, ".")
	var n []int
	for _, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || strconv.Itoa(x) != p {
			n = nil
			break
		}
		n = append(n, x)
	}
	switch len(n) {
	case 1:
		return product.Version{Major: n[0]}, product.Version{Major: n[0] + 1}, nil
	case 2:
		return product.Version{Major: n[0], Minor: n[1]}, product.Version{Major: n[0], Minor: n[1] + 1}, nil
	}
	return first, next, fmt.Errorf("branch %q: want X or X.Y", branch)
}

// cweID is the schema's pattern of problemTypes[].descriptions[].cweId.
var cweID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CWE-[1-9][0-9]*$`) })

// normalCWE writes "502", "cwe-502" and " CWE-502 " as "CWE-502".
func normalCWE(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "CWE-") {
		s = s[4:]
	}
	return "CWE-" + s
}

// problemTypes has one problem type per CWE. An entry that is no CWE ID is
// kept as a text problem type, so the author's words are not lost; Lint
// reports a record without any CWE.
func problemTypes(cwes []string) []ProblemType {
	var out []ProblemType
	for _, s := range cwes {
		var d ProblemDescription
		if id := normalCWE(s); cweID().MatchString(id) {
			d = ProblemDescription{Lang: "en", Description: CWEName(id), CWEID: id, Type: "CWE"}
		} else if s = strings.TrimSpace(s); s != "" {
			d = ProblemDescription{Lang: "en", Description: s, Type: "text"}
		} else {
			continue
		}
		pt := ProblemType{Descriptions: []ProblemDescription{d}}
		if !slices.ContainsFunc(out, func(p ProblemType) bool { return p.Descriptions[0] == d }) {
			out = append(out, pt)
		}
	}
	return out
}

// referenceTags are the schema's reference tags.
var referenceTags = []string{
	"broken-link", "customer-entitlement", "exploit", "government-resource", "issue-tracking",
	"mailing-list", "mitigation", "not-applicable", "patch", "permissions-required", "media-coverage",
	"product", "related", "release-notes", "signature", "technical-description",
	"third-party-advisory", "vendor-advisory", "vdb-entry",
}

// tagAliases maps the tags people write in vigil to the schema's.
var tagAliases = map[string]string{
	"advisory": "vendor-advisory", "vendor": "vendor-advisory",
	"fix": "patch", "commit": "patch", "diff": "patch",
	"report": "technical-description", "article": "technical-description", "write-up": "technical-description",
	"writeup": "technical-description", "analysis": "technical-description", "blog": "technical-description",
	"poc": "exploit", "proof-of-concept": "exploit",
	"release": "release-notes", "changelog": "release-notes",
	"issue": "issue-tracking", "bug": "issue-tracking", "ticket": "issue-tracking",
	"workaround": "mitigation", "third-party": "third-party-advisory", "vdb": "vdb-entry",
	"news": "media-coverage", "press": "media-coverage",
}

// referenceTag maps a tag to the schema's vocabulary: its own tags and
// x_ extensions as they are, known aliases, and "" for the rest.
func referenceTag(t string) string {
	if strings.HasPrefix(t, "x_") && len(t) >= 2 && len(t) <= 128 {
		return t
	}
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.NewReplacer("_", "-", " ", "-").Replace(t)
	if slices.Contains(referenceTags, t) {
		return t
	}
	return tagAliases[t]
}

// references lists the advisory's own page first, as the vendor advisory,
// then the revision's references, each URL once with its tags merged.
func references(pub advisory.Publisher, id string, in []advisory.Reference) []Reference {
	out := []Reference{}
	index := map[string]int{}
	add := func(url string, tags []string) {
		url = strings.TrimSpace(url)
		if url == "" {
			return
		}
		i, ok := index[url]
		if !ok {
			i = len(out)
			index[url] = i
			out = append(out, Reference{URL: url})
		}
		for _, t := range tags {
			if t = referenceTag(t); t != "" && !slices.Contains(out[i].Tags, t) {
				out[i].Tags = append(out[i].Tags, t)
			}
		}
	}
	if pub.BaseURL != "" && id != "" {
		add(pub.URL(id), []string{"vendor-advisory"})
	}
	for _, r := range in {
		add(r.URL, r.Tags)
	}
	return out
}

// general is the scenario of a score that applies to every deployment.
var general = []Description{{Lang: "en", Value: "GENERAL"}}

// metricsOf scores the revision's vectors, CVSS 4.0 first. The CVSS31
// field may hold a 3.0 vector, which is written as cvssV3_0.
func metricsOf(rev advisory.Revision) ([]Metric, error) {
	var out []Metric
	var errs []error
	if v := strings.TrimSpace(rev.CVSS40); v != "" {
		s, err := cvss.Parse(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cvss40: %w", err))
		case s.Version != cvss.Version40:
			errs = append(errs, fmt.Errorf("cvss40: %q is a CVSS %s vector", v, s.Version))
		default:
			out = append(out, Metric{Format: "CVSS", Scenarios: general, CVSSV4_0: scored(s)})
		}
	}
	if v := strings.TrimSpace(rev.CVSS31); v != "" {
		s, err := cvss.Parse(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("cvss31: %w", err))
		case s.Version == cvss.Version31:
			out = append(out, Metric{Format: "CVSS", Scenarios: general, CVSSV3_1: scored(s)})
		case s.Version == cvss.Version30:
			out = append(out, Metric{Format: "CVSS", Scenarios: general, CVSSV3_0: scored(s)})
		default:
			errs = append(errs, fmt.Errorf("cvss31: %q is a CVSS %s vector", v, s.Version))
		}
	}
	return out, errors.Join(errs...)
}

// scored is the CVSS object of a parsed vector. The severity is that of
// the base score: cvss.Score.Severity rates the overall score, which
// differs when a 3.x vector carries temporal or environmental metrics.
func scored(s cvss.Score) *CVSS {
	return &CVSS{Version: string(s.Version), VectorString: s.Vector, BaseScore: s.Base, BaseSeverity: cvss.SeverityOf(s.Base)}
}

// solution tells, per product, which versions fix it and which branches
// will not be fixed.
func solution(affected []advisory.Affected) string {
	type plan struct{ fixed, eol, pending []string }
	var order []string
	plans := map[string]*plan{}
	for _, a := range affected {
		p := plans[a.Product]
		if p == nil {
			p = &plan{}
			plans[a.Product] = p
			order = append(order, a.Product)
		}
		switch {
		case a.Fixed != "":
			p.fixed = append(p.fixed, a.Fixed)
		case a.Maintained:
			p.pending = append(p.pending, a.Branch)
		default:
			p.eol = append(p.eol, a.Branch)
		}
	}
	var out []string
	for _, name := range order {
		p := plans[name]
		if len(p.fixed) > 0 {
			out = append(out, fmt.Sprintf("Update %s to %s, or later.", name, or(p.fixed)))
		}
		if len(p.pending) > 0 {
			out = append(out, fmt.Sprintf("No fix is available yet for %s %s.", name, and(p.pending)))
		}
		if len(p.eol) == 1 {
			out = append(out, fmt.Sprintf("%s %s has reached its end of life and will not be fixed; move to a maintained branch.", name, p.eol[0]))
		} else if len(p.eol) > 1 {
			out = append(out, fmt.Sprintf("%s %s have reached their end of life and will not be fixed; move to a maintained branch.", name, and(p.eol)))
		}
	}
	return strings.Join(out, " ")
}

func or(s []string) string  { return list(s, "or") }
func and(s []string) string { return list(s, "and") }

// list joins "a", "a or b", "a, b or c".
func list(s []string, conj string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " " + conj + " " + s[len(s)-1]
}

// creditTypes are the schema's credit roles.
var creditTypes = []string{
	"finder", "reporter", "analyst", "coordinator", "remediation developer", "remediation reviewer",
	"remediation verifier", "tool", "sponsor", "other",
}

// creditType maps a role to the schema's ("remediation_developer" is
// "remediation developer"); an unknown role is "other", none is absent
// (the schema's default, finder).
func creditType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if t == "" {
		return ""
	}
	t = strings.NewReplacer("_", " ", "-", " ").Replace(t)
	if slices.Contains(creditTypes, t) {
		return t
	}
	return "other"
}

func credits(in []advisory.Credit) []Credit {
	var out []Credit
	for _, c := range in {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			continue
		}
		cr := Credit{Lang: "en", Value: name, Type: creditType(c.Type)}
		if !slices.Contains(out, cr) {
			out = append(out, cr)
		}
	}
	return out
}

// discovery is EXTERNAL when someone is credited with finding or reporting
// the vulnerability; vigil does not otherwise know who found it.
func discovery(in []advisory.Credit) string {
	for _, c := range in {
		if t := creditType(c.Type); t == "finder" || t == "reporter" || (t == "" && c.Name != "") {
			return DiscoveryExternal
		}
	}
	return DiscoveryUnknown
}

// RejectedRecord is a full CVE record in state REJECTED.
type RejectedRecord struct {
	DataType    string           `json:"dataType"`
	DataVersion string           `json:"dataVersion"`
	CVEMetadata RejectedMetadata `json:"cveMetadata"`
	Containers  struct {
		CNA CNARejectedContainer `json:"cna"`
	} `json:"containers"`
}

// RejectedMetadata is the cveMetadata of a rejected record.
type RejectedMetadata struct {
	CVEID             string `json:"cveId"`
	AssignerOrgID     string `json:"assignerOrgId"`
	AssignerShortName string `json:"assignerShortName,omitempty"`
	State             string `json:"state"`
	DatePublished     string `json:"datePublished,omitempty"`
	DateUpdated       string `json:"dateUpdated,omitempty"`
	DateRejected      string `json:"dateRejected,omitempty"`
}

// FromWithdrawn renders the full REJECTED record of a withdrawn advisory:
// what stands at the record's place once the advisory is withdrawn.
func FromWithdrawn(pub advisory.Publisher, adv advisory.Advisory) (RejectedRecord, error) {
	cna, err := RejectedContainer(pub, adv)
	if err != nil {
		return RejectedRecord{}, err
	}
	rev := adv.Latest()
	rec := RejectedRecord{DataType: DataType, DataVersion: DataVersion, CVEMetadata: RejectedMetadata{
		CVEID: rev.CVEID, AssignerOrgID: pub.CNAOrgID, AssignerShortName: pub.CNAShort, State: "REJECTED",
		DatePublished: timestamp(adv.Initial()), DateUpdated: timestamp(rev.PublishedAt), DateRejected: timestamp(rev.PublishedAt),
	}}
	rec.Containers.CNA = cna
	return rec, nil
}

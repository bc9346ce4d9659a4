package finding

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/cvss"
	"github.com/vigil-psirt/vigil/internal/match"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/version"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Lookup returns the records of any source whose ID or aliases equal id:
// it is how Build finds NVD's CVSS vectors and KEV's exploitation for a CVE
// that an OSV or Debian record names. A nil Lookup finds nothing.
type Lookup func(id string) []*vuln.Record

// cweTags derives vulnerability type tags from CWE IDs, for classification
// rules on tags (R13). It is deliberately small: only weaknesses whose very
// definition is the vulnerability type.
var cweTags = map[string]string{
	"CWE-77":  "rce", // command injection
	"CWE-78":  "rce", // OS command injection
	"CWE-94":  "rce", // code injection
	"CWE-95":  "rce", // eval injection
	"CWE-269": "lpe", // improper privilege management
}

// maxGroupIDs bounds the IDs of one vulnerability that Build looks up.
const maxGroupIDs = 256

// Build turns the hits of one component into findings, one per
// vulnerability:
//
//   - Grouping: two hits are the same vulnerability when their records share
//     an ID, alias or upstream ID, transitively (an OSV record GO-2023-1
//     with alias CVE-2023-5 and a Debian record CVE-2023-5 are one). A
//     distribution advisory naming several CVEs as upstream therefore joins
//     them into one finding. Related IDs do not group.
//   - Vuln is the CVE ID when the group's IDs, aliases and upstream IDs name
//     exactly one; when they name several (a DSA fixing five CVEs) or none,
//     it is the lowest ID of a matching record that is not a CVE (in string
//     order), and only when every record is a CVE the lowest CVE (by year,
//     then by number). Aliases are the other IDs, sorted. Records
//     are the matching records as "source:ID", sorted; records found through
//     lookup are not listed there, the Reasons name them.
//   - Summary is the first OSV record's summary, else the first other one's.
//   - FixedVersion is the lowest non-empty Hit.Fixed of the group in the
//     component's ecosystem order (versions it cannot parse come last): the
//     version the component should move to.
//   - Severity: every CVSS 3.x and 4.0 vector of the group's records and of
//     the records lookup returns for each of the group's IDs is normalised
//     (cvss.Normalize) and scored; the highest 3.x and the highest 4.0
//     vector are classified by the policy together with the tags derived
//     from the CWE IDs (cweTags) and the exploitation. A vector that cannot
//     be read is skipped with a reason. Without any vector the Debian
//     tracker's urgency of the matching entries (high, medium, low;
//     unimportant as low) gives the severity, raised if the policy's
//     classification of tags and exploitation says more; without urgency
//     either it is the policy's classification of tags and exploitation
//     alone (None for most policies: no deadline), with the reason "no CVSS
//     score known".
//   - Exploited when any record (matching or looked up) has an exploitation;
//     ExploitedSince is the earliest date a source added it.
//
// SeverityName is the severity's name ("critical"), which
// policy.ParseSeverity reads back; Policy.Label gives the display label.
// The findings are ordered by Vuln. Status, DetectedAt and the deadline are
// left for Decide; ID and ReleaseID for the caller. Hits without a record
// are ignored.
func Build(p *policy.Policy, c Component, hits []match.Hit, lookup Lookup) []Finding {
	groups := groupHits(hits)
	out := make([]Finding, 0, len(groups))
	for _, g := range groups {
		out = append(out, build(p, c, g, lookup))
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return strings.Compare(a.Vuln, b.Vuln) })
	return out
}

// groupHits partitions the hits by vulnerability with a union-find over IDs.
func groupHits(hits []match.Hit) [][]match.Hit {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	for _, h := range hits {
		if h.Record == nil {
			continue
		}
		for _, id := range recordIDs(h.Record) {
			if _, ok := parent[id]; !ok {
				parent[id] = id
			}
			union(h.Record.ID, id)
		}
	}
	byRoot := map[string][]match.Hit{}
	var roots []string
	for _, h := range hits {
		if h.Record == nil {
			continue
		}
		r := find(h.Record.ID)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], h)
	}
	out := make([][]match.Hit, 0, len(roots))
	for _, r := range roots {
		out = append(out, byRoot[r])
	}
	return out
}

// recordIDs is the record's ID, aliases and upstream IDs, without empty ones.
func recordIDs(r *vuln.Record) []string {
	ids := make([]string, 0, 1+len(r.Aliases)+len(r.Upstream))
	for _, id := range append(append([]string{r.ID}, r.Aliases...), r.Upstream...) {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func build(p *policy.Policy, c Component, hits []match.Hit, lookup Lookup) Finding {
	f := Finding{Component: c}

	// The group's records, each once, in a stable order.
	seen := map[string]bool{}
	var recs []*vuln.Record
	for _, h := range hits {
		key := string(h.Record.Source) + ":" + h.Record.ID
		if !seen[key] {
			seen[key] = true
			recs = append(recs, h.Record)
			f.Records = append(f.Records, key)
		}
	}
	slices.Sort(f.Records)
	slices.SortStableFunc(recs, func(a, b *vuln.Record) int {
		return cmp.Or(strings.Compare(string(a.Source), string(b.Source)), strings.Compare(a.ID, b.ID))
	})

	// Identity.
	idSet := map[string]bool{}
	var ids []string
	for _, r := range recs {
		for _, id := range recordIDs(r) {
			if !idSet[id] {
				idSet[id] = true
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	var cves []string
	for _, id := range ids {
		if isCVE(id) {
			cves = append(cves, id)
		}
	}
	slices.SortFunc(cves, compareCVE)
	f.Vuln = ""
	if len(cves) == 1 {
		f.Vuln = cves[0]
	} else {
		// Several CVEs (a DSA fixing five): the advisory that groups them
		// names the finding, and the CVEs are its aliases.
		for _, r := range recs {
			if !isCVE(r.ID) && (f.Vuln == "" || r.ID < f.Vuln) {
				f.Vuln = r.ID
			}
		}
		if f.Vuln == "" {
			f.Vuln = cves[0]
		}
	}
	for _, id := range ids {
		if id != f.Vuln {
			f.Aliases = append(f.Aliases, id)
		}
	}

	for _, r := range recs {
		if r.Source == vuln.SourceOSV && r.Summary != "" {
			f.Summary = r.Summary
			break
		}
	}
	if f.Summary == "" {
		for _, r := range recs {
			if r.Summary != "" {
				f.Summary = r.Summary
				break
			}
		}
	}

	f.FixedVersion = lowestFixed(c.Ecosystem, hits)

	// Records that say more about the vulnerability: NVD's scores, KEV's
	// exploitation.
	more := slices.Clone(recs)
	if lookup != nil {
		for i, id := range ids {
			if i == maxGroupIDs {
				break
			}
			for _, r := range lookup(id) {
				if r == nil {
					continue
				}
				key := string(r.Source) + ":" + r.ID
				if !seen[key] {
					seen[key] = true
					more = append(more, r)
				}
			}
		}
	}
	classify(p, &f, hits, more)
	return f
}

// isCVE reports whether id is CVE-YYYY-N...
func isCVE(id string) bool {
	y, n, ok := cveParts(id)
	return ok && y > 0 && n >= 0
}

func cveParts(id string) (year, num int, ok bool) {
	rest, ok := strings.CutPrefix(id, "CVE-")
	if !ok {
		return 0, 0, false
	}
	ys, ns, ok := strings.Cut(rest, "-")
	if !ok || len(ys) != 4 || len(ns) < 4 || len(ns) > 12 {
		return 0, 0, false
	}
	y, err1 := strconv.Atoi(ys)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil || strings.TrimLeft(ns, "0123456789") != "" || strings.TrimLeft(ys, "0123456789") != "" {
		return 0, 0, false
	}
	return y, n, true
}

// compareCVE orders CVE IDs by year, then number, then text.
func compareCVE(a, b string) int {
	ya, na, _ := cveParts(a)
	yb, nb, _ := cveParts(b)
	return cmp.Or(cmp.Compare(ya, yb), cmp.Compare(na, nb), strings.Compare(a, b))
}

// lowestFixed is the lowest non-empty fixed version of the hits in the
// ecosystem's order; versions it cannot parse sort after the others, in
// string order.
func lowestFixed(eco string, hits []match.Hit) string {
	var fixed []string
	for _, h := range hits {
		if h.Fixed != "" {
			fixed = append(fixed, h.Fixed)
		}
	}
	if len(fixed) == 0 {
		return ""
	}
	slices.SortStableFunc(fixed, func(a, b string) int { return compareVersions(eco, a, b) })
	return fixed[0]
}

// compareVersions orders versions of an ecosystem; versions it cannot parse
// sort after those it can, in string order.
func compareVersions(eco, a, b string) int {
	va, errA := version.Parse(eco, a)
	vb, errB := version.Parse(eco, b)
	switch {
	case errA == nil && errB == nil:
		return cmp.Or(va.Compare(vb), strings.Compare(a, b))
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// vectorChoice is the best vector of one CVSS major version.
type vectorChoice struct {
	score  cvss.Score
	source string // "nvd:CVE-2023-1234"
}

// classify sets the finding's severity, score, vector, reasons and
// exploitation from the records.
func classify(p *policy.Policy, f *Finding, hits []match.Hit, recs []*vuln.Record) {
	var best3, best4 *vectorChoice
	var tags []string
	for _, r := range recs {
		src := string(r.Source) + ":" + r.ID
		for _, s := range r.Severity {
			if s.Type != vuln.CVSSv3 && s.Type != vuln.CVSSv4 {
				continue
			}
			n, err := cvss.Normalize(strings.TrimSpace(s.Vector))
			var sc cvss.Score
			if err == nil {
				sc, err = cvss.Parse(n)
			}
			if err != nil {
				f.Reasons = append(f.Reasons, fmt.Sprintf("CVSS vector %q of %s skipped: %s", clip(s.Vector, 200), src, firstLine(err)))
				continue
			}
			ch := &vectorChoice{score: sc, source: src}
			if sc.Version == cvss.Version40 {
				if best4 == nil || sc.Overall() > best4.score.Overall() {
					best4 = ch
				}
			} else if best3 == nil || sc.Overall() > best3.score.Overall() {
				best3 = ch
			}
		}
		for _, cwe := range r.CWEs {
			if tag, ok := cweTags[cwe]; ok && !slices.Contains(tags, tag) {
				tags = append(tags, tag)
				f.Reasons = append(f.Reasons, fmt.Sprintf("tag %s from %s of %s", tag, cwe, src))
			}
		}
		if e := r.Exploited; e != nil {
			if !f.Exploited {
				f.Reasons = append(f.Reasons, "exploited in the wild according to "+src)
			}
			f.Exploited = true
			if !e.DateAdded.IsZero() && (f.ExploitedSince == nil || e.DateAdded.Before(*f.ExploitedSince)) {
				t := e.DateAdded.UTC()
				f.ExploitedSince = &t
			}
		}
	}

	risk := policy.Risk{Tags: tags, Exploited: f.Exploited}
	if best3 != nil {
		risk.CVSS31 = best3.score.Vector
		f.Reasons = append(f.Reasons, fmt.Sprintf("CVSS %s vector from %s", best3.score.Version, best3.source))
	}
	if best4 != nil {
		risk.CVSS40 = best4.score.Vector
		f.Reasons = append(f.Reasons, fmt.Sprintf("CVSS %s vector from %s", best4.score.Version, best4.source))
	}
	cl, err := p.Classify(risk)
	if err != nil { // not expected: the vectors parsed above
		f.Reasons = append(f.Reasons, "classification failed: "+firstLine(err))
		cl, _ = p.Classify(policy.Risk{Tags: tags, Exploited: f.Exploited})
	}
	if compared := comparedVector(p, best3, best4); compared != nil && err == nil {
		f.Vector = compared.score.Vector
		f.Score = cl.Score
	}
	sev := cl.Severity
	reasons := cl.Reasons
	if best3 == nil && best4 == nil {
		f.Reasons = append(f.Reasons, "no CVSS score known")
		if u, word := urgency(hits); u > sev {
			sev = u
			reasons = []string{"Debian tracker urgency " + word}
		} else if word == "" && p.Unscored > sev {
			sev = p.Unscored
			reasons = []string{"the policy's severity of unscored vulnerabilities"}
		}
	}
	f.Severity = sev
	f.SeverityName = sev.String()
	f.Reasons = append(f.Reasons, reasons...)
}

// comparedVector mirrors the policy's choice of score when both a 3.x and a
// 4.0 vector are given.
func comparedVector(p *policy.Policy, v3, v4 *vectorChoice) *vectorChoice {
	switch {
	case v3 == nil:
		return v4
	case v4 == nil:
		return v3
	}
	switch p.ScoreSource {
	case policy.ScoreCVSS40:
		return v4
	case policy.ScoreCVSS31:
		return v3
	}
	if v4.score.Overall() > v3.score.Overall() {
		return v4
	}
	return v3
}

// urgency is the highest Debian tracker urgency of the hits' entries as a
// severity, and the word it came from; None when no entry has one.
func urgency(hits []match.Hit) (policy.Severity, string) {
	best, word := policy.None, ""
	for _, h := range hits {
		if h.Affected < 0 || h.Affected >= len(h.Record.Affected) {
			continue
		}
		ds := h.Record.Affected[h.Affected].DatabaseSpecific
		if ds == nil {
			continue
		}
		// The tracker marks urgencies it derived itself with trailing stars
		// ("medium**").
		w := strings.ToLower(strings.TrimRight(strings.TrimSpace(ds.Urgency), "*"))
		var s policy.Severity
		switch w {
		case "high":
			s = policy.High
		case "medium":
			s = policy.Medium
		case "low", "unimportant":
			s = policy.Low
		default:
			continue
		}
		if s > best {
			best, word = s, w
		}
	}
	return best, word
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// utc returns a pointer to t in UTC.
func utc(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}

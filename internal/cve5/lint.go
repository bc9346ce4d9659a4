package cve5

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/cvss"
)

// Problem is one thing Lint finds wrong with a record: where, as a path of
// JSON names ("containers.cna.descriptions[0].value"), and what.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error makes a Problem an error, so that problems can be joined.
func (p Problem) Error() string { return p.Path + ": " + p.Message }

// Bounds of an English description. The CVE rules give no minimum, but the
// shortest description that names the problem, product, versions and impact
// ("[PROBLEMTYPE] in [PRODUCT] [VERSION] allows [ATTACKER] to [IMPACT]") is
// longer than MinDescriptionLen; the maximum is the schema's.
const (
	MinDescriptionLen = 40
	MaxDescriptionLen = 4096
	maxTitleLen       = 256
)

var (
	cveIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`) }) // the schema's cveId
	englishLang  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^en([_-][A-Za-z]{4})?([_-]([A-Za-z]{2}|[0-9]{3}))?$`)
	})
	uuidPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-4[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)
	})
)

// Lint reports every problem that keeps a record from being disclosed, in
// the order of the record: a CVE ID of the right form, the assigner, an
// English description of at least MinDescriptionLen characters, affected
// products with versions (and some version affected), at least one http(s)
// reference, a CWE, a CVSS 3.x or 4.0 metric whose score is its vector's and
// whose severity is its score's, and no credited name inside a
// description (credits have their own field). Of the schema's limits it
// checks those the team's texts may exceed (the lengths of the title,
// descriptions, workarounds and solutions); a record must pass the schema
// too. It returns nil for a record without problems.
func Lint(rec Record) []Problem {
	var l linter
	l.metadata(rec.CVEMetadata)
	const cna = "containers.cna"
	c := rec.Containers.CNA
	if !uuidPattern().MatchString(c.ProviderMetadata.OrgID) {
		l.add(cna+".providerMetadata.orgId", "%q is not the CNA's organisation UUID", c.ProviderMetadata.OrgID)
	}
	if n := utf8.RuneCountInString(c.Title); n > maxTitleLen {
		l.add(cna+".title", "too long: %d characters, at most %d", n, maxTitleLen)
	}
	l.descriptions(cna+".descriptions", c.Descriptions)
	l.affected(cna+".affected", c.Affected)
	l.references(cna+".references", c.References)
	l.problemTypes(cna+".problemTypes", c.ProblemTypes)
	l.metrics(cna+".metrics", c.Metrics)
	for _, texts := range []struct {
		name string
		ds   []Description
	}{{"workarounds", c.Workarounds}, {"solutions", c.Solutions}} {
		for i, d := range texts.ds {
			if n := utf8.RuneCountInString(d.Value); n > MaxDescriptionLen {
				l.add(fmt.Sprintf("%s.%s[%d].value", cna, texts.name, i), "too long: %d characters, at most %d", n, MaxDescriptionLen)
			}
		}
	}
	l.credits(cna, c)
	return l.problems
}

type linter struct{ problems []Problem }

func (l *linter) add(path, format string, args ...any) {
	l.problems = append(l.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) metadata(m Metadata) {
	switch {
	case m.CVEID == "":
		l.add("cveMetadata.cveId", "no CVE ID")
	case !cveIDPattern().MatchString(m.CVEID):
		l.add("cveMetadata.cveId", "%q is not a CVE ID (CVE-YYYY-NNNN with at least four digits)", m.CVEID)
	default:
		if year, _ := strconv.Atoi(m.CVEID[4:8]); year < 1999 {
			l.add("cveMetadata.cveId", "%q: CVE IDs start in 1999", m.CVEID)
		}
	}
	if !uuidPattern().MatchString(m.AssignerOrgID) {
		l.add("cveMetadata.assignerOrgId", "%q is not the CNA's organisation UUID", m.AssignerOrgID)
	}
}

func (l *linter) descriptions(path string, ds []Description) {
	english := 0
	for i, d := range ds {
		if !englishLang().MatchString(d.Lang) {
			continue
		}
		english++
		p := fmt.Sprintf("%s[%d].value", path, i)
		switch n := utf8.RuneCountInString(strings.TrimSpace(d.Value)); {
		case n < MinDescriptionLen:
			l.add(p, "too short: %d characters, at least %d", n, MinDescriptionLen)
		case n > MaxDescriptionLen:
			l.add(p, "too long: %d characters, at most %d", n, MaxDescriptionLen)
		}
	}
	if english == 0 {
		l.add(path, "no English description")
	}
}

var statuses = []string{StatusAffected, StatusUnaffected, StatusUnknown}

func (l *linter) affected(path string, ps []Product) {
	if len(ps) == 0 {
		l.add(path, "no affected product")
		return
	}
	affected := false
	for i, p := range ps {
		pp := fmt.Sprintf("%s[%d]", path, i)
		if strings.TrimSpace(p.Vendor) == "" {
			l.add(pp+".vendor", "no vendor")
		}
		if strings.TrimSpace(p.Product) == "" {
			l.add(pp+".product", "no product name")
		}
		if p.DefaultStatus != "" && !slices.Contains(statuses, p.DefaultStatus) {
			l.add(pp+".defaultStatus", "%q is not a status (affected, unaffected, unknown)", p.DefaultStatus)
		}
		affected = affected || p.DefaultStatus == StatusAffected
		if len(p.Versions) == 0 {
			l.add(pp+".versions", "no versions")
		}
		for j, v := range p.Versions {
			vp := fmt.Sprintf("%s.versions[%d]", pp, j)
			if strings.TrimSpace(v.Version) == "" {
				l.add(vp+".version", "no version")
			}
			if !slices.Contains(statuses, v.Status) {
				l.add(vp+".status", "%q is not a status (affected, unaffected, unknown)", v.Status)
			}
			affected = affected || v.Status == StatusAffected
			if v.LessThan != "" && v.LessThanOrEqual != "" {
				l.add(vp, "both lessThan and lessThanOrEqual")
			}
			if (v.LessThan != "" || v.LessThanOrEqual != "") && v.VersionType == "" {
				l.add(vp+".versionType", "a range needs a versionType")
			}
		}
	}
	if !affected {
		l.add(path, "no version is affected")
	}
}

func (l *linter) references(path string, rs []Reference) {
	if len(rs) == 0 {
		l.add(path, "no reference")
	}
	for i, r := range rs {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.add(fmt.Sprintf("%s[%d].url", path, i), "%q is not an http(s) URL", r.URL)
		}
	}
}

func (l *linter) problemTypes(path string, pts []ProblemType) {
	cwes := 0
	for i, pt := range pts {
		for j, d := range pt.Descriptions {
			if d.CWEID == "" {
				continue
			}
			if !cweID().MatchString(d.CWEID) {
				l.add(fmt.Sprintf("%s[%d].descriptions[%d].cweId", path, i, j), "%q is not a CWE ID (CWE-N)", d.CWEID)
				continue
			}
			cwes++
		}
	}
	if cwes == 0 {
		l.add(path, "no CWE")
	}
}

func (l *linter) metrics(path string, ms []Metric) {
	scores := 0
	for i, m := range ms {
		for _, s := range []struct {
			name    string
			version cvss.Version
			c       *CVSS
		}{{"cvssV4_0", cvss.Version40, m.CVSSV4_0}, {"cvssV3_1", cvss.Version31, m.CVSSV3_1}, {"cvssV3_0", cvss.Version30, m.CVSSV3_0}} {
			if s.c == nil {
				continue
			}
			scores++
			l.score(fmt.Sprintf("%s[%d].%s", path, i, s.name), s.version, *s.c)
		}
	}
	if scores == 0 {
		l.add(path, "no CVSS 3.x or 4.0 metric")
	}
}

// score checks a CVSS object: its version is its field's and its vector's,
// its base score is the vector's and its severity is the score's.
func (l *linter) score(path string, want cvss.Version, c CVSS) {
	if c.Version != string(want) {
		l.add(path+".version", "%q, want %q", c.Version, want)
	}
	if sev := cvss.SeverityOf(c.BaseScore); c.BaseSeverity != sev {
		l.add(path+".baseSeverity", "%q does not match baseScore %.1f (%s)", c.BaseSeverity, c.BaseScore, sev)
	}
	s, err := cvss.Parse(c.VectorString)
	if err != nil {
		l.add(path+".vectorString", "%v", err)
		return
	}
	if s.Version != want {
		l.add(path+".vectorString", "a CVSS %s vector, want %s", s.Version, want)
		return
	}
	if math.Abs(s.Base-c.BaseScore) > 0.001 {
		l.add(path+".baseScore", "%.1f, but the vector scores %.1f", c.BaseScore, s.Base)
	}
}

// credits reports every description that names a credited party.
func (l *linter) credits(path string, c CNAPublishedContainer) {
	for i, d := range c.Descriptions {
		for _, cr := range c.Credits {
			for _, name := range creditNames(cr.Value) {
				if containsName(d.Value, name) {
					l.add(fmt.Sprintf("%s.descriptions[%d].value", path, i), "names the credited %q: credits belong in credits, not in the description", name)
					break
				}
			}
		}
	}
}

// creditNames are the ways a credit may appear in a text: as written, and
// the person or party alone ("Jane Finder (Research Lab)", "Jane Finder,
// Research Lab", "Jane Finder of Research Lab" all give "Jane Finder").
// Names shorter than three letters are too ambiguous to look for.
func creditNames(credit string) []string {
	credit = strings.TrimSpace(credit)
	names := []string{credit}
	for _, sep := range []string{" (", ",", " of ", " from ", " - ", " – ", " @ "} {
		if before, _, ok := strings.Cut(credit, sep); ok {
			if before = strings.TrimSpace(before); !slices.Contains(names, before) {
				names = append(names, before)
			}
		}
	}
	return slices.DeleteFunc(names, func(s string) bool { return utf8.RuneCountInString(s) < 3 })
}

// containsName reports whether text holds name as whole words, ignoring case.
func containsName(text, name string) bool {
	text, name = strings.ToLower(text), strings.ToLower(name)
	if name == "" {
		return false
	}
	for off := 0; off < len(text); {
		i := strings.Index(text[off:], name)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(name)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		off = start + 1
	}
	return false
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

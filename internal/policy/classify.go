package policy

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/cvss"
)

// Risk is what is known about a vulnerability when it is classified (R13).
type Risk struct {
	CVSS31 string   // a CVSS 3.x vector ("CVSS:3.1/..." or "CVSS:3.0/..."), or ""
	CVSS40 string   // a CVSS 4.0 vector, or ""
	Tags   []string // vulnerability types such as "rce" or "lpe", any case
	// Exploited means exploited in the wild (for example listed in CISA KEV).
	Exploited bool
	// PublicPoC means a proof of concept is publicly available.
	PublicPoC bool
}

// ScoreSource says which CVSS score classification compares when a
// vulnerability has both a 3.x and a 4.0 vector.
type ScoreSource string

// Score sources.
const (
	// ScoreHighest uses the higher of the two scores (the default): a
	// vulnerability is never classified lower because of the version chosen.
	ScoreHighest ScoreSource = "highest"
	// ScoreCVSS40 uses the CVSS 4.0 score when there is one, else the 3.x score.
	ScoreCVSS40 ScoreSource = "cvss40"
	// ScoreCVSS31 uses the CVSS 3.x score when there is one, else the 4.0 score.
	ScoreCVSS31 ScoreSource = "cvss31"
)

// Rule is one line of a classification table: when it matches, the
// vulnerability is at least Severity. Conditions left unset are ignored;
// at least one is set. With All false (the default, as in "CVSS >= 9 or
// RCE") one set condition suffices; with All true every set condition must
// hold.
type Rule struct {
	Severity Severity
	// MinScore matches when the CVSS score used is >= MinScore (compared in
	// tenths, as scores are given).
	MinScore *float64
	// Tags matches when the risk carries any of these tags (lower case).
	Tags []string
	// Exploited matches when the vulnerability is exploited in the wild.
	Exploited bool
	// PublicPoC matches when a public proof of concept exists.
	PublicPoC bool
	All       bool
}

// Classification is the outcome of Policy.Classify.
type Classification struct {
	Severity Severity
	// Score is the CVSS score the rules compared, 0 if no vector was given.
	Score float64
	// Color is the policy's color for Severity, "" if it has none.
	Color string
	// Reasons says, human readably, why: "CVSS 3.1 base 9.8 >= 9.0", "tag rce".
	Reasons []string
}

// Classify derives the severity of a vulnerability from the policy's rules:
// the highest severity of any matching rule, None when none matches. Its
// Reasons are those of the matching rules of that severity. An invalid
// vector, or a vector of the wrong version for its field, is an error.
func (p *Policy) Classify(r Risk) (Classification, error) {
	var errs []error
	var scores []scored
	if r.CVSS31 != "" {
		s, err := parseVector(r.CVSS31, "cvss31", cvss.Version30, cvss.Version31)
		if err != nil {
			errs = append(errs, err)
		} else {
			scores = append(scores, s)
		}
	}
	if r.CVSS40 != "" {
		s, err := parseVector(r.CVSS40, "cvss40", cvss.Version40)
		if err != nil {
			errs = append(errs, err)
		} else {
			scores = append(scores, s)
		}
	}
	if len(errs) > 0 {
		return Classification{}, errors.Join(errs...)
	}
	return p.classify(p.pickScore(scores), r), nil
}

// scored is a parsed CVSS score with the label used in reasons.
type scored struct {
	value   float64
	label   string // "CVSS 3.1 base"
	version cvss.Version
}

func parseVector(vector, field string, want ...cvss.Version) (scored, error) {
	s, err := cvss.Parse(vector)
	if err != nil {
		return scored{}, fmt.Errorf("%s: %w", field, err)
	}
	if !slices.Contains(want, s.Version) {
		return scored{}, fmt.Errorf("%s: CVSS %s vector given, want version %s", field, s.Version, want[len(want)-1])
	}
	label := "CVSS " + string(s.Version) + " "
	switch {
	case s.Version == cvss.Version40 && s.Nomenclature() == "CVSS-B":
		label += "base"
	case s.Version == cvss.Version40:
		label += s.Nomenclature()
	case s.HasEnvironmental:
		label += "environmental"
	case s.HasTemporal:
		label += "temporal"
	default:
		label += "base"
	}
	return scored{value: s.Overall(), label: label, version: s.Version}, nil
}

// pickScore chooses the score the rules compare, nil when there is none.
func (p *Policy) pickScore(scores []scored) *scored {
	if len(scores) == 0 {
		return nil
	}
	best := scores[0]
	for _, s := range scores[1:] {
		switch p.ScoreSource {
		case ScoreCVSS40:
			if s.version == cvss.Version40 {
				best = s
			}
		case ScoreCVSS31:
			if best.version == cvss.Version40 {
				best = s
			}
		default:
			if s.value > best.value {
				best = s
			}
		}
	}
	return &best
}

func (p *Policy) classify(score *scored, r Risk) Classification {
	tags := make([]string, 0, len(r.Tags))
	for _, t := range r.Tags {
		tags = append(tags, strings.ToLower(strings.TrimSpace(t)))
	}
	var c Classification
	if score != nil {
		c.Score = score.value
	}
	for _, rule := range p.Rules {
		reasons, ok := rule.match(score, tags, r)
		if !ok || rule.Severity < c.Severity {
			continue
		}
		if rule.Severity > c.Severity {
			c.Severity, c.Reasons = rule.Severity, nil
		}
		for _, reason := range reasons {
			if !slices.Contains(c.Reasons, reason) {
				c.Reasons = append(c.Reasons, reason)
			}
		}
	}
	if c.Severity == None {
		c.Reasons = []string{"no classification rule matched"}
	}
	c.Color = p.Color(c.Severity)
	return c
}

// match evaluates the rule and returns the reasons of the conditions that hold.
func (rule Rule) match(score *scored, tags []string, r Risk) ([]string, bool) {
	var reasons []string
	set, held := 0, 0
	if rule.MinScore != nil {
		set++
		if score != nil && tenths(score.value) >= tenths(*rule.MinScore) {
			held++
			reasons = append(reasons, fmt.Sprintf("%s %.1f >= %.1f", score.label, score.value, *rule.MinScore))
		}
	}
	if len(rule.Tags) > 0 {
		set++
		for _, t := range rule.Tags {
			if slices.Contains(tags, t) {
				held++
				reasons = append(reasons, "tag "+t)
				break
			}
		}
	}
	if rule.Exploited {
		set++
		if r.Exploited {
			held++
			reasons = append(reasons, "exploited in the wild")
		}
	}
	if rule.PublicPoC {
		set++
		if r.PublicPoC {
			held++
			reasons = append(reasons, "public proof of concept")
		}
	}
	if set == 0 || held == 0 || (rule.All && held < set) {
		return nil, false
	}
	return reasons, true
}

// tenths rounds a score to tenths so that 6.999999 and 7.0 compare equal.
func tenths(f float64) int64 { return int64(math.Round(f * 10)) }

// Color returns the color the policy gives a severity, "" if none.
func (p *Policy) Color(s Severity) string {
	for _, l := range p.Severities {
		if l.Severity == s {
			return l.Color
		}
	}
	return ""
}

// Label returns the display label the policy gives a severity, defaulting
// to the capitalised name ("Critical").
func (p *Policy) Label(s Severity) string {
	for _, l := range p.Severities {
		if l.Severity == s && l.Label != "" {
			return l.Label
		}
	}
	name := s.String()
	return strings.ToUpper(name[:1]) + name[1:]
}

package web

import (
	"fmt"
	"strings"

	"github.com/vigil-psirt/vigil/internal/cvss"
)

// The CVSS calculator: the base metrics of a version as selects, the other
// metrics (threat, temporal, environmental, supplemental) as written in the
// vector. The server builds the vector and scores it with package cvss; the
// progressive script only shows the same vector and score before submit.

// cvssValue is one choice of a metric.
type cvssValue struct{ Code, Name string }

// cvssMetric is a base metric of the calculator.
type cvssMetric struct {
	Code, Name string
	Values     []cvssValue
}

var (
	cvNetwork  = cvssValue{"N", "Network"}
	cvAdjacent = cvssValue{"A", "Adjacent"}
	cvLocal    = cvssValue{"L", "Local"}
	cvPhysical = cvssValue{"P", "Physical"}
	cvLow      = cvssValue{"L", "Low"}
	cvHigh     = cvssValue{"H", "High"}
	cvNone     = cvssValue{"N", "None"}
	cvCia      = []cvssValue{cvHigh, cvLow, cvNone}
)

// cvss31Base are the base metrics of CVSS 3.1, in the specification's order.
var cvss31Base = []cvssMetric{
	{"AV", "Attack vector", []cvssValue{cvNetwork, cvAdjacent, cvLocal, cvPhysical}},
	{"AC", "Attack complexity", []cvssValue{cvLow, cvHigh}},
	{"PR", "Privileges required", []cvssValue{cvNone, cvLow, cvHigh}},
	{"UI", "User interaction", []cvssValue{cvNone, {"R", "Required"}}},
	{"S", "Scope", []cvssValue{{"U", "Unchanged"}, {"C", "Changed"}}},
	{"C", "Confidentiality", cvCia},
	{"I", "Integrity", cvCia},
	{"A", "Availability", cvCia},
}

// cvss40Base are the base metrics of CVSS 4.0 and its threat metric, in
// the specification's order.
var cvss40Base = []cvssMetric{
	{"AV", "Attack vector", []cvssValue{cvNetwork, cvAdjacent, cvLocal, cvPhysical}},
	{"AC", "Attack complexity", []cvssValue{cvLow, cvHigh}},
	{"AT", "Attack requirements", []cvssValue{cvNone, {"P", "Present"}}},
	{"PR", "Privileges required", []cvssValue{cvNone, cvLow, cvHigh}},
	{"UI", "User interaction", []cvssValue{cvNone, {"P", "Passive"}, {"A", "Active"}}},
	{"VC", "Confidentiality (vulnerable system)", cvCia},
	{"VI", "Integrity (vulnerable system)", cvCia},
	{"VA", "Availability (vulnerable system)", cvCia},
	{"SC", "Confidentiality (subsequent systems)", cvCia},
	{"SI", "Integrity (subsequent systems)", cvCia},
	{"SA", "Availability (subsequent systems)", cvCia},
	{"E", "Exploit maturity (threat)", []cvssValue{{"X", "Not defined"}, {"A", "Attacked"}, {"P", "Proof of concept"}, {"U", "Unreported"}}},
}

// cvssField is one select of the calculator as a form shows it.
type cvssField struct {
	Name   string // form field: cvss31_AV
	Code   string // AV
	Label  string
	Value  string
	Values []cvssValue
}

// cvssForm is one version's calculator.
type cvssForm struct {
	Version  string // "3.1", "4.0"
	Key      string // "cvss31", "cvss40": the form's prefix and error field
	Fields   []cvssField
	Extra    string // the other metrics: "E:P/RL:O"
	Vector   string // as stored or as built from the input
	Score    string // "9.8 CRITICAL", "" without a valid vector
	Problems []string
}

// newCVSSForm splits a stored vector into the selects and the rest.
func newCVSSForm(version, vector string) cvssForm {
	f := cvssForm{Version: version, Key: "cvss" + strings.ReplaceAll(version, ".", ""), Vector: vector}
	got := map[string]string{}
	var extra []string
	if rest, ok := strings.CutPrefix(vector, "CVSS:"+version+"/"); ok {
		base := map[string]bool{}
		for _, m := range f.metrics() {
			base[m.Code] = true
		}
		for _, comp := range strings.Split(rest, "/") {
			k, v, _ := strings.Cut(comp, ":")
			if base[k] && got[k] == "" {
				got[k] = v
			} else if comp != "" {
				extra = append(extra, comp)
			}
		}
	} else if vector != "" {
		extra = []string{vector} // not of this version: shown as written, refused on save
	}
	for _, m := range f.metrics() {
		f.Fields = append(f.Fields, cvssField{Name: f.Key + "_" + m.Code, Code: m.Code, Label: m.Name, Value: got[m.Code], Values: m.Values})
	}
	f.Extra = strings.Join(extra, "/")
	f.Score = scoreText(vector)
	return f
}

func (f cvssForm) metrics() []cvssMetric {
	if f.Version == "4.0" {
		return cvss40Base
	}
	return cvss31Base
}

// readCVSSForm reads the calculator from a form and builds the vector:
// no metric chosen and nothing else written clears it; a whole vector
// pasted into the other metrics replaces the selects; otherwise every base
// metric is needed and package cvss judges the whole vector.
func readCVSSForm(version string, get func(string) string) cvssForm {
	f := newCVSSForm(version, "")
	f.Extra = strings.Trim(strings.TrimSpace(get(f.Key+"_extra")), "/")
	if len(f.Extra) > cvss.MaxVectorLen {
		f.Problems = append(f.Problems, fmt.Sprintf("%s: at most %d characters", f.Key, cvss.MaxVectorLen))
		return f
	}
	if strings.HasPrefix(f.Extra, "CVSS:") {
		s, err := cvss.Parse(f.Extra)
		if err == nil && string(s.Version) == version {
			return newCVSSForm(version, s.Vector)
		}
		f.Problems = append(f.Problems, f.Key+": the pasted vector is not a valid CVSS "+version+" vector")
		if err != nil {
			for _, l := range strings.Split(err.Error(), "\n") {
				f.Problems = append(f.Problems, f.Key+": "+l)
			}
		}
		return f
	}
	var parts, missing []string
	chosen := false
	for i, m := range f.metrics() {
		v := strings.TrimSpace(get(f.Fields[i].Name))
		if len(v) > 8 {
			v = v[:8] // no metric value is longer; cvss reports it invalid
		}
		f.Fields[i].Value = v
		switch {
		case v == "" && m.Code == "E": // the threat metric of 4.0 is optional
		case v == "":
			missing = append(missing, m.Name)
		default:
			chosen = true
			if !(m.Code == "E" && v == "X") {
				parts = append(parts, m.Code+":"+v)
			}
		}
	}
	if !chosen && f.Extra == "" {
		return f
	}
	if len(missing) > 0 {
		f.Problems = append(f.Problems, fmt.Sprintf("%s: choose %s", f.Key, strings.Join(missing, ", ")))
		return f
	}
	if f.Extra != "" {
		parts = append(parts, f.Extra)
	}
	f.Vector = "CVSS:" + version + "/" + strings.Join(parts, "/")
	s, err := cvss.Parse(f.Vector)
	if err != nil {
		for _, l := range strings.Split(err.Error(), "\n") {
			f.Problems = append(f.Problems, f.Key+": "+l)
		}
		return f
	}
	f.Vector, f.Score = s.Vector, scoreText(s.Vector)
	return f
}

// scoreText is a vector's score and rating, "" when it does not parse.
func scoreText(vector string) string {
	if vector == "" {
		return ""
	}
	s, err := cvss.Parse(vector)
	if err != nil {
		return ""
	}
	out := fmt.Sprintf("%.1f %s", s.Overall(), s.Severity)
	if n := s.Nomenclature(); n != "" {
		out += " (" + n + ")"
	}
	return out
}

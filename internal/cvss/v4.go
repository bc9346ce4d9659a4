package cvss

import "math"

// Indexes into v4Metrics, in the order of the CVSS 4.0 specification
// (section 7, Table 23) and of the FIRST JSON schema: base, threat,
// environmental, supplemental. Each modified base metric sits v4Modified
// after its base metric.
const (
	v4AV = iota
	v4AC
	v4AT
	v4PR
	v4UI
	v4VC
	v4VI
	v4VA
	v4SC
	v4SI
	v4SA
	v4E
	v4CR
	v4IR
	v4AR
	v4MAV
	v4MAC
	v4MAT
	v4MPR
	v4MUI
	v4MVC
	v4MVI
	v4MVA
	v4MSC
	v4MSI
	v4MSA
	v4S
	v4AU
	v4R
	v4V
	v4RE
	v4U
	v4Count

	v4Modified = v4MAV - v4AV
)

// v4Metrics are the metrics of CVSS 4.0.
var v4Metrics = [v4Count]metric{
	v4AV:  {"AV", []string{"N", "A", "L", "P"}, true},
	v4AC:  {"AC", []string{"L", "H"}, true},
	v4AT:  {"AT", []string{"N", "P"}, true},
	v4PR:  {"PR", []string{"N", "L", "H"}, true},
	v4UI:  {"UI", []string{"N", "P", "A"}, true},
	v4VC:  {"VC", []string{"H", "L", "N"}, true},
	v4VI:  {"VI", []string{"H", "L", "N"}, true},
	v4VA:  {"VA", []string{"H", "L", "N"}, true},
	v4SC:  {"SC", []string{"H", "L", "N"}, true},
	v4SI:  {"SI", []string{"H", "L", "N"}, true},
	v4SA:  {"SA", []string{"H", "L", "N"}, true},
	v4E:   {"E", []string{"X", "A", "P", "U"}, false},
	v4CR:  {"CR", []string{"X", "H", "M", "L"}, false},
	v4IR:  {"IR", []string{"X", "H", "M", "L"}, false},
	v4AR:  {"AR", []string{"X", "H", "M", "L"}, false},
	v4MAV: {"MAV", []string{"X", "N", "A", "L", "P"}, false},
	v4MAC: {"MAC", []string{"X", "L", "H"}, false},
	v4MAT: {"MAT", []string{"X", "N", "P"}, false},
	v4MPR: {"MPR", []string{"X", "N", "L", "H"}, false},
	v4MUI: {"MUI", []string{"X", "N", "P", "A"}, false},
	v4MVC: {"MVC", []string{"X", "H", "L", "N"}, false},
	v4MVI: {"MVI", []string{"X", "H", "L", "N"}, false},
	v4MVA: {"MVA", []string{"X", "H", "L", "N"}, false},
	v4MSC: {"MSC", []string{"X", "H", "L", "N"}, false},
	v4MSI: {"MSI", []string{"X", "S", "H", "L", "N"}, false},
	v4MSA: {"MSA", []string{"X", "S", "H", "L", "N"}, false},
	v4S:   {"S", []string{"X", "N", "P"}, false},
	v4AU:  {"AU", []string{"X", "N", "Y"}, false},
	v4R:   {"R", []string{"X", "A", "U", "I"}, false},
	v4V:   {"V", []string{"X", "D", "C"}, false},
	v4RE:  {"RE", []string{"X", "L", "M", "H"}, false},
	v4U:   {"U", []string{"X", "Clear", "Green", "Amber", "Red"}, false},
}

// definedV4 reports whether the threat metric and environmental metrics are
// defined. Supplemental metrics never change the score.
func definedV4(v *values) (threat, environmental bool) {
	return defined(v, v4E, v4CR), defined(v, v4CR, v4S)
}

// scoreV4 computes the CVSS 4.0 score of the vector as written, following
// section 8 of the specification and FIRST's reference calculator
// (cvss40.js, calculateScore) step by step and operation by operation, so
// that float64 arithmetic rounds exactly as the reference's does. The float64
// conversions stop the compiler from fusing a multiplication and an addition.
func scoreV4(v *values) float64 {
	// eff is the value the equations use: the modified metric where given,
	// and the worst case for the threat metric and the security requirements
	// when they are not defined.
	eff := func(i int) string {
		switch i {
		case v4E:
			if v[i] == "" || v[i] == "X" {
				return "A"
			}
			return v[i]
		case v4CR, v4IR, v4AR:
			if v[i] == "" || v[i] == "X" {
				return "H"
			}
			return v[i]
		}
		if i <= v4SA {
			if m := v[i+v4Modified]; m != "" && m != "X" {
				return m
			}
		}
		return v[i]
	}

	// No impact on either system scores 0, whatever the rest.
	if eff(v4VC) == "N" && eff(v4VI) == "N" && eff(v4VA) == "N" &&
		eff(v4SC) == "N" && eff(v4SI) == "N" && eff(v4SA) == "N" {
		return 0
	}

	mv := macroVectorOf(eff)
	value, _ := mv.score() // every MacroVector a vector can have is scored

	// 1.a The maximal scoring difference of each EQ: the score of the
	// MacroVector minus that of the next lower one, where it exists.
	eq3, eq6 := mv[2], mv[5]
	lower1, ok1 := mv.lower(0).score()
	lower2, ok2 := mv.lower(1).score()
	var lower36 float64
	var ok36 bool
	switch {
	case eq3 == 0 && eq6 == 0:
		// Two ways down (00 to 01 and 00 to 10): take the higher.
		left, okl := mv.lower(5).score()
		right, okr := mv.lower(2).score()
		lower36, ok36 = math.Max(left, right), okl && okr
	case eq3 == 1 && eq6 == 0:
		lower36, ok36 = mv.lower(5).score() // 10 to 11
	case eq3 == 2: // 21 to 32, which does not exist
		lower36, ok36 = mv.lower(2).lower(5).score()
	default: // 01 to 11, 11 to 21
		lower36, ok36 = mv.lower(2).score()
	}
	lower4, ok4 := mv.lower(3).score()
	_, ok5 := mv.lower(4).score()

	// 1.b The severity distance of the vector from the highest severity
	// vectors of its MacroVector: the first one, in the reference's order,
	// that the vector does not exceed in any metric (the last if none).
	g1, n1 := distances(eff, eq1Metrics[:], maxEQ1[mv[0]])
	g2, n2 := distances(eff, eq2Metrics[:], maxEQ2[mv[1]])
	g36, n36 := distances(eff, eq3EQ6Metrics[:], maxEQ3EQ6[eq3][eq6])
	g4, n4 := distances(eff, eq4Metrics[:], maxEQ4[mv[3]])
	// The threat metric's distance is always 0: its highest vector is the
	// value that put the vector in its MacroVector.
	c1, c2, c36, c4 := n1-1, n2-1, n36-1, n4-1
search:
	for i1 := range n1 {
		for i2 := range n2 {
			for i36 := range n36 {
				for i4 := range n4 {
					if g1[i1].valid && g2[i2].valid && g36[i36].valid && g4[i4].valid {
						c1, c2, c36, c4 = i1, i2, i36, i4
						break search
					}
				}
			}
		}
	}
	d1, d2, d36, d4 := g1[c1].d, g2[c2].d, g36[c36].d, g4[c4].d
	current1 := d1[0] + d1[1] + d1[2]                                // AV + PR + UI
	current2 := d2[0] + d2[1]                                        // AC + AT
	current36 := d36[0] + d36[1] + d36[2] + d36[3] + d36[4] + d36[5] // VC + VI + VA + CR + IR + AR
	current4 := d4[0] + d4[1] + d4[2]                                // SC + SI + SA

	// 1.c, 1.d The proportion of the distance to the depth of the
	// MacroVector, times the maximal scoring difference.
	const step = 0.1
	var n int
	var norm1, norm2, norm36, norm4 float64
	if ok1 {
		n++
		norm1 = float64((value - lower1) * (current1 / float64(float64(maxSeverityEQ1[mv[0]])*step)))
	}
	if ok2 {
		n++
		norm2 = float64((value - lower2) * (current2 / float64(float64(maxSeverityEQ2[mv[1]])*step)))
	}
	if ok36 {
		n++
		norm36 = float64((value - lower36) * (current36 / float64(float64(maxSeverityEQ3EQ6[eq3][eq6])*step)))
	}
	if ok4 {
		n++
		norm4 = float64((value - lower4) * (current4 / float64(float64(maxSeverityEQ4[mv[3]])*step)))
	}
	if ok5 {
		// The proportion, and so the term, is always 0 for EQ5: each of its
		// MacroVectors holds a single value of E. It still counts.
		n++
	}

	// 2. The mean of the proportional distances; 3. the MacroVector's score
	// minus that mean, rounded to one decimal.
	var mean float64
	if n > 0 {
		mean = (norm1 + norm2 + norm36 + norm4) / float64(n)
	}
	return roundV4(math.Max(0, math.Min(10, value-mean)))
}

// distance holds the severity distances of a vector from one highest
// severity vector of an EQ, metric by metric, and whether none is negative
// (the vector does not exceed that highest vector).
type distance struct {
	d     [6]float64
	valid bool
}

// distances computes the severity distances of the vector from each of the
// highest severity vectors of an EQ; maxes[j][k] is the value of metric
// idx[k] in the j-th highest vector.
func distances(eff func(int) string, idx []int, maxes [][]string) (ds [5]distance, n int) {
	for j, m := range maxes {
		ds[j].valid = true
		for k, i := range idx {
			ds[j].d[k] = level(i, eff(i)) - level(i, m[k])
			if ds[j].d[k] < 0 {
				ds[j].valid = false
			}
		}
	}
	return ds, len(maxes)
}

// roundV4 rounds half up to one decimal after adding 1e-6, as FIRST's
// calculator does since October 2024: float64 leaves values such as
// 8.6 - 7.15 at 1.4499999999999993, which must round to 1.5.
func roundV4(x float64) float64 {
	return math.Round((x+1e-6)*10) / 10
}

// macroVector holds the equivalence classes EQ1 to EQ6 of a vector, each a
// digit from 0 (highest severity) up.
type macroVector [6]byte

// lower returns the next lower MacroVector in EQ eq (0-based), which may
// not exist.
func (mv macroVector) lower(eq int) macroVector {
	mv[eq]++
	return mv
}

// score returns the score of the MacroVector, if it exists.
func (mv macroVector) score() (float64, bool) {
	var b [6]byte
	for i, d := range mv {
		b[i] = '0' + d
	}
	s, ok := macroVectorScores[string(b[:])]
	return s, ok
}

// macroVectorOf computes the equivalence classes of section 8.2 of the
// specification from the effective metric values.
func macroVectorOf(eff func(int) string) macroVector {
	var mv macroVector
	av, pr, ui := eff(v4AV), eff(v4PR), eff(v4UI)
	switch {
	case av == "N" && pr == "N" && ui == "N":
		mv[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		mv[0] = 1
	default: // AV:P, or none of AV, PR, UI is N
		mv[0] = 2
	}
	if eff(v4AC) != "L" || eff(v4AT) != "N" {
		mv[1] = 1
	}
	vc, vi, va := eff(v4VC), eff(v4VI), eff(v4VA)
	switch {
	case vc == "H" && vi == "H":
		mv[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		mv[2] = 1
	default:
		mv[2] = 2
	}
	sc, si, sa := eff(v4SC), eff(v4SI), eff(v4SA)
	switch {
	case si == "S" || sa == "S": // MSI:S or MSA:S
		mv[3] = 0
	case sc == "H" || si == "H" || sa == "H":
		mv[3] = 1
	default:
		mv[3] = 2
	}
	switch eff(v4E) {
	case "A":
		mv[4] = 0
	case "P":
		mv[4] = 1
	default: // U
		mv[4] = 2
	}
	if !(eff(v4CR) == "H" && vc == "H" || eff(v4IR) == "H" && vi == "H" || eff(v4AR) == "H" && va == "H") {
		mv[5] = 1
	}
	return mv
}

// level is the severity level of a metric value used for the severity
// distance: 0 for the most severe value, in steps of 0.1.
func level(i int, s string) float64 {
	switch i {
	case v4AV:
		switch s {
		case "N":
			return 0.0
		case "A":
			return 0.1
		case "L":
			return 0.2
		}
		return 0.3 // P
	case v4PR:
		switch s {
		case "N":
			return 0.0
		case "L":
			return 0.1
		}
		return 0.2 // H
	case v4UI:
		switch s {
		case "N":
			return 0.0
		case "P":
			return 0.1
		}
		return 0.2 // A
	case v4AC:
		if s == "L" {
			return 0.0
		}
		return 0.1 // H
	case v4AT:
		if s == "N" {
			return 0.0
		}
		return 0.1 // P
	case v4VC, v4VI, v4VA:
		switch s {
		case "H":
			return 0.0
		case "L":
			return 0.1
		}
		return 0.2 // N
	case v4SC, v4SI, v4SA:
		switch s {
		case "S": // MSI, MSA only
			return 0.0
		case "H":
			return 0.1
		case "L":
			return 0.2
		}
		return 0.3 // N
	}
	// v4CR, v4IR, v4AR
	switch s {
	case "H":
		return 0.0
	case "M":
		return 0.1
	}
	return 0.2 // L
}

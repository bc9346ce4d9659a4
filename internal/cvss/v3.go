package cvss

import (
	"math"
	"strings"
)

// Indexes into v3Metrics, in the order of the CVSS 3.x specification
// (Table 15 of 3.1). Each modified base metric sits v3Modified after its base
// metric.
const (
	v3AV = iota
	v3AC
	v3PR
	v3UI
	v3S
	v3C
	v3I
	v3A
	v3E
	v3RL
	v3RC
	v3CR
	v3IR
	v3AR
	v3MAV
	v3MAC
	v3MPR
	v3MUI
	v3MS
	v3MC
	v3MI
	v3MA
	v3Count

	v3Modified = v3MAV - v3AV
)

// v3Metrics are the metrics of CVSS 3.0 and 3.1, which share names and
// values.
var v3Metrics = [v3Count]metric{
	v3AV:  {"AV", []string{"N", "A", "L", "P"}, true},
	v3AC:  {"AC", []string{"L", "H"}, true},
	v3PR:  {"PR", []string{"N", "L", "H"}, true},
	v3UI:  {"UI", []string{"N", "R"}, true},
	v3S:   {"S", []string{"U", "C"}, true},
	v3C:   {"C", []string{"H", "L", "N"}, true},
	v3I:   {"I", []string{"H", "L", "N"}, true},
	v3A:   {"A", []string{"H", "L", "N"}, true},
	v3E:   {"E", []string{"X", "H", "F", "P", "U"}, false},
	v3RL:  {"RL", []string{"X", "U", "W", "T", "O"}, false},
	v3RC:  {"RC", []string{"X", "C", "R", "U"}, false},
	v3CR:  {"CR", []string{"X", "H", "M", "L"}, false},
	v3IR:  {"IR", []string{"X", "H", "M", "L"}, false},
	v3AR:  {"AR", []string{"X", "H", "M", "L"}, false},
	v3MAV: {"MAV", []string{"X", "N", "A", "L", "P"}, false},
	v3MAC: {"MAC", []string{"X", "L", "H"}, false},
	v3MPR: {"MPR", []string{"X", "N", "L", "H"}, false},
	v3MUI: {"MUI", []string{"X", "N", "R"}, false},
	v3MS:  {"MS", []string{"X", "U", "C"}, false},
	v3MC:  {"MC", []string{"X", "H", "L", "N"}, false},
	v3MI:  {"MI", []string{"X", "H", "L", "N"}, false},
	v3MA:  {"MA", []string{"X", "H", "L", "N"}, false},
}

// definedV3 reports whether temporal and environmental metrics are defined.
func definedV3(v *values) (temporal, environmental bool) {
	return defined(v, v3E, v3CR), defined(v, v3CR, v3Count)
}

// canonicalV3 writes the vector with its metrics in specification order.
func canonicalV3(ver Version, v *values) string {
	var b strings.Builder
	b.Grow(MaxVectorLen / 4)
	b.WriteString("CVSS:")
	b.WriteString(string(ver))
	for i, d := range v3Metrics {
		if v[i] != "" {
			b.WriteString("/")
			b.WriteString(d.name)
			b.WriteString(":")
			b.WriteString(v[i])
		}
	}
	return b.String()
}

// scoreV3 computes the base, temporal and environmental scores with the
// equations of section 7 of the CVSS 3.1 specification (section 8 of 3.0).
//
// The float64 conversions around products stop the compiler from fusing a
// multiplication and an addition into one instruction on some architectures,
// so that every platform rounds each operation like the reference
// calculators do.
func scoreV3(ver Version, v *values) (base, temporal, env float64) {
	roundup := roundup31
	if ver == Version30 {
		roundup = roundup30
	}
	opt := func(i int) string { // an optional metric, "X" when absent
		if v[i] == "" {
			return "X"
		}
		return v[i]
	}
	mod := func(i int) string { // a modified base metric, or the base metric
		if m := v[i+v3Modified]; m != "" && m != "X" {
			return m
		}
		return v[i]
	}
	temporalFactor := func(x float64) float64 {
		return float64(float64(float64(x*weightE(opt(v3E)))*weightRL(opt(v3RL))) * weightRC(opt(v3RC)))
	}

	// Base.
	changed := v[v3S] == "C"
	iss := 1 - float64(float64((1-weightCIA(v[v3C]))*(1-weightCIA(v[v3I])))*(1-weightCIA(v[v3A])))
	var impact float64
	if changed {
		impact = float64(7.52*(iss-0.029)) - float64(3.25*math.Pow(iss-0.02, 15))
	} else {
		impact = float64(6.42 * iss)
	}
	exploitability := float64(float64(float64(float64(8.22*weightAV(v[v3AV]))*weightAC(v[v3AC]))*weightPR(v[v3PR], changed)) * weightUI(v[v3UI]))
	if impact > 0 {
		if changed {
			base = roundup(math.Min(float64(1.08*(impact+exploitability)), 10))
		} else {
			base = roundup(math.Min(impact+exploitability, 10))
		}
	}

	// Temporal.
	temporal = roundup(temporalFactor(base))

	// Environmental.
	mchanged := changed
	if ms := opt(v3MS); ms != "X" {
		mchanged = ms == "C"
	}
	miss := math.Min(1-float64(float64(
		(1-float64(weightReq(opt(v3CR))*weightCIA(mod(v3C))))*
			(1-float64(weightReq(opt(v3IR))*weightCIA(mod(v3I)))))*
		(1-float64(weightReq(opt(v3AR))*weightCIA(mod(v3A))))), 0.915)
	var mimpact float64
	switch {
	case !mchanged:
		mimpact = float64(6.42 * miss)
	case ver == Version30:
		mimpact = float64(7.52*(miss-0.029)) - float64(3.25*math.Pow(miss-0.02, 15))
	default:
		mimpact = float64(7.52*(miss-0.029)) - float64(3.25*math.Pow(float64(miss*0.9731)-0.02, 13))
	}
	mexploitability := float64(float64(float64(float64(8.22*weightAV(mod(v3AV)))*weightAC(mod(v3AC)))*weightPR(mod(v3PR), mchanged)) * weightUI(mod(v3UI)))
	if mimpact > 0 {
		var m float64
		if mchanged {
			m = roundup(math.Min(float64(1.08*(mimpact+mexploitability)), 10))
		} else {
			m = roundup(math.Min(mimpact+mexploitability, 10))
		}
		env = roundup(temporalFactor(m))
	}
	return base, temporal, env
}

// roundup31 is the Roundup function of CVSS 3.1, Appendix A: the smallest
// number with one decimal that is equal to or higher than its input, computed
// on integers so that floating-point error in the input (4.000000000000001)
// does not push it up a tenth.
func roundup31(x float64) float64 {
	i := math.Round(x * 100000)
	if math.Mod(i, 10000) == 0 {
		return i / 100000
	}
	return (math.Floor(i/10000) + 1) / 10
}

// roundup30 is Round up as CVSS 3.0 defines it: the smallest number with one
// decimal that is equal to or higher than its input, as exact arithmetic
// gives it. An input within 1e-9 of a tenth is taken to be that tenth: the
// float64 error of the equations is below 1e-13, and no exact CVSS 3.0 value
// lies that close above a tenth without being on it (TestExactArithmetic
// checks this, over every combination of effective metric values with
// -cvss.exhaustive). Plain math.Ceil would turn 10 x 0.92 into 9.3.
func roundup30(x float64) float64 {
	t := x * 10
	if n := math.Round(t); math.Abs(t-n) < 1e-9 {
		return n / 10
	}
	return math.Ceil(t) / 10
}

// Metric weights of CVSS 3.x (Table 16 of 3.1). Each switch covers every
// value its metric admits; the last case is the remaining one.

func weightAV(s string) float64 {
	switch s {
	case "N":
		return 0.85
	case "A":
		return 0.62
	case "L":
		return 0.55
	}
	return 0.2 // P
}

func weightAC(s string) float64 {
	if s == "L" {
		return 0.77
	}
	return 0.44 // H
}

// weightPR depends on the scope: privileges matter more across a change.
func weightPR(s string, changed bool) float64 {
	switch {
	case s == "N":
		return 0.85
	case s == "L" && changed:
		return 0.68
	case s == "L":
		return 0.62
	case changed:
		return 0.5 // H
	}
	return 0.27 // H
}

func weightUI(s string) float64 {
	if s == "N" {
		return 0.85
	}
	return 0.62 // R
}

func weightCIA(s string) float64 {
	switch s {
	case "H":
		return 0.56
	case "L":
		return 0.22
	}
	return 0 // N
}

func weightE(s string) float64 {
	switch s {
	case "F":
		return 0.97
	case "P":
		return 0.94
	case "U":
		return 0.91
	}
	return 1 // X, H
}

func weightRL(s string) float64 {
	switch s {
	case "W":
		return 0.97
	case "T":
		return 0.96
	case "O":
		return 0.95
	}
	return 1 // X, U
}

func weightRC(s string) float64 {
	switch s {
	case "R":
		return 0.96
	case "U":
		return 0.92
	}
	return 1 // X, C
}

// weightReq is the weight of a security requirement (CR, IR, AR).
func weightReq(s string) float64 {
	switch s {
	case "H":
		return 1.5
	case "L":
		return 0.5
	}
	return 1 // X, M
}

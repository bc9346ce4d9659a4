package cvss

import (
	"flag"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

var exhaustive = flag.Bool("cvss.exhaustive", false,
	"check CVSS 3.x environmental scores against exact arithmetic for every combination of effective metric values (about 3.6 million scores per version, 20 s) instead of a sample")

// TestExactArithmetic checks that the float64 CVSS 3.x equations give the
// scores exact rational arithmetic gives, with Roundup applied as each
// version defines it: for 3.0 the mathematical ceiling to one decimal, for
// 3.1 the Roundup function of Appendix A. The reference suites cover every
// base vector but only a few dozen environmental ones; this covers every
// base and temporal combination, and every combination of effective
// environmental values (modified metrics, requirements, temporal metrics),
// or a fixed sample of them unless -cvss.exhaustive is set.
func TestExactArithmetic(t *testing.T) {
	for _, ver := range []Version{Version30, Version31} {
		t.Run(string(ver), func(t *testing.T) {
			x := newExact(ver)
			var checked, failed int
			check := func(vector string, got, want float64, what string) {
				checked++
				if got != want {
					failed++
					if failed <= 20 {
						t.Errorf("%s: %s %v, exact arithmetic gives %v", vector, what, got, want)
					}
				}
			}

			// Every base vector with every temporal combination.
			forEach(v3BaseMetrics, func(base []string) {
				bv := x.base(base)
				forEach(v3TemporalMetrics, func(tm []string) {
					vector := x.vector(base, tm)
					s, err := Parse(vector)
					if err != nil {
						t.Fatalf("Parse(%q): %v", vector, err)
					}
					check(vector, s.Base, float(bv), "base")
					check(vector, s.Temporal, x.withTemporal(bv, tm), "temporal")
				})
			})

			// Every combination of effective environmental values: the
			// modified metrics given explicitly over a fixed base.
			stride := 211 // a prime, so the sample walks through every metric
			if *exhaustive {
				stride = 1
			}
			n := 0
			forEach(v3ModifiedMetrics, func(mod []string) {
				forEach(v3RequirementMetrics, func(req []string) {
					forEach(v3TemporalMetrics, func(tm []string) {
						if n++; n%stride != 0 {
							return
						}
						fixed := []string{"N", "L", "N", "N", "U", "N", "N", "N"}
						vector := x.vector(fixed, tm, req, mod)
						s, err := Parse(vector)
						if err != nil {
							t.Fatalf("Parse(%q): %v", vector, err)
						}
						check(vector, s.Environmental, x.environmental(mod, req, tm), "environmental")
					})
				})
			})
			if failed > 0 {
				t.Errorf("%d of %d scores differ from exact arithmetic", failed, checked)
			}
			t.Logf("CVSS %s: %d scores equal to exact arithmetic", ver, checked)
		})
	}
}

// Metric names and the values to enumerate, X left out where another value
// has the same weight.
var (
	v3BaseMetrics = []enumMetric{
		{"AV", "NALP"}, {"AC", "LH"}, {"PR", "NLH"}, {"UI", "NR"},
		{"S", "UC"}, {"C", "HLN"}, {"I", "HLN"}, {"A", "HLN"},
	}
	v3TemporalMetrics    = []enumMetric{{"E", "XFPU"}, {"RL", "XWTO"}, {"RC", "XRU"}}
	v3RequirementMetrics = []enumMetric{{"CR", "HML"}, {"IR", "HML"}, {"AR", "HML"}}
	v3ModifiedMetrics    = []enumMetric{
		{"MAV", "NALP"}, {"MAC", "LH"}, {"MPR", "NLH"}, {"MUI", "NR"},
		{"MS", "UC"}, {"MC", "HLN"}, {"MI", "HLN"}, {"MA", "HLN"},
	}
)

type enumMetric struct {
	name   string
	values string // one letter each
}

// forEach calls f with every combination of values of ms.
func forEach(ms []enumMetric, f func([]string)) {
	vals := make([]string, len(ms))
	var rec func(int)
	rec = func(i int) {
		if i == len(ms) {
			f(vals)
			return
		}
		for _, c := range ms[i].values {
			vals[i] = string(c)
			rec(i + 1)
		}
	}
	rec(0)
}

// exact computes CVSS 3.x scores with big.Rat.
type exact struct {
	ver      Version
	impacts  map[string]*big.Rat // impact sub-scores
	sub      map[string]*big.Rat // environmental score before the temporal factor
	temporal map[string]float64  // temporal factor applied to a rounded score
}

func newExact(ver Version) *exact {
	return &exact{ver: ver, impacts: map[string]*big.Rat{}, sub: map[string]*big.Rat{}, temporal: map[string]float64{}}
}

// vector writes "CVSS:3.x/" and groups of values in the order of the
// enumMetric lists: base, temporal, requirements, modified.
func (x *exact) vector(groups ...[]string) string {
	lists := [][]enumMetric{v3BaseMetrics, v3TemporalMetrics, v3RequirementMetrics, v3ModifiedMetrics}
	var b strings.Builder
	b.WriteString("CVSS:" + string(x.ver))
	for g, vals := range groups {
		for i, v := range vals {
			b.WriteString("/" + lists[g][i].name + ":" + v)
		}
	}
	return b.String()
}

func dec(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func add(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
func sub(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
func mul(rs ...*big.Rat) *big.Rat {
	p := big.NewRat(1, 1)
	for _, r := range rs {
		p.Mul(p, r)
	}
	return p
}
func pow(r *big.Rat, n int) *big.Rat {
	p := big.NewRat(1, 1)
	for range n {
		p.Mul(p, r)
	}
	return p
}
func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) < 0 {
		return a
	}
	return b
}

// roundup rounds up to one decimal as the version defines it.
func (x *exact) roundup(r *big.Rat) *big.Rat {
	if x.ver == Version30 {
		// Ceiling of r*10, over 10.
		t := mul(r, big.NewRat(10, 1))
		q := new(big.Int).Quo(t.Num(), t.Denom()) // r >= 0: truncation is floor
		if new(big.Rat).SetInt(q).Cmp(t) != 0 {
			q.Add(q, big.NewInt(1))
		}
		return new(big.Rat).SetFrac(q, big.NewInt(10))
	}
	// Appendix A of 3.1, on the exact value: round(r*100000), then up to a
	// multiple of 10000 unless already one.
	t := mul(r, big.NewRat(100000, 1))
	t.Add(t, big.NewRat(1, 2))
	i := new(big.Int).Quo(t.Num(), t.Denom())
	q, m := new(big.Int).QuoRem(i, big.NewInt(10000), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(q, big.NewInt(10))
}

func float(r *big.Rat) float64 {
	f, _ := r.Float64() // the float64 nearest to r
	return f
}

var ratWeights = map[string]map[string]string{
	"AV":  {"N": "0.85", "A": "0.62", "L": "0.55", "P": "0.2"},
	"AC":  {"L": "0.77", "H": "0.44"},
	"PRU": {"N": "0.85", "L": "0.62", "H": "0.27"},
	"PRC": {"N": "0.85", "L": "0.68", "H": "0.5"},
	"UI":  {"N": "0.85", "R": "0.62"},
	"CIA": {"H": "0.56", "L": "0.22", "N": "0"},
	"E":   {"X": "1", "H": "1", "F": "0.97", "P": "0.94", "U": "0.91"},
	"RL":  {"X": "1", "U": "1", "W": "0.97", "T": "0.96", "O": "0.95"},
	"RC":  {"X": "1", "C": "1", "R": "0.96", "U": "0.92"},
	"REQ": {"H": "1.5", "M": "1", "L": "0.5"},
}

func w(table, v string) *big.Rat { return dec(ratWeights[table][v]) }

// subscore computes the rounded (base or modified) score before the
// temporal factor from AV, AC, PR, UI, S, C, I, A and the requirements.
func (x *exact) subscore(m []string, req []string, modified bool) *big.Rat {
	changed := m[4] == "C"
	impact := x.impact(m[4:], req, modified)
	if impact.Sign() <= 0 {
		return new(big.Rat)
	}
	pr := "PRU"
	if changed {
		pr = "PRC"
	}
	expl := mul(dec("8.22"), w("AV", m[0]), w("AC", m[1]), w(pr, m[2]), w("UI", m[3]))
	sum := add(impact, expl)
	if changed {
		sum = mul(dec("1.08"), sum)
	}
	return x.roundup(minRat(sum, big.NewRat(10, 1)))
}

// impact computes the (modified) impact sub-score from S, C, I, A and the
// requirements. It caches: the powers are the expensive part.
func (x *exact) impact(m []string, req []string, modified bool) *big.Rat {
	key := fmt.Sprint(m, req, modified)
	if r, ok := x.impacts[key]; ok {
		return r
	}
	one := big.NewRat(1, 1)
	var iss *big.Rat
	if !modified {
		iss = sub(one, mul(sub(one, w("CIA", m[1])), sub(one, w("CIA", m[2])), sub(one, w("CIA", m[3]))))
	} else {
		iss = sub(one, mul(
			sub(one, mul(w("REQ", req[0]), w("CIA", m[1]))),
			sub(one, mul(w("REQ", req[1]), w("CIA", m[2]))),
			sub(one, mul(w("REQ", req[2]), w("CIA", m[3])))))
		iss = minRat(iss, dec("0.915"))
	}
	var impact *big.Rat
	switch {
	case m[0] == "U":
		impact = mul(dec("6.42"), iss)
	case modified && x.ver == Version31:
		impact = sub(mul(dec("7.52"), sub(iss, dec("0.029"))), mul(dec("3.25"), pow(sub(mul(iss, dec("0.9731")), dec("0.02")), 13)))
	default:
		impact = sub(mul(dec("7.52"), sub(iss, dec("0.029"))), mul(dec("3.25"), pow(sub(iss, dec("0.02")), 15)))
	}
	x.impacts[key] = impact
	return impact
}

func (x *exact) base(m []string) *big.Rat {
	return x.subscore(m, nil, false)
}

// withTemporal applies the temporal factor to a rounded score.
func (x *exact) withTemporal(r *big.Rat, tm []string) float64 {
	key := r.RatString() + strings.Join(tm, "")
	f, ok := x.temporal[key]
	if !ok {
		f = float(x.roundup(mul(r, w("E", tm[0]), w("RL", tm[1]), w("RC", tm[2]))))
		x.temporal[key] = f
	}
	return f
}

func (x *exact) environmental(mod, req, tm []string) float64 {
	key := strings.Join(mod, "") + strings.Join(req, "")
	r, ok := x.sub[key]
	if !ok {
		r = x.subscore(mod, req, true)
		x.sub[key] = r
	}
	if r.Sign() == 0 {
		return 0
	}
	return x.withTemporal(r, tm)
}

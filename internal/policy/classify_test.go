package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// CVSS vectors with reference scores from the Red Hat CVSS test suites
// (base = temporal = environmental for the 3.1 ones).
const (
	v31_98 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
	v31_90 = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:L"
	v31_89 = "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:L"
	v31_70 = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:L"
	v31_69 = "CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:C/C:H/I:L/A:N"
	v31_40 = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:L/I:N/A:N"
	v31_39 = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L"
	v31_00 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"
	v40_93 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H"
	v40_90 = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H"
	v40_70 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L"
	v40_69 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N"
	v40_40 = "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		risk   Risk
		want   Classification
	}{
		{"9.8 is critical", dflt, Risk{CVSS31: v31_98},
			Classification{Critical, 9.8, "purple", []string{"CVSS 3.1 base 9.8 >= 9.0"}}},
		{"9.0 is critical (threshold)", dflt, Risk{CVSS31: v31_90},
			Classification{Critical, 9.0, "purple", []string{"CVSS 3.1 base 9.0 >= 9.0"}}},
		{"8.9 is high", dflt, Risk{CVSS31: v31_89},
			Classification{High, 8.9, "red", []string{"CVSS 3.1 base 8.9 >= 7.0"}}},
		{"8.9 + rce is critical", dflt, Risk{CVSS31: v31_89, Tags: []string{"rce"}},
			Classification{Critical, 8.9, "purple", []string{"tag rce"}}},
		{"tags ignore case and space", dflt, Risk{CVSS31: v31_89, Tags: []string{" RCE "}},
			Classification{Critical, 8.9, "purple", []string{"tag rce"}}},
		{"7.0 is high (threshold)", dflt, Risk{CVSS31: v31_70},
			Classification{High, 7.0, "red", []string{"CVSS 3.1 base 7.0 >= 7.0"}}},
		{"6.9 is medium", dflt, Risk{CVSS31: v31_69},
			Classification{Medium, 6.9, "yellow", []string{"CVSS 3.1 base 6.9 >= 4.0"}}},
		{"6.9 + lpe is high", dflt, Risk{CVSS31: v31_69, Tags: []string{"lpe"}},
			Classification{High, 6.9, "red", []string{"tag lpe"}}},
		{"6.9 + lpe + rce is critical", dflt, Risk{CVSS31: v31_69, Tags: []string{"lpe", "rce"}},
			Classification{Critical, 6.9, "purple", []string{"tag rce"}}},
		{"4.0 is medium (threshold)", dflt, Risk{CVSS31: v31_40},
			Classification{Medium, 4.0, "yellow", []string{"CVSS 3.1 base 4.0 >= 4.0"}}},
		{"3.9 is low in the default policy", dflt, Risk{CVSS31: v31_39},
			Classification{Low, 3.9, "green", []string{"CVSS 3.1 base 3.9 >= 0.1"}}},
		{"3.9 is none in the Stamus policy (three sections)", stamus, Risk{CVSS31: v31_39},
			Classification{None, 3.9, "", []string{"no classification rule matched"}}},
		{"0.0 is none", dflt, Risk{CVSS31: v31_00},
			Classification{None, 0, "gray", []string{"no classification rule matched"}}},
		{"no vector, rce is critical", stamus, Risk{Tags: []string{"rce"}},
			Classification{Critical, 0, "purple", []string{"tag rce"}}},
		{"no vector, no tag is none", stamus, Risk{Tags: []string{"xss"}, Exploited: true, PublicPoC: true},
			Classification{None, 0, "", []string{"no classification rule matched"}}},
		{"CVSS 4.0 9.3 is critical", dflt, Risk{CVSS40: v40_93},
			Classification{Critical, 9.3, "purple", []string{"CVSS 4.0 base 9.3 >= 9.0"}}},
		{"CVSS 4.0 9.0 is critical", stamus, Risk{CVSS40: v40_90},
			Classification{Critical, 9.0, "purple", []string{"CVSS 4.0 base 9.0 >= 9.0"}}},
		{"CVSS 4.0 7.0 is high", stamus, Risk{CVSS40: v40_70},
			Classification{High, 7.0, "red", []string{"CVSS 4.0 base 7.0 >= 7.0"}}},
		{"CVSS 4.0 6.9 is medium", stamus, Risk{CVSS40: v40_69},
			Classification{Medium, 6.9, "yellow", []string{"CVSS 4.0 base 6.9 >= 4.0"}}},
		{"CVSS 4.0 6.9 + lpe is high", stamus, Risk{CVSS40: v40_69, Tags: []string{"lpe"}},
			Classification{High, 6.9, "red", []string{"tag lpe"}}},
		{"CVSS 4.0 4.0 is medium", stamus, Risk{CVSS40: v40_40},
			Classification{Medium, 4.0, "yellow", []string{"CVSS 4.0 base 4.0 >= 4.0"}}},
		{"both vectors: the higher score counts", dflt, Risk{CVSS31: v31_69, CVSS40: v40_93},
			Classification{Critical, 9.3, "purple", []string{"CVSS 4.0 base 9.3 >= 9.0"}}},
		{"both vectors: the higher score counts, either way", dflt, Risk{CVSS31: v31_98, CVSS40: v40_69},
			Classification{Critical, 9.8, "purple", []string{"CVSS 3.1 base 9.8 >= 9.0"}}},
		{"CVSS 3.1 temporal score", dflt, Risk{CVSS31: v31_98 + "/E:U/RL:O/RC:C"},
			Classification{High, 8.5, "red", []string{"CVSS 3.1 temporal 8.5 >= 7.0"}}},
		{"CVSS 3.0 vectors are accepted", dflt, Risk{CVSS31: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
			Classification{Critical, 9.8, "purple", []string{"CVSS 3.0 base 9.8 >= 9.0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := example(t, tt.policy).Classify(tt.risk)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify(%+v) mismatch (-want +got):\n%s", tt.risk, diff)
			}
		})
	}
}

func TestClassifyScoreSource(t *testing.T) {
	risk := Risk{CVSS31: v31_69, CVSS40: v40_93}
	tests := []struct {
		src  ScoreSource
		want Severity
		sc   float64
	}{
		{ScoreHighest, Critical, 9.3},
		{ScoreCVSS40, Critical, 9.3},
		{ScoreCVSS31, Medium, 6.9},
	}
	for _, tt := range tests {
		t.Run(string(tt.src), func(t *testing.T) {
			p := example(t, dflt)
			p.ScoreSource = tt.src
			got, err := p.Classify(risk)
			if err != nil || got.Severity != tt.want || got.Score != tt.sc {
				t.Errorf("Classify = %+v, %v; want %v with %v", got, err, tt.want, tt.sc)
			}
		})
	}
	// With one vector, every source uses it.
	p := example(t, dflt)
	p.ScoreSource = ScoreCVSS40
	if got, _ := p.Classify(Risk{CVSS31: v31_98}); got.Score != 9.8 {
		t.Errorf("cvss40 source with only a 3.1 vector: score %v", got.Score)
	}
}

// TestClassifyWeighing pins the conditions beyond the score: exploitation,
// public PoC and `match: all`.
func TestClassifyWeighing(t *testing.T) {
	const doc = `name: weighing
severities: [{name: critical, color: "#7b1fa2"}]
classification:
  rules:
    - {severity: critical, min_score: 9.0, tags: [rce]}
    - {severity: critical, min_score: 7.0, exploited: true, match: all}
    - {severity: high, min_score: 7.0, tags: [lpe]}
    - {severity: high, public_poc: true}
    - {severity: medium, min_score: 4.0}
`
	p, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		risk Risk
		want Classification
	}{
		{"8.9 exploited: both conditions of the all-rule hold", Risk{CVSS31: v31_89, Exploited: true},
			Classification{Critical, 8.9, "#7b1fa2", []string{"CVSS 3.1 base 8.9 >= 7.0", "exploited in the wild"}}},
		{"8.9 not exploited", Risk{CVSS31: v31_89},
			Classification{High, 8.9, "", []string{"CVSS 3.1 base 8.9 >= 7.0"}}},
		{"6.9 exploited: the all-rule needs the score too", Risk{CVSS31: v31_69, Exploited: true},
			Classification{Medium, 6.9, "", []string{"CVSS 3.1 base 6.9 >= 4.0"}}},
		{"6.9 with a public PoC", Risk{CVSS31: v31_69, PublicPoC: true},
			Classification{High, 6.9, "", []string{"public proof of concept"}}},
		{"8.9 with lpe and a public PoC: reasons of every matching high rule", Risk{CVSS31: v31_89, Tags: []string{"lpe"}, PublicPoC: true},
			Classification{High, 8.9, "", []string{"CVSS 3.1 base 8.9 >= 7.0", "tag lpe", "public proof of concept"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Classify(tt.risk)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Classify mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyErrors(t *testing.T) {
	p := example(t, dflt)
	tests := []struct {
		name string
		risk Risk
		want []string
	}{
		{"malformed 3.1", Risk{CVSS31: "CVSS:3.1/AV:X"}, []string{"cvss31:"}},
		{"4.0 vector in the 3.1 field", Risk{CVSS31: v40_93}, []string{"cvss31: CVSS 4.0 vector given, want version 3.1"}},
		{"3.1 vector in the 4.0 field", Risk{CVSS40: v31_98}, []string{"cvss40: CVSS 3.1 vector given, want version 4.0"}},
		{"CVSS 2", Risk{CVSS31: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}, []string{"cvss31:"}},
		{"both bad, both reported", Risk{CVSS31: "nonsense", CVSS40: "CVSS:4.0/AV:N"}, []string{"cvss31:", "cvss40:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Classify(tt.risk)
			if err == nil {
				t.Fatalf("Classify = %+v, want an error", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

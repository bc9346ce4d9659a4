package vuln

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// valid returns a record that passes Validate, changed by mutate.
func valid(mutate func(*Record)) Record {
	r := Record{
		ID:       "GO-2024-0001",
		Source:   SourceOSV,
		Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		Severity: []Score{{Type: CVSSv3, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		CWEs:     []string{"CWE-79"},
		Affected: []Affected{{
			Ecosystem: "Go", Package: "example.com/m", Status: StatusAffected,
			Ranges: []Range{{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {Fixed: "1.2.3"}}}},
		}},
	}
	if mutate != nil {
		mutate(&r)
	}
	return r
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Record)
		want   []string
	}{
		{"valid", nil, nil},
		{"git only", func(r *Record) {
			r.Affected = []Affected{{Status: StatusAffected, Ranges: []Range{{Type: RangeGit, Repo: "https://example.com/r", Events: []Event{{Introduced: "a"}, {Limit: "b"}}}}}}
		}, nil},
		{"not affected without ranges", func(r *Record) { r.Affected[0].Status, r.Affected[0].Ranges = StatusNotAffected, nil }, nil},
		{"every problem at once", func(r *Record) {
			r.ID, r.Source = "", "ghsa"
			r.Published = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
			r.Aliases = []string{""}
			r.Severity = []Score{{Type: "CVSS_V9"}}
			r.CWEs = []string{"79"}
			r.References = []Reference{{Type: "WEB"}}
			r.Affected = append(r.Affected, Affected{Status: "maybe", Versions: []string{""}, Ranges: []Range{
				{Type: "NPM", Events: []Event{{Fixed: "1", LastAffected: "2"}}},
				{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1"}, {LastAffected: "2"}}},
				{Type: RangeGit, Events: []Event{{Introduced: "a"}}},
			}})
			r.Configurations = []Configuration{{Nodes: []Node{{Matches: []CPEMatch{{}}}}}}
			r.Exploited = &Exploitation{}
		}, []string{
			"id: missing",
			`source: unknown source "ghsa"`,
			"published: not in UTC",
			"aliases[0]: empty",
			`severity[0].type: unknown severity type "CVSS_V9"`,
			"severity[0].score: missing",
			`cwes[0]: "79" is not a CWE ID`,
			"references[0].url: missing",
			"affected[1].package: missing for a NPM range",
			`affected[1].status: unknown status "maybe"`,
			`affected[1].ranges[0].type: unknown range type "NPM"`,
			"affected[1].ranges[0].events[0]: has 2 of introduced, fixed, last_affected, limit (want exactly one)",
			"affected[1].ranges[0].events: no introduced event",
			"affected[1].ranges[0].events: both fixed and last_affected events",
			"affected[1].ranges[1].events: both fixed and last_affected events",
			"affected[1].ranges[2].repo: missing for a GIT range",
			"affected[1].versions[0]: empty",
			"configurations[0].nodes[0].cpeMatch[0].criteria: missing",
			"exploited.date_added: missing",
		}},
		{"package half named", func(r *Record) { r.Affected[0].Package = "" }, []string{"affected[0].package.name: missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := valid(tc.mutate)
			err := r.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONError(t *testing.T) {
	data := []byte("{\n  \"a\": x\n}")
	var v map[string]any
	err := JSONError(data, json.Unmarshal(data, &v))
	if err == nil || !strings.HasPrefix(err.Error(), "line 2, column 8: invalid character 'x'") {
		t.Errorf("err = %v", err)
	}
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		t.Errorf("the JSON error is not wrapped: %v", err)
	}
	other := errors.New("other")
	if JSONError(data, other) != other {
		t.Error("an error without an offset changed")
	}
}

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("12345"), 5); err != nil || string(b) != "12345" {
		t.Errorf("at the bound: %q, %v", b, err)
	}
	if _, err := ReadAll(strings.NewReader("123456"), 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("beyond the bound: %v", err)
	}
}

func TestProblem(t *testing.T) {
	p := Problem{Name: "all.zip!GO-1.json", Err: ErrTooLarge}
	if p.Error() != "all.zip!GO-1.json: input too large" || !errors.Is(p, ErrTooLarge) {
		t.Errorf("problem = %v", p)
	}
}

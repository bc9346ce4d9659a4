package vcase

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// fields returns the field paths of the problems in a Validate error, in order:
// each line of the joined error up to its first ": ".
func fields(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		f, _, _ := strings.Cut(line, ": ")
		out = append(out, f)
	}
	return out
}

func TestValidate(t *testing.T) {
	verified := func(branch int64) Fix {
		return Fix{BranchID: branch, Status: FixVerified, Evidence: "replayed"}
	}
	tests := []struct {
		name string
		mut  func(*Case)
		want []string // field paths with a problem; nil: valid
	}{
		{name: "valid", mut: func(*Case) {}},
		{name: "minimal", mut: func(c *Case) { *c = Case{Title: "t"} }},
		{name: "title at the limit", mut: func(c *Case) { c.Title = strings.Repeat("é", 150) }},
		{name: "title empty", mut: func(c *Case) { c.Title = "" }, want: []string{"title"}},
		{name: "title blank", mut: func(c *Case) { c.Title = " \t\n" }, want: []string{"title"}},
		{name: "title too long", mut: func(c *Case) { c.Title = strings.Repeat("x", 301) }, want: []string{"title"}},
		{name: "title invalid UTF-8", mut: func(c *Case) { c.Title = "bad \xff byte" }, want: []string{"title"}},
		{name: "title with NUL", mut: func(c *Case) { c.Title = "nul\x00" }, want: []string{"title"}},
		{name: "summary too long", mut: func(c *Case) { c.Summary = strings.Repeat("x", 20001) }, want: []string{"summary"}},
		{name: "details too long", mut: func(c *Case) { c.Details = strings.Repeat("x", 200001) }, want: []string{"details"}},
		{name: "details at the limit", mut: func(c *Case) { c.Details = strings.Repeat("x", 200000) }},
		{name: "workaround with NUL", mut: func(c *Case) { c.Workaround = "a\x00b" }, want: []string{"workaround"}},
		{name: "risk notes invalid UTF-8", mut: func(c *Case) { c.Risk.Notes = "\xc3\x28" }, want: []string{"risk.notes"}},
		{name: "CVE description too long", mut: func(c *Case) { c.CVEDraft.Description = strings.Repeat("x", 4001) }, want: []string{"cve_draft.description"}},
		{name: "CVE problem type with NUL", mut: func(c *Case) { c.CVEDraft.ProblemType = "\x00" }, want: []string{"cve_draft.problem_type"}},

		{name: "CVE ID empty", mut: func(c *Case) { c.CVEID = "" }},
		{name: "CVE ID long sequence", mut: func(c *Case) { c.CVEID = "CVE-2026-1234567" }},
		{name: "CVE ID short sequence", mut: func(c *Case) { c.CVEID = "CVE-2026-123" }, want: []string{"cve_id"}},
		{name: "CVE ID lowercase", mut: func(c *Case) { c.CVEID = "cve-2026-12345" }, want: []string{"cve_id"}},
		{name: "CVE ID short year", mut: func(c *Case) { c.CVEID = "CVE-26-12345" }, want: []string{"cve_id"}},
		{name: "CVE ID with space", mut: func(c *Case) { c.CVEID = " CVE-2026-12345" }, want: []string{"cve_id"}},
		{name: "CVE ID with a newline", mut: func(c *Case) { c.CVEID = "CVE-2026-12345\n" }, want: []string{"cve_id"}},

		{name: "CWE list", mut: func(c *Case) { c.Risk.CWE = []string{"CWE-79", "CWE-1", "CWE-999999"} }},
		{name: "CWE bad", mut: func(c *Case) { c.Risk.CWE = []string{"CWE-79", "79", "CWE-079", "CWE-0", "cwe-79", "CWE-1234567"} },
			want: []string{"risk.cwe[1]", "risk.cwe[2]", "risk.cwe[3]", "risk.cwe[4]", "risk.cwe[5]"}},
		{name: "tags", mut: func(c *Case) { c.Risk.Tags = []string{"rce", "lpe", "auth-bypass", "x_y", strings.Repeat("a", 32)} }},
		{name: "tags bad", mut: func(c *Case) { c.Risk.Tags = []string{"RCE", "", "1rce", "a b", strings.Repeat("a", 33), "rce"} },
			want: []string{"risk.tags[0]", "risk.tags[1]", "risk.tags[2]", "risk.tags[3]", "risk.tags[4]"}},

		{name: "branch listed twice", mut: func(c *Case) { c.Fixes = append(c.Fixes, verified(branch41)) },
			want: []string{"fixes[3].branch_id"}},
		{name: "fix status unknown", mut: func(c *Case) { c.Fixes[0].Status = "done" }, want: []string{"fixes[0].status"}},
		{name: "fix status empty", mut: func(c *Case) { c.Fixes[2].Status = "" }, want: []string{"fixes[2].status"}},
		{name: "commits", mut: func(c *Case) {
			c.Fixes[0].Commits = []string{"0123abc", strings.Repeat("f", 40), strings.Repeat("0", 64)}
		}},
		{name: "commits bad", mut: func(c *Case) {
			c.Fixes[1].Commits = []string{"0123abc", "0123ab", "0123ABC", "g123abc", strings.Repeat("f", 65), "0123abc "}
		}, want: []string{"fixes[1].commits[1]", "fixes[1].commits[2]", "fixes[1].commits[3]", "fixes[1].commits[4]", "fixes[1].commits[5]"}},
		{name: "verified without evidence", mut: func(c *Case) { c.Fixes[0].Evidence = "" }, want: []string{"fixes[0].evidence"}},
		{name: "verified with blank evidence", mut: func(c *Case) { c.Fixes[1].Evidence = " \n" }, want: []string{"fixes[1].evidence"}},
		{name: "fixed without evidence", mut: func(c *Case) { c.Fixes[0].Status, c.Fixes[0].Evidence = FixFixed, "" }},
		{name: "evidence with NUL", mut: func(c *Case) { c.Fixes[0].Evidence = "ok\x00" }, want: []string{"fixes[0].evidence"}},
		{name: "evidence too long", mut: func(c *Case) { c.Fixes[0].Evidence = strings.Repeat("x", 20001) }, want: []string{"fixes[0].evidence"}},

		{name: "no change request", mut: func(c *Case) { c.ChangeRequest = nil }},
		{name: "change request without URL", mut: func(c *Case) { c.ChangeRequest.URL = "" }},
		{name: "change request without ref", mut: func(c *Case) { c.ChangeRequest.Ref = " " }, want: []string{"change_request.ref"}},
		{name: "change request fields too long", mut: func(c *Case) {
			c.ChangeRequest = &ChangeRequest{Ref: strings.Repeat("x", 101), Tracker: strings.Repeat("x", 51), State: strings.Repeat("x", 51), URL: "ftp://x/"}
		}, want: []string{"change_request.ref", "change_request.tracker", "change_request.state", "change_request.url"}},

		{name: "credit types", mut: func(c *Case) {
			c.Credits = nil
			for _, ty := range creditTypes {
				c.Credits = append(c.Credits, Credit{Name: "n", Type: ty})
			}
		}},
		{name: "credit bad", mut: func(c *Case) { c.Credits = []Credit{{Name: "", Type: "hero"}, {Name: "ok", Type: ""}} },
			want: []string{"credits[0].name", "credits[0].type", "credits[1].type"}},

		{name: "reference URLs", mut: func(c *Case) {
			c.References = []Reference{{URL: "http://example.com"}, {URL: "https://example.com/a?b=c#d"}, {URL: "https://[::1]:8443/x"}}
		}},
		{name: "reference URL missing", mut: func(c *Case) { c.References = []Reference{{URL: ""}} }, want: []string{"references[0].url"}},
		{name: "reference URL bad", mut: func(c *Case) {
			c.References = []Reference{
				{URL: "https://ok.example/"},
				{URL: "ftp://example.com/"},
				{URL: "javascript:alert(1)"},
				{URL: "https://exa mple.com/"},
				{URL: "https://example.com/\"><script>"},
				{URL: "https://example.com/" + strings.Repeat("x", 2000)},
				{URL: "https://"},
				{URL: "https:///path"},
				{URL: "https://example.com/\x00"},
				{URL: "https://example.com/\x7f"},
				{URL: "https://example.com/\xff"},
				{URL: "example.com"},
			}
		}, want: []string{"references[1].url", "references[2].url", "references[3].url", "references[4].url",
			"references[5].url", "references[6].url", "references[7].url", "references[8].url", "references[9].url",
			"references[10].url", "references[11].url"}},

		{name: "task force member empty", mut: func(c *Case) { c.TaskForce = []string{"alice", "", strings.Repeat("x", 101)} },
			want: []string{"task_force[1]", "task_force[2]"}},

		{name: "planned disclosure in UTC", mut: func(c *Case) { c.PlannedDisclose = ptr(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) }},
		{name: "planned disclosure in CET", mut: func(c *Case) { c.PlannedDisclose = ptr(disclosure.In(time.FixedZone("CET", 3600))) },
			want: []string{"planned_disclosure"}},
		{name: "planned disclosure in a zone named UTC", mut: func(c *Case) { c.PlannedDisclose = ptr(disclosure.In(time.FixedZone("UTC", 0))) },
			want: []string{"planned_disclosure"}},

		{name: "200 fixes", mut: func(c *Case) {
			c.Fixes = nil
			for i := range 200 {
				c.Fixes = append(c.Fixes, Fix{BranchID: int64(i + 1), Status: FixPending})
			}
		}},
		{name: "201 fixes", mut: func(c *Case) {
			c.Fixes = nil
			for i := range 201 {
				c.Fixes = append(c.Fixes, Fix{BranchID: int64(i + 1), Status: FixPending})
			}
		}, want: []string{"too many entries"}},
		{name: "51 task force members", mut: func(c *Case) { c.TaskForce = strings.Split(strings.Repeat("m,", 50)+"m", ",") },
			want: []string{"too many entries"}},
		{name: "101 credits", mut: func(c *Case) {
			c.Credits = make([]Credit, 101)
			for i := range c.Credits {
				c.Credits[i] = Credit{Name: "n", Type: "finder"}
			}
		}, want: []string{"too many entries"}},
		{name: "201 references", mut: func(c *Case) {
			c.References = make([]Reference, 201)
			for i := range c.References {
				c.References[i] = Reference{URL: "https://example.com/"}
			}
		}, want: []string{"too many entries"}},

		{name: "every problem at once", mut: func(c *Case) {
			c.Title = ""
			c.Summary = "\xff"
			c.CVEID = "CVE-1"
			c.Risk.CWE = []string{"XSS"}
			c.Risk.Tags = []string{"Bad Tag"}
			c.Fixes = []Fix{
				{BranchID: 1, Status: FixVerified, Commits: []string{"nothex!"}},
				{BranchID: 1, Status: "weird"},
			}
			c.ChangeRequest = &ChangeRequest{URL: "mailto:x@example.com"}
			c.Credits = []Credit{{Name: "x", Type: "hero"}}
			c.References = []Reference{{URL: "file:///etc/passwd"}}
			c.TaskForce = []string{""}
			c.PlannedDisclose = ptr(time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("CEST", 7200)))
		}, want: []string{"title", "summary", "cve_id", "risk.cwe[0]", "risk.tags[0]",
			"fixes[0].commits[0]", "fixes[0].evidence", "fixes[1].branch_id", "fixes[1].status",
			"change_request.ref", "change_request.url", "credits[0].type", "references[0].url",
			"task_force[0]", "planned_disclosure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := readyCase(Fixing)
			tt.mut(c)
			err := c.Validate()
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestValidCVEID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"CVE-2026-1234", true},
		{"CVE-1999-0001", true},
		{"CVE-2026-1234567890123456789", true},
		{"CVE-2026-12345678901234567890", false},
		{"CVE-2026-123", false},
		{"CVE-20266-1234", false},
		{"CVE-2026-12a4", false},
		{"GHSA-xxxx-xxxx-xxxx", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := ValidCVEID(tt.id); got != tt.want {
				t.Errorf("ValidCVEID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	for _, tt := range []struct {
		year, seq int
		want      string
	}{
		{2026, 7, "VC-2026-0007"},
		{2026, 12345, "VC-2026-12345"},
	} {
		if got := Key(tt.year, tt.seq); got != tt.want {
			t.Errorf("Key(%d, %d) = %q, want %q", tt.year, tt.seq, got, tt.want)
		}
	}
}

func TestFix(t *testing.T) {
	c := readyCase(Fixing)
	f, ok := c.Fix(branch27)
	if !ok || f.BranchID != branch27 {
		t.Fatalf("Fix(%d) = %v, %v", branch27, f, ok)
	}
	// The returned fix is the case's own: editing it edits the case.
	f.Status = FixInProgress
	if c.Fixes[1].Status != FixInProgress {
		t.Errorf("Fix returned a copy: case fix status %s", c.Fixes[1].Status)
	}
	if f, ok := c.Fix(42); ok || f != nil {
		t.Errorf("Fix(42) = %v, %v; want nil, false", f, ok)
	}
}

func TestCaseJSONRoundTrip(t *testing.T) {
	c := readyCase(Ready, func(c *Case) {
		c.TriagedAt, c.ReadyAt = ptr(t0.Add(time.Hour)), ptr(t0.Add(2*time.Hour))
		c.DuplicateOf = ptr(int64(2))
	})
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got Case
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, &got); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	// The planned disclosure comes back in UTC, so a round-tripped case still validates.
	if err := got.Validate(); err != nil {
		t.Errorf("Validate after JSON round trip: %v", err)
	}
}

func FuzzCaseValidate(f *testing.F) {
	f.Add("Import runs commands", "CVE-2026-12345", "CWE-502", "rce", "0123abcd", "https://example.com/a", int64(1))
	f.Add("", "CVE-26-1", "79", "RCE", "XYZ", "javascript:alert(1)", int64(-1))
	f.Add("\xff\x00", "CVE-2026-1234\n", "CWE-0", "", "", "https://", int64(0))
	f.Fuzz(func(t *testing.T, title, cve, cwe, tag, commit, url string, branch int64) {
		c := &Case{
			Title:      title,
			CVEID:      cve,
			Risk:       Risk{CWE: []string{cwe}, Tags: []string{tag}},
			Fixes:      []Fix{{BranchID: branch, Status: FixFixed, Commits: []string{commit}}, {BranchID: branch + 1, Status: FixPending}},
			References: []Reference{{URL: url}},
		}
		err := c.Validate()
		if err != nil {
			for _, f := range fields(err) {
				switch f {
				case "title", "cve_id", "risk.cwe[0]", "risk.tags[0]", "fixes[0].commits[0]", "references[0].url":
				case "fixes[1].branch_id":
					if branch+1 != branch {
						t.Errorf("distinct branches %d and %d reported as duplicates", branch, branch+1)
					}
				default:
					t.Errorf("unexpected problem %q in %v", f, err)
				}
			}
			return
		}
		if !utf8.ValidString(title) || strings.ContainsRune(title, 0) || strings.TrimSpace(title) == "" || len(title) > 300 {
			t.Errorf("title %q accepted", title)
		}
		if cve != "" && !ValidCVEID(cve) {
			t.Errorf("CVE ID %q accepted", cve)
		}
		if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") || strings.ContainsAny(url, " \x00\r\n") {
			t.Errorf("URL %q accepted", url)
		}
		if !utf8.ValidString(url) {
			t.Errorf("URL %q with invalid UTF-8 accepted", url)
		}
		// A valid case survives a JSON round trip unchanged.
		b, jerr := json.Marshal(c)
		if jerr != nil {
			t.Fatal(jerr)
		}
		var back Case
		if jerr := json.Unmarshal(b, &back); jerr != nil {
			t.Fatal(jerr)
		}
		if diff := cmp.Diff(c, &back); diff != "" {
			t.Errorf("JSON round trip of a valid case (-want +got):\n%s", diff)
		}
	})
}

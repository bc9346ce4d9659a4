package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// schemaFile is the official OASIS SARIF 2.1.0 schema as .ci/run installs it.
const schemaFile = "sarif-schema-2.1.0.json"

func compile(tb testing.TB, path string) *jsonschema.Schema {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// schema returns the official schema, skipping locally when it is not
// installed and failing in CI.
func schema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	return compile(tb, sharedtest.Tool(tb, schemaFile))
}

func checkSchema(tb testing.TB, s *jsonschema.Schema, b []byte) {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		tb.Errorf("not valid SARIF 2.1.0: %v", err)
	}
}

func date(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// findings is a small fixed set covering every status, level and shape of
// component; mutate changes it before it is returned.
func findings(mutate func([]finding.Finding)) []finding.Finding {
	fs := []finding.Finding{
		{
			Component: finding.Component{PURL: "pkg:golang/golang.org/x/net@v0.15.0", Name: "golang.org/x/net", Version: "v0.15.0", Ecosystem: "Go", Package: "golang.org/x/net"},
			Vuln:      "CVE-2023-44487", Aliases: []string{"GHSA-qppj-fm5r-hxr3", "GO-2023-2102"}, Records: []string{"osv:GO-2023-2102"},
			Summary:  "HTTP/2 rapid reset can cause excessive work in net/http",
			Severity: policy.High, SeverityName: "high", Score: 7.5, FixedVersion: "v0.17.0",
			Status: finding.Affected, DueAt: date("2026-12-01"),
		},
		{
			Component: finding.Component{PURL: "pkg:deb/debian/nghttp2@1.43.0-1?distro=debian-11", Name: "libnghttp2-14", Version: "1.43.0-1", Ecosystem: "Debian:11", Package: "nghttp2"},
			Vuln:      "CVE-2023-44487", Aliases: []string{"DLA-3621-1"}, Records: []string{"debian:DLA-3621-1"},
			Summary:  "HTTP/2 rapid reset can cause excessive work in net/http",
			Severity: policy.High, SeverityName: "high", Score: 7.5,
			Status: finding.UnderInvestigation,
		},
		{
			Component: finding.Component{PURL: "pkg:golang/stdlib@v1.21.0", Name: "stdlib", Version: "v1.21.0", Ecosystem: "Go", Package: "stdlib"},
			Vuln:      "GO-2023-2041", Records: []string{"osv:GO-2023-2041"},
			Summary:  "Incorrect forwarding of sensitive headers and cookies on HTTP redirect in net/http",
			Severity: policy.Medium, SeverityName: "medium", FixedVersion: "v1.21.1",
			Status: finding.Affected,
		},
		{
			Component: finding.Component{PURL: "pkg:golang/github.com/example/tpl@v1.2.3", Name: "github.com/example/tpl", Version: "v1.2.3", Ecosystem: "Go", Package: "github.com/example/tpl"},
			Vuln:      "CVE-2024-0001", Aliases: []string{"GHSA-aaaa-bbbb-cccc"},
			Summary:  "Remote code execution through template injection",
			Severity: policy.Critical, SeverityName: "critical", Score: 9.8, FixedVersion: "v1.2.4",
			Status: finding.NotAffected, Justification: finding.VulnerableCodeNotInExecutePath, RuleID: 12,
			StatusNote: "rule 12: feature not used: templates are never parsed from user input",
		},
		{
			Component: finding.Component{PURL: "pkg:deb/debian/openssl@3.0.11-1~deb12u1?distro=debian-12", Name: "libssl3", Version: "3.0.11-1~deb12u1", Ecosystem: "Debian:12", Package: "openssl"},
			Vuln:      "CVE-2024-0002", Records: []string{"debian:CVE-2024-0002"},
			Summary:  "Buffer overflow in X.509 name checks",
			Severity: policy.Critical, SeverityName: "critical", Score: 8.1, Reasons: []string{"known exploited"},
			Exploited: true, ExploitedSince: date("2026-10-01"), FixedVersion: "3.0.13-1~deb12u1",
			Status: finding.Affected, DueAt: date("2026-11-01"),
		},
		{
			// No purl: identified by ecosystem, package and version.
			Component: finding.Component{Name: "requests", Version: "2.30.0", Ecosystem: "PyPI", Package: "requests"},
			Vuln:      "PYSEC-2023-74", Aliases: []string{"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"},
			Summary:  "Unintended leak of Proxy-Authorization header",
			Severity: policy.Low, SeverityName: "low", Score: 3.1, FixedVersion: "2.31.0",
			Status: finding.Affected,
		},
		{
			// Fixed: not written, and neither is its rule.
			Component: finding.Component{PURL: "pkg:golang/golang.org/x/text@v0.14.0", Name: "golang.org/x/text", Version: "v0.14.0", Ecosystem: "Go", Package: "golang.org/x/text"},
			Vuln:      "CVE-2022-32149", Summary: "Denial of service via crafted Accept-Language header",
			Severity: policy.High, SeverityName: "high", Score: 7.5, FixedVersion: "v0.3.8",
			Status: finding.Fixed,
		},
	}
	if mutate != nil {
		mutate(fs)
	}
	return fs
}

func input(fs []finding.Finding) Input {
	return Input{
		Tool:     Tool{Name: "vigil", Version: "1.4.0", InformationURI: "https://github.com/vigil-psirt/vigil"},
		Artifact: "./sbom/app.cdx.json",
		Findings: fs,
	}
}

func render(tb testing.TB, in Input) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// decoded is the part of a written log the tests look into.
type decoded struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []rule `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []result `json:"results"`
	} `json:"runs"`
}

func decode(tb testing.TB, b []byte) decoded {
	tb.Helper()
	var d decoded
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		tb.Fatal(err)
	}
	if len(d.Runs) != 1 {
		tb.Fatalf("%d runs, want 1", len(d.Runs))
	}
	return d
}

func TestGolden(t *testing.T) {
	got := render(t, input(findings(nil)))
	golden := filepath.Join("testdata", "scan.sarif.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the output (-golden +got):\n%s", golden, diff)
	}
	t.Run("schema", func(t *testing.T) { checkSchema(t, schema(t), got) })
}

// TestSchema makes sure the schema check works and can fail: the peer's
// govulncheck SARIF passes, and a result without a message does not.
func TestSchema(t *testing.T) {
	s := schema(t)
	peer, err := os.ReadFile(sharedtest.Path(t, "peer-outputs", "govulncheck-hey.sarif.json"))
	if err != nil {
		t.Fatal(err)
	}
	// govulncheck v1.9.0 writes its stack frames with an empty region,
	// which the schema forbids (a region needs startLine, charOffset or
	// byteOffset): every violation must be one of those, and the log
	// without them must pass.
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(peer))
	if err != nil {
		t.Fatal(err)
	}
	var ve *jsonschema.ValidationError
	if err := s.Validate(v); !errors.As(err, &ve) {
		t.Fatalf("the peer's empty regions passed the schema: %v", err)
	}
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			if loc := e.InstanceLocation; len(loc) == 0 || loc[len(loc)-1] != "region" {
				t.Errorf("peer SARIF: unexpected violation at %v: %v", loc, e)
			}
		}
		for _, c := range e.Causes {
			leaves(c)
		}
	}
	leaves(ve)
	dropEmptyRegions(v)
	if err := s.Validate(v); err != nil {
		t.Errorf("the peer SARIF without its empty regions: %v", err)
	}

	ours := render(t, input(findings(nil)))
	for name, bad := range map[string][]byte{
		"result without message": bytes.Replace(ours, []byte(`"message": {`), []byte(`"messageX": {`), 1),
		"unknown level":          bytes.Replace(ours, []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1),
		"suppression kind":       bytes.Replace(ours, []byte(`"kind": "external"`), []byte(`"kind": "elsewhere"`), 1),
		"uri not a reference":    bytes.Replace(ours, []byte(`"uri": "sbom/app.cdx.json"`), []byte(`"uri": "http://[bad"`), 1),
	} {
		if bytes.Equal(bad, ours) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if s.Validate(v) == nil {
			t.Errorf("%s: passed the schema", name)
		}
	}
}

// dropEmptyRegions deletes every "region": {} from a decoded JSON value.
func dropEmptyRegions(v any) {
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["region"].(map[string]any); ok && len(r) == 0 {
			delete(v, "region")
		}
		for _, e := range v {
			dropEmptyRegions(e)
		}
	case []any:
		for _, e := range v {
			dropEmptyRegions(e)
		}
	}
}

func TestResults(t *testing.T) {
	d := decode(t, render(t, input(findings(nil))))
	r := d.Runs[0]
	var ruleIDs []string
	for _, ru := range r.Tool.Driver.Rules {
		ruleIDs = append(ruleIDs, ru.ID)
	}
	if want := []string{"CVE-2023-44487", "CVE-2024-0001", "CVE-2024-0002", "GO-2023-2041", "PYSEC-2023-74"}; !cmp.Equal(ruleIDs, want) {
		t.Errorf("rules %v, want %v (no rule for the fixed CVE-2022-32149)", ruleIDs, want)
	}
	if len(r.Results) != 6 {
		t.Fatalf("%d results, want 6 (the fixed finding omitted)", len(r.Results))
	}
	type summary struct {
		rule, pkg, level string
		suppressed       bool
	}
	var got []summary
	for _, res := range r.Results {
		if r.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, r.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		if strings.Contains(res.Message.Text, "golang.org/x/text") {
			t.Errorf("the fixed finding was written: %s", res.Message.Text)
		}
		got = append(got, summary{res.RuleID, res.Properties.Package, res.Level, len(res.Suppressions) > 0})
	}
	want := []summary{
		{"CVE-2023-44487", "nghttp2", "error", false},
		{"CVE-2023-44487", "golang.org/x/net", "error", false},
		{"CVE-2024-0001", "github.com/example/tpl", "error", true},
		{"CVE-2024-0002", "openssl", "error", false},
		{"GO-2023-2041", "stdlib", "warning", false},
		{"PYSEC-2023-74", "requests", "note", false},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(summary{})); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	sup := r.Results[2]
	if want := []suppression{{Kind: "external", Status: "accepted", Justification: "rule 12: feature not used: templates are never parsed from user input"}}; !cmp.Equal(sup.Suppressions, want) {
		t.Errorf("suppressions %+v, want %+v", sup.Suppressions, want)
	}
	if !strings.Contains(sup.Message.Text, "is not affected by CVE-2024-0001: rule 12") {
		t.Errorf("not-affected message: %s", sup.Message.Text)
	}

	net := r.Results[1]
	for _, part := range []string{"golang.org/x/net v0.15.0 (Go)", "CVE-2023-44487", "v0.17.0"} {
		if !strings.Contains(net.Message.Text, part) {
			t.Errorf("message %q lacks %q", net.Message.Text, part)
		}
	}
	loc := net.Locations[0]
	if loc.PhysicalLocation.ArtifactLocation.URI != "sbom/app.cdx.json" || loc.LogicalLocations[0].FullyQualifiedName != "pkg:golang/golang.org/x/net@v0.15.0" {
		t.Errorf("location %+v", loc)
	}
	if fqn := r.Results[5].Locations[0].LogicalLocations[0].FullyQualifiedName; fqn != "PyPI/requests@2.30.0" {
		t.Errorf("a component without purl is %q", fqn)
	}

	rule := r.Tool.Driver.Rules[0]
	if rule.Properties.SecuritySeverity != "7.5" || !cmp.Equal(rule.Properties.Tags, []string{"security", "vulnerability", "high", "Debian", "Go"}) {
		t.Errorf("rule properties %+v", rule.Properties)
	}
	for _, part := range []string{"GHSA-qppj-fm5r-hxr3", "golang.org/x/net (Go): v0.17.0", "https://nvd.nist.gov/vuln/detail/CVE-2023-44487", "https://osv.dev/vulnerability/GO-2023-2102", "https://osv.dev/vulnerability/DLA-3621-1"} {
		if !strings.Contains(rule.Help.Text, part) {
			t.Errorf("help %q lacks %q", rule.Help.Text, part)
		}
	}
	if rule.HelpURI != "https://nvd.nist.gov/vuln/detail/CVE-2023-44487" {
		t.Errorf("helpUri %s", rule.HelpURI)
	}
	if go2041 := r.Tool.Driver.Rules[3]; go2041.Properties.SecuritySeverity != "" || go2041.HelpURI != "https://osv.dev/vulnerability/GO-2023-2041" {
		t.Errorf("a rule without score: %+v", go2041)
	}
}

func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		name string
		sev  policy.Severity
		text string
		want string
	}{
		{"critical", policy.Critical, "", "error"},
		{"high", policy.High, "", "error"},
		{"medium", policy.Medium, "", "warning"},
		{"low", policy.Low, "", "note"},
		{"none", policy.None, "", "note"},
		{"name only, as read from JSON", policy.None, "Critical", "error"},
		{"unknown name", policy.None, "severe", "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := findings(func(fs []finding.Finding) { fs[2].Severity, fs[2].SeverityName = tc.sev, tc.text })
			d := decode(t, render(t, input(fs[2:3])))
			if got := d.Runs[0].Results[0].Level; got != tc.want {
				t.Errorf("level %s, want %s", got, tc.want)
			}
		})
	}
}

// TestDeterministic writes the findings in many orders and wants the same
// bytes each time.
func TestDeterministic(t *testing.T) {
	base := findings(func(fs []finding.Finding) {
		// Two findings of one component and vulnerability that differ only
		// in their texts: still one order.
		dup := fs[0]
		dup.Summary, dup.Aliases = "Another summary of the same vulnerability", []string{"GO-2023-2102", "GHSA-zzzz-zzzz-zzzz"}
		fs[len(fs)-1] = dup
	})
	want := render(t, input(base))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		fs := append([]finding.Finding(nil), base...)
		rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		if got := render(t, input(fs)); !bytes.Equal(got, want) {
			t.Fatalf("shuffle %d: output differs:\n%s", i, cmp.Diff(string(want), string(got)))
		}
	}
}

func TestFingerprint(t *testing.T) {
	fp := func(in Input, i int) string {
		d := decode(t, render(t, in))
		return d.Runs[0].Results[i].PartialFingerprints[fingerprintKey]
	}
	in := input(findings(nil))
	a := fp(in, 1)
	if len(a) != 64 {
		t.Fatalf("fingerprint %q", a)
	}
	other := in
	other.Artifact, other.Tool.Version = "/elsewhere/bom.json", "9.9.9"
	other.Findings = findings(func(fs []finding.Finding) { fs[0].Summary, fs[0].Status = "changed", finding.UnderInvestigation })
	if b := fp(other, 1); b != a {
		t.Errorf("the fingerprint changed with the path, tool, summary or status: %s, %s", a, b)
	}
	if b := fp(in, 0); b == a {
		t.Error("two components of one vulnerability share a fingerprint")
	}
}

func TestArtifactURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sbom.json", "sbom.json"},
		{"./sbom/app.cdx.json", "sbom/app.cdx.json"},
		{`build\sbom\app.json`, "build/sbom/app.json"},
		{"a/../b//c.json", "b/c.json"},
		{"../shared/bom.json", "../shared/bom.json"},
		{"my sbom#1?.json", "my%20sbom%231%3F.json"},
		{"a:b.json", "./a:b.json"},
		{"/var/lib/dpkg/status", "file:///var/lib/dpkg/status"},
		{`C:\work\bom.json`, "file:///C:/work/bom.json"},
		{"süß.json", "s%C3%BC%C3%9F.json"},
	} {
		got, err := artifactURI(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("artifactURI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", " ", ".", "a\nb.json", "\xff.json", strings.Repeat("a", MaxPathLength+1)} {
		if got, err := artifactURI(bad); err == nil {
			t.Errorf("artifactURI(%q) = %q, want an error", bad, got)
		}
	}
}

// TestInvalid wants every problem of an input reported at once, each with
// its field path, and nothing written.
func TestInvalid(t *testing.T) {
	in := input(findings(func(fs []finding.Finding) {
		fs[0].Vuln = ""
		fs[1].Vuln = "CVE 2023"
		fs[2].Status = "maybe"
		fs[3].Score = 11
		fs[4].Component = finding.Component{}
		fs[5].Severity = 9
	}))
	in.Tool = Tool{InformationURI: "not a uri"}
	in.Artifact = ""
	var buf bytes.Buffer
	err := Write(&buf, in)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, want := range []string{
		"tool.name: required", "tool.information_uri:", "artifact: required",
		"findings[0].vuln: required", "findings[1].vuln:", "findings[2].status:", "findings[3].score:",
		"findings[4].component:", "findings[5].severity:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("an invalid input wrote %d bytes", buf.Len())
	}
}

func TestBounds(t *testing.T) {
	fs := findings(nil) // 7 findings, one fixed
	if err := write(new(bytes.Buffer), input(fs), 5); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "6 results") {
		t.Errorf("6 results over a bound of 5: err = %v", err)
	}
	// Fixed findings do not count towards the results.
	if err := write(new(bytes.Buffer), input(fs), 6); err != nil {
		t.Errorf("6 results, bound 6: %v", err)
	}
	one := fs[0]
	many := make([]finding.Finding, MaxResults+1)
	for i := range many {
		many[i] = one
	}
	if err := Write(new(bytes.Buffer), input(many)); !errors.Is(err, ErrInvalid) {
		t.Errorf("%d results: err = %v, want ErrInvalid", len(many), err)
	}
	tooMany := make([]finding.Finding, MaxFindings+1)
	if err := Write(new(bytes.Buffer), input(tooMany)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "findings:") {
		t.Errorf("%d findings: err = %v", len(tooMany), err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := Write(errWriter{}, input(findings(nil))); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

// hostile is text an upstream record may carry.
var hostile = []string{
	"line one\nline two\r\n\tindented\u2028separator\u2029end",
	`<script>alert("x")</script> & <img src=x onerror=alert(1)> [link](javascript:alert(1)) **bold** | table |`,
	"invalid \xff\xfe UTF-8 \xc3 and a NUL \x00 and ESC \x1b[31m",
	strings.Repeat("long é ", 5000),
	"`code` {{template}} ${var} %s %!v \\ \"quoted\"",
}

// TestHostileStrings wants valid JSON, valid UTF-8 and a valid log whatever
// the texts hold, one-line texts on one line, and bounded lengths.
func TestHostileStrings(t *testing.T) {
	var outputs [][]byte
	for i, h := range hostile {
		fs := findings(func(fs []finding.Finding) {
			for j := range fs {
				fs[j].Summary = h
				fs[j].StatusNote = h
				fs[j].FixedVersion = h
				fs[j].Component.Version = h
				fs[j].Component.Package = h
				fs[j].Aliases = append(fs[j].Aliases, h)
				fs[j].Records = append(fs[j].Records, h)
			}
		})
		in := input(fs)
		in.Tool.Version = h[:min(len(h), MaxIDLength)]
		b := render(t, in)
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("hostile %d: output is not valid JSON in UTF-8", i)
		}
		outputs = append(outputs, b)
		d := decode(t, b)
		for _, ru := range d.Runs[0].Tool.Driver.Rules {
			if strings.ContainsAny(ru.ShortDescription.Text, "\n\r\u2028") || len(ru.ShortDescription.Text) > maxShort {
				t.Errorf("hostile %d: short description %q", i, ru.ShortDescription.Text)
			}
			md := ru.Help.Markdown
			if strings.Count(md, "<script") != strings.Count(md, `\<script`) || strings.Count(md, "](javascript") != strings.Count(md, `\](javascript`) {
				t.Errorf("hostile %d: markdown carries live markup: %s", i, md)
			}
		}
		for _, res := range d.Runs[0].Results {
			if strings.ContainsAny(res.Message.Text, "\n\r\x00\x1b") {
				t.Errorf("hostile %d: message %q", i, res.Message.Text)
			}
		}
		if bytes.Contains(b, []byte("<script")) {
			t.Errorf("hostile %d: raw HTML in the output", i)
		}
	}
	t.Run("schema", func(t *testing.T) {
		s := schema(t)
		for _, b := range outputs {
			checkSchema(t, s, b)
		}
	})
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"  a \n\t b  ", 100, "a b"},
		{"a\xffb", 100, "a\uFFFDb"},
		{"héllo", 3, "…"},
		{"abcdef", 5, "ab…"},
		{"ééé", 5, "é…"},
	} {
		if got := oneLine(tc.in, tc.limit); got != tc.want || len(got) > tc.limit {
			t.Errorf("oneLine(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, v1.2.3 (Go)":       "plain text, v1.2.3 (Go)",
		"**bold** _em_ `code` ~strike~": "\\*\\*bold\\*\\* \\_em\\_ \\`code\\` \\~strike\\~",
		"[x](javascript:alert(1))":      `\[x\](javascript:alert(1))`,
		"<b>&amp;</b> | cell":           `\<b\>\&amp;\</b\> \| cell`,
		"# heading":                     `\# heading`,
		"- item":                        `\- item`,
		"12. item":                      `12\. item`,
		"3) item":                       `3\) item`,
		"v1.2-3":                        "v1.2-3",
		`back\slash`:                    `back\\slash`,
	} {
		if got := markdown(in); got != want {
			t.Errorf("markdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLink(t *testing.T) {
	for id, want := range map[string]string{
		"CVE-2024-1234":       "https://nvd.nist.gov/vuln/detail/CVE-2024-1234",
		"GHSA-qppj-fm5r-hxr3": "https://osv.dev/vulnerability/GHSA-qppj-fm5r-hxr3",
		"DSA-5474-1":          "https://osv.dev/vulnerability/DSA-5474-1",
		"RUSTSEC-2021-0001":   "https://osv.dev/vulnerability/RUSTSEC-2021-0001",
		"VIGIL-SA-2026-001":   "",
		"CVE":                 "",
		"CVE-1 2":             "",
	} {
		if got := link(id); got != want {
			t.Errorf("link(%q) = %q, want %q", id, got, want)
		}
	}
}

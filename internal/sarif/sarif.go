package sarif

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
)

// SchemaURI is the $schema of a written log: the official OASIS SARIF 2.1.0
// schema (errata01).
const SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// Bounds of an input.
const (
	// MaxFindings is the most findings Write accepts.
	MaxFindings = 100_000
	// MaxResults is the most results one run may hold: GitHub code scanning
	// rejects a run with more.
	MaxResults = 25_000
	// MaxIDLength bounds a vulnerability ID, a tool name or version.
	MaxIDLength = 256
	// MaxPathLength bounds the artifact path and the information URI.
	MaxPathLength = 4096

	maxShort   = 1024 // a one-line text (short description, message)
	maxLong    = 8192 // a free text (summary, status note)
	maxAliases = 20   // aliases listed (and linked) per rule
	maxRecords = 20   // records listed per result
	maxTags    = 10   // GitHub shows 10 tags per rule and rejects more than 20
)

// ErrInvalid reports an input that cannot be written; the error lists every
// problem.
var ErrInvalid = errors.New("invalid SARIF input")

// Tool names the program that produced the findings.
type Tool struct {
	Name, Version, InformationURI string
}

// Input is what Write turns into a SARIF log: one run of Tool over Artifact.
type Input struct {
	Tool Tool
	// Artifact is the SBOM path scanned, as given; the log carries it
	// relative and slash-separated (an absolute path as a file URI).
	Artifact string
	Findings []finding.Finding
}

// Write writes in as an indented SARIF 2.1.0 log with one run. Nothing is
// written when the input is invalid.
func Write(w io.Writer, in Input) error {
	return write(w, in, MaxResults)
}

// write is Write with the bound on results as a parameter, so that a test
// can reach it without writing 25,000 results.
func write(w io.Writer, in Input, maxResults int) error {
	l, err := build(in, maxResults)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return fmt.Errorf("encode sarif: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

// The SARIF object tree, limited to what vigil writes. Field order is the
// key order of the output.
type (
	sarifLog struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}
	run struct {
		Tool    tool     `json:"tool"`
		Results []result `json:"results"`
	}
	tool struct {
		Driver driver `json:"driver"`
	}
	driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri,omitempty"`
		Rules          []rule `json:"rules"`
	}
	rule struct {
		ID                   string        `json:"id"`
		Name                 string        `json:"name"`
		ShortDescription     text          `json:"shortDescription"`
		FullDescription      text          `json:"fullDescription"`
		Help                 help          `json:"help"`
		HelpURI              string        `json:"helpUri,omitempty"`
		DefaultConfiguration configuration `json:"defaultConfiguration"`
		Properties           ruleProps     `json:"properties"`
	}
	text struct {
		Text string `json:"text"`
	}
	help struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	configuration struct {
		Level string `json:"level"`
	}
	ruleProps struct {
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Tags             []string `json:"tags"`
		Aliases          []string `json:"aliases,omitempty"`
	}
	result struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             text              `json:"message"`
		Locations           []location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Suppressions        []suppression     `json:"suppressions,omitempty"`
		Properties          resultProps       `json:"properties"`
	}
	location struct {
		PhysicalLocation physicalLocation  `json:"physicalLocation"`
		LogicalLocations []logicalLocation `json:"logicalLocations"`
	}
	physicalLocation struct {
		ArtifactLocation artifactLocation `json:"artifactLocation"`
		Region           region           `json:"region"`
	}
	artifactLocation struct {
		URI string `json:"uri"`
	}
	region struct {
		StartLine int `json:"startLine"`
	}
	logicalLocation struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	suppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification"`
	}
	resultProps struct {
		Severity     string   `json:"severity"`
		Status       string   `json:"status"`
		Ecosystem    string   `json:"ecosystem,omitempty"`
		Package      string   `json:"package"`
		Version      string   `json:"version,omitempty"`
		FixedVersion string   `json:"fixedVersion,omitempty"`
		Exploited    bool     `json:"exploited,omitempty"`
		DueAt        string   `json:"dueAt,omitempty"`
		Records      []string `json:"records,omitempty"`
	}
)

// fingerprintKey names vigil's partial fingerprint; the version suffix lets
// the recipe change without colliding with old alerts.
const fingerprintKey = "vigil/vulnerabilityComponent/v1"

// build validates in and turns it into the log.
func build(in Input, maxResults int) (*sarifLog, error) {
	uri, errs := validate(in)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}

	// Findings in a total order first, so that everything derived from
	// them (rule texts, merged aliases) is independent of the input order.
	fs := make([]*finding.Finding, 0, len(in.Findings))
	for i := range in.Findings {
		if in.Findings[i].Status != finding.Fixed {
			fs = append(fs, &in.Findings[i])
		}
	}
	if len(fs) > maxResults {
		return nil, fmt.Errorf("%w: findings: %d results to write, more than %d (GitHub rejects the run)", ErrInvalid, len(fs), maxResults)
	}
	slices.SortFunc(fs, compareFindings)

	byVuln := map[string][]*finding.Finding{}
	var ids []string
	for _, f := range fs {
		if _, ok := byVuln[f.Vuln]; !ok {
			ids = append(ids, f.Vuln)
		}
		byVuln[f.Vuln] = append(byVuln[f.Vuln], f)
	}
	slices.Sort(ids)

	rules := make([]rule, 0, len(ids))
	results := make([]result, 0, len(fs))
	for i, id := range ids {
		rules = append(rules, buildRule(id, byVuln[id]))
		start := len(results)
		for _, f := range byVuln[id] {
			results = append(results, buildResult(f, i, uri))
		}
		sortResults(results[start:])
	}
	return &sarifLog{
		Schema:  SchemaURI,
		Version: "2.1.0",
		Runs: []run{{
			Tool: tool{Driver: driver{
				Name:           oneLine(in.Tool.Name, MaxIDLength),
				Version:        oneLine(in.Tool.Version, MaxIDLength),
				InformationURI: in.Tool.InformationURI,
				Rules:          rules,
			}},
			Results: results,
		}},
	}, nil
}

// validate checks in and returns the artifact's URI reference.
func validate(in Input) (string, []error) {
	var errs []error
	if len(in.Findings) > MaxFindings {
		// Nothing else is looked at: the input is too large to list.
		return "", []error{fmt.Errorf("findings: %d findings, more than %d", len(in.Findings), MaxFindings)}
	}
	if strings.TrimSpace(in.Tool.Name) == "" {
		errs = append(errs, errors.New("tool.name: required"))
	} else if len(in.Tool.Name) > MaxIDLength {
		errs = append(errs, fmt.Errorf("tool.name: longer than %d bytes", MaxIDLength))
	}
	if len(in.Tool.Version) > MaxIDLength {
		errs = append(errs, fmt.Errorf("tool.version: longer than %d bytes", MaxIDLength))
	}
	if u := in.Tool.InformationURI; u != "" {
		p, err := url.Parse(u)
		switch {
		case len(u) > MaxPathLength:
			errs = append(errs, fmt.Errorf("tool.information_uri: longer than %d bytes", MaxPathLength))
		case err != nil:
			errs = append(errs, fmt.Errorf("tool.information_uri: %w", err))
		case !p.IsAbs() || !utf8.ValidString(u) || strings.ContainsFunc(u, unicode.IsSpace):
			errs = append(errs, fmt.Errorf("tool.information_uri: %q is not an absolute URI", u))
		}
	}
	uri, err := artifactURI(in.Artifact)
	if err != nil {
		errs = append(errs, fmt.Errorf("artifact: %w", err))
	}
	for i := range in.Findings {
		f := &in.Findings[i]
		p := fmt.Sprintf("findings[%d]", i)
		if err := checkID(f.Vuln); err != nil {
			errs = append(errs, fmt.Errorf("%s.vuln: %w", p, err))
		}
		switch f.Status {
		case finding.Affected, finding.UnderInvestigation, finding.NotAffected, finding.Fixed:
		default:
			errs = append(errs, fmt.Errorf("%s.status: unknown status %q", p, f.Status))
		}
		if f.Severity < policy.None || f.Severity > policy.Critical {
			errs = append(errs, fmt.Errorf("%s.severity: %d is not a severity", p, int(f.Severity)))
		}
		if math.IsNaN(f.Score) || f.Score < 0 || f.Score > 10 {
			errs = append(errs, fmt.Errorf("%s.score: %v is not a CVSS score", p, f.Score))
		}
		c := f.Component
		if strings.TrimSpace(c.PURL) == "" && strings.TrimSpace(c.Package) == "" && strings.TrimSpace(c.Name) == "" {
			errs = append(errs, fmt.Errorf("%s.component: no purl, package or name", p))
		}
	}
	return uri, errs
}

// checkID accepts an identifier that can name a rule: bounded, valid UTF-8,
// with no space or control character.
func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("required")
	case len(id) > MaxIDLength:
		return fmt.Errorf("longer than %d bytes", MaxIDLength)
	case !utf8.ValidString(id):
		return errors.New("not valid UTF-8")
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return fmt.Errorf("%q holds a space or a control character", id)
	}
	return nil
}

// artifactURI turns the scanned path into the URI reference of the
// artifactLocation: relative paths slash-separated and cleaned, without a
// leading "./", percent-encoded; absolute paths as file URIs, since a pure
// package does not know the repository root to make them relative to.
func artifactURI(p string) (string, error) {
	switch {
	case strings.TrimSpace(p) == "":
		return "", errors.New("required")
	case len(p) > MaxPathLength:
		return "", fmt.Errorf("longer than %d bytes", MaxPathLength)
	case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
		return "", fmt.Errorf("%q is not valid UTF-8 or holds a control character", p)
	}
	slashed := strings.ReplaceAll(p, `\`, "/")
	// A Windows drive path (C:/...) is absolute too.
	drive := len(slashed) >= 3 && slashed[1] == ':' && slashed[2] == '/' && ('a' <= slashed[0]|0x20 && slashed[0]|0x20 <= 'z')
	if strings.HasPrefix(slashed, "/") || drive {
		if drive {
			slashed = "/" + slashed
		}
		u := url.URL{Scheme: "file", Path: path.Clean(slashed)}
		return u.String(), nil
	}
	clean := path.Clean(slashed)
	if clean == "." {
		return "", fmt.Errorf("%q names a directory, not a file", p)
	}
	u := url.URL{Path: clean}
	return u.String(), nil
}

// severity is the finding's policy severity: Severity when set, else
// SeverityName (a finding read back from JSON carries only the name).
func severity(f *finding.Finding) policy.Severity {
	if f.Severity != policy.None {
		return f.Severity
	}
	if s, err := policy.ParseSeverity(f.SeverityName); err == nil {
		return s
	}
	return policy.None
}

func level(s policy.Severity) string {
	switch {
	case s >= policy.High:
		return "error"
	case s == policy.Medium:
		return "warning"
	}
	return "note"
}

// compareFindings is a total order on the fields that reach the output.
func compareFindings(a, b *finding.Finding) int {
	return cmp.Or(
		cmp.Compare(a.Vuln, b.Vuln),
		cmp.Compare(componentKey(a.Component), componentKey(b.Component)),
		cmp.Compare(a.Component.Name, b.Component.Name),
		cmp.Compare(a.Status, b.Status),
		cmp.Compare(severity(a), severity(b)),
		cmp.Compare(a.Score, b.Score),
		cmp.Compare(a.FixedVersion, b.FixedVersion),
		cmp.Compare(a.Summary, b.Summary),
		cmp.Compare(a.StatusNote, b.StatusNote),
		slices.Compare(a.Aliases, b.Aliases),
		slices.Compare(a.Records, b.Records),
		cmp.Compare(dueAt(a), dueAt(b)),
		compareBool(a.Exploited, b.Exploited),
	)
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// sortResults orders the results of one rule by component, then by their
// whole encoding, so that two findings of the same component (which the
// finding invariants exclude, but an input may hold) still come out in one
// order.
func sortResults(rs []result) {
	type keyed struct {
		key string
		r   result
	}
	ks := make([]keyed, len(rs))
	for i, r := range rs {
		b, _ := json.Marshal(r) // a result always marshals: strings and ints
		ks[i] = keyed{r.Locations[0].LogicalLocations[0].FullyQualifiedName + "\x00" + string(b), r}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i := range ks {
		rs[i] = ks[i].r
	}
}

// componentKey identifies a component across runs: its purl, else
// ecosystem/package@version.
func componentKey(c finding.Component) string {
	if p := strings.TrimSpace(c.PURL); p != "" {
		return p
	}
	name := cmp.Or(strings.TrimSpace(c.Package), strings.TrimSpace(c.Name))
	key := name
	if c.Ecosystem != "" {
		key = c.Ecosystem + "/" + key
	}
	if c.Version != "" {
		key += "@" + c.Version
	}
	return key
}

func packageName(c finding.Component) string {
	return cmp.Or(oneLine(c.Package, maxShort), oneLine(c.Name, maxShort), oneLine(c.PURL, maxShort))
}

func dueAt(f *finding.Finding) string {
	if f.DueAt == nil {
		return ""
	}
	return f.DueAt.UTC().Format("2006-01-02T15:04:05Z")
}

func fingerprint(vuln string, c finding.Component) string {
	h := sha256.New()
	h.Write([]byte(vuln))
	h.Write([]byte{0})
	h.Write([]byte(componentKey(c)))
	return hex.EncodeToString(h.Sum(nil))
}

func buildResult(f *finding.Finding, ruleIndex int, uri string) result {
	c := f.Component
	pkg := packageName(c)
	version := oneLine(c.Version, maxShort)
	fixed := oneLine(f.FixedVersion, maxShort)
	eco := oneLine(c.Ecosystem, maxShort)

	subject := pkg
	if version != "" {
		subject += " " + version
	}
	if eco != "" {
		subject += " (" + eco + ")"
	}
	var msg strings.Builder
	switch f.Status {
	case finding.NotAffected:
		fmt.Fprintf(&msg, "%s is not affected by %s", subject, f.Vuln)
		if note := oneLine(f.StatusNote, maxShort); note != "" {
			msg.WriteString(": " + note)
		}
		msg.WriteString(".")
	case finding.UnderInvestigation:
		fmt.Fprintf(&msg, "%s may be affected by %s (under investigation).", subject, f.Vuln)
	default:
		fmt.Fprintf(&msg, "%s is affected by %s.", subject, f.Vuln)
	}
	if s := oneLine(f.Summary, maxShort); s != "" {
		msg.WriteString(" " + s)
		if !strings.HasSuffix(s, ".") {
			msg.WriteString(".")
		}
	}
	if f.Status != finding.NotAffected {
		if fixed != "" {
			fmt.Fprintf(&msg, " Fixed in %s %s: upgrade to it or later.", pkg, fixed)
		} else {
			msg.WriteString(" No fixed version is known.")
		}
	}

	fqn := oneLine(c.PURL, maxShort)
	if fqn == "" {
		fqn = oneLine(componentKey(c), maxShort)
	}
	r := result{
		RuleID:    f.Vuln,
		RuleIndex: ruleIndex,
		Level:     level(severity(f)),
		Message:   text{Text: msg.String()},
		Locations: []location{{
			PhysicalLocation: physicalLocation{
				ArtifactLocation: artifactLocation{URI: uri},
				// The SBOM does not say on which line a component is; line 1
				// is where SCA tools (grype, trivy) put such results.
				Region: region{StartLine: 1},
			},
			LogicalLocations: []logicalLocation{{Name: pkg, FullyQualifiedName: fqn, Kind: "package"}},
		}},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f.Vuln, c)},
		Properties: resultProps{
			Severity:     severity(f).String(),
			Status:       string(f.Status),
			Ecosystem:    eco,
			Package:      pkg,
			Version:      version,
			FixedVersion: fixed,
			Exploited:    f.Exploited,
			DueAt:        dueAt(f),
			Records:      cleanList(f.Records, maxRecords),
		},
	}
	if f.Status == finding.NotAffected {
		just := oneLine(f.StatusNote, maxLong)
		if just == "" {
			just = cmp.Or(string(f.Justification), "not affected")
		}
		r.Suppressions = []suppression{{Kind: "external", Status: "accepted", Justification: just}}
	}
	return r
}

// buildRule describes vulnerability id from its findings, which are in the
// total order of compareFindings.
func buildRule(id string, fs []*finding.Finding) rule {
	var summary string
	var score float64
	var sev policy.Severity
	var aliases []string
	exploited := false
	ecosystems := map[string]bool{}
	type fix struct{ eco, pkg, version string }
	var fixes []fix
	for _, f := range fs {
		if summary == "" {
			summary = oneLine(f.Summary, maxLong)
		}
		score = max(score, f.Score)
		sev = max(sev, severity(f))
		aliases = append(aliases, f.Aliases...)
		exploited = exploited || f.Exploited
		if e := ecosystemName(f.Component.Ecosystem); e != "" {
			ecosystems[e] = true
		}
		if f.FixedVersion != "" {
			fixes = append(fixes, fix{oneLine(f.Component.Ecosystem, maxShort), packageName(f.Component), oneLine(f.FixedVersion, maxShort)})
		}
	}
	aliases = slices.DeleteFunc(cleanList(aliases, 0), func(a string) bool { return a == id })
	if len(aliases) > maxAliases {
		aliases = aliases[:maxAliases]
	}
	slices.SortFunc(fixes, func(a, b fix) int {
		return cmp.Or(cmp.Compare(a.eco, b.eco), cmp.Compare(a.pkg, b.pkg), cmp.Compare(a.version, b.version))
	})
	fixes = slices.Compact(fixes)

	short := id
	if summary != "" {
		short = id + ": " + summary
	}
	full := summary
	if full == "" {
		full = "Vulnerability " + id + "."
	}

	links := make([]string, 0, 1+len(aliases))
	for _, a := range append([]string{id}, aliases...) {
		if u := link(a); u != "" {
			links = append(links, u)
		}
	}

	var t, md strings.Builder
	t.WriteString(full)
	fmt.Fprintf(&md, "**%s**: %s", markdown(id), markdown(full))
	if len(aliases) > 0 {
		t.WriteString("\n\nAliases: " + strings.Join(aliases, ", "))
		md.WriteString("\n\nAliases: ")
		for i, a := range aliases {
			if i > 0 {
				md.WriteString(", ")
			}
			md.WriteString(markdown(a))
		}
	}
	if len(fixes) > 0 {
		t.WriteString("\n\nFixed versions (upgrade to the version or later):")
		md.WriteString("\n\nFixed versions (upgrade to the version or later):\n")
		for _, x := range fixes {
			where := x.pkg
			if x.eco != "" {
				where += " (" + x.eco + ")"
			}
			t.WriteString("\n- " + where + ": " + x.version)
			md.WriteString("\n- " + markdown(where+": "+x.version))
		}
	} else {
		t.WriteString("\n\nNo fixed version is known.")
		md.WriteString("\n\nNo fixed version is known.")
	}
	if len(links) > 0 {
		t.WriteString("\n\nReferences:")
		md.WriteString("\n\nReferences:\n")
		for _, u := range links {
			t.WriteString("\n- " + u)
			md.WriteString("\n- <" + u + ">")
		}
	}

	tags := []string{"security", "vulnerability"}
	if sev > policy.None {
		tags = append(tags, sev.String())
	}
	if exploited {
		tags = append(tags, "exploited")
	}
	for _, e := range sortedKeys(ecosystems) {
		if len(tags) < maxTags {
			tags = append(tags, e)
		}
	}
	props := ruleProps{Tags: tags, Aliases: aliases}
	if score > 0 {
		props.SecuritySeverity = strconv.FormatFloat(score, 'f', 1, 64)
	}
	r := rule{
		ID:                   id,
		Name:                 id,
		ShortDescription:     text{Text: truncate(short, maxShort)},
		FullDescription:      text{Text: full},
		Help:                 help{Text: t.String(), Markdown: md.String()},
		DefaultConfiguration: configuration{Level: level(sev)},
		Properties:           props,
	}
	if len(links) > 0 {
		r.HelpURI = links[0]
	}
	return r
}

// ecosystemName is the ecosystem without its release ("Debian:12" is
// "Debian"), as a tag.
func ecosystemName(e string) string {
	e, _, _ = strings.Cut(e, ":")
	return oneLine(e, 64)
}

// osvPrefixes are the ID prefixes of the databases osv.dev serves.
var osvPrefixes = []string{
	"ALBA", "ALEA", "ALSA", "BELL", "BIT", "CGA", "CURL", "DEBIAN", "DLA", "DSA", "DTSA", "ECHO", "GHSA", "GO", "GSD",
	"HSEC", "LBSEC", "MAL", "MGASA", "MINI", "OESA", "OSV", "PSF", "PYSEC", "R", "RHBA", "RHEA", "RHSA", "RLSA", "RSEC",
	"RUSTSEC", "RXSA", "SUSE", "UBUNTU", "USN", "V8",
}

// link is the page of a vulnerability ID: NVD for a CVE, osv.dev for an ID
// of a database osv.dev serves, "" otherwise.
func link(id string) string {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || rest == "" || checkID(id) != nil {
		return ""
	}
	switch {
	case prefix == "CVE":
		return "https://nvd.nist.gov/vuln/detail/" + url.PathEscape(id)
	case slices.Contains(osvPrefixes, prefix):
		return "https://osv.dev/vulnerability/" + url.PathEscape(id)
	}
	return ""
}

// cleanList returns the distinct one-line values of list, sorted, at most
// limit of them (0: no limit).
func cleanList(list []string, limit int) []string {
	var out []string
	for _, s := range list {
		if s = oneLine(s, MaxIDLength); s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// oneLine makes s valid UTF-8, replaces control characters and runs of
// white space with one space, trims it and bounds it to limit bytes.
func oneLine(s string, limit int) string {
	if len(s) > 4*limit {
		s = s[:4*limit] // the rest cannot survive the truncation below
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return truncate(b.String(), limit)
}

// truncate cuts valid UTF-8 s to at most limit bytes on a rune boundary,
// marking the cut with an ellipsis.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// markdown escapes the characters that CommonMark and GitHub's extensions
// give a meaning to inside a line (emphasis, code, links, HTML, entities,
// tables, strikethrough), and the block markers a text could start with,
// so that text from a vulnerability record renders as text: no links, HTML
// or emphasis an advisory author slipped in.
func markdown(s string) string {
	var b strings.Builder
	start := true // still in the leading digits, where "1." starts a list
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf && strings.ContainsRune("\\`*_[]<>|~&", r),
			i == 0 && strings.ContainsRune("#+-=", r),
			start && i > 0 && (r == '.' || r == ')'):
			b.WriteByte('\\')
		}
		start = start && '0' <= r && r <= '9'
		b.WriteRune(r)
	}
	return b.String()
}

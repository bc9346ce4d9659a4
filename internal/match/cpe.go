package match

// CPE matching: the opt-in matching of components without a purl against
// NVD's CPE applicability statements (vuln.Record.Configurations).
//
// Invariants of this file, in addition to the package's:
//   - ParseCPE accepts a CPE 2.3 formatted string (NISTIR 7695 §6.2) and,
//     because SBOMs and the Debian security tracker's data/CPE still carry
//     them, a CPE 2.2 URI (§6.1); both give the same CPE, its literal values
//     unquoted and lowercase. Input is printable ASCII of at most MaxCPELen
//     bytes; anything else is an error wrapping ErrInvalidCPE, never a panic.
//     CPE.String binds it back to a formatted string that parses to the same
//     CPE.
//   - Attributes are compared as NISTIR 7696 does, with the criterion as
//     source and the component as target, and only the relations EQUAL and
//     SUPERSET match: a criterion's ANY matches anything, its NA only NA, its
//     literal (with "*" and "?" wildcards at its ends) only a literal of the
//     component. A component's ANY or NA never matches a criterion's literal,
//     and a component value with wildcards matches only a criterion's ANY
//     (the relation is undefined).
//   - Version bounds are compared with CompareCPEVersion; a component whose
//     version is not a plain literal never satisfies a bounded match.
//   - Platform conditions (matches with Vulnerable false) are assumed to
//     hold, since an SBOM component does not say what it runs on; a
//     configuration is satisfied only through a vulnerable match the
//     component itself satisfies, and the hit names the assumed platforms.
//   - A CPEIndex is immutable once built, safe for concurrent use, and keyed
//     by (part, vendor, product) of the vulnerable matches; a configuration
//     with a criterion it cannot read or key, or an operator it does not
//     know, is left out whole and reported as a Problem: evaluating it
//     without that part could report the wrong components.

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// MaxCPELen bounds the length of a CPE string ParseCPE reads.
const MaxCPELen = 2048

// CPEEcosystem is the Key.Ecosystem of CPE keys: a CPE component and the
// NVD records whose configurations may apply to it share a Key
// {CPEEcosystem, "part:vendor:product"}, so that the store and a rematch
// can treat them like package keys.
const CPEEcosystem = "CPE"

// ErrInvalidCPE is wrapped by every error of ParseCPE.
var ErrInvalidCPE = errors.New("invalid CPE")

// CPEValueKind says whether an attribute value is a logical value or a
// literal.
type CPEValueKind uint8

// The kinds of attribute values; the zero value is a literal.
const (
	CPELiteral CPEValueKind = iota
	CPEAny                  // "*" in a formatted string, empty in a URI
	CPENA                   // "-": not applicable
)

// CPEStar is the value of CPEValue.Lead or Trail for the "*" wildcard
// (zero or more characters); a positive count n is n "?" wildcards (one
// character each).
const CPEStar = -1

// CPEValue is one attribute of a CPE.
type CPEValue struct {
	Kind CPEValueKind
	// Text is a literal's characters, unquoted and lowercase, without the
	// wildcards at its ends.
	Text string
	// Lead and Trail are the wildcards before and after Text: 0 for none,
	// CPEStar for "*", n > 0 for n "?". The specification allows wildcards
	// only at the ends of a value; in a component (a name, not a pattern)
	// they make the value match only a criterion's ANY.
	Lead, Trail int
}

// plain reports whether v is a literal without wildcards.
func (v CPEValue) plain() bool { return v.Kind == CPELiteral && v.Lead == 0 && v.Trail == 0 }

// String binds the value as a formatted string does: "*", "-", or the text
// with every character but letters, digits, "_", "-" and "." quoted.
func (v CPEValue) String() string {
	switch v.Kind {
	case CPEAny:
		return "*"
	case CPENA:
		return "-"
	}
	var b strings.Builder
	wild := func(n int) {
		if n == CPEStar {
			b.WriteByte('*')
		}
		for range max(n, 0) {
			b.WriteByte('?')
		}
	}
	wild(v.Lead)
	if v.Text == "-" && v.Lead == 0 && v.Trail == 0 {
		b.WriteString(`\-`) // a bare "-" would read as NA
	} else {
		for i := 0; i < len(v.Text); i++ {
			c := v.Text[i]
			if !isAlnum(c) && c != '_' && c != '-' && c != '.' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
	}
	wild(v.Trail)
	return b.String()
}

// CPE is a parsed CPE 2.3 formatted string
// (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)
// with the specification's escaping (NISTIR 7695: backslash quoting, "*"
// ANY, "-" NA), or a parsed CPE 2.2 URI.
type CPE struct {
	Part, Vendor, Product, Version, Update, Edition, Language,
	SWEdition, TargetSW, TargetHW, Other CPEValue
}

// cpeAttrNames are the attribute names, in binding order.
var cpeAttrNames = [11]string{"part", "vendor", "product", "version", "update", "edition", "language", "sw_edition", "target_sw", "target_hw", "other"}

// attrs returns pointers to the attributes, in binding order.
func (c *CPE) attrs() [11]*CPEValue {
	return [11]*CPEValue{&c.Part, &c.Vendor, &c.Product, &c.Version, &c.Update, &c.Edition, &c.Language,
		&c.SWEdition, &c.TargetSW, &c.TargetHW, &c.Other}
}

// String is the CPE's formatted-string binding. Quoting can make it longer
// than the string the CPE was parsed from (a URI's literal "*" is "*" there
// and "\*" here), so the binding of a CPE near MaxCPELen may exceed it.
func (c CPE) String() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for _, v := range c.attrs() {
		b.WriteByte(':')
		b.WriteString(v.String())
	}
	return b.String()
}

// Key returns the key the CPE is matched on, {CPEEcosystem,
// "part:vendor:product"} in the formatted-string binding; ok is false
// when one of the three is not a literal without wildcards (such a
// component matches no NVD criterion, whose three are always literals).
func (c CPE) Key() (k Key, ok bool) {
	if !c.Part.plain() || !c.Vendor.plain() || !c.Product.plain() {
		return Key{}, false
	}
	return Key{Ecosystem: CPEEcosystem, Package: c.Part.String() + ":" + c.Vendor.String() + ":" + c.Product.String()}, true
}

// ParseCPE parses a CPE 2.3 formatted string, or a CPE 2.2 URI ("cpe:/a:
// vendor:product:version..."). Literal values are lowercased: CPE names
// compare case-insensitively. Every bad attribute is reported, joined.
func ParseCPE(s string) (CPE, error) {
	if len(s) > MaxCPELen {
		return CPE{}, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidCPE, len(s), MaxCPELen)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return CPE{}, fmt.Errorf("%w %q: byte %d is not printable ASCII", ErrInvalidCPE, clipCPE(s), i)
		}
	}
	var (
		c   CPE
		err error
	)
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "cpe:2.3:"):
		c, err = parseFormatted(s[8:])
	case len(s) >= 5 && strings.EqualFold(s[:5], "cpe:/"):
		c, err = parseURI(s[5:])
	default:
		return CPE{}, fmt.Errorf("%w %q: neither a CPE 2.3 formatted string (cpe:2.3:) nor a CPE URI (cpe:/)", ErrInvalidCPE, clipCPE(s))
	}
	if err != nil {
		return CPE{}, fmt.Errorf("%w %q: %w", ErrInvalidCPE, clipCPE(s), err)
	}
	if p := c.Part; p.Kind == CPELiteral && (!p.plain() || p.Text != "a" && p.Text != "o" && p.Text != "h") {
		return CPE{}, fmt.Errorf("%w %q: part: %q is not a, o or h", ErrInvalidCPE, clipCPE(s), p.String())
	}
	return c, nil
}

func clipCPE(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// unit is one character of a value: quoted ones are always literal.
type unit struct {
	c      byte
	quoted bool
}

// parseFormatted reads the eleven attributes after "cpe:2.3:".
func parseFormatted(s string) (CPE, error) {
	var fields [][]unit
	var cur []unit
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return CPE{}, errors.New("a backslash ends the string")
			}
			i++
			cur = append(cur, unit{c: s[i], quoted: true})
		case ':':
			fields = append(fields, cur)
			cur = nil
		default:
			cur = append(cur, unit{c: c})
		}
	}
	fields = append(fields, cur)
	if len(fields) != 11 {
		return CPE{}, fmt.Errorf("%d attributes after cpe:2.3:, want 11", len(fields))
	}
	var c CPE
	var errs []error
	for i, v := range c.attrs() {
		f := fields[i]
		switch {
		case len(f) == 0:
			errs = append(errs, fmt.Errorf("%s: empty", cpeAttrNames[i]))
			continue
		case len(f) == 1 && f[0] == unit{c: '*'}:
			v.Kind = CPEAny
			continue
		case len(f) == 1 && f[0] == unit{c: '-'}:
			v.Kind = CPENA
			continue
		}
		var err error
		if *v, err = valueOf(f); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", cpeAttrNames[i], err))
		}
	}
	return c, errors.Join(errs...)
}

// valueOf makes a literal of units, with the unquoted "*" or runs of "?"
// at its ends as wildcards.
func valueOf(f []unit) (CPEValue, error) {
	var v CPEValue
	wild := func(u unit) bool { return !u.quoted && (u.c == '*' || u.c == '?') }
	lo, hi := 0, len(f)
	if f[0] == (unit{c: '*'}) {
		v.Lead, lo = CPEStar, 1
	} else {
		for lo < hi && f[lo] == (unit{c: '?'}) {
			lo++
		}
		v.Lead = lo
	}
	if hi > lo && f[hi-1] == (unit{c: '*'}) {
		v.Trail, hi = CPEStar, hi-1
	} else {
		for hi > lo && f[hi-1] == (unit{c: '?'}) {
			hi--
		}
		v.Trail = len(f) - hi
	}
	if hi == lo && (v.Lead == CPEStar || v.Trail != 0) {
		// only a run of "?" may stand without text
		return CPEValue{}, errors.New(`"*" beside another wildcard`)
	}
	b := make([]byte, 0, hi-lo)
	for _, u := range f[lo:hi] {
		if wild(u) {
			return CPEValue{}, fmt.Errorf("unquoted %q inside the value: wildcards may only begin or end it", u.c)
		}
		b = append(b, lower(u.c))
	}
	v.Text = string(b)
	return v, nil
}

// parseURI reads the components after "cpe:/" (NISTIR 7695 §6.1.3):
// part, vendor, product, version, update, edition (perhaps packed with
// "~" holding edition, sw_edition, target_sw, target_hw and other) and
// language; missing ones are ANY.
func parseURI(s string) (CPE, error) {
	comps := strings.Split(s, ":")
	if len(comps) > 7 {
		return CPE{}, fmt.Errorf("%d components after cpe:/, at most 7", len(comps))
	}
	var c CPE
	var errs []error
	set := func(v *CPEValue, name, raw string) {
		var err error
		if *v, err = uriValue(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	targets := []*CPEValue{&c.Part, &c.Vendor, &c.Product, &c.Version, &c.Update, &c.Edition, &c.Language}
	names := []string{"part", "vendor", "product", "version", "update", "edition", "language"}
	for i := range targets {
		if i >= len(comps) {
			targets[i].Kind = CPEAny
			continue
		}
		if i == 5 && strings.HasPrefix(comps[i], "~") {
			packed := strings.Split(comps[i], "~")
			if len(packed) != 6 {
				errs = append(errs, fmt.Errorf("edition: packed with %d parts, want 5", len(packed)-1))
				continue
			}
			for j, v := range []*CPEValue{&c.Edition, &c.SWEdition, &c.TargetSW, &c.TargetHW, &c.Other} {
				set(v, cpeAttrNames[5+j+min(j, 1)], packed[j+1])
			}
			continue
		}
		set(targets[i], names[i], comps[i])
	}
	for _, v := range []*CPEValue{&c.SWEdition, &c.TargetSW, &c.TargetHW, &c.Other} {
		if len(comps) < 6 || !strings.HasPrefix(comps[5], "~") {
			v.Kind = CPEAny
		}
	}
	return c, errors.Join(errs...)
}

// uriValue decodes one URI component: empty is ANY, "-" NA, "%01" and
// "%02" the wildcards "?" and "*", other "%xx" the character they encode.
func uriValue(s string) (CPEValue, error) {
	switch s {
	case "":
		return CPEValue{Kind: CPEAny}, nil
	case "-":
		return CPEValue{Kind: CPENA}, nil
	}
	var f []unit
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			f = append(f, unit{c: s[i], quoted: true})
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return CPEValue{}, fmt.Errorf("bad percent-encoding at byte %d", i)
		}
		b := unhex(s[i+1])<<4 | unhex(s[i+2])
		i += 2
		switch {
		case b == 1:
			f = append(f, unit{c: '?'})
		case b == 2:
			f = append(f, unit{c: '*'})
		case b < 0x21 || b > 0x7e:
			return CPEValue{}, fmt.Errorf("%%%02x is not a printable character", b)
		default:
			f = append(f, unit{c: b, quoted: true})
		}
	}
	return valueOf(f)
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matches reports whether the criterion's value src matches the
// component's value tgt: NISTIR 7696's EQUAL or SUPERSET.
func (src CPEValue) matches(tgt CPEValue) bool {
	switch src.Kind {
	case CPEAny:
		return true
	case CPENA:
		return tgt.Kind == CPENA
	}
	if !tgt.plain() {
		return false
	}
	t := tgt.Text
	if src.Lead == 0 && src.Trail == 0 {
		return t == src.Text
	}
	fits := func(n, w int) bool { return w == CPEStar || n == w }
	for p := 0; p+len(src.Text) <= len(t); p++ {
		if !fits(p, src.Lead) {
			if src.Lead != CPEStar && p > src.Lead {
				break
			}
			continue
		}
		if t[p:p+len(src.Text)] == src.Text && fits(len(t)-p-len(src.Text), src.Trail) {
			return true
		}
	}
	return false
}

// preRelease ranks the words that mark a version before its release.
var preRelease = map[string]int{"dev": 1, "snapshot": 1, "alpha": 2, "beta": 3, "milestone": 4, "pre": 5, "preview": 5, "rc": 6, "cr": 6}

// CompareCPEVersion orders two versions as NVD's vendor-specific version
// bounds need: a generic comparison, since a CPE names no version scheme.
// A leading "v" before a digit is dropped; the rest is split into runs of
// digits and runs of letters (case-insensitive), every other character
// separating them. Runs compare pairwise: two numbers numerically (any
// length), two words by pre-release rank (dev and snapshot < alpha < beta
// < milestone < pre and preview < rc and cr < any other word) and then
// lexically, and a word is below a number. When one version runs out, a
// missing run counts as the number 0 against a number ("2.0" = "2.0.0"),
// is above a pre-release word ("2.0rc1" < "2.0") and below any other word
// ("1.0.1" < "1.0.1g", as OpenSSL counts).
func CompareCPEVersion(a, b string) int {
	ta, tb := versionRuns(a), versionRuns(b)
	for i := 0; i < max(len(ta), len(tb)); i++ {
		switch {
		case i >= len(ta):
			return -compareMissing(tb[i])
		case i >= len(tb):
			return compareMissing(ta[i])
		}
		if c := compareRuns(ta[i], tb[i]); c != 0 {
			return c
		}
	}
	return 0
}

// compareMissing compares a run with the absence of one.
func compareMissing(r string) int {
	if isDigit(r[0]) {
		if strings.TrimLeft(r, "0") == "" {
			return 0
		}
		return 1
	}
	if preRelease[r] > 0 {
		return -1
	}
	return 1
}

func compareRuns(x, y string) int {
	dx, dy := isDigit(x[0]), isDigit(y[0])
	switch {
	case dx && dy:
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		return cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y))
	case dx:
		return 1
	case dy:
		return -1
	}
	rx, ry := preRelease[x], preRelease[y]
	if rx == 0 {
		rx = len(preRelease) + 1
	}
	if ry == 0 {
		ry = len(preRelease) + 1
	}
	return cmp.Or(cmp.Compare(rx, ry), strings.Compare(x, y))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// versionRuns splits a version into lowercase runs of digits or letters.
func versionRuns(s string) []string {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		s = s[1:]
	}
	var runs []string
	for i := 0; i < len(s); {
		c := s[i]
		if !isDigit(c) && !isLetter(c) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isDigit(s[j]) == isDigit(c) && (isDigit(c) || isLetter(s[j])) {
			j++
		}
		runs = append(runs, strings.ToLower(s[i:j]))
		i = j
	}
	return runs
}

// CPEHit is one record whose configuration a component's CPE satisfies,
// and why.
type CPEHit struct {
	Record *vuln.Record
	// Configuration is the index of the satisfied configuration in
	// Record.Configurations.
	Configuration int
	// Match is the vulnerable match the component satisfies (the first, in
	// the configuration's order), with its version bounds.
	Match vuln.CPEMatch
	// Criteria is Match.Criteria.
	Criteria string
	// Platforms are the criteria of the configuration's platform
	// conditions (non-vulnerable matches), assumed to hold.
	Platforms []string
	// Reason says which match held with which bounds, and what was
	// assumed, for the finding's reasons.
	Reason string
}

// Hit returns the hit as the package matcher's Hit for finding.Build:
// Affected and Range are -1 (an NVD record has no affected entries),
// Fixed is the match's versionEndExcluding (the version to upgrade to),
// LastAffected its versionEndIncluding, Introduced its
// versionStartIncluding, or "0" when the match has an upper bound only.
func (h CPEHit) Hit() Hit {
	m := h.Match
	intro := m.VersionStartIncluding
	if intro == "" && m.VersionStartExcluding == "" && (m.VersionEndExcluding != "" || m.VersionEndIncluding != "") {
		intro = "0"
	}
	return Hit{Record: h.Record, Affected: -1, Range: -1, Introduced: intro, Fixed: m.VersionEndExcluding, LastAffected: m.VersionEndIncluding}
}

// CPEHits converts hits with CPEHit.Hit.
func CPEHits(hits []CPEHit) []Hit {
	out := make([]Hit, len(hits))
	for i, h := range hits {
		out[i] = h.Hit()
	}
	return out
}

type cpeMatch struct {
	raw      *vuln.CPEMatch
	crit     CPE
	bounded  bool
	platform bool // not vulnerable: a platform condition, assumed to hold
}

type cpeNode struct {
	and, negate bool
	matches     []cpeMatch
}

type cpeConfig struct {
	seq       int // order of the configuration in the indexed records
	rec       *vuln.Record
	index     int
	and       bool
	negate    bool
	nodes     []cpeNode
	platforms []string
}

// CPEIndex is the matchable form of NVD records' configurations, keyed by
// (part, vendor, product) of their vulnerable matches. It is immutable.
type CPEIndex struct {
	byKey map[Key][]*cpeConfig
}

// Len is the number of (part, vendor, product) keys in the index.
func (ix *CPEIndex) Len() int { return len(ix.byKey) }

// NewCPEIndex builds an index of the records' configurations; records
// without configurations and withdrawn ones are skipped. The Problems are
// the configurations it had to leave out, named "ID: configurations[i]".
func NewCPEIndex(records []vuln.Record) (*CPEIndex, []Problem) {
	ix := &CPEIndex{byKey: make(map[Key][]*cpeConfig)}
	var problems []Problem
	seq := 0
	for i := range records {
		rec := &records[i]
		if rec.Withdrawn != nil {
			continue
		}
		for ci := range rec.Configurations {
			cf, keys, err := buildConfig(rec, ci)
			if err != nil {
				problems = append(problems, Problem{Name: fmt.Sprintf("%s: configurations[%d]", rec.ID, ci), Err: err})
				continue
			}
			cf.seq = seq
			seq++
			for _, k := range keys {
				ix.byKey[k] = append(ix.byKey[k], cf)
			}
		}
	}
	return ix, problems
}

// operator reads an NVD operator; empty is OR, as NVD leaves it out of a
// configuration with one node.
func operator(op string) (and bool, err error) {
	switch op {
	case "AND":
		return true, nil
	case "OR", "":
		return false, nil
	}
	return false, fmt.Errorf("operator %q is neither AND nor OR", clipCPE(op))
}

// buildConfig returns the configuration and the keys of its vulnerable
// matches, or every problem of it.
func buildConfig(rec *vuln.Record, ci int) (*cpeConfig, []Key, error) {
	c := &rec.Configurations[ci]
	cf := &cpeConfig{rec: rec, index: ci, negate: c.Negate}
	var errs []error
	var err error
	if cf.and, err = operator(c.Operator); err != nil {
		errs = append(errs, err)
	}
	var keys []Key
	for ni := range c.Nodes {
		n := &c.Nodes[ni]
		node := cpeNode{negate: n.Negate}
		if node.and, err = operator(n.Operator); err != nil {
			errs = append(errs, fmt.Errorf("nodes[%d]: %w", ni, err))
		}
		for mi := range n.Matches {
			m := &n.Matches[mi]
			crit, err := ParseCPE(m.Criteria)
			if err != nil {
				errs = append(errs, fmt.Errorf("nodes[%d].cpeMatch[%d].criteria: %w", ni, mi, err))
				continue
			}
			cm := cpeMatch{raw: m, crit: crit, platform: !m.Vulnerable,
				bounded: m.VersionStartIncluding != "" || m.VersionStartExcluding != "" || m.VersionEndIncluding != "" || m.VersionEndExcluding != ""}
			if cm.platform {
				if !slices.Contains(cf.platforms, m.Criteria) {
					cf.platforms = append(cf.platforms, m.Criteria)
				}
			} else {
				k, ok := crit.Key()
				if !ok {
					errs = append(errs, fmt.Errorf("nodes[%d].cpeMatch[%d].criteria: part, vendor or product is not a plain literal: cannot be indexed", ni, mi))
				} else if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			node.matches = append(node.matches, cm)
		}
		cf.nodes = append(cf.nodes, node)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return cf, keys, nil
}

// holds reports whether a vulnerable match holds for the component.
func (m *cpeMatch) holds(c *CPE) bool {
	ca, ta := m.crit.attrs(), c.attrs()
	for i := range ca {
		if !ca[i].matches(*ta[i]) {
			return false
		}
	}
	if !m.bounded {
		return true
	}
	if !c.Version.plain() {
		return false // unknown version: never within bounds
	}
	v := c.Version.Text
	r := m.raw
	return (r.VersionStartIncluding == "" || CompareCPEVersion(v, r.VersionStartIncluding) >= 0) &&
		(r.VersionStartExcluding == "" || CompareCPEVersion(v, r.VersionStartExcluding) > 0) &&
		(r.VersionEndIncluding == "" || CompareCPEVersion(v, r.VersionEndIncluding) <= 0) &&
		(r.VersionEndExcluding == "" || CompareCPEVersion(v, r.VersionEndExcluding) < 0)
}

// eval evaluates the configuration for the component: platform conditions
// hold, vulnerable matches as the component satisfies them; held is the
// first vulnerable match that holds in a node that is true and not
// negated. Every match is evaluated (no short circuit), so that held is
// found wherever it is.
func (cf *cpeConfig) eval(c *CPE) (ok bool, held *cpeMatch) {
	ok = cf.and
	for ni := range cf.nodes {
		n := &cf.nodes[ni]
		v := n.and
		var first *cpeMatch
		for mi := range n.matches {
			m := &n.matches[mi]
			h := m.platform || m.holds(c)
			if h && !m.platform && first == nil {
				first = m
			}
			if n.and {
				v = v && h
			} else {
				v = v || h
			}
		}
		v = v != n.negate
		if v && !n.negate && held == nil {
			held = first
		}
		if cf.and {
			ok = ok && v
		} else {
			ok = ok || v
		}
	}
	ok = ok != cf.negate
	return ok && held != nil, held
}

// MatchCPE parses a component's CPE and returns the records whose
// configurations it satisfies; see Match.
func (ix *CPEIndex) MatchCPE(cpe string) ([]CPEHit, error) {
	c, err := ParseCPE(cpe)
	if err != nil {
		return nil, err
	}
	return ix.Match(c), nil
}

// Match returns the records whose configurations the component's CPE
// satisfies, one hit per record (its first satisfied configuration), in
// the order the records and configurations were indexed.
//
// A configuration is satisfied when its nodes combine (Operator AND or OR,
// then Negate) to true and a vulnerable match the component satisfies
// took part; a node is true when its matches combine (AND or OR, then
// Negate) to true. A vulnerable match holds when every attribute of its
// criterion matches the component's (see the file's invariants) and the
// component's version is within the match's bounds (CompareCPEVersion; a
// version that is ANY, NA or has wildcards is unknown and never within
// bounds). A non-vulnerable match is a platform condition ("running on
// Windows"): an SBOM component does not say its platform, so it is assumed
// to hold, and the hit lists it, because missing a vulnerability is worse
// than a false positive a rule can dismiss. Each component is matched
// alone: a configuration that needs two vulnerable products together is
// not satisfied by either.
func (ix *CPEIndex) Match(c CPE) []CPEHit {
	k, ok := c.Key()
	if !ok {
		return nil
	}
	var hits []CPEHit
	for _, cf := range ix.byKey[k] {
		if len(hits) > 0 && hits[len(hits)-1].Record == cf.rec {
			continue // one hit per record: configurations of a record are adjacent
		}
		sat, m := cf.eval(&c)
		if !sat {
			continue
		}
		hits = append(hits, CPEHit{Record: cf.rec, Configuration: cf.index, Match: *m.raw, Criteria: m.raw.Criteria,
			Platforms: slices.Clone(cf.platforms), Reason: cpeReason(cf, m)})
	}
	return hits
}

// cpeReason describes the satisfied configuration.
func cpeReason(cf *cpeConfig, m *cpeMatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CPE match (opt-in) of %s configurations[%d]: %s", cf.rec.ID, cf.index, m.raw.Criteria)
	r := m.raw
	var bounds []string
	for _, x := range []struct{ v, s string }{
		{r.VersionStartIncluding, "from %s (including)"}, {r.VersionStartExcluding, "from %s (excluding)"},
		{r.VersionEndIncluding, "up to %s (including)"}, {r.VersionEndExcluding, "up to %s (excluding)"},
	} {
		if x.v != "" {
			bounds = append(bounds, fmt.Sprintf(x.s, x.v))
		}
	}
	if len(bounds) > 0 {
		b.WriteString(" versions " + strings.Join(bounds, " "))
	}
	if len(cf.platforms) > 0 {
		const show = 5
		b.WriteString("; platform conditions assumed to hold: " + strings.Join(cf.platforms[:min(show, len(cf.platforms))], ", "))
		if len(cf.platforms) > show {
			fmt.Fprintf(&b, " and %d more", len(cf.platforms)-show)
		}
	}
	return b.String()
}

// CPERecordKeys returns the keys of a record's vulnerable CPE matches,
// {CPEEcosystem, "part:vendor:product"}, without repetition, in the
// record's order: the keys a store indexes NVD records by so that a CPE
// component finds them. Criteria that do not parse or cannot be keyed are
// left out (NewCPEIndex reports them).
func CPERecordKeys(r *vuln.Record) []Key {
	var keys []Key
	for _, c := range r.Configurations {
		for _, n := range c.Nodes {
			for _, m := range n.Matches {
				if !m.Vulnerable {
					continue
				}
				crit, err := ParseCPE(m.Criteria)
				if err != nil {
					continue
				}
				if k, ok := crit.Key(); ok && !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

// CPEOf returns the CPE of an SBOM component that only a CPE can identify
// (no purl or no ecosystem) and its key; ok is false for a component with
// a purl and ecosystem (the package matcher's, never matched twice), one
// without a CPE, and one whose CPE does not parse or has no key.
func CPEOf(c sbom.Component) (cpe CPE, k Key, ok bool) {
	if c.PURL != "" && c.Ecosystem != "" || c.CPE == "" {
		return CPE{}, Key{}, false
	}
	cpe, err := ParseCPE(c.CPE)
	if err != nil {
		return CPE{}, Key{}, false
	}
	k, ok = cpe.Key()
	if !ok {
		return CPE{}, Key{}, false
	}
	return cpe, k, true
}

package version

import "strings"

// pypiVersion is a PEP 440 version in packaging's comparison form, or, when
// legacy is set, a version PEP 440 rejects in setuptools' LegacyVersion form.
type pypiVersion struct {
	legacy  []string
	epoch   string
	release []string // numeric components, trailing zeros dropped
	preL    byte     // 'a', 'b' or 'r' (rc); 0 for none — bytes order as phases do
	preN    string
	hasPost bool
	postN   string
	hasDev  bool
	devN    string
	local   []string // lowercased segments; nil for none
}

// parsePyPI parses PEP 440 (packaging's VERSION_PATTERN, normalising
// spellings). Anything else non-empty is a legacy version, as pip accepted
// before packaging 22; PyPI still serves such releases.
func parsePyPI(s string) (parsed, string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil, "version string is empty"
	}
	if v, ok := parsePEP440(s); ok {
		return v, ""
	}
	return pypiVersion{legacy: legacyParts(s)}, ""
}

type pyScanner struct {
	s string
	i int
}

func (p *pyScanner) digits() string {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func isPySep(c byte) bool { return c == '.' || c == '-' || c == '_' }

// word consumes an optional separator then the first of words found at the
// cursor, returning it, or leaves the cursor unchanged and returns "".
func (p *pyScanner) word(words ...string) string {
	j := p.i
	if j < len(p.s) && isPySep(p.s[j]) {
		j++
	}
	for _, w := range words {
		if strings.HasPrefix(p.s[j:], w) {
			p.i = j + len(w)
			return w
		}
	}
	return ""
}

// number consumes an optional separator and digits after a phase word; the
// separator alone is consumed too, as the PEP 440 pattern allows.
func (p *pyScanner) number() string {
	if p.i < len(p.s) && isPySep(p.s[p.i]) {
		p.i++
	}
	return p.digits()
}

func parsePEP440(s string) (pypiVersion, bool) {
	var v pypiVersion
	p := &pyScanner{s: strings.TrimPrefix(s, "v")}
	first := p.digits()
	if first == "" {
		return v, false
	}
	v.epoch = "0"
	if p.i < len(p.s) && p.s[p.i] == '!' {
		v.epoch = first
		p.i++
		if first = p.digits(); first == "" {
			return v, false
		}
	}
	v.release = append(v.release, first)
	for p.i+1 < len(p.s) && p.s[p.i] == '.' && isDigit(p.s[p.i+1]) {
		p.i++
		v.release = append(v.release, p.digits())
	}
	for len(v.release) > 1 && trimZeros(v.release[len(v.release)-1]) == "" {
		v.release = v.release[:len(v.release)-1]
	}
	// Longer spellings first, so that "alpha" is not read as "a".
	switch p.word("preview", "alpha", "beta", "pre", "rc", "a", "b", "c") {
	case "":
	case "alpha", "a":
		v.preL, v.preN = 'a', orZero(p.number())
	case "beta", "b":
		v.preL, v.preN = 'b', orZero(p.number())
	default:
		v.preL, v.preN = 'r', orZero(p.number())
	}
	if p.i+1 < len(p.s) && p.s[p.i] == '-' && isDigit(p.s[p.i+1]) {
		p.i++
		v.hasPost, v.postN = true, p.digits() // implicit post release: 1.0-1
	} else if p.word("post", "rev", "r") != "" {
		v.hasPost, v.postN = true, orZero(p.number())
	}
	if p.word("dev") != "" {
		v.hasDev, v.devN = true, orZero(p.number())
	}
	if p.i < len(p.s) && p.s[p.i] == '+' {
		local := p.s[p.i+1:]
		if !validLocal(local) {
			return v, false
		}
		v.local = strings.FieldsFunc(local, func(r rune) bool { return r < 0x80 && isPySep(byte(r)) })
		p.i = len(p.s)
	}
	return v, p.i == len(p.s)
}

func orZero(n string) string {
	if n == "" {
		return "0"
	}
	return n
}

// validLocal checks [a-z0-9]+([-_.][a-z0-9]+)* on a lowercased string.
func validLocal(s string) bool {
	prevSep := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c) || ('a' <= c && c <= 'z'):
			prevSep = false
		case isPySep(c) && !prevSep:
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// legacyParts is packaging's _legacy_cmpkey (packaging < 22) on a
// lowercased string.
func legacyParts(s string) []string {
	var parts []string
	add := func(part string) {
		switch part {
		case "", ".":
			return
		case "pre", "preview", "rc":
			part = "c"
		case "-":
			part = "final-"
		case "dev":
			part = "@"
		}
		if isDigit(part[0]) {
			if len(part) < 8 {
				part = strings.Repeat("0", 8-len(part)) + part
			}
		} else {
			part = "*" + part
		}
		if part[0] == '*' {
			if part < "*final" {
				for len(parts) > 0 && parts[len(parts)-1] == "*final-" {
					parts = parts[:len(parts)-1]
				}
			}
			for len(parts) > 0 && parts[len(parts)-1] == "00000000" {
				parts = parts[:len(parts)-1]
			}
		}
		parts = append(parts, part)
	}
	// re.split(r"(\d+|[a-z]+|\.|-)", s): the matches and the text between them.
	other := 0
	for i := 0; i < len(s); {
		j := i
		switch c := s[i]; {
		case isDigit(c):
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		case 'a' <= c && c <= 'z':
			for j < len(s) && 'a' <= s[j] && s[j] <= 'z' {
				j++
			}
		case c == '.' || c == '-':
			j++
		default:
			i++
			continue
		}
		add(s[other:i])
		add(s[i:j])
		i, other = j, j
	}
	add(s[other:])
	add("final")
	return parts
}

func (v pypiVersion) cmp(o parsed) int {
	w := o.(pypiVersion)
	switch {
	case v.legacy != nil && w.legacy != nil:
		for i := 0; i < len(v.legacy) && i < len(w.legacy); i++ {
			if c := strings.Compare(v.legacy[i], w.legacy[i]); c != 0 {
				return c
			}
		}
		return sign(len(v.legacy) - len(w.legacy))
	case v.legacy != nil:
		return -1
	case w.legacy != nil:
		return 1
	}
	if c := cmpDigits(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) || i < len(w.release); i++ {
		a, b := "0", "0"
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(w.release) {
			b = w.release[i]
		}
		if c := cmpDigits(a, b); c != 0 {
			return c
		}
	}
	if c := sign(v.preRank() - w.preRank()); c != 0 {
		return c
	}
	if v.preL != 0 {
		if v.preL != w.preL {
			return sign(int(v.preL) - int(w.preL))
		}
		if c := cmpDigits(v.preN, w.preN); c != 0 {
			return c
		}
	}
	switch {
	case v.hasPost != w.hasPost:
		if v.hasPost {
			return 1
		}
		return -1
	case v.hasPost:
		if c := cmpDigits(v.postN, w.postN); c != 0 {
			return c
		}
	}
	switch {
	case v.hasDev != w.hasDev:
		if v.hasDev {
			return -1
		}
		return 1
	case v.hasDev:
		if c := cmpDigits(v.devN, w.devN); c != 0 {
			return c
		}
	}
	return cmpLocal(v.local, w.local)
}

// preRank places a bare dev release (1.0.dev0) before every prerelease and
// a final release after them, as packaging's _cmpkey does.
func (v pypiVersion) preRank() int {
	switch {
	case v.preL == 0 && !v.hasPost && v.hasDev:
		return 0
	case v.preL == 0:
		return 2
	}
	return 1
}

// cmpLocal: no local segment orders first; numeric segments after
// alphanumeric ones; a longer local version after its prefix.
func cmpLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := allDigits(a[i]), allDigits(b[i])
		var c int
		switch {
		case an && bn:
			c = cmpDigits(a[i], b[i])
		case an:
			c = 1
		case bn:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

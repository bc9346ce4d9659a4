package version

import "strings"

// mavenToken is one token of a Maven version: its separator ('.' or '-';
// the first token counts as '.') and its lowercased, normalised value.
type mavenToken struct {
	sep   byte
	value string
	num   bool
	null  bool // padding added while comparing, never parsed
}

// mavenVersion is the token list after trailing null values are trimmed.
type mavenVersion []mavenToken

// parseMaven accepts any non-empty string without whitespace, as Maven does.
func parseMaven(s string) (parsed, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "version string is empty"
	}
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		return nil, "version string has embedded spaces"
	}
	s = strings.ToLower(s)
	var v mavenVersion
	sep := byte('.')
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' && s[i] != '-' {
			continue
		}
		v = appendMavenTokens(v, sep, s[start:i])
		if i < len(s) {
			sep = s[i]
		}
		start = i + 1
	}
	// Trim trailing null values, then again before each remaining hyphen,
	// from the end to the start.
	for i := len(v) - 1; i > 0; {
		if v[i].isNullValue() {
			v = append(v[:i], v[i+1:]...)
			i--
			continue
		}
		for i >= 0 && v[i].sep != '-' {
			i--
		}
		i--
	}
	return v, ""
}

// appendMavenTokens splits one separated part at digit/letter transitions
// (a transition acts as a hyphen) and appends the normalised tokens.
func appendMavenTokens(v mavenVersion, sep byte, part string) mavenVersion {
	if part == "" {
		return append(v, mavenToken{sep: sep, value: "0", num: true})
	}
	start := 0
	for start < len(part) {
		end := start + 1
		d := isDigit(part[start])
		for end < len(part) && isDigit(part[end]) == d {
			end++
		}
		val := part[start:end]
		if d {
			val = trimZeros(val)
			if val == "" {
				val = "0"
			}
		} else {
			switch val {
			case "cr":
				val = "rc"
			case "ga", "final", "release":
				val = ""
			case "a", "b", "m":
				// Short forms only when a number follows directly.
				if end < len(part) {
					val = expandShort(val)
				}
			}
		}
		v = append(v, mavenToken{sep: sep, value: val, num: d})
		sep = '-'
		start = end
	}
	return v
}

func (t mavenToken) isNullValue() bool {
	return t.value == "0" || t.value == ""
}

// nullLike is the padding that stands opposite t in a shorter version: 0
// after '.', "" after '-'. Opposite ".sp" the padding is "" so that 1 < 1.sp.
func nullLike(t mavenToken) mavenToken {
	if t.sep == '-' || t.value == "sp" {
		return mavenToken{sep: t.sep, value: "", null: true}
	}
	return mavenToken{sep: '.', value: "0", num: true, null: true}
}

var mavenQualifiers = map[string]int{"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}

// rank orders tokens of different separators:
// ".qualifier" < "-qualifier" < "-number" < ".number".
func (t mavenToken) rank() int {
	switch {
	case t.num && t.sep == '.':
		return 3
	case t.num:
		return 2
	case t.sep == '-':
		return 1
	}
	return 0
}

func cmpMavenToken(a, b mavenToken) int {
	if a.sep == b.sep && a.value == b.value {
		return 0
	}
	if a.sep != b.sep {
		return sign(a.rank() - b.rank())
	}
	if a.num && b.num {
		return cmpDigits(a.value, b.value)
	}
	// A real number orders after a qualifier; a padded 0 does not.
	if a.num && !a.null {
		return 1
	}
	if b.num && !b.null {
		return -1
	}
	ai, aok := mavenQualifiers[a.value]
	bi, bok := mavenQualifiers[b.value]
	switch {
	case !aok && !bok:
		return strings.Compare(a.value, b.value)
	case !aok:
		return 1
	case !bok:
		return -1
	}
	return sign(ai - bi)
}

func (v mavenVersion) cmp(o parsed) int {
	w := o.(mavenVersion)
	for i := 0; i < len(v) || i < len(w); i++ {
		var a, b mavenToken
		switch {
		case i >= len(v):
			a, b = nullLike(w[i]), w[i]
		case i >= len(w):
			a, b = v[i], nullLike(v[i])
		default:
			a, b = v[i], w[i]
		}
		if c := cmpMavenToken(a, b); c != 0 {
			return c
		}
	}
	return 0
}

func expandShort(q string) string {
	switch q {
	case "a":
		return "alpha"
	case "b":
		return "beta"
	}
	return "milestone"
}

package version

import "strings"

// semverVersion is a Semantic Versioning 2.0 version. release holds the
// numeric components (three or more: loose forms such as "1.2" are padded, a
// fourth component is kept and compared rather than refused); pre holds the
// prerelease identifiers. Build metadata is dropped: it has no precedence.
type semverVersion struct {
	release []string
	pre     []string
}

// parseSemver parses strict semver plus the loose forms npm and the OSV
// feeds use. npm additionally allows a leading '=' and whitespace.
func parseSemver(s string, npm bool) (parsed, string) {
	s = strings.TrimSpace(s)
	if npm {
		s = strings.TrimLeft(s, "=v \t")
	} else {
		s = strings.TrimPrefix(s, "v")
	}
	if s == "" {
		return nil, "version string is empty"
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if reason := checkIdentifiers(s[i+1:], "build metadata"); reason != "" {
			return nil, reason
		}
		s = s[:i]
	}
	var v semverVersion
	v.release = make([]string, 0, 3)
	i := 0
	for {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return nil, "version core must be numbers separated by dots"
		}
		v.release = append(v.release, s[start:i])
		if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
			i++
			continue
		}
		break
	}
	for len(v.release) < 3 {
		v.release = append(v.release, "0")
	}
	rest := s[i:]
	switch {
	case rest == "":
		return v, ""
	case rest[0] == '-':
		rest = rest[1:]
	case isAlpha(rest[0]):
		// npm's loose mode: "1.2.3beta" is "1.2.3-beta".
	default:
		return nil, "unexpected " + quoteByte(rest[0]) + " after the version core"
	}
	if reason := checkIdentifiers(rest, "prerelease"); reason != "" {
		return nil, reason
	}
	v.pre = strings.Split(rest, ".")
	return v, ""
}

func quoteByte(c byte) string {
	return "'" + string(rune(c)) + "'"
}

// checkIdentifiers checks dot-separated identifiers of [0-9A-Za-z-].
func checkIdentifiers(s, what string) string {
	if s == "" {
		return "empty " + what
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if i == start {
				return "empty " + what + " identifier"
			}
			start = i + 1
			continue
		}
		if c := s[i]; !isDigit(c) && !isAlpha(c) && c != '-' {
			return "invalid character " + quoteByte(c) + " in " + what
		}
	}
	return ""
}

func (v semverVersion) cmp(o parsed) int {
	w := o.(semverVersion)
	n := max(len(v.release), len(w.release))
	for i := range n {
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
	// A version with a prerelease orders before the same version without.
	switch {
	case v.pre == nil && w.pre == nil:
		return 0
	case v.pre == nil:
		return 1
	case w.pre == nil:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(w.pre); i++ {
		a, b := v.pre[i], w.pre[i]
		an, bn := allDigits(a), allDigits(b)
		var c int
		switch {
		case an && bn:
			c = cmpDigits(a, b)
		case an:
			c = -1 // numeric identifiers order before alphanumeric ones
		case bn:
			c = 1
		default:
			c = strings.Compare(a, b)
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(v.pre) - len(w.pre))
}

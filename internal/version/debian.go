package version

import (
	"strconv"
	"strings"
)

// debianVersion is [epoch:]upstream[-revision] as dpkg parses it.
type debianVersion struct {
	epoch    int
	upstream string
	revision string
}

// parseDebian follows dpkg's parseversion. What dpkg treats as an error is
// one here; of its warnings, an upstream version not starting with a digit is
// accepted (old archives have them) while characters outside dpkg's set are
// refused, since no package can be built with them.
func parseDebian(s string) (parsed, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "version string is empty"
	}
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		return nil, "version string has embedded spaces"
	}
	var v debianVersion
	rest := s
	if e, after, ok := strings.Cut(s, ":"); ok {
		if e == "" {
			return nil, "epoch in version is empty"
		}
		if !allDigits(e) {
			return nil, "epoch in version is not number"
		}
		n, err := strconv.ParseInt(e, 10, 32)
		if err != nil {
			return nil, "epoch in version is too big"
		}
		v.epoch = int(n)
		rest = after
	}
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.upstream, v.revision = rest[:i], rest[i+1:]
		if v.revision == "" {
			return nil, "revision number is empty"
		}
	} else {
		v.upstream = rest
	}
	if v.upstream == "" {
		return nil, "version number is empty"
	}
	for i := 0; i < len(v.upstream); i++ {
		if c := v.upstream[i]; !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return nil, "invalid character in version number"
		}
	}
	for i := 0; i < len(v.revision); i++ {
		if c := v.revision[i]; !isDigit(c) && !isAlpha(c) && !strings.ContainsRune(".+~", rune(c)) {
			return nil, "invalid character in revision number"
		}
	}
	return v, ""
}

func (v debianVersion) cmp(o parsed) int {
	w := o.(debianVersion)
	if v.epoch != w.epoch {
		if v.epoch < w.epoch {
			return -1
		}
		return 1
	}
	if c := verrevcmp(v.upstream, w.upstream); c != 0 {
		return c
	}
	return verrevcmp(v.revision, w.revision)
}

// debOrder is dpkg's order(): digits 0 (handled apart), letters their
// value, '~' before everything including the end, other characters after
// all letters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	}
	return int(c) + 256
}

// verrevcmp is dpkg's verrevcmp, on indices instead of pointers.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

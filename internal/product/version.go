package product

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a release version X.Y.Z: major, minor and security upgrade number (R17).
type Version struct {
	Major, Minor, Patch int
}

// ErrVersion is returned for a string that is not X.Y.Z.
var ErrVersion = errors.New("version must be X.Y.Z with non-negative integers")

// maxPart bounds each number so that arithmetic never overflows.
const maxPart = 999999

// ParseVersion parses "X.Y.Z" with decimal numbers without leading zeros.
func ParseVersion(s string) (Version, error) {
	if len(s) > 32 {
		return Version{}, fmt.Errorf("%w: too long", ErrVersion)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("%w: %q", ErrVersion, s)
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || (len(p) > 1 && p[0] == '0') || strings.TrimLeft(p, "0123456789") != "" {
			return Version{}, fmt.Errorf("%w: %q", ErrVersion, s)
		}
		v, err := strconv.Atoi(p)
		if err != nil || v > maxPart {
			return Version{}, fmt.Errorf("%w: %q", ErrVersion, s)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// MustVersion is ParseVersion for constants; it panics on a bad string.
func MustVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// IsZero reports whether v is the zero value (0.0.0 is not a valid release).
func (v Version) IsZero() bool { return v == Version{} }

// NextSecurity is the next security upgrade version: Z+1 (R17).
func (v Version) NextSecurity() Version { return Version{v.Major, v.Minor, v.Patch + 1} }

// Compare returns -1, 0 or +1.
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.Major, w.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, w.Minor); c != 0 {
		return c
	}
	return cmp.Compare(v.Patch, w.Patch)
}

func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

func (v *Version) UnmarshalText(b []byte) error {
	p, err := ParseVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// NextSecurityRelease derives the version of the next security upgrade on a
// branch from its releases: one more than the highest Z of the highest X.Y.
// A branch without releases starts at X.0.0 or X.Y.0.
func NextSecurityRelease(branch string, versions []Version) (Version, error) {
	var top Version
	for _, v := range versions {
		if Contains(branch, v) && v.Compare(top) > 0 {
			top = v
		}
	}
	if !top.IsZero() {
		return top.NextSecurity(), nil
	}
	v := BranchBase(branch)
	if v.IsZero() && branch != "0" && branch != "0.0" {
		return Version{}, fmt.Errorf("branch %q: %w", branch, ErrVersion)
	}
	return v, nil
}

// BranchBase is the first version a branch name stands for: "41" is 41.0.0,
// "2.7" is 2.7.0; a malformed name gives the zero version.
func BranchBase(name string) Version {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return Version{}
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	v, _ := ParseVersion(strings.Join(parts, "."))
	return v
}

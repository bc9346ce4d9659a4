package sbom

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// dpkgEntry is one paragraph of a dpkg status file.
type dpkgEntry struct {
	line   int // first line
	fields map[string]string
}

// parseDpkg reads /var/lib/dpkg/status: paragraphs of "Field: value" lines
// (continuation lines start with a space or a tab) separated by blank lines.
// Only packages whose Status says "installed" are components; a paragraph
// without a Status field is taken as installed, so that an excerpt of a
// Packages file also reads.
func parseDpkg(data []byte, name string) (*SBOM, error) {
	s := &SBOM{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxLine)
	var (
		cur     *dpkgEntry
		lastKey string
		n       int
	)
	flush := func() {
		if cur != nil {
			addDpkg(s, name, cur)
		}
		cur, lastKey = nil, ""
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil || lastKey == "" {
				return nil, fmt.Errorf("%s:%d: %w: continuation line outside a field", name, n, ErrInvalid)
			}
			// Only the first line of multi-line fields (Description,
			// Conffiles) matters here; the rest is not kept.
			continue
		}
		if line[0] == '#' {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: %w: %q is not a \"Field: value\" line", name, n, ErrInvalid, truncate(line))
		}
		if cur == nil {
			if len(s.Components)+s.Skipped >= MaxComponents {
				return nil, fmt.Errorf("%s:%d: %w: more than %d packages", name, n, ErrTooLarge, MaxComponents)
			}
			cur = &dpkgEntry{line: n, fields: map[string]string{}}
		}
		key = strings.ToLower(key)
		if _, dup := cur.fields[key]; dup {
			return nil, fmt.Errorf("%s:%d: %w: field %s repeated in one paragraph", name, n, ErrInvalid, truncate(key))
		}
		cur.fields[key] = strings.TrimSpace(value)
		lastKey = key
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w: %v", name, n+1, ErrInvalid, err)
	}
	flush()
	return s, nil
}

func addDpkg(s *SBOM, file string, e *dpkgEntry) {
	f := e.fields
	if st, ok := f["status"]; ok {
		words := strings.Fields(st)
		if len(words) != 3 || words[2] != "installed" {
			s.Skipped++
			return
		}
	}
	c := Component{Name: f["package"], Version: f["version"], Ref: "Package: " + f["package"]}
	place := strconv.Itoa(e.line)
	switch {
	case c.Name == "":
		c.Ref = file + ":" + place
		s.unidentified(file, place, &c, "paragraph without a Package field")
		return
	case c.Version == "":
		s.unidentified(file, place, &c, "package "+strconv.Quote(truncate(c.Name))+" has no Version")
		return
	}
	src := debianSource{}
	if v := f["source"]; v != "" {
		// "Source: glibc" or, for a binNMU or a differing version,
		// "Source: glibc (2.36-9)".
		name, rest, _ := strings.Cut(v, " ")
		src.name = name
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
			src.version = strings.TrimSpace(rest[1 : len(rest)-1])
		}
	}
	purl := "pkg:deb/debian/" + escapePath(c.Name) + "@" + escapePath(c.Version)
	if a := f["architecture"]; a != "" {
		purl += "?arch=" + escapePath(a)
	}
	if err := identify(&c, purl, src); err != nil {
		s.unidentified(file, place, &c, err.Error())
		return
	}
	s.Components = append(s.Components, c)
}

// unidentified records a dpkg entry that is kept as a component without purl.
func (s *SBOM) unidentified(file, line string, c *Component, msg string) {
	s.Unidentified = append(s.Unidentified, Problem{Place: file + ":" + line, Ref: c.Ref, Message: msg})
	s.Components = append(s.Components, *c)
}

package sbom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/tagvalue"
)

func parseSPDX(data []byte, name string, isTag bool) (*SBOM, error) {
	var (
		doc     *spdx.Document
		err     error
		version string
		lines   []int // line of each PackageName in a tag-value document
	)
	if isTag {
		version, lines, err = scanTagValue(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
		}
		doc, err = tagvalue.Read(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %s%v", name, ErrInvalid, tagLine(data, err), err)
		}
	} else {
		doc, version, err = readSPDXJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %s", name, ErrInvalid, err)
		}
	}
	if len(doc.Packages) > MaxComponents {
		return nil, fmt.Errorf("%s: %w: %d packages, more than %d", name, ErrTooLarge, len(doc.Packages), MaxComponents)
	}
	s := &SBOM{SpecVersion: version, Name: doc.DocumentName}
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		place := "packages[" + strconv.Itoa(i) + "]"
		if isTag && len(lines) == len(doc.Packages) {
			place = "line " + strconv.Itoa(lines[i])
		}
		addSPDX(s, name, place, p)
	}
	return s, nil
}

func addSPDX(s *SBOM, file, place string, p *spdx.Package) {
	c := Component{
		Name:    p.PackageName,
		Version: p.PackageVersion,
		Ref:     "SPDXRef-" + string(p.PackageSPDXIdentifier),
	}
	if p.PackageSPDXIdentifier == "" {
		c.Ref = place
	}
	for _, l := range []string{p.PackageLicenseConcluded, p.PackageLicenseDeclared} {
		if l != "" && l != "NOASSERTION" && l != "NONE" && !contains(c.Licenses, l) {
			c.Licenses = append(c.Licenses, l)
		}
	}
	var purl string
	for _, ref := range p.PackageExternalReferences {
		if ref == nil {
			continue
		}
		switch ref.RefType {
		case "purl":
			if purl == "" {
				purl = ref.Locator
			}
		case "cpe23Type", "cpe22Type":
			if c.CPE == "" {
				c.CPE = ref.Locator
			}
		}
	}
	if purl == "" {
		switch p.PrimaryPackagePurpose {
		case "FILE", "OPERATING-SYSTEM", "OPERATING_SYSTEM":
			s.Skipped++
			return
		}
		s.problem(file, place, &c, "no purl: the package cannot be identified (name "+strconv.Quote(truncate(p.PackageName))+")")
	} else if err := identify(&c, purl, debianSource{}); err != nil {
		s.problem(file, place, &c, err.Error())
	}
	s.Components = append(s.Components, c)
}

// scanTagValue finds the SPDXVersion of a tag-value document and the line of
// each PackageName, skipping <text> blocks, and rejects lines too long to
// read.
func scanTagValue(data []byte) (version string, lines []int, err error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxLine)
	inText := false
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if inText {
			if strings.Contains(line, "</text>") {
				inText = false
			}
			continue
		}
		tag, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if strings.Contains(value, "<text>") && !strings.Contains(value, "</text>") {
			inText = true
			continue
		}
		switch strings.TrimSpace(tag) {
		case "SPDXVersion":
			if version == "" {
				version = value
			}
		case "PackageName":
			lines = append(lines, n)
		}
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("line %d: %v", n+1, err)
	}
	return version, lines, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// tagLine finds the line a tools-golang tag-value error quotes ("no colon
// found in '...'"), as "line N: ", or "" when the error quotes none.
func tagLine(data []byte, err error) string {
	msg := err.Error()
	i := strings.Index(msg, "'")
	j := strings.LastIndex(msg, "'")
	if i < 0 || j <= i+1 {
		return ""
	}
	quoted := msg[i+1 : j]
	n := 0
	for line := range strings.Lines(string(data)) {
		n++
		if strings.TrimSpace(line) == strings.TrimSpace(quoted) {
			return "line " + strconv.Itoa(n) + ": "
		}
	}
	return ""
}

// spdxJSON is the part of an SPDX 2.1–2.3 JSON document that identification
// reads, under the JSON names of all three versions. tools-golang's JSON
// reader decodes the whole document three times (into a map for the
// version, into the version's model, then per package twice more) and
// checks fields identification never reads; this is one pass over the
// document that decodes the packages alone (jsonOptions).
type spdxJSON struct {
	SPDXVersion string             `json:"spdxVersion"`
	Name        string             `json:"name"`
	Packages    []*spdxJSONPackage `json:"packages"`
}

type spdxJSONPackage struct {
	SPDXID           string `json:"SPDXID"`
	Name             string `json:"name"`
	VersionInfo      string `json:"versionInfo"`
	LicenseConcluded string `json:"licenseConcluded"`
	LicenseDeclared  string `json:"licenseDeclared"`
	ExternalRefs     []*struct {
		Type    string `json:"referenceType"`
		Locator string `json:"referenceLocator"`
	} `json:"externalRefs"`
	PrimaryPackagePurpose string `json:"primaryPackagePurpose"` // SPDX 2.3
}

// readSPDXJSON decodes an SPDX JSON document into tools-golang's model as
// far as identification reads it, with the rules of tools-golang's reader
// for what it reads: the versions it knows, SPDXIDs with the SPDXRef-
// prefix (stored without it), no purpose before SPDX 2.3.
func readSPDXJSON(data []byte) (*spdx.Document, string, error) {
	var d spdxJSON
	if err := unmarshalJSON(data, &d); err != nil {
		return nil, "", errors.New(jsonPlace(data, err))
	}
	switch d.SPDXVersion {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
	case "":
		return nil, "", errors.New("JSON document does not contain spdxVersion field")
	default:
		return nil, "", fmt.Errorf("unsupported SPDX version: %s", truncate(d.SPDXVersion))
	}
	doc := &spdx.Document{SPDXVersion: d.SPDXVersion, DocumentName: d.Name, Packages: make([]*spdx.Package, len(d.Packages))}
	// The packages and their references are allocated in one array each,
	// not one by one; refs has its final capacity, so pointers into it
	// stay valid.
	nrefs := 0
	for _, jp := range d.Packages {
		if jp != nil {
			nrefs += len(jp.ExternalRefs)
		}
	}
	pkgs := make([]spdx.Package, len(d.Packages))
	refs := make([]spdx.PackageExternalReference, 0, nrefs)
	for i, jp := range d.Packages {
		if jp == nil {
			continue
		}
		p := &pkgs[i]
		*p = spdx.Package{PackageName: jp.Name, PackageVersion: jp.VersionInfo,
			PackageLicenseConcluded: jp.LicenseConcluded, PackageLicenseDeclared: jp.LicenseDeclared}
		if jp.SPDXID != "" {
			id, ok := strings.CutPrefix(jp.SPDXID, "SPDXRef-")
			if !ok || id == "" {
				return nil, "", fmt.Errorf("packages[%d]: SPDXID %q is not SPDXRef-ID", i, truncate(jp.SPDXID))
			}
			p.PackageSPDXIdentifier = common.ElementID(id)
		}
		if d.SPDXVersion == "SPDX-2.3" {
			p.PrimaryPackagePurpose = jp.PrimaryPackagePurpose
		}
		if len(jp.ExternalRefs) > 0 {
			p.PackageExternalReferences = make([]*spdx.PackageExternalReference, 0, len(jp.ExternalRefs))
		}
		for _, r := range jp.ExternalRefs {
			if r == nil {
				p.PackageExternalReferences = append(p.PackageExternalReferences, nil)
				continue
			}
			refs = append(refs, spdx.PackageExternalReference{RefType: r.Type, Locator: r.Locator})
			p.PackageExternalReferences = append(p.PackageExternalReferences, &refs[len(refs)-1])
		}
		doc.Packages[i] = p
	}
	return doc, d.SPDXVersion, nil
}

// Package cdx provides CycloneDX documents: the VEX of a published release
// (CycloneDX 1.6, JSON), built on the CycloneDX project's own Go library.
//
// Invariants: a VEX document names exactly one component, the release, by
// the purl the caller gives; it holds one vulnerability per advisory
// statement; its serial number is derived from the release and the
// statements, so the same input always renders the same bytes.
package cdx

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	cyclonedx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/cvss"
)

// VEX renders the VEX document of one release; purl identifies the release.
func VEX(pub advisory.Publisher, rel advisory.ReleaseVEX, purl string) (*cyclonedx.BOM, error) {
	if purl == "" {
		return nil, fmt.Errorf("release %s %s: no purl", rel.ProductSlug, rel.Version)
	}
	bom := cyclonedx.NewBOM()
	bom.SpecVersion = cyclonedx.SpecVersion1_6
	bom.Version = 1
	bom.SerialNumber = serial(rel, purl)
	ref := purl
	updated := rel.PublishedAt
	for _, st := range rel.Statements {
		if st.Revision.PublishedAt.After(updated) {
			updated = st.Revision.PublishedAt
		}
	}
	bom.Metadata = &cyclonedx.Metadata{
		Timestamp: updated.UTC().Format(time.RFC3339),
		Tools:     &cyclonedx.ToolsChoice{Components: &[]cyclonedx.Component{{Type: cyclonedx.ComponentTypeApplication, Name: "vigil"}}},
		Supplier:  &cyclonedx.OrganizationalEntity{Name: pub.Name, URL: &[]string{pub.Namespace}},
		Component: &cyclonedx.Component{
			BOMRef: ref, Type: cyclonedx.ComponentTypeApplication, Name: rel.Product, Version: rel.Version, PackageURL: purl,
			Supplier: &cyclonedx.OrganizationalEntity{Name: pub.Name},
		},
	}
	vulns := make([]cyclonedx.Vulnerability, 0, len(rel.Statements))
	for _, st := range rel.Statements {
		v, err := vulnerability(pub, st, ref)
		if err != nil {
			return nil, err
		}
		vulns = append(vulns, v)
	}
	bom.Vulnerabilities = &vulns
	return bom, nil
}

func vulnerability(pub advisory.Publisher, st advisory.Statement, ref string) (cyclonedx.Vulnerability, error) {
	r := st.Revision
	v := cyclonedx.Vulnerability{
		BOMRef:      r.AdvisoryID,
		ID:          r.AdvisoryID,
		Source:      &cyclonedx.Source{Name: pub.Name, URL: pub.URL(r.AdvisoryID)},
		Description: r.Summary,
		Detail:      r.Description,
		Workaround:  r.Workaround,
		Published:   r.PublishedAt.UTC().Format(time.RFC3339),
		Updated:     r.PublishedAt.UTC().Format(time.RFC3339),
		Advisories:  &[]cyclonedx.Advisory{{Title: r.Title, URL: pub.URL(r.AdvisoryID)}},
		Affects:     &[]cyclonedx.Affects{{Ref: ref}},
	}
	if r.CVEID != "" {
		v.References = &[]cyclonedx.VulnerabilityReference{{ID: r.CVEID, Source: &cyclonedx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + r.CVEID}}}
	}
	var ratings []cyclonedx.VulnerabilityRating
	for _, vec := range []string{r.CVSS31, r.CVSS40} {
		if vec == "" {
			continue
		}
		s, err := cvss.Parse(vec)
		if err != nil {
			return v, fmt.Errorf("advisory %s: %w", r.AdvisoryID, err)
		}
		method := cyclonedx.ScoringMethodCVSSv31
		if s.Version == cvss.Version40 {
			method = cyclonedx.ScoringMethodCVSSv4
		}
		score := s.Overall()
		ratings = append(ratings, cyclonedx.VulnerabilityRating{
			Source: &cyclonedx.Source{Name: pub.Name}, Score: &score, Method: method, Vector: vec,
			Severity: cyclonedx.Severity(strings.ToLower(s.Severity)),
		})
	}
	if r.Severity != "" {
		// The vendor's own classification under its policy (R13), which may
		// weigh more than the score, e.g. remote code execution.
		ratings = append(ratings, cyclonedx.VulnerabilityRating{Source: &cyclonedx.Source{Name: pub.Name},
			Method: cyclonedx.ScoringMethodOther, Severity: cyclonedx.Severity(r.Severity), Justification: "vendor classification"})
	}
	if len(ratings) > 0 {
		v.Ratings = &ratings
	}
	var cwes []int
	for _, c := range r.CWE {
		if n, err := strconv.Atoi(strings.TrimPrefix(c, "CWE-")); err == nil {
			cwes = append(cwes, n)
		}
	}
	if len(cwes) > 0 {
		v.CWEs = &cwes
	}
	if len(r.Credits) > 0 {
		var people []cyclonedx.OrganizationalContact
		for _, c := range r.Credits {
			people = append(people, cyclonedx.OrganizationalContact{Name: c.Name})
		}
		v.Credits = &cyclonedx.Credits{Individuals: &people}
	}
	a := &cyclonedx.VulnerabilityAnalysis{FirstIssued: v.Published, LastUpdated: v.Updated}
	switch st.Status {
	case advisory.Fixed:
		a.State = cyclonedx.IASResolved
		a.Detail = "This release contains the fix."
	case advisory.StatusAffected:
		a.State = cyclonedx.IASExploitable
		a.Response = &[]cyclonedx.ImpactAnalysisResponse{cyclonedx.IARUpdate}
		if st.FixedIn != "" {
			v.Recommendation = "Update to " + st.FixedIn + " or later."
		} else {
			a.Response = &[]cyclonedx.ImpactAnalysisResponse{cyclonedx.IARWorkaroundAvailable}
			v.Recommendation = "This branch has reached its end of life: upgrade to a maintained branch."
		}
	case advisory.NotAffected:
		a.State = cyclonedx.IASNotAffected
		a.Justification = cyclonedx.IAJCodeNotPresent
	case advisory.UnderInvestigation:
		a.State = cyclonedx.IASInTriage
	default:
		return v, fmt.Errorf("advisory %s: unknown status %q", r.AdvisoryID, st.Status)
	}
	v.Analysis = a
	return v, nil
}

// serial is a UUID derived from the release and its statements (RFC 4122
// layout, version 5 style), so that re-rendering gives the same document.
func serial(rel advisory.ReleaseVEX, purl string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", purl)
	for _, st := range rel.Statements {
		fmt.Fprintf(h, "%s %d %s\n", st.Revision.AdvisoryID, st.Revision.Number, st.Status)
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Encode writes the document as indented CycloneDX 1.6 JSON.
func Encode(bom *cyclonedx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cyclonedx.NewBOMEncoder(&buf, cyclonedx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cyclonedx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("encode CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
}

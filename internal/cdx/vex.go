// Package cdx provides CycloneDX documents: the VEX of a published release
// (CycloneDX 1.6, JSON), built on the CycloneDX project's own Go library.
//
// Invariants: a VEX document's metadata component is the release, named by
// the purl the caller gives; it holds one vulnerability per advisory
// statement, affecting the release, and one per component statement (an
// upstream vulnerability of a component), affecting that component, listed
// once among the document's components by its purl; its serial number is derived from the release and the
// statements, so the same input always renders the same bytes.
package cdx

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	if rel.UpdatedAt.After(updated) {
		bom.Metadata.Timestamp = rel.UpdatedAt.UTC().Format(time.RFC3339)
	}
	vulns := make([]cyclonedx.Vulnerability, 0, len(rel.Statements)+len(rel.Components))
	for _, st := range rel.Statements {
		v, err := vulnerability(pub, st, ref)
		if err != nil {
			return nil, err
		}
		vulns = append(vulns, v)
	}
	var comps []cyclonedx.Component
	seen := map[string]bool{}
	var errs []error
	for i, c := range rel.Components {
		v, err := componentVulnerability(rel, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("components[%d]: %w", i, err))
			continue
		}
		if seen[v.BOMRef] {
			continue // the same vulnerability of the same component: the first holds
		}
		seen[v.BOMRef] = true
		vulns = append(vulns, v)
		if key := c.Component.Key(); !seen[key] {
			seen[key] = true
			comps = append(comps, cyclonedx.Component{BOMRef: key, Type: cyclonedx.ComponentTypeLibrary,
				Name: advisory.Clip(cmp.Or(c.Component.Name, c.Package, key), 200), Version: advisory.Clip(c.Component.Version, 100), PackageURL: key})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("release %s %s: %w", rel.ProductSlug, rel.Version, err)
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	bom.Vulnerabilities = &vulns
	return bom, nil
}

// componentVulnerability states an upstream vulnerability of a component of
// the release.
func componentVulnerability(rel advisory.ReleaseVEX, c advisory.ComponentStatement) (cyclonedx.Vulnerability, error) {
	if strings.TrimSpace(c.Vuln) == "" || len(c.Vuln) > 256 || strings.ContainsAny(c.Vuln, " \t\r\n") || !utf8.ValidString(c.Vuln) {
		return cyclonedx.Vulnerability{}, fmt.Errorf("vuln %q: not an ID", advisory.Clip(c.Vuln, 64))
	}
	key := c.Component.Key()
	sum := sha256.Sum256([]byte(key))
	at := rel.PublishedAt
	if rel.UpdatedAt.After(at) {
		at = rel.UpdatedAt
	}
	osvURL := "https://osv.dev/vulnerability/" + url.PathEscape(c.Vuln)
	id := cmp.Or(c.CVE(), c.Vuln)
	v := cyclonedx.Vulnerability{
		BOMRef:      id + "/" + hex.EncodeToString(sum[:8]),
		ID:          id,
		Source:      &cyclonedx.Source{Name: "OSV", URL: osvURL},
		Description: advisory.Clip(c.Summary, advisory.MaxComponentNote),
		Affects:     &[]cyclonedx.Affects{{Ref: key}},
	}
	var refs []cyclonedx.VulnerabilityReference
	for _, a := range append([]string{c.Vuln}, c.Aliases...) {
		if a != id && a != "" && len(a) <= 256 && utf8.ValidString(a) && len(refs) < 32 {
			refs = append(refs, cyclonedx.VulnerabilityReference{ID: a, Source: &cyclonedx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + url.PathEscape(a)}})
		}
	}
	if len(refs) > 0 {
		v.References = &refs
	}
	if s, err := cvss.Parse(c.CVSS3); err == nil && (s.Version == cvss.Version30 || s.Version == cvss.Version31) {
		score := s.Overall()
		v.Ratings = &[]cyclonedx.VulnerabilityRating{{Score: &score, Method: cyclonedx.ScoringMethodCVSSv31, Vector: s.Vector,
			Severity: cyclonedx.Severity(strings.ToLower(s.Severity))}}
		if s.Version == cvss.Version30 {
			(*v.Ratings)[0].Method = cyclonedx.ScoringMethodCVSSv3
		}
	}
	stamp := at.UTC().Format(time.RFC3339)
	a := &cyclonedx.VulnerabilityAnalysis{FirstIssued: stamp, LastUpdated: stamp, Detail: advisory.Clip(c.Note, advisory.MaxComponentNote)}
	switch c.Status {
	case advisory.Fixed:
		a.State = cyclonedx.IASResolved
	case advisory.StatusAffected:
		a.State = cyclonedx.IASExploitable
		category, details := c.Remedy(rel)
		v.Recommendation = details
		switch category {
		case advisory.RemedyVendorFix:
			a.Response = &[]cyclonedx.ImpactAnalysisResponse{cyclonedx.IARUpdate}
		case advisory.RemedyNoFixPlanned:
			a.Response = &[]cyclonedx.ImpactAnalysisResponse{cyclonedx.IARWillNotFix}
		}
	case advisory.NotAffected:
		a.State = cyclonedx.IASNotAffected
		a.Justification = justifications[c.Justification]
		if a.Justification == "" && a.Detail == "" {
			a.Detail = advisory.Clip(c.Justification, advisory.MaxComponentNote)
		}
	case advisory.UnderInvestigation:
		a.State = cyclonedx.IASInTriage
	default:
		return v, fmt.Errorf("%s: unknown status %q", c.Vuln, c.Status)
	}
	v.Analysis = a
	return v, nil
}

// justifications map OpenVEX's justifications to CycloneDX's, as CISA's
// minimum requirements for VEX pair them.
var justifications = map[string]cyclonedx.ImpactAnalysisJustification{
	"component_not_present":                             cyclonedx.IAJCodeNotPresent,
	"vulnerable_code_not_present":                       cyclonedx.IAJCodeNotPresent,
	"vulnerable_code_not_in_execute_path":               cyclonedx.IAJCodeNotReachable,
	"vulnerable_code_cannot_be_controlled_by_adversary": cyclonedx.IAJRequiresEnvironment,
	"inline_mitigations_already_exist":                  cyclonedx.IAJProtectedByMitigatingControl,
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
	for _, c := range rel.Components {
		b, _ := json.Marshal(c) // a struct of strings and bools: never fails
		h.Write(append(b, '\n'))
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

package csaf

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/advisory"
)

// maxIDLen bounds a vulnerability ID or alias of a component statement, and
// maxAliases the aliases listed per vulnerability.
const (
	maxIDLen   = 256
	maxAliases = 32
)

// idSystem names the database an upstream vulnerability ID comes from.
func idSystem(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "GHSA":
		return "GitHub Advisory Database"
	case "GO":
		return "Go Vulnerability Database"
	case "PYSEC":
		return "PyPI Advisory Database"
	case "RUSTSEC":
		return "RustSec Advisory Database"
	case "DSA", "DLA", "DTSA", "TEMP":
		return "Debian Security Tracker"
	}
	return "OSV"
}

// checkComponent reports the problems of a component statement.
func checkComponent(p string, c advisory.ComponentStatement) []error {
	var errs []error
	switch {
	case strings.TrimSpace(c.Vuln) == "":
		errs = append(errs, fmt.Errorf("%s.vuln: empty", p))
	case len(c.Vuln) > maxIDLen || !utf8.ValidString(c.Vuln) || strings.ContainsAny(c.Vuln, " \t\r\n"):
		errs = append(errs, fmt.Errorf("%s.vuln: not an ID", p))
	}
	if strings.TrimSpace(c.Component.PURL) == "" && strings.TrimSpace(c.Component.Name) == "" {
		errs = append(errs, fmt.Errorf("%s.component: neither purl nor name", p))
	}
	switch c.Status {
	case advisory.StatusAffected, advisory.Fixed, advisory.UnderInvestigation:
	case advisory.NotAffected:
		if c.Justification == "" {
			errs = append(errs, fmt.Errorf("%s.justification: empty for not_affected", p))
		}
	default:
		errs = append(errs, fmt.Errorf("%s.status: unknown %q", p, c.Status))
	}
	return errs
}

// components adds the component statements of rel to vulns: each
// component, once, to the product tree with its purl, and as a
// default_component_of the release pid; each vulnerability once (by CVE
// ID, merged into an advisory's vulnerability of the same CVE ID, or by
// its ID), with the status of every component it concerns. Of two
// statements on the same vulnerability and component the first holds.
func components(pub advisory.Publisher, rel advisory.ReleaseVEX, pid string, t *tree, vulns []Vulnerability) ([]Vulnerability, error) {
	var errs []error
	byKey := map[string]int{}
	for i, v := range vulns {
		if v.CVE != "" {
			byKey[v.CVE] = i
		}
	}
	stated := map[string]bool{}
	for i, c := range rel.Components {
		p := fmt.Sprintf("components[%d]", i)
		if cerrs := checkComponent(p, c); len(cerrs) > 0 {
			errs = append(errs, cerrs...)
			continue
		}
		key := c.Component.Key()
		sum := sha256.Sum256([]byte(key))
		h := hex.EncodeToString(sum[:8])
		cid, rid := "CSAFPID-c-"+h, pid+"-c-"+h
		name := c.Display()
		t.addComponent(FullProductName{Name: name, ProductID: cid, ProductIdentificationHelper: &Helper{PURL: key}})
		t.addRelationship(Relationship{
			Category: "default_component_of",
			FullProductName: FullProductName{Name: name + " as a component of " + rel.Product + " " + rel.Version, ProductID: rid,
				ProductIdentificationHelper: &Helper{PURL: key}},
			ProductReference: cid, RelatesToProductReference: pid,
		})

		cve := c.CVE()
		vkey := cve
		if vkey == "" {
			vkey = strings.ToUpper(c.Vuln)
		}
		if stated[vkey+" "+rid] {
			continue
		}
		stated[vkey+" "+rid] = true
		idx, ok := byKey[vkey]
		if !ok {
			idx = len(vulns)
			byKey[vkey] = idx
			vulns = append(vulns, componentVuln(c, cve))
		}
		v := &vulns[idx]
		if v.ProductStatus == nil {
			v.ProductStatus = &ProductStatus{}
		}
		ids := []string{rid}
		switch c.Status {
		case advisory.Fixed:
			v.ProductStatus.Fixed = append(v.ProductStatus.Fixed, rid)
		case advisory.StatusAffected:
			v.ProductStatus.KnownAffected = append(v.ProductStatus.KnownAffected, rid)
			category, details := c.Remedy(rel)
			v.Remediations = append(v.Remediations, Remediation{Category: category, Details: details, ProductIDs: ids})
			if score, err := cvss3(advisory.Revision{CVSS31: c.CVSS3}); err == nil && score != nil {
				addScore(v, *score, rid)
			}
		case advisory.NotAffected:
			v.ProductStatus.KnownNotAffected = append(v.ProductStatus.KnownNotAffected, rid)
			note := advisory.Clip(c.Note, advisory.MaxComponentNote)
			if slices.Contains(flagLabels, c.Justification) {
				addFlag(v, c.Justification, rid)
			} else if note == "" {
				note = fmt.Sprintf("%s in %s %s is not affected (%s).", name, rel.Product, rel.Version, advisory.Clip(c.Justification, 200))
			}
			if note != "" {
				v.Threats = append(v.Threats, Threat{Category: "impact", Details: note, ProductIDs: ids})
			}
		case advisory.UnderInvestigation:
			v.ProductStatus.UnderInvestigation = append(v.ProductStatus.UnderInvestigation, rid)
			v.Remediations = append(v.Remediations, Remediation{Category: "none_available", ProductIDs: ids, Details: fmt.Sprintf(
				"%s is investigating whether %s in %s %s is affected; this document will say so when it knows.", pub.Name, name, rel.Product, rel.Version)})
		}
	}
	return vulns, errors.Join(errs...)
}

// componentVuln is a new vulnerability entry for an upstream vulnerability.
func componentVuln(c advisory.ComponentStatement, cve string) Vulnerability {
	v := Vulnerability{CVE: cve}
	seen := map[string]bool{}
	for _, id := range append([]string{c.Vuln}, c.Aliases...) {
		// CVE IDs go in cve only (optional test 6.2.17).
		if id == "" || len(id) > maxIDLen || !utf8.ValidString(id) || advisory.IsCVE(id) || seen[id] || len(v.IDs) == maxAliases {
			continue
		}
		seen[id] = true
		v.IDs = append(v.IDs, ID{SystemName: idSystem(id), Text: id})
	}
	desc := advisory.Clip(c.Summary, advisory.MaxComponentNote)
	if desc == "" {
		desc = "Upstream vulnerability " + c.Vuln + "."
	}
	v.Notes = []Note{{Category: "description", Title: "Vulnerability description", Text: desc}}
	v.References = []Reference{{Category: "external", Summary: "The vulnerability in the OSV database",
		URL: "https://osv.dev/vulnerability/" + url.PathEscape(c.Vuln)}}
	return v
}

func addScore(v *Vulnerability, s CVSSV3, id string) {
	for i := range v.Scores {
		if v.Scores[i].CVSSV3 != nil && *v.Scores[i].CVSSV3 == s {
			v.Scores[i].Products = append(v.Scores[i].Products, id)
			return
		}
	}
	v.Scores = append(v.Scores, Score{CVSSV3: &s, Products: []string{id}})
}

func addFlag(v *Vulnerability, label, id string) {
	for i := range v.Flags {
		if v.Flags[i].Label == label {
			v.Flags[i].ProductIDs = append(v.Flags[i].ProductIDs, id)
			return
		}
	}
	v.Flags = append(v.Flags, Flag{Label: label, ProductIDs: []string{id}})
}

// addComponent adds a component to the product tree's full product names,
// once.
func (t *tree) addComponent(p FullProductName) {
	if _, ok := t.ids[p.ProductID]; ok {
		return
	}
	t.ids[p.ProductID] = p.Name
	t.full = append(t.full, p)
}

// addRelationship adds a relationship, once.
func (t *tree) addRelationship(r Relationship) {
	if _, ok := t.ids[r.FullProductName.ProductID]; ok {
		return
	}
	t.ids[r.FullProductName.ProductID] = r.FullProductName.Name
	t.rels = append(t.rels, r)
}

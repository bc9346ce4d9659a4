package csaf

import (
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
)

// schemaPURL is the CSAF 2.0 schema's pattern of a purl.
var schemaPURL = regexp.MustCompile(`^pkg:[A-Za-z\.\-\+][A-Za-z0-9\.\-\+]*/.+`)

// FuzzComponentVEX renders a component statement made of arbitrary strings:
// VEX never panics, and what it renders is valid UTF-8 JSON whose component
// purls have the schema's form and whose notes are bounded.
func FuzzComponentVEX(f *testing.F) {
	for _, c := range advisorytest.Components() {
		f.Add(c.Vuln, c.Component.PURL, c.Component.Name, c.Component.Version, string(c.Status), c.Justification, c.Note, c.FixedVersion, c.CVSS3)
	}
	f.Add("CVE-2026-41001", "pkg:x y", "</script>\x00", "\xff", "not_affected", "other", advisorytest.HostileNote, "", "CVSS:4.0/AV:N")
	f.Fuzz(func(t *testing.T, id, purl, name, version, status, justification, note, fixed, vector string) {
		rel := advisorytest.ComponentRelease()
		rel.Components = append(rel.Components, advisory.ComponentStatement{Vuln: id, Aliases: []string{name, id}, Summary: note,
			Component: advisory.ComponentRef{PURL: purl, Name: name, Version: version}, Status: advisory.VEXStatus(status),
			Justification: justification, Note: note, Package: name, FixedVersion: fixed, FixRelease: version, CVSS3: vector})
		d, err := VEX(advisorytest.Publisher(), rel)
		if err != nil {
			return
		}
		b, err := Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b) || !json.Valid(b) {
			t.Fatal("invalid UTF-8 or JSON")
		}
		for _, c := range d.ProductTree.FullProductNames {
			if !schemaPURL.MatchString(c.ProductIdentificationHelper.PURL) {
				t.Fatalf("purl %q", c.ProductIdentificationHelper.PURL)
			}
		}
		for _, v := range d.Vulnerabilities {
			for _, th := range v.Threats {
				if len(th.Details) > advisory.MaxComponentNote+len("…") {
					t.Fatalf("impact of %d bytes", len(th.Details))
				}
			}
		}
	})
}

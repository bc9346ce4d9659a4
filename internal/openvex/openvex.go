// Package openvex provides the OpenVEX 0.2 document of a published release
// (https://openvex.dev/ns/v0.2.0): one statement per advisory of its
// product, saying whether the release is affected, fixed or not affected.
//
// The release is named by the purl of package osv ([osv.PURL]), the identity
// the OSV records, the CycloneDX VEX and the vendor's SBOMs give it, so that
// a consumer can join a scanner's finding on that purl with this document.
// A statement names the vulnerability by its CVE ID when it has one, and
// lists the advisory ID and the OSV ID as aliases: a finding reported under
// any of the three meets its statement.
//
// Upstream vulnerabilities of the release's components (its findings) are
// stated too, each on the release's purl with the component's purl as its
// subcomponent; status and justification names are OpenVEX's own.
//
// Invariants: the same release renders the same bytes; the document's @id
// is a stable URL under the publisher's site ([URL]); its version is the sum
// of the revision numbers of the advisories it states plus the number of
// entries of the release's VEX revision history (ReleaseVEX.Changes), at
// least 1, so it grows whenever a statement changes and never otherwise;
// its timestamp is that of its newest statement, a component statement's
// being the latest change of the history. A release without statements has
// no document (ErrNoStatements): OpenVEX requires at least one statement.
package openvex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/osv"
)

// Context is the JSON-LD context of OpenVEX 0.2.
const Context = "https://openvex.dev/ns/v0.2.0"

// Tooling names what generated the documents.
const Tooling = "vigil"

// ErrNoStatements is returned for a release that no advisory concerns.
var ErrNoStatements = errors.New("no advisory concerns the release")

// Document is an OpenVEX document. Fields appear in the order of the
// specification.
type Document struct {
	Context    string      `json:"@context"`
	ID         string      `json:"@id"`
	Author     string      `json:"author"`
	Role       string      `json:"role,omitempty"`
	Timestamp  time.Time   `json:"timestamp"`
	Version    int         `json:"version"`
	Tooling    string      `json:"tooling,omitempty"`
	Statements []Statement `json:"statements"`
}

// Statement says how one vulnerability applies to the products it lists.
type Statement struct {
	ID                       string        `json:"@id,omitempty"`
	Version                  int           `json:"version,omitempty"`
	Vulnerability            Vulnerability `json:"vulnerability"`
	Timestamp                time.Time     `json:"timestamp"`
	Products                 []Product     `json:"products"`
	Status                   string        `json:"status"`
	Supplier                 string        `json:"supplier,omitempty"`
	StatusNotes              string        `json:"status_notes,omitempty"`
	Justification            string        `json:"justification,omitempty"`
	ImpactStatement          string        `json:"impact_statement,omitempty"`
	ActionStatement          string        `json:"action_statement,omitempty"`
	ActionStatementTimestamp *time.Time    `json:"action_statement_timestamp,omitempty"`
}

// Vulnerability names a vulnerability.
type Vulnerability struct {
	ID          string   `json:"@id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

// Product is a product a statement applies to.
type Product struct {
	ID            string         `json:"@id"`
	Identifiers   Identifiers    `json:"identifiers"`
	Subcomponents []Subcomponent `json:"subcomponents,omitempty"`
}

// Subcomponent is a component of a product that a statement is about.
type Subcomponent struct {
	ID          string      `json:"@id"`
	Identifiers Identifiers `json:"identifiers"`
}

// Identifiers are a product's software identifiers.
type Identifiers struct {
	PURL string `json:"purl"`
}

// URL is where the site publishes the OpenVEX document of a release, and
// the document's @id.
func URL(pub advisory.Publisher, productSlug, version string) string {
	return pub.BaseURL + "/vex/" + url.PathEscape(productSlug) + "-" + url.PathEscape(version) + ".openvex.json"
}

// justifications are the labels OpenVEX defines for not_affected.
var justifications = map[string]bool{
	"component_not_present":                             true,
	"vulnerable_code_not_present":                       true,
	"vulnerable_code_not_in_execute_path":               true,
	"vulnerable_code_cannot_be_controlled_by_adversary": true,
	"inline_mitigations_already_exist":                  true,
}

// FromRelease renders the OpenVEX document of a release. It returns every
// problem of the input at once.
func FromRelease(pub advisory.Publisher, rel advisory.ReleaseVEX) (Document, error) {
	if len(rel.Statements) == 0 && len(rel.Components) == 0 {
		return Document{}, fmt.Errorf("release %s %s: %w", rel.ProductSlug, rel.Version, ErrNoStatements)
	}
	purl, err := osv.PURL(pub, rel.ProductSlug, rel.Version)
	if err != nil {
		return Document{}, fmt.Errorf("release %s %s: %w", rel.ProductSlug, rel.Version, err)
	}
	doc := Document{
		Context: Context,
		ID:      URL(pub, rel.ProductSlug, rel.Version),
		Author:  author(pub),
		Tooling: Tooling,
	}
	var errs []error
	for i, st := range rel.Statements {
		s, err := statement(pub, rel, purl, st)
		if err != nil {
			errs = append(errs, fmt.Errorf("statements[%d]: %w", i, err))
			continue
		}
		doc.Version += st.Revision.Number
		if s.Timestamp.After(doc.Timestamp) {
			doc.Timestamp = s.Timestamp
		}
		doc.Statements = append(doc.Statements, s)
	}
	// Component statements have no revision of their own: the document's
	// revision history counts their changes.
	doc.Version = max(doc.Version+rel.Changes, 1)
	seen := map[string]bool{}
	for i, c := range rel.Components {
		s, err := componentStatement(pub, rel, purl, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("components[%d]: %w", i, err))
			continue
		}
		if seen[s.ID] {
			continue // the same vulnerability of the same component: the first holds
		}
		seen[s.ID] = true
		if s.Timestamp.After(doc.Timestamp) {
			doc.Timestamp = s.Timestamp
		}
		doc.Statements = append(doc.Statements, s)
	}
	if err := errors.Join(errs...); err != nil {
		return Document{}, fmt.Errorf("release %s %s: %w", rel.ProductSlug, rel.Version, err)
	}
	return doc, nil
}

// author is the publisher with its contact address, as the specification's
// examples write it, so that the author is machine-readable.
func author(pub advisory.Publisher) string {
	if pub.Contact == "" {
		return pub.Name
	}
	return pub.Name + " <" + pub.Contact + ">"
}

func statement(pub advisory.Publisher, rel advisory.ReleaseVEX, purl string, st advisory.Statement) (Statement, error) {
	rev := st.Revision
	if rev.AdvisoryID == "" || rev.Number < 1 {
		return Statement{}, fmt.Errorf("revision: advisory ID and number required")
	}
	vuln := Vulnerability{
		ID:          pub.URL(rev.AdvisoryID),
		Name:        rev.CVEID,
		Description: rev.Title,
		Aliases:     []string{rev.AdvisoryID, osv.ID(rev.AdvisoryID)},
	}
	if vuln.Name == "" {
		vuln.Name, vuln.Aliases = rev.AdvisoryID, vuln.Aliases[1:]
	}
	// What a statement says about a release cannot be known before the
	// release exists, nor before the revision that says it.
	at := rev.PublishedAt.UTC()
	if rel.PublishedAt.After(at) {
		at = rel.PublishedAt.UTC()
	}
	s := Statement{
		ID:            URL(pub, rel.ProductSlug, rel.Version) + "#" + url.PathEscape(rev.AdvisoryID),
		Version:       rev.Number,
		Vulnerability: vuln,
		Timestamp:     at,
		Products:      []Product{{ID: purl, Identifiers: Identifiers{PURL: purl}}},
		Status:        string(st.Status),
		Supplier:      pub.Name,
	}
	switch st.Status {
	case advisory.NotAffected:
		if !justifications[st.Justification] {
			return Statement{}, fmt.Errorf("justification %q: not an OpenVEX label", st.Justification)
		}
		s.Justification = st.Justification
		if rev.Status == advisory.Withdrawn {
			s.StatusNotes = "The advisory was withdrawn."
			if rev.Changes != "" {
				s.StatusNotes += " " + rev.Changes
			}
		}
	case advisory.StatusAffected:
		s.ActionStatement = action(rel, st)
		s.ActionStatementTimestamp = &at
	case advisory.Fixed:
		s.StatusNotes = fmt.Sprintf("%s %s contains the fix.", rel.Product, rel.Version)
	case advisory.UnderInvestigation:
	default:
		return Statement{}, fmt.Errorf("status %q: not an OpenVEX status", st.Status)
	}
	return s, nil
}

// action tells the customer of an affected release what to do: update to
// the fix on its branch, or, on a branch that gets none, to a maintained
// branch's fixed release; and the workaround until then.
func action(rel advisory.ReleaseVEX, st advisory.Statement) string {
	var b strings.Builder
	if st.FixedIn != "" {
		fmt.Fprintf(&b, "Update to %s %s or later.", rel.Product, st.FixedIn)
	} else {
		var fixes []string
		for _, a := range st.Revision.Affected {
			if a.ProductSlug == rel.ProductSlug && a.Maintained && a.Fixed != "" {
				fixes = append(fixes, a.Fixed+" or later")
			}
		}
		fmt.Fprintf(&b, "%s %s receives no fix (end of life)", rel.Product, rel.Branch)
		if len(fixes) > 0 {
			fmt.Fprintf(&b, ": update to a maintained branch, to %s", strings.Join(fixes, ", or "))
		}
		b.WriteString(".")
	}
	if st.Revision.Workaround != "" {
		fmt.Fprintf(&b, " Until then: %s", st.Revision.Workaround)
	}
	return b.String()
}

// Encode renders a document as indented JSON with a final newline, the
// bytes that are published and golden-tested.
func Encode(d Document) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// componentStatement states an upstream vulnerability of a component of
// the release.
func componentStatement(pub advisory.Publisher, rel advisory.ReleaseVEX, purl string, c advisory.ComponentStatement) (Statement, error) {
	if strings.TrimSpace(c.Vuln) == "" || len(c.Vuln) > 256 || strings.ContainsAny(c.Vuln, " \t\r\n") || !utf8.ValidString(c.Vuln) {
		return Statement{}, fmt.Errorf("vuln %q: not an ID", advisory.Clip(c.Vuln, 64))
	}
	key := c.Component.Key()
	name, aliases := c.Vuln, []string{}
	if cve := c.CVE(); cve != "" && cve != c.Vuln {
		name, aliases = cve, append(aliases, c.Vuln)
	}
	for _, a := range c.Aliases {
		if a != name && a != c.Vuln && len(a) <= 256 && utf8.ValidString(a) && len(aliases) < 32 {
			aliases = append(aliases, a)
		}
	}
	at := rel.PublishedAt.UTC()
	if rel.UpdatedAt.After(at) {
		at = rel.UpdatedAt.UTC()
	}
	sum := sha256.Sum256([]byte(key))
	s := Statement{
		ID:            URL(pub, rel.ProductSlug, rel.Version) + "#" + url.PathEscape(c.Vuln) + "-" + hex.EncodeToString(sum[:8]),
		Vulnerability: Vulnerability{ID: "https://osv.dev/vulnerability/" + url.PathEscape(c.Vuln), Name: name, Description: advisory.Clip(c.Summary, advisory.MaxComponentNote)},
		Timestamp:     at,
		Products: []Product{{ID: purl, Identifiers: Identifiers{PURL: purl},
			Subcomponents: []Subcomponent{{ID: key, Identifiers: Identifiers{PURL: key}}}}},
		Status:   string(c.Status),
		Supplier: pub.Name,
	}
	if len(aliases) > 0 {
		s.Vulnerability.Aliases = aliases
	}
	note := advisory.Clip(c.Note, advisory.MaxComponentNote)
	switch c.Status {
	case advisory.NotAffected:
		s.ImpactStatement = note
		if justifications[c.Justification] {
			s.Justification = c.Justification
		} else if note == "" {
			s.ImpactStatement = advisory.Clip(c.Justification, advisory.MaxComponentNote)
		}
		if s.Justification == "" && s.ImpactStatement == "" {
			return Statement{}, fmt.Errorf("not_affected: neither justification nor note")
		}
	case advisory.StatusAffected:
		_, s.ActionStatement = c.Remedy(rel)
		s.ActionStatementTimestamp = &at
		s.StatusNotes = note
	case advisory.Fixed, advisory.UnderInvestigation:
		s.StatusNotes = note
	default:
		return Statement{}, fmt.Errorf("status %q: not an OpenVEX status", c.Status)
	}
	return s, nil
}

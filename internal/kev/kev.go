// Package kev reads CISA's Known Exploited Vulnerabilities catalog (JSON,
// https://www.cisa.gov/known-exploited-vulnerabilities-catalog) into
// vuln.Records whose Exploited is set: the date CISA added the
// vulnerability, the due date of its required action, and whether it is
// known to be used in ransomware campaigns.
//
// Invariants: the catalog is bounded by MaxCatalogSize; an entry that
// cannot be read is a vuln.Problem naming its index and CVE ID, and the
// others are still read; every returned Record has passed Validate.
package kev

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// MaxCatalogSize bounds the catalog; it was 1.4 MB with 1,404 entries in
// 2025.
const MaxCatalogSize = 256 << 20

// Catalog is the catalog's header and its entries as Records.
type Catalog struct {
	Title    string
	Version  string
	Released time.Time
	Records  []vuln.Record
}

type catalog struct {
	Title           string            `json:"title"`
	CatalogVersion  string            `json:"catalogVersion"`
	DateReleased    time.Time         `json:"dateReleased"`
	Count           *int              `json:"count"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
}

type entry struct {
	CVEID                      string   `json:"cveID"`
	VendorProject              string   `json:"vendorProject"`
	Product                    string   `json:"product"`
	VulnerabilityName          string   `json:"vulnerabilityName"`
	DateAdded                  string   `json:"dateAdded"`
	ShortDescription           string   `json:"shortDescription"`
	RequiredAction             string   `json:"requiredAction"`
	DueDate                    string   `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// Parse reads the catalog from r; name is the file or URL it came from, for
// errors. The error is for a catalog that cannot be read as a whole.
func Parse(r io.Reader, name string) (Catalog, []vuln.Problem, error) {
	return parse(r, name, MaxCatalogSize)
}

func parse(r io.Reader, name string, limit int64) (Catalog, []vuln.Problem, error) {
	data, err := vuln.ReadAll(r, limit)
	if err != nil {
		return Catalog{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	var in catalog
	// Unmarshal rejects data after the value, as it should.
	if err := json.Unmarshal(data, &in); err != nil {
		return Catalog{}, nil, fmt.Errorf("%s: %w", name, vuln.JSONError(data, err))
	}
	if in.Vulnerabilities == nil {
		return Catalog{}, nil, fmt.Errorf("%s: no vulnerabilities: not a KEV catalog", name)
	}
	out := Catalog{Title: in.Title, Version: in.CatalogVersion, Released: in.DateReleased.UTC()}
	var problems []vuln.Problem
	if in.Count != nil && *in.Count != len(in.Vulnerabilities) {
		problems = append(problems, vuln.Problem{Name: name, Err: fmt.Errorf("count is %d, but the catalog has %d entries", *in.Count, len(in.Vulnerabilities))})
	}
	seen := map[string]bool{}
	for i, raw := range in.Vulnerabilities {
		rec, err := convert(raw)
		where := fmt.Sprintf("%s: vulnerabilities[%d]", name, i)
		if rec.ID != "" {
			where += " (" + rec.ID + ")"
		}
		if err == nil && seen[rec.ID] {
			err = errors.New("listed twice")
		}
		if err != nil {
			problems = append(problems, vuln.Problem{Name: where, Err: err})
			continue
		}
		seen[rec.ID] = true
		out.Records = append(out.Records, rec)
	}
	return out, problems, nil
}

func convert(raw json.RawMessage) (vuln.Record, error) {
	var e entry
	if err := json.Unmarshal(raw, &e); err != nil {
		return vuln.Record{}, err
	}
	rec := vuln.Record{
		ID:      e.CVEID,
		Source:  vuln.SourceKEV,
		Summary: e.VulnerabilityName,
		Details: e.ShortDescription,
		CWEs:    e.CWEs,
	}
	var errs []error
	added, err := time.Parse(time.DateOnly, e.DateAdded)
	if err != nil {
		errs = append(errs, fmt.Errorf("dateAdded: %w", err))
	}
	due, err := time.Parse(time.DateOnly, e.DueDate)
	if err != nil {
		errs = append(errs, fmt.Errorf("dueDate: %w", err))
	}
	var ransomware bool
	switch e.KnownRansomwareCampaignUse {
	case "Known":
		ransomware = true
	case "Unknown":
	default:
		errs = append(errs, fmt.Errorf("knownRansomwareCampaignUse: %q is neither Known nor Unknown", e.KnownRansomwareCampaignUse))
	}
	if !strings.HasPrefix(e.CVEID, "CVE-") {
		errs = append(errs, fmt.Errorf("cveID: %q is not a CVE ID", e.CVEID))
	}
	if len(errs) > 0 {
		return rec, errors.Join(errs...)
	}
	// The catalog dates an entry only by when it was added; an entry's
	// later edits (notes, ransomware use) carry no date.
	rec.Published, rec.Modified = added, added
	rec.Exploited = &vuln.Exploitation{
		DateAdded:          added,
		DueDate:            due,
		KnownRansomwareUse: ransomware,
		RequiredAction:     e.RequiredAction,
		VendorProject:      e.VendorProject,
		Product:            e.Product,
		Notes:              e.Notes,
	}
	// Notes are links separated by " ; ", sometimes after a sentence.
	for _, part := range strings.Split(e.Notes, ";") {
		for _, f := range strings.Fields(part) {
			if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
				rec.References = append(rec.References, vuln.Reference{Type: "WEB", URL: f})
			}
		}
	}
	return rec, rec.Validate()
}

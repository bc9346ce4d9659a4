// Package nvd reads NVD's CVE API 2.0 JSON
// (https://nvd.nist.gov/developers/vulnerabilities) into vuln.Records: the
// English description, CVSS v2, v3.0, v3.1 and v4.0 vectors with who scored
// them, CWE IDs, references, the CISA KEV dates that NVD carries, and the
// CPE configurations with their version ranges, kept for an opt-in CPE
// matching of components that have no purl. NVD states no packages, so its
// Records have no Affected entries.
//
// Parse accepts a whole API response ({"vulnerabilities": [{"cve": ...}]})
// or a single item ({"cve": ...}), as NVD's own samples and mirrors store
// them.
//
// Invariants: input is bounded by MaxResponseSize; an item that cannot be
// read is a vuln.Problem naming its index and CVE ID, and the others are
// still read; every returned Record has passed Validate; times are UTC
// (NVD writes them without a zone, in UTC).
package nvd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// MaxResponseSize bounds one input. An API page holds at most 2,000 CVEs,
// some tens of megabytes.
const MaxResponseSize = 512 << 20

type response struct {
	Format          string            `json:"format"`
	Version         string            `json:"version"`
	TotalResults    *int              `json:"totalResults"`
	Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	CVE             json.RawMessage   `json:"cve"`
}

type item struct {
	CVE *cve `json:"cve"`
}

type cve struct {
	ID             string   `json:"id"`
	Published      string   `json:"published"`
	LastModified   string   `json:"lastModified"`
	VulnStatus     string   `json:"vulnStatus"`
	CISAExploitAdd string   `json:"cisaExploitAdd"`
	CISAActionDue  string   `json:"cisaActionDue"`
	CISAAction     string   `json:"cisaRequiredAction"`
	CISAName       string   `json:"cisaVulnerabilityName"`
	Descriptions   []langed `json:"descriptions"`
	Metrics        struct {
		V40 []metric `json:"cvssMetricV40"`
		V31 []metric `json:"cvssMetricV31"`
		V30 []metric `json:"cvssMetricV30"`
		V2  []metric `json:"cvssMetricV2"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []langed `json:"description"`
	} `json:"weaknesses"`
	Configurations []struct {
		Operator string `json:"operator"`
		Negate   bool   `json:"negate"`
		Nodes    []struct {
			Operator string `json:"operator"`
			Negate   bool   `json:"negate"`
			CPEMatch []struct {
				Vulnerable            bool   `json:"vulnerable"`
				Criteria              string `json:"criteria"`
				MatchCriteriaID       string `json:"matchCriteriaId"`
				VersionStartIncluding string `json:"versionStartIncluding"`
				VersionStartExcluding string `json:"versionStartExcluding"`
				VersionEndIncluding   string `json:"versionEndIncluding"`
				VersionEndExcluding   string `json:"versionEndExcluding"`
			} `json:"cpeMatch"`
		} `json:"nodes"`
	} `json:"configurations"`
	References []struct {
		URL  string   `json:"url"`
		Tags []string `json:"tags"`
	} `json:"references"`
}

type langed struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type metric struct {
	Source   string `json:"source"`
	Type     string `json:"type"`
	CVSSData struct {
		VectorString string `json:"vectorString"`
	} `json:"cvssData"`
}

// Parse reads an API response or a single item from r; name is the file or
// URL it came from, for errors. The error is for an input that cannot be
// read as a whole.
func Parse(r io.Reader, name string) ([]vuln.Record, []vuln.Problem, error) {
	return parse(r, name, MaxResponseSize)
}

func parse(r io.Reader, name string, limit int64) ([]vuln.Record, []vuln.Problem, error) {
	data, err := vuln.ReadAll(r, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	var resp response
	// Unmarshal rejects data after the value, as it should.
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, vuln.JSONError(data, err))
	}
	if resp.CVE != nil {
		if resp.Vulnerabilities != nil {
			return nil, nil, fmt.Errorf("%s: both cve and vulnerabilities: neither an API response nor one item", name)
		}
		rec, err := convertItem(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return []vuln.Record{rec}, nil, nil
	}
	if resp.Vulnerabilities == nil {
		return nil, nil, fmt.Errorf("%s: neither vulnerabilities nor cve: not NVD CVE API 2.0 JSON", name)
	}
	var recs []vuln.Record
	var problems []vuln.Problem
	for i, raw := range resp.Vulnerabilities {
		rec, err := convertItem(raw)
		if err != nil {
			where := fmt.Sprintf("%s: vulnerabilities[%d]", name, i)
			if rec.ID != "" {
				where += " (" + rec.ID + ")"
			}
			problems = append(problems, vuln.Problem{Name: where, Err: err})
			continue
		}
		recs = append(recs, rec)
	}
	return recs, problems, nil
}

// convertItem returns the record with at least its ID set on error, to
// name the item.
func convertItem(raw []byte) (vuln.Record, error) {
	var it item
	if err := json.Unmarshal(raw, &it); err != nil {
		return vuln.Record{}, vuln.JSONError(raw, err)
	}
	if it.CVE == nil {
		return vuln.Record{}, errors.New("no cve")
	}
	return convert(it.CVE)
}

func convert(c *cve) (vuln.Record, error) {
	rec := vuln.Record{ID: c.ID, Source: vuln.SourceNVD}
	var errs []error
	var err error
	if rec.Published, err = parseTime(c.Published); err != nil {
		errs = append(errs, fmt.Errorf("published: %w", err))
	}
	if rec.Modified, err = parseTime(c.LastModified); err != nil {
		errs = append(errs, fmt.Errorf("lastModified: %w", err))
	}
	if c.VulnStatus != "" {
		rec.DatabaseSpecific = &vuln.DatabaseSpecific{NVDStatus: c.VulnStatus}
	}
	if c.VulnStatus == "Rejected" {
		w := rec.Modified
		rec.Withdrawn = &w
	}
	for _, d := range c.Descriptions {
		if d.Lang == "en" {
			rec.Details = d.Value
			break
		}
	}
	for _, m := range []struct {
		t       vuln.ScoreType
		metrics []metric
	}{{vuln.CVSSv4, c.Metrics.V40}, {vuln.CVSSv3, c.Metrics.V31}, {vuln.CVSSv3, c.Metrics.V30}, {vuln.CVSSv2, c.Metrics.V2}} {
		for _, x := range m.metrics {
			rec.Severity = append(rec.Severity, vuln.Score{Type: m.t, Vector: x.CVSSData.VectorString, Source: x.Source})
		}
	}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			// NVD-CWE-Other and NVD-CWE-noinfo say there is no CWE.
			if strings.HasPrefix(d.Value, "CWE-") && !slices.Contains(rec.CWEs, d.Value) {
				rec.CWEs = append(rec.CWEs, d.Value)
			}
		}
	}
	for _, r := range c.References {
		rec.References = append(rec.References, vuln.Reference{Type: referenceType(r.Tags), URL: r.URL})
	}
	for _, cf := range c.Configurations {
		conf := vuln.Configuration{Operator: cf.Operator, Negate: cf.Negate}
		for _, n := range cf.Nodes {
			node := vuln.Node{Operator: n.Operator, Negate: n.Negate}
			for _, m := range n.CPEMatch {
				node.Matches = append(node.Matches, vuln.CPEMatch(m))
			}
			conf.Nodes = append(conf.Nodes, node)
		}
		rec.Configurations = append(rec.Configurations, conf)
	}
	if c.CISAExploitAdd != "" {
		added, err := time.Parse(time.DateOnly, c.CISAExploitAdd)
		if err != nil {
			errs = append(errs, fmt.Errorf("cisaExploitAdd: %w", err))
		}
		due, err := time.Parse(time.DateOnly, c.CISAActionDue)
		if err != nil && c.CISAActionDue != "" {
			errs = append(errs, fmt.Errorf("cisaActionDue: %w", err))
		}
		rec.Exploited = &vuln.Exploitation{DateAdded: added, DueDate: due, RequiredAction: c.CISAAction}
		rec.Summary = c.CISAName
	}
	if err := errors.Join(errs...); err != nil {
		return vuln.Record{ID: rec.ID}, err
	}
	if err := rec.Validate(); err != nil {
		return vuln.Record{ID: rec.ID}, err
	}
	return rec, nil
}

// parseTime reads NVD's times, which have no zone and are UTC
// ("2017-03-11T02:59:00.150"); a time with a zone is accepted too.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// referenceType maps NVD's reference tags to OSV's reference types.
func referenceType(tags []string) string {
	for _, want := range []struct{ tag, typ string }{
		{"Patch", "FIX"}, {"Vendor Advisory", "ADVISORY"}, {"Third Party Advisory", "ADVISORY"},
		{"Exploit", "EVIDENCE"}, {"Issue Tracking", "REPORT"}, {"Release Notes", "ARTICLE"},
	} {
		if slices.Contains(tags, want.tag) {
			return want.typ
		}
	}
	return "WEB"
}

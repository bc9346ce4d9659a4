// Package osvfeed reads OSV vulnerability records (https://ossf.github.io/osv-schema/)
// into vuln.Records: one JSON record, a directory of records, a per-ecosystem
// all.zip as OSV publishes it, and the modified_id.csv index that tells what
// changed since a time.
//
// Invariants: inputs are bounded (MaxRecordSize per record, MaxZipEntries
// and MaxZipSize per archive); every returned Record has passed Validate; a
// record that fails to parse or validate is reported as a vuln.Problem
// naming its file, and the others are still returned. The package is pure:
// it reads from io.Reader, io.ReaderAt and fs.FS values only.
package osvfeed

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Size bounds. The largest record of the public OSV data is well under 1 MiB
// (Linux kernel records with many commits); MaxRecordSize leaves room.
const (
	MaxRecordSize = 8 << 20
	MaxZipEntries = 2_000_000
	MaxZipSize    = 8 << 30
)

// record is the OSV schema's JSON shape, the parts vigil keeps.
type record struct {
	SchemaVersion string     `json:"schema_version"`
	ID            string     `json:"id"`
	Modified      *time.Time `json:"modified"`
	Published     *time.Time `json:"published"`
	Withdrawn     *time.Time `json:"withdrawn"`
	Aliases       []string   `json:"aliases"`
	Upstream      []string   `json:"upstream"`
	Related       []string   `json:"related"`
	Summary       string     `json:"summary"`
	Details       string     `json:"details"`
	Severity      []severity `json:"severity"`
	Affected      []affected `json:"affected"`
	References    []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

type severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl"`
	} `json:"package"`
	Severity []severity `json:"severity"`
	Ranges   []struct {
		Type   string `json:"type"`
		Repo   string `json:"repo"`
		Events []struct {
			Introduced   string `json:"introduced"`
			Fixed        string `json:"fixed"`
			LastAffected string `json:"last_affected"`
			Limit        string `json:"limit"`
		} `json:"events"`
	} `json:"ranges"`
	Versions []string `json:"versions"`
}

// databaseSpecific is the part of a record's database_specific that some
// databases (GitHub, OSV's own CVE conversion) fill with CWE IDs.
type databaseSpecific struct {
	CWEIDs []string `json:"cwe_ids"`
}

// Read reads one OSV JSON record of at most MaxRecordSize bytes; name is the
// file the record came from, for errors.
func Read(r io.Reader, name string) (vuln.Record, error) {
	data, err := vuln.ReadAll(r, MaxRecordSize)
	if err != nil {
		return vuln.Record{}, fmt.Errorf("%s: %w", name, err)
	}
	return Parse(data, name)
}

// Parse parses one OSV JSON record and validates it.
func Parse(data []byte, name string) (vuln.Record, error) {
	rec, err := parse(data)
	if err != nil {
		return vuln.Record{}, fmt.Errorf("%s: %w", name, err)
	}
	return rec, nil
}

func parse(data []byte) (vuln.Record, error) {
	if len(data) > MaxRecordSize {
		return vuln.Record{}, fmt.Errorf("%w: %d bytes, at most %d", vuln.ErrTooLarge, len(data), MaxRecordSize)
	}
	var in record
	// Unmarshal rejects data after the value, as it should.
	if err := json.Unmarshal(data, &in); err != nil {
		return vuln.Record{}, vuln.JSONError(data, err)
	}
	rec := convert(&in)
	if err := rec.Validate(); err != nil {
		return vuln.Record{}, fmt.Errorf("invalid record %s: %w", in.ID, err)
	}
	return rec, nil
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func convert(in *record) vuln.Record {
	rec := vuln.Record{
		ID:        in.ID,
		Source:    vuln.SourceOSV,
		Aliases:   nilIfEmpty(in.Aliases),
		Upstream:  nilIfEmpty(in.Upstream),
		Related:   nilIfEmpty(in.Related),
		Summary:   in.Summary,
		Details:   in.Details,
		Published: utc(in.Published),
		Modified:  utc(in.Modified),
		Severity:  scores(in.Severity),
	}
	if in.Withdrawn != nil {
		w := in.Withdrawn.UTC()
		rec.Withdrawn = &w
	}
	for _, r := range in.References {
		rec.References = append(rec.References, vuln.Reference{Type: r.Type, URL: r.URL})
	}
	if len(in.DatabaseSpecific) > 0 && in.DatabaseSpecific[0] == '{' {
		var ds databaseSpecific
		// database_specific is free-form: a cwe_ids of another shape is
		// not an error of the record.
		if json.Unmarshal(in.DatabaseSpecific, &ds) == nil {
			rec.CWEs = nilIfEmpty(ds.CWEIDs)
		}
	}
	for _, a := range in.Affected {
		out := vuln.Affected{
			Ecosystem: a.Package.Ecosystem,
			Package:   a.Package.Name,
			PURL:      a.Package.PURL,
			Versions:  nilIfEmpty(a.Versions),
			Status:    vuln.StatusAffected,
		}
		for _, r := range a.Ranges {
			rg := vuln.Range{Type: vuln.RangeType(r.Type), Repo: r.Repo}
			for _, e := range r.Events {
				rg.Events = append(rg.Events, vuln.Event{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit})
			}
			out.Ranges = append(out.Ranges, rg)
		}
		// Severity per affected package (schema 1.4) is folded into the
		// record's: vigil scores a vulnerability, not a package.
		for _, s := range scores(a.Severity) {
			if !containsScore(rec.Severity, s) {
				rec.Severity = append(rec.Severity, s)
			}
		}
		rec.Affected = append(rec.Affected, out)
	}
	return rec
}

func scores(in []severity) []vuln.Score {
	var out []vuln.Score
	for _, s := range in {
		out = append(out, vuln.Score{Type: vuln.ScoreType(s.Type), Vector: s.Score})
	}
	return out
}

func containsScore(list []vuln.Score, s vuln.Score) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nilIfEmpty makes "[]" in a record read as nothing, like an absent key, so
// that equal records compare equal.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

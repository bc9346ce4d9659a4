// Package debtracker reads the Debian Security Tracker's JSON export
// (https://security-tracker.debian.org/tracker/data/json) into vuln.Records:
// one Record per vulnerability ID (CVE, or the tracker's TEMP- IDs), with
// an Affected entry per source package and release.
//
// The export maps a source package to its issues, and each issue to its
// releases:
//
//	{"openssl": {"CVE-2024-4741": {"description": "...", "scope": "remote",
//	  "debianbug": 1071234, "releases": {"bookworm": {"status": "resolved",
//	  "repositories": {"bookworm": "3.0.13-1~deb12u1"}, "fixed_version":
//	  "3.0.14-1~deb12u1", "urgency": "not yet assigned"}}}}}
//
// (the tracker's bin/tracker_service.py writes it; keys whose value would
// be null are left out). A release's state becomes the Affected entry's
// Status: "resolved" with fixed_version "0" is not affected (the release
// never had the vulnerable code); "resolved" with a version is fixed, with
// the ECOSYSTEM range introduced "0", fixed at that version; "open" is
// affected in every version (introduced "0" alone); "undetermined" has no
// range. Codenames become OSV ecosystems ("bookworm" is "Debian:12",
// "sid" is "Debian:sid"); urgency, nodsa and nodsa_reason are kept per
// release in the entry's DatabaseSpecific.
//
// Invariants: the export is read as a stream, bounded by MaxExportSize; a
// package whose issues cannot be read, or a release entry that makes no
// sense, is a vuln.Problem naming the package, issue and release, and the
// rest is still read; every returned Record has passed Validate.
package debtracker

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// MaxExportSize bounds the export. The full export was about 80 MB in
// 2025; the bound leaves room for growth.
const MaxExportSize = 1 << 30

// releases maps a Debian codename to the OSV ecosystem of that release.
var releases = map[string]string{
	"wheezy":   "Debian:7",
	"jessie":   "Debian:8",
	"stretch":  "Debian:9",
	"buster":   "Debian:10",
	"bullseye": "Debian:11",
	"bookworm": "Debian:12",
	"trixie":   "Debian:13",
	"forky":    "Debian:14",
	"duke":     "Debian:15",
	"sid":      "Debian:sid",
	"unstable": "Debian:sid",
}

// Ecosystem returns the OSV ecosystem of a Debian codename ("bookworm":
// "Debian:12"), and false for a codename it does not know.
func Ecosystem(codename string) (string, bool) {
	e, ok := releases[codename]
	return e, ok
}

type issue struct {
	Description string             `json:"description"`
	Scope       string             `json:"scope"`
	DebianBug   int                `json:"debianbug"`
	Releases    map[string]release `json:"releases"`
}

type release struct {
	Status          string            `json:"status"`
	Repositories    map[string]string `json:"repositories"`
	FixedVersion    *string           `json:"fixed_version"`
	Urgency         string            `json:"urgency"`
	NoDSA           string            `json:"nodsa"`
	NoDSAReason     string            `json:"nodsa_reason"`
	NextPointUpdate bool              `json:"next_point_update"`
}

// Parse reads the export from r; name is the file or URL it came from, for
// errors. The error is for an export that cannot be read as a whole
// (malformed JSON, beyond the bound); problems are for the parts that were
// skipped.
func Parse(r io.Reader, name string) ([]vuln.Record, []vuln.Problem, error) {
	return parse(r, name, MaxExportSize)
}

func parse(r io.Reader, name string, limit int64) ([]vuln.Record, []vuln.Problem, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	fail := func(err error) ([]vuln.Record, []vuln.Problem, error) {
		if lr.N <= 0 {
			err = fmt.Errorf("%w: more than %d bytes", vuln.ErrTooLarge, limit)
		}
		return nil, nil, fmt.Errorf("%s: offset %d: %w", name, dec.InputOffset(), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if tok != json.Delim('{') {
		return fail(fmt.Errorf("want an object of source packages, got %v", tok))
	}
	byID := map[string]*vuln.Record{}
	var problems []vuln.Problem
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		pkg := tok.(string) // object keys are strings
		var issues map[string]issue
		if err := dec.Decode(&issues); err != nil {
			var typ *json.UnmarshalTypeError
			if !errors.As(err, &typ) {
				return fail(fmt.Errorf("package %q: %w", pkg, err))
			}
			// A value of the wrong type is consumed whole: the stream is
			// still in step, so only this package is lost.
			problems = append(problems, vuln.Problem{Name: fmt.Sprintf("%s: package %q", name, pkg), Err: err})
			continue
		}
		if pkg == "" {
			problems = append(problems, vuln.Problem{Name: name, Err: errors.New("a package without a name")})
			continue
		}
		for id, is := range issues {
			where := fmt.Sprintf("%s: package %q, %s", name, pkg, id)
			if id == "" {
				problems = append(problems, vuln.Problem{Name: where, Err: errors.New("an issue without an ID")})
				continue
			}
			rec := byID[id]
			if rec == nil {
				rec = &vuln.Record{ID: id, Source: vuln.SourceDebian}
				byID[id] = rec
			}
			if rec.Summary == "" {
				rec.Summary = is.Description
			}
			if (is.DebianBug != 0 || is.Scope != "") && rec.DatabaseSpecific == nil {
				rec.DatabaseSpecific = &vuln.DatabaseSpecific{DebianBug: is.DebianBug, Scope: is.Scope}
			}
			for codename, rel := range is.Releases {
				a, err := affected(pkg, codename, rel)
				if err != nil {
					problems = append(problems, vuln.Problem{Name: fmt.Sprintf("%s, release %q", where, codename), Err: err})
					continue
				}
				rec.Affected = append(rec.Affected, a)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(errors.New("data after the export"))
	}
	recs := make([]vuln.Record, 0, len(byID))
	for _, rec := range byID {
		slices.SortFunc(rec.Affected, func(a, b vuln.Affected) int {
			return cmp.Or(strings.Compare(a.Package, b.Package), strings.Compare(a.Ecosystem, b.Ecosystem))
		})
		if err := rec.Validate(); err != nil {
			problems = append(problems, vuln.Problem{Name: fmt.Sprintf("%s: %s", name, rec.ID), Err: err})
			continue
		}
		recs = append(recs, *rec)
	}
	slices.SortFunc(recs, func(a, b vuln.Record) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(problems, func(a, b vuln.Problem) int { return strings.Compare(a.Name, b.Name) })
	return recs, problems, nil
}

func affected(pkg, codename string, rel release) (vuln.Affected, error) {
	eco, ok := releases[codename]
	if !ok {
		return vuln.Affected{}, fmt.Errorf("unknown release %q", codename)
	}
	a := vuln.Affected{
		Ecosystem: eco,
		Package:   pkg,
		PURL:      "pkg:deb/debian/" + pkg + "?distro=" + codename,
	}
	if rel.Urgency != "" || rel.NoDSA != "" || rel.NoDSAReason != "" || rel.NextPointUpdate || len(rel.Repositories) > 0 {
		a.DatabaseSpecific = &vuln.AffectedSpecific{
			Urgency:         rel.Urgency,
			NoDSA:           rel.NoDSA,
			NoDSAReason:     rel.NoDSAReason,
			NextPointUpdate: rel.NextPointUpdate,
			Repositories:    rel.Repositories,
		}
	}
	fixed := ""
	if rel.FixedVersion != nil {
		fixed = *rel.FixedVersion
	}
	switch rel.Status {
	case "resolved":
		switch {
		case fixed == "0":
			a.Status = vuln.StatusNotAffected
		case fixed == "":
			return vuln.Affected{}, errors.New("resolved without a fixed_version")
		case !plausibleVersion(fixed):
			return vuln.Affected{}, fmt.Errorf("fixed_version %q is not a Debian version", fixed)
		default:
			a.Status = vuln.StatusFixed
			a.Ranges = []vuln.Range{{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: "0"}, {Fixed: fixed}}}}
		}
	case "open":
		if fixed != "" {
			return vuln.Affected{}, fmt.Errorf("open with fixed_version %q", fixed)
		}
		a.Status = vuln.StatusAffected
		a.Ranges = []vuln.Range{{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: "0"}}}}
	case "undetermined":
		a.Status = vuln.StatusUndetermined
	default:
		return vuln.Affected{}, fmt.Errorf("unknown status %q", rel.Status)
	}
	return a, nil
}

// plausibleVersion reports whether v can be a Debian version: it starts
// with a digit (or an epoch) and has none of the characters dpkg rejects.
func plausibleVersion(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' || len(v) > 256 {
		return false
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.ContainsRune(".+-~:", c)) {
			return false
		}
	}
	return true
}

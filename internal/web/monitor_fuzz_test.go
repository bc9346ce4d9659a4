package web

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFindingQuery feeds the findings filter any query string: it never
// panics, keeps only values it understood, bounds free text and names the
// field of every problem.
func FuzzFindingQuery(f *testing.F) {
	for _, s := range []string{
		"", "open=true", "product=gateway&release=3&status=affected&status=fixed&min_severity=high&vuln=CVE-2023-1393&package=openssl",
		"status=bogus&release=x&min_severity=huge&open=yes", "release=-1&branch=0", "release=99999999999999999999",
		"vuln=" + strings.Repeat("x", 300), "status=affected&status=affected", "min_severity=%20HIGH%20", "open=on", "package=%ff%00",
	} {
		f.Add(s)
	}
	fields := []string{"product", "vuln", "package", "release", "branch", "status", "min_severity", "open"}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fq, problems := parseFindingQuery(q)
		for _, p := range problems {
			field, _, ok := strings.Cut(p, ":")
			if !ok || !slices.Contains(fields, field) {
				t.Errorf("problem %q names no field", p)
			}
		}
		for _, v := range []string{fq.Product, fq.Vuln, fq.Package} {
			if len(v) > maxQueryText {
				t.Errorf("a free-text value of %d bytes was kept", len(v))
			}
		}
		if fq.Release < 0 || fq.Branch < 0 || fq.Filter.ReleaseID != fq.Release {
			t.Errorf("ids %d %d", fq.Release, fq.Branch)
		}
		if len(fq.Status) > len(findingStatuses) || len(fq.Filter.Status) != len(fq.Status) {
			t.Errorf("statuses %v", fq.Status)
		}
		if (fq.MinSeverity == "") != (fq.Filter.MinSeverity == nil) || fq.Open != fq.Filter.Open {
			t.Errorf("the filter differs from the form: %+v", fq)
		}
	})
}

// FuzzDateField reads any date field: a time or a problem naming it.
func FuzzDateField(f *testing.F) {
	for _, s := range []string{"", "2026-03-06", " 2026-12-31 ", "2026-02-30", "31/03", "tomorrow", "\xff"} {
		f.Add(s)
	}
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		zone = time.UTC
	}
	f.Fuzz(func(t *testing.T, v string) {
		var problems []string
		d := dateField(v, "eol", zone, &problems)
		switch {
		case d == nil && strings.TrimSpace(v) != "" && len(problems) != 1:
			t.Errorf("%q: no date and %d problems", v, len(problems))
		case d != nil && (len(problems) != 0 || d.Location() != time.UTC):
			t.Errorf("%q: %v with problems %v", v, d, problems)
		}
		for _, p := range problems {
			if !strings.HasPrefix(p, "eol: ") || !utf8.ValidString(p) && utf8.ValidString(v) {
				t.Errorf("problem %q", p)
			}
		}
	})
}

func TestVulnLinks(t *testing.T) {
	got := vulnLinks([]string{"osv:DSA-5380-1", "CVE-2023-1393", "osv:GO-2023-1234", "debian:CVE-2023-0286", "ghsa:GHSA-xxxx-yyyy-zzzz", "osv:DSA-5380-1", "x:", "<script>"})
	want := []idLink{
		{ID: "DSA-5380-1", Source: "osv", Href: "https://security-tracker.debian.org/tracker/DSA-5380-1"},
		{ID: "CVE-2023-1393", Href: "https://nvd.nist.gov/vuln/detail/CVE-2023-1393"},
		{ID: "GO-2023-1234", Source: "osv", Href: "https://osv.dev/vulnerability/GO-2023-1234"},
		{ID: "CVE-2023-0286", Source: "debian", Href: "https://nvd.nist.gov/vuln/detail/CVE-2023-0286"},
		{ID: "GHSA-xxxx-yyyy-zzzz", Source: "ghsa", Href: "https://osv.dev/vulnerability/GHSA-xxxx-yyyy-zzzz"},
		{ID: "<script>"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("vulnLinks:\n got %+v\nwant %+v", got, want)
	}
}

func TestSevBadgeEscapes(t *testing.T) {
	b := sevBadge{Name: `"><x`, Label: `<b>High</b>`, Color: `red" onload="x`, Score: 7.5}
	h := string(b.HTML())
	for _, bad := range []string{"<b>", `" onload`, `"><x`} {
		if strings.Contains(h, bad) {
			t.Errorf("badge %s contains %q", h, bad)
		}
	}
	if !strings.Contains(h, "psev-none") || !strings.Contains(h, "7.5") {
		t.Errorf("badge %s", h)
	}
}

// Package advisorytest provides the demo's disclosed advisory as a fixture
// for the format packages' golden tests: the same publisher, products,
// branches and versions that `vigil demo` publishes, with a second revision.
package advisorytest

import (
	"time"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/product"
)

// Publisher is the demo vendor.
func Publisher() advisory.Publisher {
	return advisory.Publisher{
		Name: "Acme Corporation", Namespace: "https://acme.example", Contact: "security@acme.example",
		BaseURL: "https://security.acme.example", CNAOrgID: "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", CNAShort: "acme",
		IDPrefix: "VIGIL-SA",
	}
}

// Advisory is the demo's disclosed advisory with two revisions: the initial
// publication and an update that adds a reference.
func Advisory() advisory.Advisory {
	first := advisory.Revision{
		AdvisoryID: "VIGIL-SA-2026-001", Number: 1, Status: advisory.Final,
		PublishedAt: time.Date(2026, 10, 29, 11, 55, 0, 0, time.UTC),
		Title:       "Remote code execution through the job import API",
		Summary:     "A vulnerability in Acme Job Scheduler lets an attacker take control of the system.",
		Description: "Deserialisation of untrusted data in the job import API of Acme Job Scheduler 2.6.0 before 2.6.9 and 2.7.0 before 2.7.3 allows an authenticated remote attacker to run arbitrary commands as the scheduler user.",
		Workaround:  "Restrict access to /joc/api/jobs/import to administrators at the reverse proxy.",
		CVEID:       "CVE-2026-41001", Severity: "critical", Score: 8.8,
		CVSS31: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
		CWE:    []string{"CWE-502"},
		Affected: []advisory.Affected{
			{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.7", Maintained: true, Introduced: "2.7.0", Fixed: "2.7.3", FixedRelease: 4,
				Download: "https://downloads.acme.example/scheduler/2.7.3/scheduler-2.7.3.tar.gz", SHA256: "5f0c3c5e1f2b8f4b0ad5cf2a4f0b1b1e9b3f2a7c6d5e4f3a2b1c0d9e8f7a6b5c"},
			{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.6", Maintained: true, Introduced: "2.6.0", Fixed: "2.6.9", FixedRelease: 8,
				Download: "https://downloads.acme.example/scheduler/2.6.9/scheduler-2.6.9.tar.gz", SHA256: "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"},
			{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: "2.5", Maintained: false, Introduced: "2.5.0"},
		},
		Credits:    []advisory.Credit{{Name: "Jane Finder (Research Lab)", Type: "finder"}},
		References: []advisory.Reference{{URL: "https://security.acme.example/advisories/VIGIL-SA-2026-001", Tags: []string{"vendor-advisory"}}},
		Changes:    "Initial publication.",
	}
	second := first
	second.Number = 2
	second.PublishedAt = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	second.References = append(append([]advisory.Reference{}, first.References...),
		advisory.Reference{URL: "https://research.example/blog/job-import-rce", Tags: []string{"technical-description"}})
	second.Changes = "Added the finder's technical write-up."
	return advisory.Advisory{ID: first.AdvisoryID, Revisions: []advisory.Revision{first, second}}
}

// Releases are the demo product's published releases with their VEX
// statements for the advisory: affected, fixed, and not affected.
func Releases() []advisory.ReleaseVEX {
	adv := Advisory()
	rev := adv.Latest()
	at := time.Date(2026, 10, 29, 11, 55, 0, 0, time.UTC)
	var out []advisory.ReleaseVEX
	for _, r := range []struct{ branch, version string }{
		{"2.7", "2.7.2"}, {"2.7", "2.7.3"}, {"2.6", "2.6.8"}, {"2.6", "2.6.9"}, {"2.5", "2.5.9"},
	} {
		st, err := advisory.StatusFor(rev, "scheduler", product.MustVersion(r.version))
		if err != nil {
			panic(err)
		}
		out = append(out, advisory.ReleaseVEX{Product: "Acme Job Scheduler", ProductSlug: "scheduler", Branch: r.branch,
			Version: r.version, PublishedAt: at, Statements: []advisory.Statement{st}})
	}
	return out
}

// Package advisorytest provides the demo's disclosed advisory as a fixture
// for the format packages' golden tests: the same publisher, products,
// branches and versions that `vigil demo` publishes, with a second revision.
package advisorytest

import (
	"strings"
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

// HostileNote is a status note made to break a renderer: markup, quotes,
// control characters, a NUL, invalid UTF-8 and more than
// advisory.MaxComponentNote bytes.
var HostileNote = "rule 7: other: </script><script>alert(1)</script> \"quoted\" & 'single' \x00\x1b[31m\u202e\xff\xfe " +
	strings.Repeat("long ", advisory.MaxComponentNote/4)

// Components are the statements on upstream vulnerabilities of the demo's
// release 2.7.2, one of every status and remedy: affected and fixed in a
// published release, affected with an upstream fix only, affected without
// an upstream fix, not affected by a rule, under investigation (a CVE also
// stated on another component), and fixed (carried from the previous
// release, the component's version unknown).
func Components() []advisory.ComponentStatement {
	return []advisory.ComponentStatement{
		{Vuln: "CVE-2024-24790", Aliases: []string{"GO-2024-2887"}, Status: advisory.StatusAffected,
			Summary:   "Unexpected behavior from Is methods for IPv4-mapped IPv6 addresses in net/netip",
			Component: advisory.ComponentRef{PURL: "pkg:golang/stdlib@1.22.3", Name: "stdlib", Version: "1.22.3"}, Package: "stdlib",
			Note: "the component's version is in an affected range of osv:GO-2024-2887", FixedVersion: "1.22.4", FixRelease: "2.7.3",
			CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		{Vuln: "CVE-2024-45337", Aliases: []string{"GHSA-v778-237x-gjrc", "GO-2024-3321"}, Status: advisory.StatusAffected,
			Summary:   "Misuse of ServerConfig.PublicKeyCallback may cause authorization bypass in golang.org/x/crypto",
			Component: advisory.ComponentRef{PURL: "pkg:golang/golang.org/x/crypto@v0.30.0", Name: "golang.org/x/crypto", Version: "v0.30.0"},
			Package:   "golang.org/x/crypto", FixedVersion: "0.31.0",
			CVSS3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"},
		{Vuln: "GO-2099-0001", Status: advisory.StatusAffected, Summary: "A hypothetical upstream vulnerability without CVE ID and without fix",
			Component: advisory.ComponentRef{PURL: "pkg:golang/example.com/queue@v1.4.0", Name: "example.com/queue", Version: "v1.4.0"},
			Package:   "example.com/queue", CVSS3: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"},
		{Vuln: "CVE-2023-45853", Status: advisory.NotAffected, Justification: "vulnerable_code_not_in_execute_path",
			Summary:   "MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64",
			Component: advisory.ComponentRef{PURL: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12", Name: "zlib1g", Version: "1:1.2.13.dfsg-1"},
			Package:   "zlib", Note: "rule 3: feature not used: the scheduler never calls MiniZip."},
		{Vuln: "CVE-2023-45853", Status: advisory.UnderInvestigation,
			Component: advisory.ComponentRef{PURL: "pkg:generic/zlib@1.2.13", Name: "zlib", Version: "1.2.13"}, Package: "zlib",
			Note: "rule 4: other: the vendored copy in the agent is being reviewed."},
		{Vuln: "CVE-2023-44487", Aliases: []string{"GHSA-qppj-fm5r-hxr3", "GO-2023-2102"}, Status: advisory.Fixed,
			Summary:   "HTTP/2 rapid reset can cause excessive work in net/http",
			Component: advisory.ComponentRef{PURL: "pkg:golang/golang.org/x/net", Name: "golang.org/x/net"}, Package: "golang.org/x/net",
			FixedVersion: "0.17.0"},
	}
}

// ComponentRelease is the demo's release 2.7.2 with its advisory statement
// and Components.
func ComponentRelease() advisory.ReleaseVEX {
	rel := Releases()[0]
	rel.Components = Components()
	return rel
}

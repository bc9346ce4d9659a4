// Package cve5 converts a published advisory to the CVE JSON 5.1 record
// format and lints CVE records before a case may be disclosed.
//
// FromAdvisory renders the full record (what cve.org shows); CNAContainer
// renders the CNA container alone, as the CVE Services endpoints
// POST and PUT /cve/{id}/cna take it inside a CNARequest; RejectedContainer
// renders the container of PUT /cve/{id}/reject for a withdrawn advisory.
// Lint applies vigil's own rules on top of the schema: an English
// description of some substance, affected products with versions,
// references, a CWE, a CVSS metric whose severity matches its score, no
// credited name inside a description and a well-formed CVE ID. ParseRecord
// reads a record back, such as one CVE Services returns.
//
// Invariants: the package is pure (no I/O, no clock: every date comes from
// the advisory's revisions). A record always renders the latest revision;
// cveMetadata.datePublished and the container's datePublic are the first
// publication. CVSS scores and severities are computed from the vectors, never
// copied from the case, so a metric cannot contradict its vector; the
// advisory's own severity (the policy's class) is not a CVSS rating and is
// not emitted. Everything the schema wants absent is omitted rather than
// written empty. Conversion fails only on input that cannot be rendered
// (no revision, a withdrawn advisory, a malformed vector or version); missing
// content renders as is and is what Lint reports, so the team sees every
// problem of a draft at once.
package cve5

// Package csaf renders vigil's published advisories as CSAF 2.0 documents
// (OASIS Common Security Advisory Framework): [Advisory] makes the
// csaf_security_advisory of an advisory with its whole revision history, [VEX]
// makes the csaf_vex of one release, stating for every advisory of its
// product whether that release is affected, fixed or not affected. [Marshal]
// gives the bytes to publish and [Filename] and [URL] say where they go.
//
// The package is a pure converter: no I/O, no clock. Its output depends on its
// input only, so a revision renders to the same bytes every time.
//
// Invariants of every document it returns (the tests check them with the
// CSAF 2.0 JSON schema, gocsaf's csaf_validator and the Secvisogram validator
// library, whose mandatory and optional tests report no error and no
// warning):
//
//   - It is valid against the CSAF 2.0 schema and passes the mandatory tests
//     (section 6.1): revision history numbered 1..n in date order with the
//     version of its latest entry, every product ID defined once and used,
//     CVSS objects whose score and severity are computed from their vector,
//     CWE names exactly as the CWE list has them, version ranges only in
//     product_version_range branches, as vers strings.
//   - It passes the optional tests (section 6.2): keys in alphabetical order,
//     TLP:WHITE, language "en", a self reference ending in [Filename], a
//     product identification helper (CPE) on every product, a remediation and
//     a score for every affected product and no score for a fixed one.
//   - Product IDs are stable and readable across revisions:
//     "CSAFPID-<product>-<version>" for a release and
//     "CSAFPID-<product>-<branch>-affected" for the affected range of a branch.
//
// CSAF 2.0 has room for one CWE per vulnerability and for CVSS v2 and v3
// scores only: further CWEs and a CVSS 4.0 vector go into notes. A withdrawn
// advisory keeps its products, all listed as not affected, with a note that
// says why; CSAF 2.0 has no withdrawn status of its own.
package csaf

// Package sarif writes the findings of a scan as a SARIF 2.1.0 log, the
// format GitHub code scanning, GitLab and Azure DevOps ingest, shaped for
// dependency (SCA) results the way GitHub documents it: one rule per
// vulnerability in tool.driver.rules, one result per (component,
// vulnerability), the scanned SBOM as the result's location.
//
// Invariants of a log written by Write:
//   - It is valid against the official OASIS SARIF 2.1.0 JSON schema
//     (sarif-schema-2.1.0.json, errata01), whatever the strings of the
//     findings hold: text is made valid UTF-8, collapsed to one line where a
//     line is expected, bounded in length and backslash-escaped in Markdown.
//   - It is deterministic: the same findings in any order give the same bytes.
//     Rules are sorted by ID; results by rule, then component, then content.
//     Object keys come in a fixed order (struct fields; the one map, the
//     fingerprints, is sorted by encoding/json); output is indented UTF-8.
//   - Fixed findings are not written. Not-affected findings are written as
//     suppressed (a suppression of kind "external", status "accepted", with
//     the finding's status note as justification), so that a CI gate does
//     not fail on them while the decision stays visible. Only rules that a
//     written result refers to are listed, and every result's ruleIndex
//     points at its rule.
//   - A result's partialFingerprints are a hash of the vulnerability and the
//     component (its purl, else ecosystem, package and version): stable
//     across runs, independent of the order, the SBOM path or the tool.
//   - security-severity is the highest CVSS base score among the
//     vulnerability's findings, formatted "9.8", and absent when no score is
//     known; a result's level follows the policy severity (critical and high:
//     error; medium: warning; low and none: note).
//   - Input is bounded: at most MaxFindings findings and MaxResults written
//     results (GitHub's limit per run); an input that breaks a rule is
//     rejected as a whole with every problem listed (errors.Join, each
//     prefixed by its field path) and nothing is written.
//   - The package is pure: it writes to the io.Writer it is given and
//     touches no file, clock or network.
package sarif

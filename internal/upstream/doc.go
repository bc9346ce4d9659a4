// Package upstream is where vigil gets upstream vulnerability data: it reads
// files and directories (OSV records and archives, the Debian Security
// Tracker's JSON export, NVD CVE API 2.0 pages, the CISA KEV catalog), with
// their format detected by content or named, and it syncs the same feeds
// over HTTP with conditional requests. It does not store anything: it
// returns Batches of vuln.Records that the caller stores.
//
// Feeds are named as OSV publishes them: "osv/<Ecosystem>" for one
// ecosystem's records (the folder of the OSV bucket, e.g. "osv/Go",
// "osv/Debian"), "osv" for records of several ecosystems, "debian", "nvd"
// and "kev".
//
// Invariants:
//   - A Batch is all or nothing: a failed read or fetch returns an error and
//     no Batch, never a partial one. Records that fail to parse while the
//     rest of an input is sound are Problems of the Batch, and such a Batch
//     is never Complete, so that a caller cannot mistake a record that
//     failed for one that was removed.
//   - Every input is bounded: files by the parsers' own limits
//     (osvfeed.MaxRecordSize, MaxZipSize, debtracker.MaxExportSize,
//     nvd.MaxResponseSize, kev.MaxCatalogSize), responses by the smaller of
//     those and Config.MaxBytes; a bound exceeded is an error wrapping
//     vuln.ErrTooLarge. A hostile input is an error, never a panic.
//   - Every error names the feed or file and, where the parser knows it, the
//     place (line and column, archive entry, array index).
//   - Time is never read from the clock: Fetch is given now, and the State
//     it returns carries what the next Fetch needs.
//
// The fake upstream services for tests are in package upstreamtest.
package upstream

package cli

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/finding"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/sarif"
	"github.com/vigil-psirt/vigil/internal/sbom"
	"github.com/vigil-psirt/vigil/internal/store"
)

// Exit codes of vigil scan, for CI pipelines.
const (
	exitFindings  = 1 // findings at or above the --fail-on severity
	exitScanError = 3 // the scan could not run (bad SBOM, no data, ...)
)

// maxLowGCSize is the largest SBOM a scan collects garbage less often for.
const maxLowGCSize = 16 << 20

// exitError ends a command with a given exit code; err, when set, is
// printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

const scanUsage = `vigil scan [--format table|json|sarif] [--fail-on SEVERITY|off] [--distro debian-12]
           [--product SLUG [--release X.Y.Z]] [--sbom-format FORMAT] [--cpe] SBOM

Checks an SBOM (CycloneDX, SPDX or a dpkg status file) offline against the
vulnerability data imported with vigil feed import|sync. Exit codes: 0 no
finding at or above --fail-on (default low), 1 findings, 2 usage, 3 error.
Findings an applicability rule marks not_affected never fail the scan.`

// ScanOutput is the JSON output of vigil scan.
type ScanOutput struct {
	SBOM     ScanSBOM          `json:"sbom"`
	Findings []finding.Finding `json:"findings"`
}

// ScanSBOM describes the scanned document.
type ScanSBOM struct {
	Path         string         `json:"path"`
	Name         string         `json:"name"`
	Format       string         `json:"format"`
	SHA256       string         `json:"sha256"`
	Components   int            `json:"components"`
	Unidentified []sbom.Problem `json:"unidentified,omitempty"`
}

func runScan(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, scanUsage); fs.PrintDefaults() }
	get := flags(fs, e)
	format := fs.String("format", "table", "output: table, json or sarif")
	failOn := fs.String("fail-on", "low", "lowest severity that fails the scan (critical, high, medium, low, none) or off")
	distro := fs.String("distro", "", "Debian release of Debian components whose purl names none (a dpkg status file)")
	productSlug := fs.String("product", "", "apply this product's applicability rules")
	release := fs.String("release", "", "as for this release (X.Y.Z) of the product")
	sbomFormat := fs.String("sbom-format", "", "SBOM format ("+strings.Join(sbom.Formats, ", ")+"); detected when empty")
	output := fs.String("o", "", "write the report to this file instead of stdout")
	cpe := fs.Bool("cpe", false, "also match components without a purl by their CPE against NVD's configurations (coarse)")
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != 1 {
		return usageErr("scan needs exactly one SBOM\n%s", scanUsage)
	}
	if *format != "table" && *format != "json" && *format != "sarif" {
		return usageErr("--format: %q is not table, json or sarif", *format)
	}
	threshold := policy.Severity(-1)
	if *failOn != "off" {
		s, err := policy.ParseSeverity(*failOn)
		if err != nil {
			return usageErr("--fail-on: %v", err)
		}
		threshold = s
	}
	c, err := get()
	if err != nil {
		return err
	}
	// A scan is a short process with a small heap (about 30 MB for an SBOM
	// of 700 components): collecting garbage a quarter as often saves a
	// tenth of its CPU time. A document over maxLowGCSize keeps the default,
	// so that the heap stays bounded.
	if st, err := os.Stat(pos[0]); err == nil && st.Size() <= maxLowGCSize {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	findings, out, closeStore, err := scan(ctx, e, c, pos[0], *sbomFormat, casework.ScanOptions{Distro: *distro, Product: *productSlug, Release: *release, CPE: *cpe || c.CPEMatching})
	if err != nil {
		return &exitError{code: exitScanError, err: err}
	}
	// The store closes while the report is written.
	closed := make(chan struct{})
	go func() { closeStore(); close(closed) }()
	defer func() { <-closed }()
	w := e.stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return &exitError{code: exitScanError, err: err}
		}
		defer f.Close()
		w = f
	}
	switch *format {
	case "json":
		err = writeJSON(w, out)
	case "sarif":
		err = sarif.Write(w, sarif.Input{Tool: sarif.Tool{Name: "vigil", Version: Version, InformationURI: "https://github.com/vigil-psirt/vigil"},
			Artifact: pos[0], Findings: findings})
	default:
		err = scanTable(w, out)
	}
	if err != nil {
		return &exitError{code: exitScanError, err: err}
	}
	if *output != "" {
		if err := w.(*os.File).Close(); err != nil {
			return &exitError{code: exitScanError, err: err}
		}
	}
	for _, p := range out.SBOM.Unidentified {
		fmt.Fprintf(e.stderr, "not identified: %s\n", p)
	}
	if threshold >= 0 {
		for _, f := range findings {
			if (f.Status == finding.Affected || f.Status == finding.UnderInvestigation) && f.Severity >= threshold {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// scan scans the SBOM at path. On success the store is still open: the
// caller closes it with closeStore.
func scan(ctx context.Context, e *env, c Config, path, sbomFormat string, o casework.ScanOptions) (_ []finding.Finding, _ ScanOutput, closeStore func(), err error) {
	var out ScanOutput
	// The store opens (its schema read, its version checked) and the policy
	// loads on another goroutine while the SBOM is read and parsed.
	type opened struct {
		svc   *casework.Service
		close func()
		err   error
	}
	openc := make(chan opened, 1)
	go func() {
		svc, closeStore, err := scanService(ctx, e, c)
		openc <- opened{svc, closeStore, err}
	}()
	doc, sum, err := readSBOM(path, sbomFormat)
	st := <-openc
	if st.err == nil {
		defer func() {
			if err != nil {
				st.close()
			}
		}()
	}
	if err != nil {
		return nil, out, nil, err
	}
	if st.err != nil {
		return nil, out, nil, st.err
	}
	out.SBOM = ScanSBOM{Path: path, Name: doc.Name, Format: doc.Format, SHA256: hex.EncodeToString(sum[:]),
		Components: len(doc.Components), Unidentified: doc.Unidentified}
	fs, err := st.svc.Scan(ctx, doc, o)
	if err != nil {
		return nil, out, nil, err
	}
	if fs == nil {
		fs = []finding.Finding{}
	}
	out.Findings = fs
	return fs, out, st.close, nil
}

// readSBOM reads and parses the SBOM at path, in sbomFormat or the format
// detected, and returns it with the SHA-256 of the file.
func readSBOM(path, sbomFormat string) (*sbom.SBOM, [sha256.Size]byte, error) {
	data, err := readBounded(path, sbom.MaxSize)
	if err != nil {
		return nil, [sha256.Size]byte{}, err
	}
	var doc *sbom.SBOM
	if sbomFormat != "" {
		doc, err = sbom.ParseFormatBytes(data, path, sbomFormat)
	} else {
		doc, err = sbom.ParseBytes(data, path)
	}
	return doc, sha256.Sum256(data), err
}

// errNoData is the error of a scan with no record to match against.
var errNoData = errors.New("no vulnerability data imported: run vigil feed import or vigil feed sync first")

// scanService is service for a scan, which only reads: the store opened
// read-only (on SQLite no writer connection and no checkpoint at exit),
// its schema checked, and at least one record imported.
func scanService(ctx context.Context, e *env, c Config) (*casework.Service, func(), error) {
	pol, err := loadPolicy(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.OpenReadOnly(ctx, store.Config{Data: c.Data, Database: c.Database})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNoData
	} else if err != nil {
		return nil, nil, err
	}
	if err := st.Check(ctx); err != nil {
		st.Close()
		if errors.Is(err, store.ErrSchemaOld) {
			return nil, nil, fmt.Errorf("%w: run `vigil migrate` first (or serve with --migrate)", err)
		}
		return nil, nil, err
	}
	if ok, err := st.HasRecords(ctx); err != nil || !ok {
		st.Close()
		return nil, nil, cmp.Or(err, errNoData)
	}
	return &casework.Service{Store: st, Policy: pol, Now: e.now}, func() { st.Close() }, nil
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One allocation of the file's size (io.ReadAll's doubling allocates
	// and clears about twice the file); the extra bytes are
	// bytes.Buffer's minimum read, which meets the end.
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= limit {
		buf.Grow(int(st.Size()) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(io.LimitReader(f, limit+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", path, sbom.ErrTooLarge, limit)
	}
	return data, nil
}

// writeJSON writes out as encoding/json's Encoder with a two-space indent
// does, in one pass: json/v2 with the v1 options indents as it encodes,
// where v1 encodes and then indents the whole document again.
func writeJSON(w io.Writer, out ScanOutput) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := jsonv2.MarshalWrite(bw, out, jsonv1.DefaultOptionsV1(), jsontext.WithIndent("  ")); err != nil {
		return err
	}
	if err := bw.WriteByte('\n'); err != nil {
		return err
	}
	return bw.Flush()
}

func scanTable(w io.Writer, out ScanOutput) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tSCORE\tVULNERABILITY\tPACKAGE\tVERSION\tFIXED IN\tSTATUS\tDUE")
	counts := map[string]int{}
	notAffected := 0
	for _, f := range out.Findings {
		if f.Status == finding.NotAffected {
			notAffected++
		} else {
			counts[f.SeverityName]++
		}
		score := ""
		if f.Score > 0 {
			score = fmt.Sprintf("%.1f", f.Score)
		}
		sev := f.SeverityName
		if f.Exploited {
			sev += " (exploited)"
		}
		due := ""
		if f.DueAt != nil {
			due = f.DueAt.Format("2006-01-02")
		}
		status := string(f.Status)
		if f.Justification != "" {
			status += ": " + string(f.Justification)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sev, score, f.Vuln, f.Component.Package, f.Component.Version,
			f.FixedVersion, status, due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, s := range policy.Severities() {
		if n := counts[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	summary := "none"
	if len(parts) > 0 {
		summary = strings.Join(parts, ", ")
	}
	_, err := fmt.Fprintf(w, "\n%s: %d components, %d not identified; findings: %s; %d not affected by rules\n",
		out.SBOM.Path, out.SBOM.Components, len(out.SBOM.Unidentified), summary, notAffected)
	return err
}

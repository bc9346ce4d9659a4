package upstream

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/debtracker"
	"github.com/vigil-psirt/vigil/internal/kev"
	"github.com/vigil-psirt/vigil/internal/nvd"
	"github.com/vigil-psirt/vigil/internal/osvfeed"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// Batch is what one read or one fetch of a feed produced.
type Batch struct {
	// Feed names the feed: "osv/<Ecosystem>" (as OSV publishes one folder
	// per ecosystem, e.g. "osv/Go", "osv/Debian"), "osv" for records of
	// several ecosystems, "debian", "nvd" or "kev".
	Feed     string
	Source   vuln.Source
	Format   string // one of Formats
	Location string // the path or URL read
	Records  []vuln.Record
	// Problems are the parts of the input that could not be read as
	// records; the others are in Records.
	Problems []vuln.Problem
	// Complete means Records are the whole feed: records of Feed not among
	// them no longer exist (an all.zip, the Debian export, the KEV catalog,
	// a full NVD download). A directory, a delta or an NVD time window is
	// not complete, and neither is a Batch with Problems.
	Complete bool
}

// The formats ReadPath reads and Detect tells apart.
const (
	// FormatOSV is one OSV JSON record file, or a directory tree of them.
	FormatOSV = "osv"
	// FormatOSVZip is a zip archive of OSV JSON records, as OSV publishes
	// all.zip per ecosystem.
	FormatOSVZip = "osv-zip"
	// FormatDebian is the Debian Security Tracker's JSON export.
	FormatDebian = "debian-tracker"
	// FormatNVD is an NVD CVE API 2.0 response page, or one item of one
	// ({"cve": ...}) as NVD's samples store them.
	FormatNVD = "nvd"
	// FormatKEV is CISA's Known Exploited Vulnerabilities catalog (JSON).
	FormatKEV = "kev"
)

// Formats lists every format, in the order of the constants.
var Formats = []string{FormatOSV, FormatOSVZip, FormatDebian, FormatNVD, FormatKEV}

// ErrUnknownFormat reports an input whose format Detect cannot tell, or a
// format name that is not one of Formats.
var ErrUnknownFormat = errors.New("unknown format")

// sniffSize bounds how much of a file Detect reads: the keys that tell the
// formats apart come first in every real file.
const sniffSize = 1 << 20

// maxDirFiles bounds the files of an NVD directory.
const maxDirFiles = 100_000

// Detect tells the format of the file or directory at path by its content,
// never by its name: a zip archive with JSON entries is FormatOSVZip; a
// JSON object is told by its keys (an OSV record has "id" with "modified",
// "published", "affected", "aliases" or "schema_version"; an NVD page has
// "vulnerabilities" of {"cve": ...} items or format "NVD_CVE", an NVD item
// has "cve"; the KEV catalog has "catalogVersion" or "vulnerabilities" of
// {"cveID": ...} entries; the Debian export maps a package to an object of
// CVE- or TEMP- issues). A directory is FormatOSV: a tree of OSV records,
// as OSV's repositories and go-vulndb lay them out; a directory of NVD
// pages must be named with FormatNVD. At most the first MiB of a JSON file
// is read.
func Detect(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("detect format: %w", err)
	}
	if st.IsDir() {
		return FormatOSV, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("detect format: %w", err)
	}
	defer f.Close()
	format, err := detect(f, st.Size())
	if err != nil {
		return "", fmt.Errorf("detect format of %s: %w", path, err)
	}
	return format, nil
}

// detect tells the format of the size bytes of r.
func detect(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, min(size, sniffSize))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", err
	}
	head = head[:n]
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return "", fmt.Errorf("%w: a zip archive that cannot be read: %w", ErrUnknownFormat, err)
		}
		for _, f := range zr.File {
			if !f.FileInfo().IsDir() && strings.HasSuffix(f.Name, ".json") {
				return FormatOSVZip, nil
			}
		}
		return "", fmt.Errorf("%w: a zip archive without JSON entries", ErrUnknownFormat)
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(head)) == 0 {
		return "", fmt.Errorf("%w: empty", ErrUnknownFormat)
	}
	return sniffJSON(head)
}

// sniffJSON looks at the top-level keys of the JSON object that head
// starts with; head may be cut anywhere, and the keys seen until the cut
// decide.
func sniffJSON(head []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(head))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return "", fmt.Errorf("%w: not a JSON object", ErrUnknownFormat)
	}
	keys := map[string]bool{}
	for first := true; dec.More(); first = false {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		keys[key] = true
		switch {
		case key == "cve":
			return FormatNVD, nil
		case key == "catalogVersion":
			return FormatKEV, nil
		case key == "format":
			var v json.Token
			if v, err = dec.Token(); err != nil {
				break
			}
			if v == "NVD_CVE" {
				return FormatNVD, nil
			}
			if d, ok := v.(json.Delim); ok && (d == '{' || d == '[') {
				err = skipDepth(dec, 1)
			}
		case key == "vulnerabilities":
			var item string
			item, err = firstItemKey(dec)
			switch item {
			case "cve":
				return FormatNVD, nil
			case "cveID":
				return FormatKEV, nil
			}
		case first:
			// The Debian export maps a source package to its issues.
			var issue string
			var inside bool
			issue, inside, err = objectKey(dec)
			if strings.HasPrefix(issue, "CVE-") || strings.HasPrefix(issue, "TEMP-") {
				return FormatDebian, nil
			}
			if err == nil && inside {
				if err = skipValue(dec); err == nil {
					err = skipDepth(dec, 1)
				}
			}
		default:
			err = skipValue(dec)
		}
		if err != nil {
			break
		}
	}
	if keys["id"] && (keys["modified"] || keys["published"] || keys["affected"] || keys["aliases"] || keys["schema_version"]) {
		return FormatOSV, nil
	}
	if keys["resultsPerPage"] && keys["totalResults"] {
		return FormatNVD, nil
	}
	return "", fmt.Errorf("%w: a JSON object that is none of %s", ErrUnknownFormat, strings.Join(Formats, ", "))
}

// objectKey reads the start of a value. For an object with a key, it
// returns the first key and inside: the decoder is then before that key's
// value, one object deep. For anything else it consumes the whole value.
func objectKey(dec *json.Decoder) (key string, inside bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return "", false, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return "", false, nil
	}
	if d != '{' || !dec.More() {
		return "", false, skipDepth(dec, 1)
	}
	tok, err = dec.Token()
	if err != nil {
		return "", false, err
	}
	key, _ = tok.(string)
	return key, true, nil
}

// firstItemKey reads an array and returns its first item's first key. It
// consumes the whole array unless it returns a key.
func firstItemKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return "", nil
	}
	if d != '[' || !dec.More() {
		return "", skipDepth(dec, 1)
	}
	key, inside, err := objectKey(dec)
	if err != nil || key != "" {
		return key, err
	}
	if inside {
		if err := skipValue(dec); err != nil {
			return "", err
		}
		return "", skipDepth(dec, 2)
	}
	return "", skipDepth(dec, 1)
}

// skipValue consumes one whole value.
func skipValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		return skipDepth(dec, 1)
	}
	return nil
}

// skipDepth consumes tokens until depth open objects or arrays are closed.
func skipDepth(dec *json.Decoder, depth int) error {
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
		}
	}
	return nil
}

// ReadPath reads the file or directory at path as format, or as the
// format Detect tells when format is "". A directory tree of OSV JSON
// files is one Batch; an NVD directory (format FormatNVD) is one Batch per
// *.json file in lexical order; every other input is one Batch. An input
// that cannot be read as a whole is an error naming the file and, where
// known, the place in it; records that fail inside a sound input are the
// Batch's Problems.
func ReadPath(ctx context.Context, path, format string) ([]Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if format == "" {
		f, err := Detect(path)
		if err != nil {
			return nil, err
		}
		format = f
	}
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("read %s: %w %q (want one of %s)", path, ErrUnknownFormat, format, strings.Join(Formats, ", "))
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.IsDir() {
		switch format {
		case FormatOSV:
			b, err := readOSVDir(path)
			if err != nil {
				return nil, err
			}
			return []Batch{b}, nil
		case FormatNVD:
			return readNVDDir(ctx, path)
		default:
			return nil, fmt.Errorf("read %s: a directory cannot be %s (only %s or %s)", path, format, FormatOSV, FormatNVD)
		}
	}
	b, err := readFile(path, format, st.Size())
	if err != nil {
		return nil, err
	}
	return []Batch{b}, nil
}

func readOSVDir(path string) (Batch, error) {
	recs, problems, err := osvfeed.ParseDir(os.DirFS(path), ".")
	if err != nil {
		return Batch{}, fmt.Errorf("read %s: %w", path, err)
	}
	for i := range problems {
		problems[i].Name = filepath.Join(path, filepath.FromSlash(problems[i].Name))
	}
	return Batch{
		Feed: osvFeed(recs), Source: vuln.SourceOSV, Format: FormatOSV, Location: path,
		Records: recs, Problems: problems,
	}, nil
}

func readNVDDir(ctx context.Context, path string) ([]Batch, error) {
	var files []string
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			if len(files) == maxDirFiles {
				return fmt.Errorf("%w: more than %d files", vuln.ErrTooLarge, maxDirFiles)
			}
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read NVD directory %s: %w", path, err)
	}
	var out []Batch
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := readFile(p, FormatNVD, -1)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// readFile reads one file as format; size is the file's size, or -1 when
// not known.
func readFile(path, format string, size int64) (Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return Batch{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	b := Batch{Format: format, Location: path}
	switch format {
	case FormatOSV:
		rec, err := osvfeed.Read(f, path)
		if err != nil {
			return Batch{}, fmt.Errorf("read OSV record: %w", err)
		}
		b.Records, b.Source = []vuln.Record{rec}, vuln.SourceOSV
		b.Feed = osvFeed(b.Records)
	case FormatOSVZip:
		if size < 0 {
			st, err := f.Stat()
			if err != nil {
				return Batch{}, fmt.Errorf("read %s: %w", path, err)
			}
			size = st.Size()
		}
		recs, problems, err := osvfeed.ParseZip(f, size, path)
		if err != nil {
			return Batch{}, err
		}
		b.Records, b.Problems, b.Source = recs, problems, vuln.SourceOSV
		b.Feed, b.Complete = osvFeed(recs), true
	case FormatDebian:
		recs, problems, err := debtracker.Parse(f, path)
		if err != nil {
			return Batch{}, fmt.Errorf("read Debian tracker export: %w", err)
		}
		b.Records, b.Problems, b.Source = recs, problems, vuln.SourceDebian
		b.Feed, b.Complete = FeedDebian, true
	case FormatNVD:
		recs, problems, err := nvd.Parse(f, path)
		if err != nil {
			return Batch{}, fmt.Errorf("read NVD data: %w", err)
		}
		b.Records, b.Problems, b.Source, b.Feed = recs, problems, vuln.SourceNVD, FeedNVD
	case FormatKEV:
		cat, problems, err := kev.Parse(f, path)
		if err != nil {
			return Batch{}, fmt.Errorf("read KEV catalog: %w", err)
		}
		b.Records, b.Problems, b.Source = cat.Records, problems, vuln.SourceKEV
		b.Feed, b.Complete = FeedKEV, true
	}
	b.Complete = b.Complete && len(b.Problems) == 0
	return b, nil
}

// The names of the feeds that are not OSV.
const (
	FeedDebian = "debian"
	FeedNVD    = "nvd"
	FeedKEV    = "kev"
	// FeedOSV is the feed of OSV records of several ecosystems.
	FeedOSV = "osv"
)

// OSVFeed returns the feed name of one OSV ecosystem's records:
// "osv/<ecosystem>".
func OSVFeed(ecosystem string) string { return FeedOSV + "/" + ecosystem }

// osvFeed names the feed of records read from a file: the ecosystem every
// record's affected packages share, or their common base ("Debian" for
// "Debian:11" and "Debian:12", as OSV's Debian folder holds every
// release), else FeedOSV.
func osvFeed(recs []vuln.Record) string {
	eco := ""
	for _, r := range recs {
		for _, a := range r.Affected {
			switch e := a.Ecosystem; {
			case e == "" || e == eco:
			case eco == "":
				eco = e
			default:
				base, _, _ := strings.Cut(eco, ":")
				if b, _, _ := strings.Cut(e, ":"); b != base {
					return FeedOSV
				}
				eco = base
			}
		}
	}
	if eco == "" {
		return FeedOSV
	}
	return OSVFeed(eco)
}

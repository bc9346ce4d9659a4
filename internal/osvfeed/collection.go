package osvfeed

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// ParseDir reads every *.json file under dir in fsys (recursively, in
// lexical order) as one OSV record, at most MaxZipEntries of them. A file that fails is a Problem and the
// others are still read; the error is for a directory that cannot be walked.
func ParseDir(fsys fs.FS, dir string) ([]vuln.Record, []vuln.Problem, error) {
	var recs []vuln.Record
	var problems []vuln.Problem
	files := 0
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			problems = append(problems, vuln.Problem{Name: p, Err: err})
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		if files++; files > MaxZipEntries {
			return fmt.Errorf("%w: more than %d records", vuln.ErrTooLarge, MaxZipEntries)
		}
		rec, err := readFile(fsys, p)
		if err != nil {
			problems = append(problems, vuln.Problem{Name: p, Err: err})
			return nil
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read OSV directory %s: %w", dir, err)
	}
	return recs, problems, nil
}

func readFile(fsys fs.FS, p string) (vuln.Record, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return vuln.Record{}, err
	}
	defer f.Close()
	data, err := vuln.ReadAll(f, MaxRecordSize)
	if err != nil {
		return vuln.Record{}, err
	}
	return parse(data)
}

// ParseZip reads every *.json entry of an OSV all.zip (as OSV publishes one
// per ecosystem) as one OSV record; name is the archive's name, for errors.
// An entry that fails is a Problem named "name!entry" and the others are
// still read; the error is for an archive that cannot be read at all or
// that is beyond the bounds.
func ParseZip(r io.ReaderAt, size int64, name string) ([]vuln.Record, []vuln.Problem, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("read OSV archive %s: %w", name, err)
	}
	if len(zr.File) > MaxZipEntries {
		return nil, nil, fmt.Errorf("read OSV archive %s: %w: %d entries, at most %d", name, vuln.ErrTooLarge, len(zr.File), MaxZipEntries)
	}
	var recs []vuln.Record
	var problems []vuln.Problem
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || path.Ext(f.Name) != ".json" {
			continue
		}
		entry := name + "!" + f.Name
		rec, n, err := readEntry(f)
		total += n
		if total > MaxZipSize {
			return nil, nil, fmt.Errorf("read OSV archive %s: %w: more than %d bytes uncompressed", name, vuln.ErrTooLarge, int64(MaxZipSize))
		}
		if err != nil {
			problems = append(problems, vuln.Problem{Name: entry, Err: err})
			continue
		}
		recs = append(recs, rec)
	}
	return recs, problems, nil
}

func readEntry(f *zip.File) (vuln.Record, int64, error) {
	// The header's size is only a claim; ReadAll bounds what is read.
	if f.UncompressedSize64 > MaxRecordSize {
		return vuln.Record{}, 0, fmt.Errorf("%w: %d bytes, at most %d", vuln.ErrTooLarge, f.UncompressedSize64, MaxRecordSize)
	}
	rc, err := f.Open()
	if err != nil {
		return vuln.Record{}, 0, err
	}
	defer rc.Close()
	data, err := vuln.ReadAll(rc, MaxRecordSize)
	if err != nil {
		return vuln.Record{}, int64(len(data)), err
	}
	rec, err := parse(data)
	return rec, int64(len(data)), err
}

// Change is one line of OSV's modified_id.csv: a record and when it was
// last modified.
type Change struct {
	Modified time.Time
	// Ecosystem is empty in a per-ecosystem index, whose lines name the ID
	// alone.
	Ecosystem string
	ID        string
}

// MaxIndexLine bounds one line of modified_id.csv.
const MaxIndexLine = 4 << 10

// ChangedSince reads OSV's modified_id.csv (lines "<RFC 3339 time>,<ecosystem>/<id>"
// in the all-ecosystem index, "<RFC 3339 time>,<id>" in a per-ecosystem one,
// newest first) and returns the changes strictly after since, newest first.
// It stops at the first line not after since, so a delta reads only what
// changed. A malformed line, or a line out of order, is an error naming the
// line: a delta that cannot be trusted must not be applied.
func ChangedSince(r io.Reader, name string, since time.Time) ([]Change, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxIndexLine)
	var out []Change
	var prev time.Time
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" {
			continue
		}
		stamp, id, ok := strings.Cut(text, ",")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no comma in %q", name, line, clip(text))
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: modified time: %w", name, line, err)
		}
		t = t.UTC()
		if line > 1 && !prev.IsZero() && t.After(prev) {
			return nil, fmt.Errorf("%s:%d: %s is newer than the line before (%s): the index is not newest first", name, line, stamp, prev.Format(time.RFC3339))
		}
		prev = t
		if !t.After(since) {
			return out, nil
		}
		c := Change{Modified: t, ID: id}
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			c.Ecosystem, c.ID = id[:i], id[i+1:]
		}
		if c.ID == "" || strings.ContainsAny(c.ID, ", \t") || (c.Ecosystem == "" && strings.Contains(id, "/")) {
			return nil, fmt.Errorf("%s:%d: malformed ID %q", name, line, clip(id))
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

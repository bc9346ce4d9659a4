package osvfeed

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

func TestRealDatasets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dir      []string
		count    int
		problems []string
	}{
		{"go-vulndb", []string{"go-vulndb", "data", "osv"}, 4291, nil},
		{"rustsec", []string{"rustsec-osv", "crates"}, 1206, nil},
		// One record of the PyPI set has the zero time written with a
		// one-digit year, which is not RFC 3339: it is reported, not read.
		{"pypa", []string{"pypa-advisory-db", "vulns-json"}, 2660, []string{
			`cipherbcrypt/PYSEC-2024-55.json: parsing time "1-01-01T00:00:00Z"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := sharedtest.Path(t, tc.dir...)
			recs, problems, err := ParseDir(os.DirFS(dir), ".")
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != len(tc.problems) {
				t.Errorf("%d problems, want %d: %v", len(problems), len(tc.problems), problems)
			}
			for i, p := range problems {
				if i < len(tc.problems) && !strings.HasPrefix(p.Error(), tc.problems[i]) {
					t.Errorf("problem %v, want %s", p, tc.problems[i])
				}
			}
			if len(recs) != tc.count {
				t.Errorf("%d records, want %d", len(recs), tc.count)
			}
		})
	}
}

func TestGoRecord(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedtest.Path(t, "go-vulndb", "data", "osv"), "GO-2022-0969.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := Read(f, "GO-2022-0969.json")
	if err != nil {
		t.Fatal(err)
	}
	want := vuln.Record{
		ID:        "GO-2022-0969",
		Source:    vuln.SourceOSV,
		Aliases:   []string{"CVE-2022-27664", "GHSA-69cg-p879-7622"},
		Summary:   "Denial of service in net/http and golang.org/x/net/http2",
		Details:   "HTTP/2 server connections can hang forever waiting for a clean shutdown that was preempted by a fatal error. This condition can be exploited by a malicious client to cause a denial of service.",
		Published: time.Date(2022, 9, 12, 20, 23, 6, 0, time.UTC),
		Modified:  time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		Affected: []vuln.Affected{
			{Ecosystem: "Go", Package: "stdlib", Status: vuln.StatusAffected, Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{
				{Introduced: "0"}, {Fixed: "1.18.6"}, {Introduced: "1.19.0-0"}, {Fixed: "1.19.1"}}}}},
			{Ecosystem: "Go", Package: "golang.org/x/net", Status: vuln.StatusAffected, Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{
				{Introduced: "0"}, {Fixed: "0.0.0-20220906165146-f3363e06e74c"}}}}},
		},
		References: []vuln.Reference{
			{Type: "WEB", URL: "https://groups.google.com/g/golang-announce/c/x49AQzIVX-s"},
			{Type: "REPORT", URL: "https://go.dev/issue/54658"},
			{Type: "FIX", URL: "https://go.dev/cl/428735"},
		},
	}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
}

func TestDebianZip(t *testing.T) {
	p := sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	recs, problems, err := ParseZip(bytes.NewReader(data), int64(len(data)), "osv-from-dsa-dla.zip")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("problem: %v", p)
	}
	if len(recs) != 8835 {
		t.Errorf("%d records, want 8835", len(recs))
	}
	var got *vuln.Record
	for i := range recs {
		if recs[i].ID == "DSA-5000-1" {
			got = &recs[i]
		}
	}
	if got == nil {
		t.Fatal("DSA-5000-1 missing")
	}
	if len(got.Upstream) != 10 || got.Upstream[0] != "CVE-2021-35550" {
		t.Errorf("upstream = %v", got.Upstream)
	}
	wantAff := vuln.Affected{Ecosystem: "Debian:11", Package: "openjdk-11", PURL: "pkg:deb/debian/openjdk-11?distro=bullseye", Status: vuln.StatusAffected,
		Ranges: []vuln.Range{{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "11.0.13+8-1~deb11u1"}}}}}
	if diff := cmp.Diff([]vuln.Affected{wantAff}, got.Affected); diff != "" {
		t.Errorf("affected (-want +got):\n%s", diff)
	}
}

func TestDependencyTrackSamples(t *testing.T) {
	dir := sharedtest.Path(t, "dependencytrack-fixtures", "vuln-data-source", "osv", "src", "test", "resources")
	recs, problems, err := ParseDir(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	// The one sample that is invalid on purpose (a severity without type
	// or score) is a problem; the nine others are records.
	if len(recs) != 9 || len(problems) != 1 || problems[0].Name != "osv-vulnerability-invalid-cvss.json" ||
		!strings.Contains(problems[0].Error(), "severity[0].type: unknown severity type \"\"\nseverity[0].score: missing") {
		t.Errorf("%d records, problems %v", len(recs), problems)
	}
}

func TestBadInput(t *testing.T) {
	big := `{"id":"X","summary":"` + strings.Repeat("a", MaxRecordSize) + `"}`
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", ``, "unexpected end of JSON input"},
		{"truncated", "{\n \"id\": \"GO-1\",\n \"affected\": [", "line 3, column 14: unexpected end of JSON input"},
		{"syntax", "{\n \"id\": \"GO-1\",\n x}", "line 3, column 2"},
		{"type", "{\n \"id\": 5}", "line 2, column 8"},
		{"trailing", `{"id":"A"} {}`, "invalid character '{' after top-level value"},
		{"no id", `{"modified":"2024-01-01T00:00:00Z"}`, "id: missing"},
		{"bad time", `{"id":"A","modified":"yesterday"}`, "cannot parse"},
		{"every problem", `{"id":"A","affected":[{"package":{"ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1"},{"last_affected":"2"}]}]}]}`,
			"affected[0].package.name: missing\naffected[0].ranges[0].events: no introduced event\naffected[0].ranges[0].events: both fixed and last_affected"},
		{"git without repo", `{"id":"A","affected":[{"ranges":[{"type":"GIT","events":[{"introduced":"abc"}]}]}]}`, "repo: missing"},
		{"huge", big, "input too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), "x.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "x.json: ") {
				t.Errorf("err = %v, want x.json: ...%s", err, tc.want)
			}
		})
	}
}

func TestDirAndZipKeepGoing(t *testing.T) {
	good := `{"id":"GO-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`
	fsys := fstest.MapFS{
		"a/GO-1.json":  {Data: []byte(good)},
		"a/GO-2.json":  {Data: []byte(`{"id":`)},
		"a/README.md":  {Data: []byte("not a record")},
		"b/GO-3.json":  {Data: []byte(strings.Replace(good, "GO-1", "GO-3", 1))},
		"b/sub/x.json": {Data: []byte(`[]`)},
	}
	recs, problems, err := ParseDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != "GO-1" || recs[1].ID != "GO-3" {
		t.Errorf("records = %v", recs)
	}
	if len(problems) != 2 || problems[0].Name != "a/GO-2.json" || problems[1].Name != "b/sub/x.json" {
		t.Errorf("problems = %v", problems)
	}
	if _, _, err := ParseDir(fsys, "missing"); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: err = %v", err)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"GO-1.json", "GO-2.json", "dir/", "notes.txt"} {
		w, _ := zw.Create(name)
		if f := fsys["a/"+name]; f != nil {
			w.Write(f.Data)
		}
	}
	zw.Close()
	recs, problems, err = ParseZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "all.zip")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(problems) != 1 || problems[0].Name != "all.zip!GO-2.json" {
		t.Errorf("records %v, problems %v", recs, problems)
	}
	if _, _, err := ParseZip(bytes.NewReader([]byte("PK\x03\x04 truncated")), 15, "bad.zip"); err == nil || !strings.Contains(err.Error(), "bad.zip") {
		t.Errorf("bad zip: err = %v", err)
	}
}

func TestChangedSince(t *testing.T) {
	const index = "2024-06-03T10:00:00Z,Go/GO-2024-0003\n" +
		"2024-06-02T10:00:00.5Z,Debian:12/DSA-1-1\r\n" +
		"2024-06-01T10:00:00Z,PyPI/PYSEC-2024-1\n" +
		"2024-05-01T10:00:00Z,Go/GO-2024-0001\n"
	since := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	got, err := ChangedSince(strings.NewReader(index), "modified_id.csv", since)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC), "Go", "GO-2024-0003"},
		{time.Date(2024, 6, 2, 10, 0, 0, 5e8, time.UTC), "Debian:12", "DSA-1-1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	all, err := ChangedSince(strings.NewReader("2024-06-03T10:00:00Z,GO-2024-0003\n"), "Go/modified_id.csv", time.Time{})
	if err != nil || len(all) != 1 || all[0].Ecosystem != "" || all[0].ID != "GO-2024-0003" {
		t.Errorf("per-ecosystem index: %v, %v", all, err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"no comma", "2024-06-03T10:00:00Z GO-1\n", "modified_id.csv:1: no comma"},
		{"bad time", "2024-06-03T10:00:00Z,Go/GO-1\nyesterday,Go/GO-2\n", "modified_id.csv:2: modified time"},
		{"out of order", "2024-06-01T10:00:00Z,Go/GO-1\n2024-06-03T10:00:00Z,Go/GO-2\n", "modified_id.csv:2: 2024-06-03T10:00:00Z is newer"},
		{"empty id", "2024-06-03T10:00:00Z,Go/\n", "modified_id.csv:1: malformed ID"},
		{"long line", "2024-06-03T10:00:00Z," + strings.Repeat("x", MaxIndexLine) + "\n", "modified_id.csv:1: bufio.Scanner: token too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ChangedSince(strings.NewReader(tc.in), "modified_id.csv", time.Time{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"GO-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}`))
	f.Add([]byte(`{"id":"DSA-1","upstream":["CVE-1"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}],"database_specific":{"cwe_ids":["CWE-79"]}}`))
	f.Add([]byte(`{"id":"A","affected":[{"ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"a"},{"limit":"b"}]}],"versions":["1"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := Parse(data, "f.json")
		if err != nil {
			return
		}
		if err := rec.Validate(); err != nil {
			t.Fatalf("returned an invalid record: %v", err)
		}
	})
}

func FuzzChangedSince(f *testing.F) {
	f.Add("2024-06-03T10:00:00Z,Go/GO-2024-0003\n2024-06-01T10:00:00Z,PyPI/PYSEC-1\n")
	f.Add("2024-06-03T10:00:00Z,GO-1\r\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		changes, err := ChangedSince(strings.NewReader(in), "m.csv", time.Time{})
		if err != nil {
			return
		}
		for i := 1; i < len(changes); i++ {
			if changes[i].Modified.After(changes[i-1].Modified) {
				t.Fatalf("changes out of order: %v", changes)
			}
		}
	})
}

// BenchmarkGoVulnDB compares reading every Go vulnerability database record
// into vuln.Records with decoding the same files into map[string]any, the
// floor of any JSON import (issue 5: OSV import throughput compared with
// plain JSON decoding).
func BenchmarkGoVulnDB(b *testing.B) {
	dir := sharedtest.Path(b, "go-vulndb", "data", "osv")
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	fsys := fstest.MapFS{}
	var size int64
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: data}
		size += int64(len(data))
	}
	b.Run("osvfeed", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			recs, problems, err := ParseDir(fsys, ".")
			if err != nil || len(problems) > 0 || len(recs) != len(fsys) {
				b.Fatal(err, problems)
			}
		}
		b.ReportMetric(float64(len(fsys))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("map", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			for name, f := range fsys {
				var m map[string]any
				if err := json.Unmarshal(f.Data, &m); err != nil {
					b.Fatal(name, err)
				}
			}
		}
		b.ReportMetric(float64(len(fsys))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// The OSV linter's test records: the ones whose fault is structural are
// problems here too; the others (a package missing from its registry,
// duplicate records) are for the linter, not the reader.
func TestLinterRecords(t *testing.T) {
	dir := sharedtest.Path(t, "osv-schema", "tools", "osv-linter", "testdata")
	recs, problems, err := ParseDir(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 11 || len(problems) != 1 ||
		problems[0].Error() != "nointroduced-CVE-2023-41045.json: invalid record CVE-2023-41045: affected[0].ranges[0].events: no introduced event" {
		t.Errorf("%d records, problems %v", len(recs), problems)
	}
}

func readRecord(t *testing.T, parts ...string) vuln.Record {
	t.Helper()
	p := sharedtest.Path(t, parts...)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := Read(f, filepath.Base(p))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestPyPIAndRustRecords(t *testing.T) {
	got := readRecord(t, "pypa-advisory-db", "vulns-json", "rdiffweb", "PYSEC-2022-302.json")
	want := vuln.Record{
		ID: "PYSEC-2022-302", Source: vuln.SourceOSV,
		Details:   "Path Traversal in GitHub repository ikus060/rdiffweb prior to 2.4.10.",
		Aliases:   []string{"CVE-2022-3389"},
		Published: time.Date(2022, 10, 6, 18, 16, 0, 0, time.UTC),
		Modified:  time.Date(2022, 10, 6, 23, 36, 0, 0, time.UTC),
		Affected: []vuln.Affected{{Ecosystem: "PyPI", Package: "rdiffweb", PURL: "pkg:pypi/rdiffweb", Status: vuln.StatusAffected, Ranges: []vuln.Range{
			{Type: vuln.RangeGit, Repo: "https://github.com/ikus060/rdiffweb", Events: []vuln.Event{{Introduced: "0"}, {Fixed: "323383d1db656f1b1291be529947bd943a6b0e99"}}},
			{Type: vuln.RangeEcosystem, Events: []vuln.Event{{Introduced: "0"}, {Fixed: "2.4.10"}}},
		}}},
		References: []vuln.Reference{
			{Type: "EVIDENCE", URL: "https://huntr.dev/bounties/f7d2a6ab-2faf-4719-bdb6-e4e5d6065752"},
			{Type: "WEB", URL: "https://huntr.dev/bounties/f7d2a6ab-2faf-4719-bdb6-e4e5d6065752"},
			{Type: "FIX", URL: "https://github.com/ikus060/rdiffweb/commit/323383d1db656f1b1291be529947bd943a6b0e99"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PYSEC-2022-302 (-want +got):\n%s", diff)
	}

	got = readRecord(t, "rustsec-osv", "crates", "RUSTSEC-2016-0001.json")
	if got.ID != "RUSTSEC-2016-0001" || got.Summary != "SSL/TLS MitM vulnerability due to insecure defaults" ||
		!got.Modified.Equal(time.Date(2023, 6, 13, 13, 10, 24, 0, time.UTC)) {
		t.Errorf("RUSTSEC-2016-0001: %+v", got)
	}
	if diff := cmp.Diff([]vuln.Score{{Type: vuln.CVSSv3, Vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, got.Severity); diff != "" {
		t.Errorf("severity (-want +got):\n%s", diff)
	}
	wantAff := []vuln.Affected{{Ecosystem: "crates.io", Package: "openssl", PURL: "pkg:cargo/openssl", Status: vuln.StatusAffected,
		Ranges: []vuln.Range{{Type: vuln.RangeSemver, Events: []vuln.Event{{Introduced: "0.0.0-0"}, {Fixed: "0.9.0"}}}}}}
	// "related": [] and "versions": [] in the file read as nothing.
	if diff := cmp.Diff(wantAff, got.Affected); diff != "" || got.Related != nil {
		t.Errorf("affected (-want +got):\n%s related %#v", diff, got.Related)
	}
}

// A compressed entry that inflates beyond MaxRecordSize is a problem of
// that entry, whatever its header claims, and the others are read.
func TestZipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bomb.json")
	w.Write(bytes.Repeat([]byte(" "), MaxRecordSize+1))
	w, _ = zw.Create("GO-1.json")
	w.Write([]byte(`{"id":"GO-1"}`))
	zw.Close()
	recs, problems, err := ParseZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "all.zip")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(problems) != 1 || problems[0].Name != "all.zip!bomb.json" || !errors.Is(problems[0], vuln.ErrTooLarge) {
		t.Errorf("records %v, problems %v (compressed %d bytes)", recs, problems, buf.Len())
	}
}

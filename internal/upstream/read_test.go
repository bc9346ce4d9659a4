package upstream

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-psirt/vigil/internal/sharedtest"
	"github.com/vigil-psirt/vigil/internal/vuln"
)

// debianExport is a small document in the exact format of the Debian
// tracker's JSON export (compact, null keys left out), after the tracker's
// real CVE-2024-4741 and CVE-2023-5678 pages; no stored snapshot holds the
// real export (see SOURCES.md).
const debianExport = `{"openssl":{"CVE-2024-4741":{"description":"Use After Free with SSL_free_buffers","scope":"remote","releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"3.0.15-1~deb12u1","bookworm-security":"3.0.14-1~deb12u2"},"fixed_version":"3.0.14-1~deb12u1","urgency":"not yet assigned"},"bullseye":{"status":"open","repositories":{"bullseye":"1.1.1w-0+deb11u1"},"urgency":"not yet assigned","nodsa":"Minor issue","nodsa_reason":"postponed"}}},"CVE-2023-5678":{"description":"Excessive time spent in DH check / generation with large Q parameter value","scope":"remote","debianbug":1055473,"releases":{"bookworm":{"status":"resolved","repositories":{"bookworm":"3.0.15-1~deb12u1"},"fixed_version":"3.0.13-1~deb12u1","urgency":"not yet assigned","next_point_update":true}}}},"linux":{"TEMP-0000000-0F2A4B":{"description":"kernel: issue without a CVE","releases":{"bookworm":{"status":"undetermined","repositories":{"bookworm":"6.1.119-1"},"urgency":"unimportant"}}}}}`

func nvdDir(t testing.TB) string {
	return sharedtest.Path(t, "dependencytrack-fixtures", "vuln-data-source", "nvd", "src", "test", "resources")
}

// nvdPage wraps the items of the NVD samples in a CVE API 2.0 response, as
// the API sends one.
func nvdPage(t testing.TB, files ...string) []byte {
	t.Helper()
	var items [][]byte
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(nvdDir(t), f))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, bytes.TrimSpace(b))
	}
	var buf bytes.Buffer
	buf.WriteString(`{"resultsPerPage":` + strconv.Itoa(len(items)) + `,"startIndex":0,"totalResults":` + strconv.Itoa(len(items)) +
		`,"format":"NVD_CVE","version":"2.0","timestamp":"2026-01-01T00:00:00.000","vulnerabilities":[`)
	buf.Write(bytes.Join(items, []byte(",")))
	buf.WriteString("]}")
	return buf.Bytes()
}

// osvZip builds an all.zip of the records of dir.
func osvZip(t testing.TB, dir string, limit int) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, e := range entries {
		if i == limit {
			break
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func write(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDetect(t *testing.T) {
	td := func(parts ...string) string { return sharedtest.Path(t, parts...) }
	emptyZip := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("README.txt")
		w.Write([]byte("hello"))
		zw.Close()
		return buf.Bytes()
	}()
	for _, tc := range []struct {
		name, path, want string
	}{
		{"go-vulndb directory", td("go-vulndb", "data", "osv"), FormatOSV},
		{"go-vulndb record", td("go-vulndb", "data", "osv", "GO-2022-0969.json"), FormatOSV},
		{"rustsec record", filepath.Join(td("rustsec-osv", "crates"), firstFile(t, td("rustsec-osv", "crates"))), FormatOSV},
		{"pypa record", td("pypa-advisory-db", "vulns-json", "cipherbcrypt", "PYSEC-2024-55.json"), FormatOSV},
		{"osv-linter record", td("osv-schema", "tools", "osv-linter", "testdata", "GHSA-9v2f-6vcg-3hgv.json"), FormatOSV},
		{"debian osv all.zip", td("debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), FormatOSVZip},
		{"rustsec zip", write(t, "all.zip", osvZip(t, td("rustsec-osv", "crates"), 20)), FormatOSVZip},
		{"kev catalog", td("cisa-kev", "known_exploited_vulnerabilities.json"), FormatKEV},
		{"nvd item", filepath.Join(nvdDir(t), "cve.json"), FormatNVD},
		{"nvd page", write(t, "page.json", nvdPage(t, "cve.json", "cve-vuln.json")), FormatNVD},
		{"nvd page, paging keys only", write(t, "page.json", []byte(`{"resultsPerPage":0,"startIndex":0,"totalResults":0,"vulnerabilities":[]}`)), FormatNVD},
		{"debian export", write(t, "json", []byte(debianExport)), FormatDebian},
		{"debian export, TEMP issue first", write(t, "json", []byte(`{"linux":{"TEMP-0000000-0F2A4B":{"releases":{}}}}`)), FormatDebian},
		{"kev csv", td("cisa-kev", "known_exploited_vulnerabilities.csv"), ""},
		{"kev schema", td("cisa-kev", "known_exploited_vulnerabilities_schema.json"), ""},
		{"osv schema", td("osv-schema", "validation", "schema.json"), ""},
		{"cyclonedx bom", filepath.Join(td("dependencytrack-fixtures", "apiserver", "src", "test", "resources", "unit", "cyclonedx"), "valid-bom-1.6.json"), ""},
		{"zip without json", write(t, "x.zip", emptyZip), ""},
		{"truncated zip", write(t, "x.zip", osvZip(t, td("rustsec-osv", "crates"), 3)[:40]), ""},
		{"empty", write(t, "empty.json", nil), ""},
		{"array", write(t, "a.json", []byte(`[{"id":"GO-1"}]`)), ""},
		{"empty object", write(t, "o.json", []byte(`{}`)), ""},
		{"binary", write(t, "b", []byte{0, 1, 2, 0xff, 0xfe}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(tc.path)
			if tc.want == "" {
				if err == nil || !errors.Is(err, ErrUnknownFormat) {
					t.Fatalf("Detect = %q, %v; want ErrUnknownFormat", got, err)
				}
				if !strings.Contains(err.Error(), tc.path) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := Detect(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Detect of a missing file: no error")
	}
}

func firstFile(t testing.TB, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("read %s: %v", dir, err)
	}
	return entries[0].Name()
}

func TestReadPath(t *testing.T) {
	ctx := context.Background()
	rust := sharedtest.Path(t, "rustsec-osv", "crates")
	for _, tc := range []struct {
		name     string
		path     string
		format   string
		batches  int
		feed     string
		source   vuln.Source
		records  int
		complete bool
	}{
		{"go-vulndb directory", sharedtest.Path(t, "go-vulndb", "data", "osv"), "", 1, "osv/Go", vuln.SourceOSV, 4291, false},
		{"one go record", sharedtest.Path(t, "go-vulndb", "data", "osv", "GO-2022-0969.json"), FormatOSV, 1, "osv/Go", vuln.SourceOSV, 1, false},
		{"rustsec zip", write(t, "all.zip", osvZip(t, rust, 50)), "", 1, "osv/crates.io", vuln.SourceOSV, 50, true},
		{"debian osv zip", sharedtest.Path(t, "debian-tracker", "osv-from-dsa-dla-2023-04-02.zip"), "", 1, "osv/Debian", vuln.SourceOSV, 8835, true},
		{"debian export", write(t, "json", []byte(debianExport)), "", 1, "debian", vuln.SourceDebian, 3, true},
		{"kev", sharedtest.Path(t, "cisa-kev", "known_exploited_vulnerabilities.json"), "", 1, "kev", vuln.SourceKEV, 1404, true},
		{"nvd page", write(t, "page.json", nvdPage(t, "cve.json", "cve-vuln.json", "cve-2024-23113.json")), "", 1, "nvd", vuln.SourceNVD, 3, false},
		{"nvd directory", nvdDir(t), FormatNVD, 7, "nvd", vuln.SourceNVD, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batches, err := ReadPath(ctx, tc.path, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if len(batches) != tc.batches {
				t.Fatalf("%d batches, want %d", len(batches), tc.batches)
			}
			for _, b := range batches {
				if b.Feed != tc.feed || b.Source != tc.source || b.Complete != tc.complete || b.Location == "" {
					t.Errorf("batch %s: feed %q source %q complete %v; want %q %q %v", b.Location, b.Feed, b.Source, b.Complete, tc.feed, tc.source, tc.complete)
				}
				if len(b.Records) != tc.records {
					t.Errorf("%s: %d records, want %d", b.Location, len(b.Records), tc.records)
				}
				if len(b.Problems) > 0 {
					t.Errorf("%s: problems %v", b.Location, b.Problems)
				}
				for _, r := range b.Records {
					if err := r.Validate(); err != nil || r.Source != tc.source {
						t.Errorf("record %s: source %q, %v", r.ID, r.Source, err)
					}
				}
			}
		})
	}
}

func TestReadPathMixedDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, src := range []string{
		sharedtest.Path(t, "go-vulndb", "data", "osv", "GO-2022-0969.json"),
		filepath.Join(sharedtest.Path(t, "rustsec-osv", "crates"), firstFile(t, sharedtest.Path(t, "rustsec-osv", "crates"))),
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A broken record is a problem named by its path; the others are read.
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"id": "X-1", "affected": [}`), 0o600); err != nil {
		t.Fatal(err)
	}
	batches, err := ReadPath(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	b := batches[0]
	if b.Feed != "osv" || len(b.Records) != 2 || b.Complete {
		t.Errorf("feed %q, %d records, complete %v; want osv, 2, false", b.Feed, len(b.Records), b.Complete)
	}
	if len(b.Problems) != 1 || !strings.Contains(b.Problems[0].Error(), filepath.Join(dir, "broken.json")+": line 1, column 28") {
		t.Errorf("problems %v; want one naming broken.json, line 1, column 28", b.Problems)
	}
}

func TestReadPathErrors(t *testing.T) {
	ctx := context.Background()
	kevData, err := os.ReadFile(sharedtest.Path(t, "cisa-kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	goRec, err := os.ReadFile(sharedtest.Path(t, "go-vulndb", "data", "osv", "GO-2022-0969.json"))
	if err != nil {
		t.Fatal(err)
	}
	page := nvdPage(t, "cve.json", "cve-vuln.json")
	zipData := osvZip(t, sharedtest.Path(t, "rustsec-osv", "crates"), 10)
	for _, tc := range []struct {
		name   string
		data   []byte
		format string
		want   []string // substrings of the error
	}{
		{"truncated kev", kevData[:len(kevData)/2], FormatKEV, []string{"kev.json", "line ", "column "}},
		{"truncated osv record", goRec[:200], FormatOSV, []string{"rec.json", "line "}},
		{"truncated nvd page", page[:len(page)-100], FormatNVD, []string{"page.json", "line "}},
		{"truncated debian export", []byte(debianExport[:300]), FormatDebian, []string{"json", "offset "}},
		{"truncated zip", zipData[:len(zipData)/2], FormatOSVZip, []string{"all.zip", "zip"}},
		{"debian export as nvd", []byte(debianExport), FormatNVD, []string{"json", "not NVD CVE API 2.0"}},
		{"deeply nested", []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), FormatKEV, []string{"deep.json"}},
		{"unknown format", goRec, "csaf", []string{"unknown format", "csaf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := map[string]string{FormatKEV: "kev.json", FormatOSV: "rec.json", FormatNVD: "page.json", FormatDebian: "json", FormatOSVZip: "all.zip"}[tc.format]
			if tc.name == "deeply nested" {
				name = "deep.json"
			}
			if name == "" {
				name = "x.json"
			}
			p := write(t, name, tc.data)
			batches, err := ReadPath(ctx, p, tc.format)
			if err == nil {
				t.Fatalf("no error; %d batches", len(batches))
			}
			if batches != nil {
				t.Errorf("batches %v alongside an error", batches)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := ReadPath(ctx, sharedtest.Path(t, "go-vulndb", "data", "osv"), FormatKEV); err == nil {
		t.Error("a directory read as KEV: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ReadPath(cancelled, sharedtest.Path(t, "cisa-kev", "known_exploited_vulnerabilities.json"), ""); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte(debianExport))
	f.Add([]byte(`{"id":"GO-1","modified":"2024-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"cve":{"id":"CVE-1"}}`))
	f.Add([]byte(`{"format":"NVD_CVE","vulnerabilities":[{"cve":{}}]}`))
	f.Add([]byte(`{"vulnerabilities":[{"cveID":"CVE-1"}]}`))
	f.Add([]byte(`{"a":{"CVE-1":[1,{"b":[]}]},"vulnerabilities":[[],{}]}`))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xef\xbb\xbf{}"))
	for _, p := range []string{
		filepath.Join(nvdDir(f), "cve.json"),
		sharedtest.Path(f, "go-vulndb", "data", "osv", "GO-2022-0969.json"),
	} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add(osvZip(f, sharedtest.Path(f, "rustsec-osv", "crates"), 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := detect(bytes.NewReader(data), int64(len(data)))
		if err == nil && format == "" || err != nil && format != "" {
			t.Fatalf("detect = %q, %v", format, err)
		}
	})
}

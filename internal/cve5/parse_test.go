package cve5

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

func TestParseRoundTrip(t *testing.T) {
	for name, adv := range variants() {
		rec, err := FromAdvisory(advisorytest.Publisher(), adv)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseRecord(marshal(t, rec))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(rec, got); diff != "" {
			t.Errorf("%s: round trip (-rendered +parsed):\n%s", name, diff)
		}
	}
}

func TestParseRecordErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		is       error
	}{
		{"not JSON", "CVE-2026-41001", nil},
		{"empty", "", nil},
		{"array", "[]", nil},
		{"no type", `{"dataVersion":"5.1"}`, ErrNotRecord},
		{"another type", `{"dataType":"CVE","dataVersion":"5.1"}`, ErrNotRecord},
		{"version 4", `{"dataType":"CVE_RECORD","dataVersion":"4.0"}`, ErrNotRecord},
		{"trailing data", `{"dataType":"CVE_RECORD","dataVersion":"5.1"} {}`, nil},
		{"wrong field type", `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":7}}`, nil},
		{"too large", `{"dataType":"CVE_RECORD","dataVersion":"5.1","x":"` + strings.Repeat("a", MaxRecordSize) + `"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.in))
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("err = %v, want an error (is %v)", err, tc.is)
			}
		})
	}
	if _, err := ParseRecord([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.0"}` + "\n")); err != nil {
		t.Errorf("a minimal 5.0 record: %v", err)
	}
}

// TestParseRealRecords reads the Go vulnerability database's CNA records
// and CISA's enriched records of 2021, and lints them: ParseRecord must
// read every one, and Lint must hold on real data (a record that CISA
// enriched with a CWE and a CVSS score is not flagged for lacking them).
func TestParseRealRecords(t *testing.T) {
	var files []string
	for _, dir := range []string{
		sharedtest.Path(t, "go-vulndb", "data", "cve", "v5"),
		sharedtest.Path(t, "cisa-vulnrichment", "2021"),
	} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 1000 {
		t.Fatalf("only %d records found", len(files))
	}
	clean := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := ParseRecord(b)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if !cveIDPattern().MatchString(rec.CVEMetadata.CVEID) {
			t.Errorf("%s: cveId %q", path, rec.CVEMetadata.CVEID)
		}
		if len(Lint(rec)) == 0 {
			clean++
		}
	}
	t.Logf("%d records read, %d pass the lint", len(files), clean)

	// One record in full: CNA data as Wordfence published it.
	b, err := os.ReadFile(sharedtest.Path(t, "cisa-vulnrichment", "2021", "34xxx", "CVE-2021-34623.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ParseRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	c := rec.Containers.CNA
	want := &CVSS{Version: "3.1", VectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8, BaseSeverity: "CRITICAL"}
	if len(c.Metrics) != 1 || !cmp.Equal(c.Metrics[0].CVSSV3_1, want) || c.ProblemTypes[0].Descriptions[0].CWEID != "CWE-434" ||
		c.Credits[0].Value != "Chloe Chamberland, Wordfence" || rec.CVEMetadata.AssignerShortName != "Wordfence" {
		t.Errorf("CVE-2021-34623 read as %+v", rec)
	}
	for _, p := range Lint(rec) {
		t.Errorf("CVE-2021-34623: %s", p)
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, name := range []string{"CVE-2026-41001.json", "CVE-2026-41001.cna.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.0","cveMetadata":{"cveId":"CVE-2024-0001"},"containers":{"cna":{"metrics":[{"cvssV4_0":{"vectorString":"CVSS:4.0/AV:N"}}],"credits":[{"value":""}]}}}`))
	f.Add([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.1"}`))
	f.Add([]byte(`[1, "x", null]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseRecord(data)
		if err != nil {
			return
		}
		_ = Lint(rec)
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseRecord(b)
		if err != nil {
			t.Fatalf("re-reading a parsed record: %v\n%s", err, b)
		}
		if diff := cmp.Diff(rec, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("parse is not stable (-first +second):\n%s", diff)
		}
	})
}

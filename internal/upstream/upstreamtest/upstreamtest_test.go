package upstreamtest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestConditional(t *testing.T) {
	s := NewServer(t)
	s.SetKEV([]byte(`{"vulnerabilities":[]}`))
	resp, _ := get(t, s.KEVURL(), nil)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if resp.StatusCode != 200 || etag == "" || lm != Epoch.Add(time.Minute).Format(http.TimeFormat) {
		t.Fatalf("%s, ETag %q, Last-Modified %q", resp.Status, etag, lm)
	}
	for _, h := range []map[string]string{
		{"If-None-Match": etag},
		{"If-None-Match": `"other", W/` + etag},
		{"If-Modified-Since": lm},
	} {
		if resp, body := get(t, s.KEVURL(), h); resp.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("%v: %s with %d bytes", h, resp.Status, len(body))
		}
	}
	// If-None-Match wins over If-Modified-Since.
	if resp, _ := get(t, s.KEVURL(), map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}); resp.StatusCode != 200 {
		t.Errorf("a stale ETag with a fresh date: %s", resp.Status)
	}
	s.SetKEV([]byte(`{"vulnerabilities":[{}]}`))
	for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": lm}} {
		if resp, _ := get(t, s.KEVURL(), h); resp.StatusCode != 200 {
			t.Errorf("after a change, %v: %s", h, resp.Status)
		}
	}
	if n := s.Count(KEVPath, http.StatusNotModified); n != 3 {
		t.Errorf("%d answers 304, want 3", n)
	}
}

func TestOSVFolder(t *testing.T) {
	s := NewServer(t)
	t1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	s.PutOSV("Debian:12", t1, []byte(`{"id":"DSA-1-1","modified":"2000-01-01T00:00:00Z"}`))
	s.PutOSV("Debian:12", t1.Add(time.Hour), []byte(`{"id":"DSA-2-1"}`))
	_, index := get(t, s.OSVURL()+"/Debian:12/modified_id.csv", nil)
	if want := "2026-02-01T01:00:00Z,DSA-2-1\n2026-02-01T00:00:00Z,DSA-1-1\n"; index != want {
		t.Errorf("index %q, want %q", index, want)
	}
	_, rec := get(t, s.OSVURL()+"/Debian:12/DSA-1-1.json", nil)
	if !strings.Contains(rec, `"modified": "2026-02-01T00:00:00Z"`) {
		t.Errorf("record %s", rec)
	}
	z1, _ := get(t, s.OSVURL()+"/Debian:12/all.zip", nil)
	z2, _ := get(t, s.OSVURL()+"/Debian:12/all.zip", nil)
	if z1.Header.Get("ETag") != z2.Header.Get("ETag") {
		t.Error("the same data gave two archives")
	}
	s.RemoveOSV("Debian:12", "DSA-1-1")
	if resp, _ := get(t, s.OSVURL()+"/Debian:12/DSA-1-1.json", nil); resp.StatusCode != 404 {
		t.Errorf("a removed record: %s", resp.Status)
	}
	if _, index := get(t, s.OSVURL()+"/Debian:12/modified_id.csv", nil); strings.Contains(index, "DSA-1-1") {
		t.Errorf("a removed record is in the index: %q", index)
	}
	if resp, _ := get(t, s.OSVURL()+"/PyPI/all.zip", nil); resp.StatusCode != 404 {
		t.Errorf("an unknown ecosystem: %s", resp.Status)
	}
}

package asset

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSet(t *testing.T) {
	fsys := fstest.MapFS{"static/ui.css": {Data: []byte("body{}")}, "static/work.js": {Data: []byte("1")}}
	s, err := Load(fsys, "static")
	if err != nil {
		t.Fatal(err)
	}
	name := s.Name("ui.css")
	if !strings.HasPrefix(name, "ui.") || !strings.HasSuffix(name, ".css") || len(name) != len("ui..css")+12 {
		t.Fatalf("hashed name %q", name)
	}
	rec := httptest.NewRecorder()
	if !s.Serve(rec, name) || rec.Body.String() != "body{}" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") ||
		!strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("Serve(%s): %d %q %v", name, rec.Code, rec.Body.String(), rec.Header())
	}
	if s.Serve(httptest.NewRecorder(), "ui.css") || s.Name("nope.css") != "" {
		t.Error("an unhashed or unknown name is served")
	}
	fsys["static/ui.css"] = &fstest.MapFile{Data: []byte("body{color:red}")}
	if s2, _ := Load(fsys, "static"); s2.Name("ui.css") == name {
		t.Error("a changed file keeps its name")
	}
}

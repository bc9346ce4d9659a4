package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"testing"
)

func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", re)
	}
	return m[1]
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func httptestTLS(t *testing.T, f *fixture) *httptest.Server {
	srv := httptest.NewTLSServer(f.ui.Handler())
	t.Cleanup(srv.Close)
	return srv
}

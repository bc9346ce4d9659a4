package inmail

import (
	"strings"
	"testing"
	"time"
)

// Large hostile inputs must not take quadratic time; the times are logged
// for a look with -v, the test timeout is the bound.
func TestLargeHTML(t *testing.T) {
	for name, body := range map[string]string{
		"scripts": strings.Repeat("<script></script>", 1<<20/17),
		"tags":    strings.Repeat("<a href=x>", 1<<20/10),
		"lt":      strings.Repeat("<", 1<<20),
		"amp":     strings.Repeat("&amp;", 1<<20/5),
		"comment": strings.Repeat("<!--", 1<<20/4),
		"pre":     strings.Repeat("<pre>", 1<<20/5),
		"href":    "<a " + strings.Repeat("href", 1<<20/4) + ">",
	} {
		start := time.Now()
		Parse([]byte("From: a@b.example\nContent-Type: text/html\n\n"+body), Options{})
		t.Logf("%s: %v", name, time.Since(start))
	}
}

func TestLargeMIME(t *testing.T) {
	for name, raw := range map[string]string{
		"stray base64": "From: a@b.example\nContent-Transfer-Encoding: base64\n\n" + strings.Repeat("*", 1<<20),
		"many parts":   "From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\n\nx\n", 1<<20/8),
		"long header":  "From: a@b.example\nSubject: " + strings.Repeat("=?utf-8?q?a?= ", 1<<20/14) + "\n\nx",
		"many headers": "From: a@b.example\n" + strings.Repeat("X-A: b\n", 1<<20/7) + "\nx",
		"qp":           "From: a@b.example\nContent-Transfer-Encoding: quoted-printable\n\n" + strings.Repeat("=\n", 1<<20/2),
	} {
		start := time.Now()
		Parse([]byte(raw), Options{})
		t.Logf("%s: %v", name, time.Since(start))
	}
}

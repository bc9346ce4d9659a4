package remote

import (
	"net/http/httptest"
	"testing"
)

func TestAddr(t *testing.T) {
	for _, c := range []struct {
		peer, xff string
		trust     bool
		want      string
	}{
		{"192.0.2.7:51234", "", false, "192.0.2.7"},
		{"192.0.2.7:51234", "198.51.100.9", false, "192.0.2.7"}, // an untrusted header is ignored
		{"192.0.2.7:51234", "198.51.100.9, 192.0.2.7", true, "198.51.100.9"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", false, "2001:db8:1:2::"}, // one /64
		{"[2001:db8:1:2:ffff::1]:443", "", false, "2001:db8:1:2::"},
		{"not-an-address", "", false, "not-an-address"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := Addr(r, c.trust); got != c.want {
			t.Errorf("Addr(%s, xff %q, trust %v) = %q, want %q", c.peer, c.xff, c.trust, got, c.want)
		}
	}
}

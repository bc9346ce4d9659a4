// Package remote identifies the client of an HTTP request as rate limits
// key it: by IP address, an IPv6 client by its /64 so that one host cannot
// rotate addresses around a limit. The API's intake limit and the UI's
// login limit use it alike.
package remote

import (
	"net"
	"net/http"
	"strings"
)

// Addr is the client's address: the first X-Forwarded-For entry when the
// server sits behind a trusted proxy, else the connection's peer.
func Addr(r *http.Request, trustProxy bool) string {
	addr := r.RemoteAddr
	if trustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			addr = strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return ip.String()
}

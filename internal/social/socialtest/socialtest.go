// Package socialtest provides a fake Mastodon instance for tests: it speaks
// the statuses API as Mastodon does (Bearer token, JSON or form body, the
// 500-character limit, Idempotency-Key) and keeps what was posted.
package socialtest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// Status is one status the fake holds.
type Status struct {
	ID         string `json:"id"`
	URL        string `json:"url"`
	Content    string `json:"content"`
	Visibility string `json:"visibility"`
	Key        string `json:"-"` // the Idempotency-Key it was made with
}

// Server is the fake instance.
type Server struct {
	*httptest.Server
	Token string

	mu       sync.Mutex
	statuses []Status
	byKey    map[string]int
	fail     int // answer this many posts with 503 first
	requests int
}

// New starts a fake instance accepting token; it stops with the test.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, byKey: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", s.post)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next n posts fail with 503 Service Unavailable.
func (s *Server) Fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Statuses returns the statuses posted, oldest first.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Status(nil), s.statuses...)
}

// Requests counts the posts received, failed and repeated ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func problem(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		problem(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	if s.fail > 0 {
		s.fail--
		problem(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	var in struct {
		Status     string `json:"status"`
		Visibility string `json:"visibility"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			problem(w, http.StatusBadRequest, "Error while parsing JSON")
			return
		}
	default:
		if err := r.ParseForm(); err != nil {
			problem(w, http.StatusBadRequest, "Bad request")
			return
		}
		in.Status, in.Visibility = r.PostForm.Get("status"), r.PostForm.Get("visibility")
	}
	key := r.Header.Get("Idempotency-Key")
	if i, ok := s.byKey[key]; ok && key != "" {
		writeStatus(w, s.statuses[i])
		return
	}
	switch n := utf8.RuneCountInString(in.Status); {
	case strings.TrimSpace(in.Status) == "":
		problem(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	case n > 500:
		problem(w, http.StatusUnprocessableEntity, "Validation failed: Text character limit of 500 exceeded")
		return
	}
	if in.Visibility == "" {
		in.Visibility = "public"
	}
	if !strings.Contains(" public unlisted private direct ", " "+in.Visibility+" ") {
		problem(w, http.StatusUnprocessableEntity, "Validation failed: Visibility is not included in the list")
		return
	}
	id := fmt.Sprint(110000000000000000 + len(s.statuses) + 1)
	st := Status{ID: id, URL: s.URL + "/@vigil/" + id, Content: in.Status, Visibility: in.Visibility, Key: key}
	s.statuses = append(s.statuses, st)
	if key != "" {
		s.byKey[key] = len(s.statuses) - 1
	}
	writeStatus(w, st)
}

func writeStatus(w http.ResponseWriter, st Status) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

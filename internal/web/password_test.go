package web

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := HashPassword("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if h == HashPassword("correct horse battery staple") {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !VerifyPassword(h, "correct horse battery staple") {
		t.Error("the password does not verify")
	}
	for _, wrong := range []string{"", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "} {
		if VerifyPassword(h, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	// Hashes from elsewhere, or tampered, match nothing and cost nothing unusual.
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		strings.Replace(h, "m=19456", "m=4194304", 1), // 4 GiB
		strings.Replace(h, "t=2", "t=1000", 1),
		strings.Replace(h, "p=1", "p=0", 1),
		strings.Replace(h, "v=19", "v=16", 1),
		h + "$", h[:len(h)-4] + "!!!!",
	} {
		if VerifyPassword(bad, "correct horse battery staple") {
			t.Errorf("malformed hash %q verifies", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pw string
		want     []string // substrings of the problems, none: accepted
	}{
		{"passphrase", "correct horse battery staple", nil},
		{"short", "Tr0ub4dor&3", []string{"at least 12"}},
		{"empty", "", []string{"at least 12"}},
		{"long", strings.Repeat("abcdefgh", 33), []string{"at most 256 bytes"}},
		{"name inside", "my name is pia, hello", []string{"user name"}},
		{"repetitive", "aaaaaaaaaaaaabbbb", []string{"different characters"}},
		{"NUL", "correct horse\x00battery", []string{"NUL"}},
		{"invalid UTF-8", "correct horse \xff battery", []string{"UTF-8"}},
		{"12 runes of 3 bytes", "€uro pässwörd ✓", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword("pia", tc.pw)
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems %q lack %q", err, w)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "password: ") {
					t.Errorf("problem %q has no field path", line)
				}
			}
		})
	}
}

// FuzzParseHash: a stored hash is input too (a restored backup, a tampered
// row): parsing never panics, and what parses is within the bounds.
func FuzzParseHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$t=1,m=8,p=1,m=9$$")
	f.Add("")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseHash(s)
		if err != nil {
			return
		}
		if p.time < 1 || p.time > maxArgonTime || p.memory > maxArgonMemory || p.threads < 1 || p.threads > maxArgonThreads ||
			len(salt) > maxArgonBytes || len(key) > maxArgonBytes || len(key) < 16 {
			t.Fatalf("out of bounds: %+v salt %d key %d", p, len(salt), len(key))
		}
		if got := encodeHash(p, salt, key); got != s {
			// The same parameters and bytes may be spelt differently
			// (parameter order); the canonical form parses to the same.
			p2, s2, k2, err := parseHash(got)
			if err != nil || p2 != p || string(s2) != string(salt) || string(k2) != string(key) {
				t.Fatalf("canonical form %q does not round-trip", got)
			}
		}
	})
}

func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	l := newLimiter(2, 0)
	l.maxKeys = 3
	l.window = 1 << 62
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range []string{"a", "b", "c"} {
		l.fail(k, now)
	}
	if l.allowed("d", now) {
		t.Error("a new key is allowed while the table is full of live keys")
	}
	if len(l.keys) != 3 {
		t.Errorf("%d keys kept", len(l.keys))
	}
	l.fail("a", now)
	if l.allowed("a", now) || !l.allowed("b", now) {
		t.Error("per-key counting is wrong")
	}
}

// FuzzSafeNext: the return address after login is attacker input; it is
// always a path of the UI on this origin.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/ui/cases?state=triage", "//evil.example/", "/ui//evil.example", "https://evil.example/ui/",
		"/ui/\\evil", "/ui/\r\nSet-Cookie: x=1", "/ui/../../etc", "", "/uix"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if !strings.HasPrefix(got, "/ui/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/ui//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("safeNext(%q) = %q", s, got)
		}
	})
}

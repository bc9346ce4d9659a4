package secret

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	hexHash := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, prefix := range []string{"vgl_", "vrs_", ""} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			seen := map[string]bool{}
			for range 1000 {
				plain, hash := New(prefix)
				rest, ok := strings.CutPrefix(plain, prefix)
				if !ok {
					t.Fatalf("secret %q lacks the prefix %q", plain, prefix)
				}
				b, err := base64.RawURLEncoding.DecodeString(rest)
				if err != nil {
					t.Fatalf("secret %q is not base64url after its prefix: %v", plain, err)
				}
				if len(b) != 32 {
					t.Fatalf("secret %q carries %d bits, want 256", plain, 8*len(b))
				}
				if strings.ContainsAny(rest, "+/=") {
					t.Fatalf("secret %q is not URL-safe", plain)
				}
				if hash != Hash(plain) {
					t.Fatalf("New returned hash %s, Hash(plain) = %s", hash, Hash(plain))
				}
				if !hexHash.MatchString(hash) {
					t.Fatalf("hash %q is not hex SHA-256", hash)
				}
				if seen[plain] {
					t.Fatalf("secret %q returned twice", plain)
				}
				seen[plain] = true
			}
		})
	}
}

func TestNewIsRandom(t *testing.T) {
	// Every bit position takes both values over a few hundred secrets: a
	// constant or mostly-zero source shows here.
	var or, and [32]byte
	for i := range and {
		and[i] = 0xff
	}
	for range 200 {
		plain, _ := New("")
		b, err := base64.RawURLEncoding.DecodeString(plain)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			or[i] |= b[i]
			and[i] &= b[i]
		}
	}
	for i := range or {
		if or[i] != 0xff || and[i] != 0 {
			t.Errorf("byte %d: bits always set %08b, ever set %08b", i, and[i], or[i])
		}
	}
}

func TestHash(t *testing.T) {
	tests := []struct{ in, want string }{
		// sha256("") and sha256("abc"), the FIPS 180-2 test vectors.
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := Hash(tt.in); got != tt.want {
			t.Errorf("Hash(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	plain, _ := New("vgl_")
	sum := sha256.Sum256([]byte(plain))
	if Hash(plain) != hex.EncodeToString(sum[:]) {
		t.Error("Hash is not the hex SHA-256 of the secret")
	}
	if Hash(plain) == Hash(plain+" ") || Hash(plain) == Hash(strings.ToUpper(plain)) {
		t.Error("different secrets share a hash")
	}
}

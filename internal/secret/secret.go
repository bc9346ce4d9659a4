// Package secret makes random bearer secrets (API tokens, reporter status
// links, sessions) and the hashes under which they are stored.
//
// Invariant: only Hash(secret) is ever persisted; a secret is shown once.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// New returns a fresh 256-bit random secret with the given prefix, and its hash.
func New(prefix string) (plain, hash string) {
	var b [32]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, Hash(plain)
}

// Hash is the hex SHA-256 of a secret: how a presented secret is looked up.
func Hash(plain string) string {
	s := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(s[:])
}

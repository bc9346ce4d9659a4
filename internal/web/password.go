package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password bounds: long enough to resist guessing, short enough that
// hashing an attacker's input costs nothing unusual.
const (
	MinPassword = 12  // characters
	MaxPassword = 256 // bytes
)

// Argon2id parameters for new hashes (RFC 9106, OWASP's minimum of 19 MiB
// and two passes): about 30 ms on one core. Stored hashes carry their own
// parameters, so raising these later re-hashes nobody.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the parameters of a stored hash, so that a tampered row cannot
// make one login cost gigabytes or minutes.
const (
	maxArgonTime    = 10
	maxArgonMemory  = 256 * 1024
	maxArgonThreads = 16
	maxArgonBytes   = 128 // salt and key
	maxHashString   = 512
)

// CheckPassword reports every problem of a new password at once.
func CheckPassword(name, pw string) error {
	var errs []error
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		errs = append(errs, errors.New("password: must be UTF-8 text without NUL"))
	case n < MinPassword:
		errs = append(errs, fmt.Errorf("password: at least %d characters (a passphrase of a few words is easiest)", MinPassword))
	case len(pw) > MaxPassword:
		errs = append(errs, fmt.Errorf("password: at most %d bytes", MaxPassword))
	}
	if pw != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(name)) && name != "" {
		errs = append(errs, errors.New("password: must not contain the user name"))
	}
	if utf8.RuneCountInString(pw) >= MinPassword && distinct(pw) < 5 {
		errs = append(errs, errors.New("password: too few different characters"))
	}
	return errors.Join(errs...)
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// HashPassword returns the argon2id hash of pw as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$KEY (unpadded standard base64).
func HashPassword(pw string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never returns an error (crypto/rand, Go 1.24+)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return encodeHash(argonParams{time: argonTime, memory: argonMemory, threads: argonThreads}, salt, key)
}

type argonParams struct {
	time, memory uint32
	threads      uint8
}

func encodeHash(p argonParams, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errHash is a stored hash that is not an argon2id PHC string within bounds.
var errHash = errors.New("password hash: not a bounded argon2id PHC string")

// parseHash reads a PHC string written by HashPassword (or by another
// argon2id implementation), refusing parameters beyond the bounds.
func parseHash(s string) (argonParams, []byte, []byte, error) {
	var p argonParams
	if len(s) > maxHashString {
		return p, nil, nil, errHash
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errHash
	}
	var m, t, th uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, errHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			th = n
		default:
			return p, nil, nil, errHash
		}
	}
	if t < 1 || t > maxArgonTime || m < 8 || m > maxArgonMemory || th < 1 || th > maxArgonThreads || m < 8*th {
		return p, nil, nil, errHash
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > maxArgonBytes {
		return p, nil, nil, errHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxArgonBytes {
		return p, nil, nil, errHash
	}
	return argonParams{time: uint32(t), memory: uint32(m), threads: uint8(th)}, salt, key, nil
}

// VerifyPassword reports whether pw matches the stored hash, comparing in
// constant time. A malformed hash matches nothing.
func VerifyPassword(hash, pw string) bool {
	p, salt, key, err := parseHash(hash)
	if err != nil || len(pw) > MaxPassword {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

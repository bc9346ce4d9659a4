// Package signing makes and uses the OpenPGP key with which vigil signs what
// it publishes (CSAF documents and their directory, security.txt): detached,
// ASCII-armored signatures that csaf_checker and gpg verify.
//
// Invariants: the private key never leaves the store it is kept in; a
// signature always covers the exact bytes served.
package signing

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is a loaded signing key.
type Key struct {
	entity *openpgp.Entity
	// Fingerprint is the key's fingerprint, 40 uppercase hex digits.
	Fingerprint string
	// Public is the ASCII-armored public key, as published.
	Public string
}

func config(now time.Time) *packet.Config {
	return &packet.Config{
		Algorithm:       packet.PubKeyAlgoEdDSA,
		DefaultHash:     crypto.SHA512,
		Time:            func() time.Time { return now },
		KeyLifetimeSecs: 0,
	}
}

// Generate makes a new Ed25519 signing key for the publisher and returns its
// armored private key, from which Load makes a Key.
func Generate(name, email string, now time.Time) (private string, err error) {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("()<>\x00", r) {
			return -1
		}
		return r
	}, name)
	e, err := openpgp.NewEntity(name, "security advisories", email, config(now))
	if err != nil {
		return "", fmt.Errorf("generate signing key: %w", err)
	}
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err != nil {
		return "", err
	}
	if err := e.SerializePrivate(w, config(now)); err != nil {
		return "", fmt.Errorf("serialize signing key: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Load reads an armored private key made by Generate.
func Load(private string) (*Key, error) {
	list, err := openpgp.ReadArmoredKeyRing(strings.NewReader(private))
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	if len(list) != 1 || list[0].PrivateKey == nil {
		return nil, errors.New("read signing key: want exactly one private key")
	}
	e := list[0]
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(w); err != nil {
		return nil, fmt.Errorf("serialize public key: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &Key{entity: e, Fingerprint: strings.ToUpper(fmt.Sprintf("%x", e.PrimaryKey.Fingerprint)), Public: buf.String() + "\n"}, nil
}

// Sign returns the armored detached signature of data.
func (k *Key) Sign(data []byte) (string, error) {
	var buf bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&buf, k.entity, bytes.NewReader(data), &packet.Config{DefaultHash: crypto.SHA512}); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return buf.String() + "\n", nil
}

// Verify checks an armored detached signature of data against an armored
// public key.
func Verify(public string, data []byte, signature string) error {
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(public))
	if err != nil {
		return fmt.Errorf("read public key: %w", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(data), strings.NewReader(signature), nil); err != nil {
		return fmt.Errorf("verify signature: %w", err)
	}
	return nil
}

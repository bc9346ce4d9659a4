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
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
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

// Sign returns the armored detached signature of data, made at time at (the
// moment the document is published) or at the key's creation if that is
// later, since no signature predates its key.
func (k *Key) Sign(data []byte, at time.Time) (string, error) {
	if created := k.entity.PrimaryKey.CreationTime; at.Before(created) {
		at = created
	}
	var buf bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return at }}
	if err := openpgp.ArmoredDetachSign(&buf, k.entity, bytes.NewReader(data), cfg); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return buf.String() + "\n", nil
}

// ClearSign returns text as an OpenPGP cleartext-signed message (RFC 9580
// section 7), the form RFC 9116 section 2.3 asks of a signed security.txt.
func (k *Key) ClearSign(text []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := clearsign.Encode(&buf, k.entity.PrivateKey, &packet.Config{DefaultHash: crypto.SHA512})
	if err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	if _, err := w.Write(text); err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	// The library armors the signature without the CRC-24 line (RFC 9580
	// made it optional), which GnuPG 2.2 cannot read: armor it again with one.
	out := buf.Bytes()
	at := bytes.Index(out, []byte("-----BEGIN PGP SIGNATURE-----"))
	if at < 0 {
		return nil, errors.New("clear-sign: no signature block")
	}
	block, err := armor.Decode(bytes.NewReader(out[at:]))
	if err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	var msg bytes.Buffer
	msg.Write(out[:at])
	aw, err := armor.Encode(&msg, "PGP SIGNATURE", nil)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(aw, block.Body); err != nil {
		return nil, fmt.Errorf("clear-sign: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	msg.WriteByte('\n')
	return msg.Bytes(), nil
}

// VerifyClearSigned checks a cleartext-signed message against an armored
// public key and returns the signed text.
func VerifyClearSigned(public string, message []byte) ([]byte, error) {
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(public))
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	b, _ := clearsign.Decode(message)
	if b == nil {
		return nil, errors.New("verify clear signature: no cleartext-signed message")
	}
	if _, err := b.VerifySignature(ring, nil); err != nil {
		return nil, fmt.Errorf("verify clear signature: %w", err)
	}
	return b.Plaintext, nil
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

package inmail

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

const (
	armorBegin = "-----BEGIN PGP MESSAGE-----"
	armorEnd   = "-----END PGP MESSAGE-----"
)

// encrypted handles multipart/encrypted (RFC 1847, RFC 3156): the
// encrypted part is kept as it arrived, as the attachment "encrypted.asc",
// and, when a key is configured, decrypted and walked like any entity.
func (w *walker) encrypted(protocol string, parts []part, depth int) {
	w.m.Encrypted = true
	if !strings.EqualFold(protocol, "application/pgp-encrypted") || len(parts) < 2 {
		w.problem("mime: multipart/encrypted with protocol %q, kept as it is", line(protocol, 60))
		for _, p := range parts {
			w.entity(p.h, p.body, depth+1)
		}
		return
	}
	p := parts[1]
	ct, _, _ := mime.ParseMediaType(p.h.Get("Content-Type"))
	data := w.decode(p.h.Get("Content-Transfer-Encoding"), p.body)
	w.attach("encrypted.asc", "application/pgp-encrypted", data)
	if ct != "application/octet-stream" {
		w.problem("mime: encrypted part of type %q", line(ct, 60))
	}
	plain, ok := w.decrypt(data)
	if !ok {
		w.addText("[OpenPGP-encrypted message: " + w.notDecrypted() + "; kept as the attachment encrypted.asc]")
		return
	}
	h, body := readEntity(plain)
	w.entity(h, body, depth+1)
}

// inline handles an armored OpenPGP message inside a text part: the block
// is kept as the attachment "message.asc" and, when it decrypts, replaced
// by its text.
func (w *walker) inline(text string, begin int) string {
	end := strings.Index(text[begin:], armorEnd)
	if end < 0 {
		return text
	}
	end += begin + len(armorEnd)
	block := text[begin:end]
	w.m.Encrypted = true
	w.attach("message.asc", "application/pgp-encrypted", []byte(block))
	plain, ok := w.decrypt([]byte(block))
	if !ok {
		return text[:begin] + "[OpenPGP-encrypted text: " + w.notDecrypted() + "; kept as the attachment message.asc]" + text[end:]
	}
	return text[:begin] + clean(strings.ToValidUTF8(string(plain), "\uFFFD")) + text[end:]
}

func (w *walker) notDecrypted() string {
	if len(w.o.Keys) == 0 {
		return "no decryption key configured"
	}
	return "could not be decrypted with the configured key"
}

// decrypt decrypts an armored (or binary) OpenPGP message with the
// configured keys, at most MaxDecrypted bytes of it: a compressed message
// cannot blow up in memory.
func (w *walker) decrypt(data []byte) ([]byte, bool) {
	if len(w.o.Keys) == 0 {
		return nil, false
	}
	var r io.Reader = bytes.NewReader(data)
	if bytes.Contains(data, []byte(armorBegin)) {
		block, err := armor.Decode(bytes.NewReader(data))
		if err != nil {
			w.problem("openpgp: unreadable armor: %v", err)
			return nil, false
		}
		r = block.Body
	}
	md, err := openpgp.ReadMessage(r, w.o.Keys, nil, nil)
	if err != nil {
		w.problem("openpgp: not decrypted: %v", err)
		return nil, false
	}
	plain, err := io.ReadAll(io.LimitReader(md.UnverifiedBody, w.l.MaxDecrypted+1))
	if err != nil {
		w.problem("openpgp: not decrypted: %v", err)
		return nil, false
	}
	if int64(len(plain)) > w.l.MaxDecrypted {
		w.problem("openpgp: decrypted message larger than %d bytes, kept encrypted", w.l.MaxDecrypted)
		return nil, false
	}
	if md.SignatureError != nil && md.IsSigned && md.SignedBy != nil {
		w.problem("openpgp: %v", fmt.Errorf("signature not verified: %w", md.SignatureError))
	}
	w.m.Decrypted = true
	return plain, true
}

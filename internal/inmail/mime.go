package inmail

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// entity walks one MIME entity: its header h and its still encoded body.
func (w *walker) entity(h textproto.MIMEHeader, body []byte, depth int) {
	w.parts++
	if w.parts > w.l.MaxParts {
		w.problem("mime: more than %d parts, the rest ignored", w.l.MaxParts)
		return
	}
	ct, params := "text/plain", map[string]string{}
	if raw := h.Get("Content-Type"); raw != "" {
		t, p, err := mime.ParseMediaType(raw)
		switch {
		case err == nil:
			ct, params = t, p
		case t != "":
			// mime.ErrInvalidMediaParameter: the type is known, a parameter is broken.
			ct, params = t, p
			w.problem("mime: bad parameter in Content-Type %q", line(raw, 80))
		default:
			ct = "application/octet-stream"
			w.problem("mime: unreadable Content-Type %q, kept as an attachment", line(raw, 80))
		}
	}
	data := w.decode(h.Get("Content-Transfer-Encoding"), body)
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}

	switch {
	case strings.HasPrefix(ct, "multipart/"):
		if depth >= w.l.MaxDepth {
			w.problem("mime: nested deeper than %d, kept as an attachment", w.l.MaxDepth)
			w.attach(name, ct, data)
			return
		}
		parts := w.split(params["boundary"], data)
		if parts == nil {
			// No parts found: show what there is rather than lose it.
			w.problem("mime: %s without readable parts, read as text", ct)
			w.addText(w.charset(params["charset"], data))
			return
		}
		switch ct {
		case "multipart/alternative":
			p := parts[pickAlternative(parts)]
			w.entity(p.h, p.body, depth+1)
		case "multipart/encrypted":
			w.encrypted(params["protocol"], parts, depth)
		default: // mixed, related, signed, report, digest, ...
			for _, p := range parts {
				w.entity(p.h, p.body, depth+1)
			}
		}
	case ct == "message/delivery-status", ct == "message/disposition-notification":
		// Parts of a report (RFC 3464, 8098); multipart/report sets the kind.
	case ct == "message/rfc822" || ct == "message/global":
		if name == "" {
			name = "forwarded.eml"
		}
		w.attach(name, ct, data)
	case (ct == "text/plain" || ct == "text/html") && disp != "attachment" && name == "":
		text := w.charset(params["charset"], data)
		if ct == "text/html" {
			text = htmlText(text)
			w.m.FromHTML = true
		}
		if i := strings.Index(text, armorBegin); i >= 0 {
			text = w.inline(text, i)
		}
		w.addText(text)
	default:
		w.attach(name, ct, data)
	}
}

type part struct {
	h    textproto.MIMEHeader
	body []byte
}

// split reads the parts of a multipart body; nil if it has none.
func (w *walker) split(boundary string, data []byte) []part {
	if boundary == "" {
		w.problem("mime: multipart without boundary")
		return nil
	}
	r := multipart.NewReader(bytes.NewReader(data), boundary)
	var parts []part
	for len(parts) < w.l.MaxParts {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.problem("mime: broken multipart: %v", err)
			break
		}
		b, err := io.ReadAll(p)
		if err != nil {
			// A missing closing boundary: keep what the part had.
			w.problem("mime: broken multipart: %v", err)
			parts = append(parts, part{p.Header, b})
			break
		}
		parts = append(parts, part{p.Header, b})
	}
	return parts
}

// pickAlternative prefers the plain text, then HTML, then the last part
// (the richest, RFC 2046 §5.1.4).
func pickAlternative(parts []part) int {
	html := -1
	for i, p := range parts {
		t := "text/plain"
		if raw := p.h.Get("Content-Type"); raw != "" {
			t, _, _ = mime.ParseMediaType(raw)
		}
		if t == "text/plain" {
			return i
		}
		if t == "text/html" && html < 0 {
			html = i
		}
	}
	if html >= 0 {
		return html
	}
	return len(parts) - 1
}

// decode undoes a Content-Transfer-Encoding, leniently: a broken encoding
// yields what could be decoded and a problem.
func (w *walker) decode(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		return b
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		if err != nil {
			w.problem("mime: broken quoted-printable, kept as far as readable")
		}
		return out
	case "base64":
		clean := make([]byte, 0, len(b))
		stray := false
		for _, c := range b {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
				clean = append(clean, c)
			} else if c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				stray = true
			}
		}
		if stray {
			w.problem("mime: stray characters in base64 skipped")
		}
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
			w.problem("mime: truncated base64")
		}
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, err := base64.RawStdEncoding.Decode(out, clean)
		if err != nil {
			w.problem("mime: broken base64")
		}
		return out[:n]
	default:
		w.problem("mime: unknown transfer encoding %q, kept as it is", line(cte, 40))
		return b
	}
}

// readEntity reads a decrypted MIME entity: a header, a blank line, a body.
// Plain text without a header is read as text/plain.
func readEntity(b []byte) (textproto.MIMEHeader, []byte) {
	if msg, err := mail.ReadMessage(bytes.NewReader(b)); err == nil && len(msg.Header) > 0 {
		body, _ := io.ReadAll(msg.Body)
		return textproto.MIMEHeader(msg.Header), body
	}
	return textproto.MIMEHeader{}, b
}

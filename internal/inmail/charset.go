package inmail

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// charset decodes text in a named charset to UTF-8. An unknown charset, or
// bytes that are not what the charset says, are read as UTF-8 if they are,
// else as windows-1252, which never fails.
func (w *walker) charset(name string, b []byte) string {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	var s string
	switch name {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		if utf8.Valid(b) {
			s = string(b)
		} else {
			w.problem("text: not valid %s, read as windows-1252", orDefault(name, "us-ascii"))
			s = latin1(string(b))
		}
	default:
		enc, err := htmlindex.Get(name)
		if err != nil {
			if utf8.Valid(b) {
				s = string(b)
			} else {
				s = latin1(string(b))
			}
			w.problem("text: unknown charset %q, read as %s", line(name, 40), map[bool]string{true: "UTF-8", false: "windows-1252"}[utf8.Valid(b)])
			break
		}
		out, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			w.problem("text: not valid %s, kept as far as readable", line(name, 40))
		}
		s = string(out)
	}
	return clean(s)
}

// charsetReader serves the mime.WordDecoder for encoded words.
func charsetReader(name string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(strings.ToLower(strings.TrimSpace(name)))
	if err != nil {
		return nil, fmt.Errorf("unknown charset %q", name)
	}
	return enc.NewDecoder().Reader(r), nil
}

// latin1 reads bytes as windows-1252 (the superset of ISO-8859-1 that mail
// labelled latin-1 is in practice).
func latin1(s string) string {
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// clean makes text valid UTF-8 with LF line ends, without NUL and the other
// control characters but tab and newline.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b bytes.Buffer
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			b.WriteByte('\n')
		case r < ' ' || r == 0x7f || r == '\uFEFF':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

package inmail

import (
	"html"
	"strings"
)

// htmlText turns an HTML mail body into readable text: tags are dropped,
// their text kept, block elements start lines, list items get a dash, link
// targets follow the link text, scripts, styles, heads and comments
// disappear, and entities are decoded. It is not a renderer: the result is
// read by the team as text, never shown as HTML.
func htmlText(s string) string {
	var b strings.Builder
	var links []string // targets of the open <a> elements
	pre := 0
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			writeText(&b, s, pre > 0)
			break
		}
		writeText(&b, s[:i], pre > 0)
		s = s[i:]
		if strings.HasPrefix(s, "<!--") {
			end := strings.Index(s, "-->")
			if end < 0 {
				break
			}
			s = s[end+3:]
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			writeText(&b, s, pre > 0) // a lone "<" is text
			break
		}
		tag := s[1:end]
		s = s[end+1:]
		name, closing := tagName(tag)
		switch name {
		case "script", "style", "head", "title", "template", "noscript":
			if !closing {
				s = s[closeTag(s, name):]
			}
		case "br":
			b.WriteString("\n")
		case "p", "div", "tr", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
			"section", "article", "header", "footer", "hr", "dl", "dt", "dd":
			b.WriteString("\n\n")
		case "li":
			if !closing {
				b.WriteString("\n- ")
			}
		case "td", "th":
			b.WriteString(" ")
		case "pre":
			b.WriteString("\n\n")
			if closing {
				pre = max(pre-1, 0)
			} else {
				pre++
			}
		case "a":
			if !closing {
				links = append(links, attr(tag, "href"))
			} else if n := len(links); n > 0 {
				if href := links[n-1]; href != "" && !strings.HasPrefix(strings.ToLower(href), "mailto:") && len(links) < 100 {
					b.WriteString(" <" + line(href, 500) + ">")
				}
				links = links[:n-1]
			}
		case "img":
			if alt := attr(tag, "alt"); alt != "" {
				b.WriteString("[" + line(alt, 200) + "]")
			}
		}
	}
	return tidy(b.String())
}

// closeTag returns the index of the closing tag of name in s, any case,
// or len(s). It scans s once: lowering the rest of a large body at every
// <script> would be quadratic.
func closeTag(s, name string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			return len(s)
		}
		i += j
		if rest := s[i+2:]; len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			return i
		}
		i += 2
	}
}

// writeText writes the text between tags, entities decoded; outside <pre>
// runs of white space become one space.
func writeText(b *strings.Builder, s string, pre bool) {
	s = html.UnescapeString(s)
	if pre {
		b.WriteString(s)
		return
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			b.WriteByte(' ')
		}
		return
	}
	if s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r' {
		b.WriteByte(' ')
	}
	b.WriteString(strings.Join(f, " "))
	if last := s[len(s)-1]; last == ' ' || last == '\n' || last == '\t' || last == '\r' {
		b.WriteByte(' ')
	}
}

// tagName returns the lowercase name of a tag's inside ("a href=..", "/p",
// "br/") and whether it closes an element.
func tagName(tag string) (string, bool) {
	closing := strings.HasPrefix(tag, "/")
	tag = strings.TrimPrefix(tag, "/")
	end := strings.IndexAny(tag, " \t\r\n/")
	if end >= 0 {
		tag = tag[:end]
	}
	return strings.ToLower(tag), closing
}

// attr returns the value of an attribute inside a tag, entities decoded.
func attr(tag, name string) string {
	low := strings.ToLower(tag)
	for i := 0; ; {
		j := strings.Index(low[i:], name)
		if j < 0 {
			return ""
		}
		i += j
		before := i == 0 || low[i-1] == ' ' || low[i-1] == '\t' || low[i-1] == '\n' || low[i-1] == '\r'
		rest := strings.TrimLeft(tag[i+len(name):], " \t\r\n")
		i += len(name)
		if !before || !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if rest == "" {
			return ""
		}
		if q := rest[0]; q == '"' || q == '\'' {
			if k := strings.IndexByte(rest[1:], q); k >= 0 {
				return html.UnescapeString(rest[1 : 1+k])
			}
			return html.UnescapeString(rest[1:])
		}
		if k := strings.IndexAny(rest, " \t\r\n"); k >= 0 {
			rest = rest[:k]
		}
		return html.UnescapeString(rest)
	}
}

// tidy trims the spaces around lines and keeps at most one empty line.
func tidy(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r", ""), "\n")
	var out []string
	empty := 0
	for _, l := range lines {
		l = strings.TrimRight(strings.TrimLeft(l, " "), " \t")
		if l == "" {
			empty++
			continue
		}
		if len(out) > 0 && empty > 0 {
			out = append(out, "")
		}
		empty = 0
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

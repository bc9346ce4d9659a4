// Package sbom reads software bills of materials into one flat list of
// components that vulnerability matching can use: CycloneDX 1.0–1.7 (JSON and
// XML, with the CycloneDX project's cyclonedx-go types), SPDX 2.1–2.3
// (tag-value through the SPDX project's tools-golang; JSON decoded here into
// the few fields identification reads, in one pass where tools-golang's
// reader takes four, and checked against that reader on every shared SPDX
// JSON example) and Debian dpkg status files (/var/lib/dpkg/status, parsed
// here: the format is a few lines of deb822).
//
// Detection reads a JSON document's top-level keys only up to the first
// bomFormat or spdxVersion with a value (the first or second key of what
// syft, cdxgen and the SPDX tools write), so a scan decodes the document
// once; only a document those keys leave undecided is decoded whole to
// find out, and the first of the two keys wins where a document has both.
//
// JSON is decoded with the encoding/json/v2 prototype
// (github.com/go-json-experiment/json) in one pass, where encoding/json
// scanned the whole input to validate it before decoding it in a second
// one. jsonOptions keeps encoding/json's rules for names and invalid UTF-8
// and rejects repeated names.
//
// Invariants of a parsed SBOM:
//   - Parsing is pure: it reads the io.Reader once, at most MaxSize bytes, and
//     touches no file, network or clock. A document larger than MaxSize, with
//     more than MaxComponents components, or nested deeper than MaxDepth is
//     rejected as a whole, never half-read.
//   - Every error names the file (the name given to Parse) and, where the
//     format allows, the place (line and column, or the path of the element).
//     No input makes the parser panic (fuzzed per format); a panic inside a
//     format library is recovered as an ErrInvalid naming the file.
//   - Every Component with a PURL has it normalised: lowercase type, the
//     type's own case rules (Go module paths keep their case because the Go
//     module proxy and the Go vulnerability database are case-sensitive),
//     qualifiers sorted without empty values, and for Debian only the arch and
//     distro qualifiers: pkg:deb/debian/NAME@VERSION?arch=..&distro=.. .
//   - A Component with an empty PURL or an empty Ecosystem has a Problem in
//     Unidentified with the same Ref; such components are kept so that a CPE
//     match can still be attempted on explicit request.
//   - No two Components have the same non-empty PURL: a repeated package is
//     counted in Duplicates.
//   - A deb purl without its vendor namespace (pkg:deb/NAME, as syft writes
//     for some catalogers) takes the vendor and distro from the document's
//     operating-system component when it has one.
//   - A Debian component (Ecosystem "Debian" or "Ubuntu") always has a
//     Source, and a SourceVersion when it has a Version: from the purl's
//     upstream qualifier, syft's syft:metadata:source / sourceVersion
//     properties, the dpkg Source field, or, when none says otherwise, the
//     binary's own name and version (Debian's rule for a binary built from
//     the source package of the same name).
//   - Entries that are not packages are counted in Skipped, not listed:
//     CycloneDX file and operating-system components and SPDX packages whose
//     purpose is FILE or OPERATING-SYSTEM, when they have no purl, and dpkg
//     entries not in state "installed". The subject of a CycloneDX BOM
//     (metadata.component) names the SBOM and is not a component.
//   - The parser identifies; it does not validate against the CycloneDX or
//     SPDX schemas. Of the official invalid CycloneDX examples it rejects
//     only what breaks identification (another bomFormat) and reports
//     components without purl; bad hashes, license ids or timestamps pass.
package sbom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Limits of what Parse accepts.
const (
	MaxSize       = 200 << 20 // bytes of one document
	MaxComponents = 500_000   // components (packages) in one document
	MaxDepth      = 64        // nesting of CycloneDX components
)

// Formats that ParseFormat accepts.
const (
	CycloneDXJSON = "cyclonedx-json"
	CycloneDXXML  = "cyclonedx-xml"
	SPDXJSON      = "spdx-json"
	SPDXTag       = "spdx-tag"
	DpkgStatus    = "dpkg-status"
)

// Formats lists the formats in the order detection tries them.
var Formats = []string{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTag, DpkgStatus}

// Errors a caller can test with errors.Is.
var (
	ErrTooLarge = errors.New("document too large")
	ErrFormat   = errors.New("unknown SBOM format")
	ErrInvalid  = errors.New("invalid SBOM")
)

// SBOM is what one document says is inside a release.
type SBOM struct {
	Format       string // one of Formats
	SpecVersion  string // "1.6", "SPDX-2.3"; empty for dpkg status
	Name         string // the document's own name, or the file name when it has none
	Components   []Component
	Unidentified []Problem
	Skipped      int // entries that are not packages (files, the operating system, removed dpkg packages)
	Duplicates   int // components dropped because an earlier one has the same PURL
}

// Component is one package found in the SBOM.
type Component struct {
	Name          string   // as the document names it
	Version       string   // as the document gives it
	PURL          string   // normalised; empty when the component could not be identified
	Ecosystem     string   // OSV ecosystem name ("Debian", "Go", "npm", "PyPI", "Maven", "crates.io", ...); empty when unknown
	Package       string   // the package name as OSV names it in Ecosystem ("group:artifact" for Maven, the module path for Go)
	Source        string   // Debian source package name
	SourceVersion string   // Debian source package version
	Group         string   // CycloneDX group
	Licenses      []string // SPDX ids, expressions or names as given
	CPE           string   // the first CPE the document gives, for opt-in CPE matching
	Ref           string   // bom-ref, SPDX id, or "Package: NAME" for dpkg
}

// Problem is a component that could not be identified, or an entry that
// could not be read, with where it is in the file.
type Problem struct {
	Place   string // "FILE: components[3]", "FILE:120"
	Ref     string // the component's Ref when it has one
	Message string
}

func (p Problem) String() string { return p.Place + ": " + p.Message }

// Parse reads one SBOM, detecting its format from its content. name is the
// file name used in errors and problems.
func Parse(r io.Reader, name string) (*SBOM, error) {
	data, err := readAll(r, name)
	if err != nil {
		return nil, err
	}
	format, err := detect(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return parse(data, name, format)
}

// ParseFormat reads one SBOM in the given format (one of Formats).
func ParseFormat(r io.Reader, name, format string) (*SBOM, error) {
	if err := checkFormat(name, format); err != nil {
		return nil, err
	}
	data, err := readAll(r, name)
	if err != nil {
		return nil, err
	}
	return parse(data, name, format)
}

// ParseBytes is Parse of a document already in memory, read in place: data
// is neither copied nor changed, and the SBOM keeps no reference to it.
func ParseBytes(data []byte, name string) (*SBOM, error) {
	if err := checkSize(data, name); err != nil {
		return nil, err
	}
	format, err := detect(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return parse(data, name, format)
}

// ParseFormatBytes is ParseFormat of a document already in memory, read in
// place as by ParseBytes.
func ParseFormatBytes(data []byte, name, format string) (*SBOM, error) {
	if err := checkFormat(name, format); err != nil {
		return nil, err
	}
	if err := checkSize(data, name); err != nil {
		return nil, err
	}
	return parse(data, name, format)
}

func checkFormat(name, format string) error {
	switch format {
	case CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTag, DpkgStatus:
		return nil
	}
	return fmt.Errorf("%s: %w %q (want one of %s)", name, ErrFormat, format, strings.Join(Formats, ", "))
}

func checkSize(data []byte, name string) error {
	if len(data) > MaxSize {
		return fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, MaxSize)
	}
	return nil
}

func parse(data []byte, name, format string) (s *SBOM, err error) {
	// The format libraries are well kept but not ours: a panic on hostile
	// input becomes an error naming the file rather than a crashed import.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%s: %w: %s parser failed: %v", name, ErrInvalid, format, r)
		}
	}()
	switch format {
	case CycloneDXJSON:
		s, err = parseCycloneDX(data, name, false)
	case CycloneDXXML:
		s, err = parseCycloneDX(data, name, true)
	case SPDXJSON:
		s, err = parseSPDX(data, name, false)
	case SPDXTag:
		s, err = parseSPDX(data, name, true)
	case DpkgStatus:
		s, err = parseDpkg(data, name)
	}
	if err != nil {
		return nil, err
	}
	s.Format = format
	s.dedupe()
	if s.Name == "" {
		s.Name = name
	}
	return s, nil
}

func readAll(r io.Reader, name string) ([]byte, error) {
	var buf bytes.Buffer
	// A reader that knows its length (a document already in memory) is
	// read into one allocation, not a doubling series of them; the extra
	// bytes are bytes.Buffer's minimum read, which meets the end.
	if l, ok := r.(interface{ Len() int }); ok && l.Len() <= MaxSize {
		buf.Grow(l.Len() + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := checkSize(data, name); err != nil {
		return nil, err
	}
	return data, nil
}

// detect names the format of data from its first bytes and, for JSON, its
// top-level keys.
func detect(data []byte) (string, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if len(trimmed) == 0 {
		return "", fmt.Errorf("%w: empty document", ErrFormat)
	}
	switch trimmed[0] {
	case '{':
		if format, ok := detectJSONKeys(trimmed); ok {
			return format, nil
		}
		// Undecided by the keys before the first deciding one, or not
		// JSON: the whole document decides, and names the place of a
		// syntax error.
		var probe struct {
			BOMFormat   string `json:"bomFormat"`
			SPDXVersion string `json:"spdxVersion"`
			Context     any    `json:"@context"`
		}
		if err := jsonv2.Unmarshal(trimmed, &probe, jsonOptions); err != nil {
			return "", fmt.Errorf("%w: %s", ErrInvalid, jsonPlace(trimmed, err))
		}
		switch {
		case probe.BOMFormat != "":
			return CycloneDXJSON, nil
		case probe.SPDXVersion != "":
			return SPDXJSON, nil
		case strings.Contains(fmt.Sprint(probe.Context), "spdx.org/rdf/3"):
			return "", fmt.Errorf("%w: SPDX 3 JSON-LD is not supported (SPDX 2.3 JSON and tag-value are)", ErrFormat)
		}
		return "", fmt.Errorf("%w: JSON document with neither bomFormat (CycloneDX) nor spdxVersion (SPDX)", ErrFormat)
	case '<':
		return CycloneDXXML, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(nil, maxLine)
	for n := 0; sc.Scan() && n < 1000; n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "SPDXVersion:"):
			return SPDXTag, nil
		case strings.HasPrefix(line, "Package:"):
			return DpkgStatus, nil
		}
	}
	return "", fmt.Errorf("%w: neither JSON, XML, SPDX tag-value nor a dpkg status file", ErrFormat)
}

const maxLine = 1 << 20

// jsonOptions are the rules of every JSON SBOM decode (encoding/json/v2's
// prototype, which decodes in one pass where encoding/json validates the
// whole input first and then decodes it again):
//   - Object names match struct fields as encoding/json matched them:
//     exactly, or else case-insensitively ("BOMFORMAT"), but with dashes and
//     underscores significant ("bomref" is not "bom-ref").
//   - A name repeated in one object ("purl" twice, or "purl" and "PURL" for
//     one field) is an error: the document says two things and a reader
//     would pick one silently (encoding/json took the last; other tools may
//     take the first), so the SBOM is rejected with the place of the repeat.
//   - Invalid UTF-8 in strings is replaced by U+FFFD, as encoding/json did:
//     it is no ambiguity, and it is mostly found in text identification
//     never reads (descriptions, copyright notices).
var jsonOptions = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(true),
)

// unmarshalJSON decodes a whole JSON document into v with jsonOptions.
func unmarshalJSON(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v, jsonOptions)
}

// detectJSONKeys reads the top-level keys of a JSON object up to the first
// bomFormat (CycloneDX) or spdxVersion (SPDX) with a non-empty string value,
// matched case-insensitively as the decoders match field names, and names
// the format by it without decoding the rest (usually the first or second
// key, before the components). ok is false when no such key decides before
// the end or an error.
func detectJSONKeys(data []byte) (format string, ok bool) {
	// A bytes.Buffer is parsed in place, without the copy a reader needs.
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), jsonOptions)
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return "", false
	}
	for dec.PeekKind() == '"' {
		t, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		key := t.String()
		isBOMFormat := strings.EqualFold(key, "bomFormat")
		if !isBOMFormat && !strings.EqualFold(key, "spdxVersion") {
			if err := dec.SkipValue(); err != nil {
				return "", false
			}
			continue
		}
		v, err := dec.ReadToken()
		switch {
		case err != nil:
			return "", false
		case v.Kind() == 'n':
			continue // null decodes as "", which decides nothing
		case v.Kind() != '"':
			return "", false
		case v.String() == "":
			continue
		case isBOMFormat:
			return CycloneDXJSON, true
		default:
			return SPDXJSON, true
		}
	}
	return "", false
}

// jsonPlace turns a JSON decoding error into "line L, column C (path):
// message", the path written as the places of problems are
// ("components[3].licenses").
func jsonPlace(data []byte, err error) string {
	var (
		syn *jsontext.SyntacticError
		sem *jsonv2.SemanticError
	)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lineCol(data, int64(len(data))) + ": unexpected end of JSON input"
	case errors.As(err, &syn):
		return jsonWhere(data, syn.ByteOffset, syn.JSONPointer, syn.Err) + syntaxMessage(syn)
	case errors.As(err, &sem):
		return jsonWhere(data, sem.ByteOffset, sem.JSONPointer, sem.Err) + semanticMessage(sem)
	}
	return err.Error()
}

// jsonWhere is the place of an error at offset (of the offending byte) and
// pointer, "line L, column C (path): "; a repeated name is placed in the
// object that repeats it, the message naming it.
func jsonWhere(data []byte, offset int64, p jsontext.Pointer, err error) string {
	if errors.Is(err, jsontext.ErrDuplicateName) {
		p = p.Parent()
	}
	return lineCol(data, offset+1) + jsonPath(p) + ": "
}

// syntaxMessage says what is wrong in a SyntacticError without the
// package prefix and offset its Error adds.
func syntaxMessage(e *jsontext.SyntacticError) string {
	switch {
	case errors.Is(e.Err, jsontext.ErrDuplicateName):
		return "duplicate object member name " + strconv.Quote(truncate(e.JSONPointer.LastToken()))
	case e.Err == nil:
		return "syntax error"
	}
	return strings.TrimPrefix(e.Err.Error(), "jsontext: ")
}

// semanticMessage says what could not be decoded in a SemanticError: the
// JSON kind and the Go type, or the reason a type's own decoder gave (a
// cyclonedx-go type's UnmarshalJSON, "invalid specification version").
func semanticMessage(e *jsonv2.SemanticError) string {
	switch {
	case errors.Is(e.Err, jsontext.ErrDuplicateName):
		return "duplicate object member name " + strconv.Quote(truncate(e.JSONPointer.LastToken()))
	case e.Err != nil:
		return strings.TrimPrefix(strings.TrimPrefix(e.Err.Error(), "json: "), "jsontext: ")
	}
	kind := "value"
	switch e.JSONKind {
	case 'n':
		kind = "null"
	case 't', 'f':
		kind = "boolean"
	case '"':
		kind = "string"
	case '0':
		kind = "number"
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	}
	if e.GoType == nil {
		return "cannot decode JSON " + kind
	}
	return "cannot use JSON " + kind + " as " + e.GoType.String()
}

// jsonPath writes a JSON pointer ("/components/3/name") as the places of
// problems are written, " (components[3].name)", or "" for the root.
func jsonPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return ""
	}
	return " (" + truncate(b.String()) + ")"
}

// lineCol names the place of the byte before offset (offset counts the
// bytes up to and including the one meant) as "line L, column C", both
// counted from 1.
func lineCol(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := max(offset-int64(bytes.LastIndexByte(before, '\n'))-1, 1)
	return fmt.Sprintf("line %d, column %d", line, col)
}

// dedupe drops components whose PURL an earlier component already has.
func (s *SBOM) dedupe() {
	seen := make(map[string]bool, len(s.Components))
	kept := s.Components[:0]
	for _, c := range s.Components {
		if c.PURL != "" {
			if seen[c.PURL] {
				s.Duplicates++
				continue
			}
			seen[c.PURL] = true
		}
		kept = append(kept, c)
	}
	clear(s.Components[len(kept):])
	s.Components = kept
}

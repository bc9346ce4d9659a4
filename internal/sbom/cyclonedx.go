package sbom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// xmlNamespaces maps CycloneDX XML namespaces to spec versions, the way
// cyclonedx-go's own XML decoder does.
var xmlNamespaces = map[string]cdx.SpecVersion{}

func init() {
	for _, v := range []cdx.SpecVersion{cdx.SpecVersion1_0, cdx.SpecVersion1_1, cdx.SpecVersion1_2, cdx.SpecVersion1_3,
		cdx.SpecVersion1_4, cdx.SpecVersion1_5, cdx.SpecVersion1_6, cdx.SpecVersion1_7} {
		xmlNamespaces["http://cyclonedx.org/schema/bom/"+v.String()] = v
	}
}

// cdxDocument is the part of a CycloneDX BOM that says what is inside. It
// reuses cyclonedx-go's types for the parts with format-specific rules (spec
// versions, license choices, properties, component types) but decodes only
// the fields identification needs: cyclonedx-go v0.12.0 rejects some official
// valid examples (the 1.6/1.7 attestation declarations, the 1.7 patent
// assertions' asserter given as a reference) over fields an SBOM import does
// not use, and the dependency graph can be larger than the components.
type cdxDocument struct {
	XMLName     xml.Name        `json:"-"`
	XMLNS       string          `json:"-" xml:"xmlns,attr"`
	BOMFormat   string          `json:"bomFormat" xml:"-"`
	SpecVersion cdx.SpecVersion `json:"specVersion" xml:"-"`
	Metadata    *struct {
		Component *cdxComponent `json:"component" xml:"component"`
	} `json:"metadata" xml:"metadata"`
	Components *[]cdxComponent `json:"components" xml:"components>component"`
}

type cdxComponent struct {
	BOMRef     string            `json:"bom-ref" xml:"bom-ref,attr"`
	Type       cdx.ComponentType `json:"type" xml:"type,attr"`
	Group      string            `json:"group" xml:"group"`
	Name       string            `json:"name" xml:"name"`
	Version    string            `json:"version" xml:"version"`
	PackageURL string            `json:"purl" xml:"purl"`
	CPE        string            `json:"cpe" xml:"cpe"`
	Licenses   *cdx.Licenses     `json:"licenses" xml:"licenses"`
	Properties *[]cdx.Property   `json:"properties" xml:"properties>property"`
	Components *[]cdxComponent   `json:"components" xml:"components>component"`
}

func parseCycloneDX(data []byte, name string, isXML bool) (*SBOM, error) {
	var bom cdxDocument
	if isXML {
		dec := xml.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&bom); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", name, ErrInvalid, xmlPlace(data, dec, err))
		}
		if bom.XMLName.Local != "bom" {
			return nil, fmt.Errorf("%s: %w: root element is <%s>, not a CycloneDX <bom>", name, ErrInvalid, bom.XMLName.Local)
		}
		v, ok := xmlNamespaces[bom.XMLNS]
		if !ok {
			return nil, fmt.Errorf("%s: %w: XML namespace %q is not a CycloneDX BOM namespace", name, ErrInvalid, truncate(bom.XMLNS))
		}
		bom.SpecVersion = v
	} else {
		if err := unmarshalJSON(data, &bom); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", name, ErrInvalid, jsonPlace(data, err))
		}
		if bom.BOMFormat != cdx.BOMFormat {
			return nil, fmt.Errorf("%s: %w: bomFormat is %q, not %q", name, ErrInvalid, truncate(bom.BOMFormat), cdx.BOMFormat)
		}
		if bom.SpecVersion == 0 {
			return nil, fmt.Errorf("%s: %w: specVersion is missing", name, ErrInvalid)
		}
	}
	s := &SBOM{SpecVersion: bom.SpecVersion.String()}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		s.Name = bom.Metadata.Component.Name
	}
	if bom.Components != nil {
		os := operatingSystem(*bom.Components)
		if err := walkComponents(s, name, "components", *bom.Components, 0, os); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func walkComponents(s *SBOM, file, path string, comps []cdxComponent, depth int, os debianSource) error {
	if depth >= MaxDepth {
		return fmt.Errorf("%s: %s: %w: components nested deeper than %d", file, path, ErrTooLarge, MaxDepth)
	}
	for i := range comps {
		cc := &comps[i]
		// The place is written out only where it is used (a problem, a
		// component without bom-ref, nested components), not for each
		// of thousands of components.
		place := func() string { return path + "[" + strconv.Itoa(i) + "]" }
		if len(s.Components)+s.Skipped >= MaxComponents {
			return fmt.Errorf("%s: %s: %w: more than %d components", file, place(), ErrTooLarge, MaxComponents)
		}
		addCycloneDX(s, file, place, cc, os)
		if cc.Components != nil {
			if err := walkComponents(s, file, place()+".components", *cc.Components, depth+1, os); err != nil {
				return err
			}
		}
	}
	return nil
}

func addCycloneDX(s *SBOM, file string, place func() string, cc *cdxComponent, os debianSource) {
	switch cc.Type {
	case cdx.ComponentTypeFile, cdx.ComponentTypeOS:
		if cc.PackageURL == "" {
			s.Skipped++
			return
		}
	}
	c := Component{
		Name:    cc.Name,
		Version: cc.Version,
		Group:   cc.Group,
		CPE:     cc.CPE,
		Ref:     cc.BOMRef,
	}
	if c.Ref == "" {
		c.Ref = place()
	}
	if cc.Licenses != nil {
		for _, l := range *cc.Licenses {
			switch {
			case l.Expression != "":
				c.Licenses = append(c.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				c.Licenses = append(c.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				c.Licenses = append(c.Licenses, l.License.Name)
			}
		}
	}
	src := os
	var syftType string
	if cc.Properties != nil {
		for _, p := range *cc.Properties {
			switch p.Name {
			case "syft:metadata:source":
				src.name = p.Value
			case "syft:metadata:sourceVersion":
				src.version = p.Value
			case "syft:package:type":
				syftType = p.Value
			}
		}
	}
	purl := cc.PackageURL
	if purl == "" && syftType == "deb" && cc.Name != "" && cc.Version != "" {
		purl = "pkg:deb/debian/" + escapePath(cc.Name) + "@" + escapePath(cc.Version)
	}
	switch {
	case purl == "":
		s.problem(file, place(), &c, "no purl: the component cannot be identified (name "+strconv.Quote(truncate(cc.Name))+")")
	default:
		if err := identify(&c, purl, src); err != nil {
			s.problem(file, place(), &c, err.Error())
		}
	}
	s.Components = append(s.Components, c)
}

// operatingSystem finds the vendor and distro of the first top-level
// operating-system component ("debian" 11.11 gives debian, debian-11.11).
func operatingSystem(comps []cdxComponent) debianSource {
	for _, c := range comps {
		if c.Type == cdx.ComponentTypeOS && c.Name != "" {
			vendor := strings.ToLower(c.Name)
			d := debianSource{vendor: vendor}
			if c.Version != "" {
				d.distro = vendor + "-" + c.Version
			}
			return d
		}
	}
	return debianSource{}
}

func (s *SBOM) problem(file, place string, c *Component, msg string) {
	s.Unidentified = append(s.Unidentified, Problem{Place: file + ": " + place, Ref: c.Ref, Message: msg})
}

// pathEscaper percent-encodes what a purl's name or version cannot hold
// as it is; a Replacer is safe for concurrent use and costly to build, so
// there is one.
var pathEscaper = strings.NewReplacer("%", "%25", "@", "%40", "?", "%3F", "#", "%23", "/", "%2F")

func escapePath(s string) string { return pathEscaper.Replace(s) }

// xmlPlace turns an encoding/xml error into "line L, column C: message".
func xmlPlace(data []byte, dec *xml.Decoder, err error) string {
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("line %d: %s", syn.Line, syn.Msg)
	}
	return lineCol(data, dec.InputOffset()) + ": " + err.Error()
}

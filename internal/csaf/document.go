package csaf

// The types below are the part of the CSAF 2.0 schema (csaf_json_schema.json)
// that vigil writes. Their fields are declared in the alphabetical order of
// their JSON names, so a document marshals with sorted keys (optional test
// 6.2.13); optional members are omitted when empty, as the schema allows no
// empty strings or arrays.

// Document is a CSAF 2.0 document.
type Document struct {
	Document        Meta            `json:"document"`
	ProductTree     *ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}

// Meta is the document-level metadata (/document).
type Meta struct {
	Acknowledgments   []Acknowledgment   `json:"acknowledgments,omitempty"`
	AggregateSeverity *AggregateSeverity `json:"aggregate_severity,omitempty"`
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Distribution      *Distribution      `json:"distribution,omitempty"`
	Lang              string             `json:"lang,omitempty"`
	Notes             []Note             `json:"notes,omitempty"`
	Publisher         Publisher          `json:"publisher"`
	References        []Reference        `json:"references,omitempty"`
	Title             string             `json:"title"`
	Tracking          Tracking           `json:"tracking"`
}

// Acknowledgment thanks people or organisations.
type Acknowledgment struct {
	Names        []string `json:"names,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Summary      string   `json:"summary,omitempty"`
	URLs         []string `json:"urls,omitempty"`
}

// AggregateSeverity is the publisher's own severity rating of the document.
type AggregateSeverity struct {
	Namespace string `json:"namespace,omitempty"`
	Text      string `json:"text"`
}

// Distribution says how the document may be shared.
type Distribution struct {
	Text string `json:"text,omitempty"`
	TLP  *TLP   `json:"tlp,omitempty"`
}

// TLP is a Traffic Light Protocol label (version 1 in CSAF 2.0).
type TLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// Note is a note of the document or of a vulnerability.
type Note struct {
	Audience string `json:"audience,omitempty"`
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

// Publisher is the issuer of the document.
type Publisher struct {
	Category         string `json:"category"`
	ContactDetails   string `json:"contact_details,omitempty"`
	IssuingAuthority string `json:"issuing_authority,omitempty"`
	Name             string `json:"name"`
	Namespace        string `json:"namespace"`
}

// Reference is a link to related material.
type Reference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// Tracking identifies the document and its history.
type Tracking struct {
	CurrentReleaseDate string     `json:"current_release_date"`
	Generator          *Generator `json:"generator,omitempty"`
	ID                 string     `json:"id"`
	InitialReleaseDate string     `json:"initial_release_date"`
	RevisionHistory    []Revision `json:"revision_history"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
}

// Generator names the software that wrote the document.
type Generator struct {
	Date   string `json:"date,omitempty"`
	Engine Engine `json:"engine"`
}

// Engine is the generator's name and version.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Revision is one entry of the revision history.
type Revision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

// ProductTree lists the products the document speaks of.
type ProductTree struct {
	Branches         []Branch          `json:"branches,omitempty"`
	FullProductNames []FullProductName `json:"full_product_names,omitempty"`
	Relationships    []Relationship    `json:"relationships,omitempty"`
}

// Relationship makes a product of two others, e.g. a component as part of a
// release ("default_component_of").
type Relationship struct {
	Category                  string          `json:"category"`
	FullProductName           FullProductName `json:"full_product_name"`
	ProductReference          string          `json:"product_reference"`
	RelatesToProductReference string          `json:"relates_to_product_reference"`
}

// Branch is a node of the product tree: vendor, product name, version.
type Branch struct {
	Branches []Branch         `json:"branches,omitempty"`
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Product  *FullProductName `json:"product,omitempty"`
}

// FullProductName is a product with its ID, the leaf of a branch.
type FullProductName struct {
	Name                        string  `json:"name"`
	ProductID                   string  `json:"product_id"`
	ProductIdentificationHelper *Helper `json:"product_identification_helper,omitempty"`
}

// Helper identifies a product in an asset database.
type Helper struct {
	CPE  string `json:"cpe,omitempty"`
	PURL string `json:"purl,omitempty"`
}

// Vulnerability is one vulnerability and how it applies to the products.
type Vulnerability struct {
	Acknowledgments []Acknowledgment `json:"acknowledgments,omitempty"`
	CVE             string           `json:"cve,omitempty"`
	CWE             *CWE             `json:"cwe,omitempty"`
	Flags           []Flag           `json:"flags,omitempty"`
	IDs             []ID             `json:"ids,omitempty"`
	Notes           []Note           `json:"notes,omitempty"`
	ProductStatus   *ProductStatus   `json:"product_status,omitempty"`
	References      []Reference      `json:"references,omitempty"`
	Remediations    []Remediation    `json:"remediations,omitempty"`
	Scores          []Score          `json:"scores,omitempty"`
	Threats         []Threat         `json:"threats,omitempty"`
	Title           string           `json:"title,omitempty"`
}

// CWE is a weakness of the CWE list, with its name exactly as the list has it.
type CWE struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Flag is a machine-readable justification of not being affected.
type Flag struct {
	Label      string   `json:"label"`
	ProductIDs []string `json:"product_ids,omitempty"`
}

// ID is an identifier of the vulnerability in another tracking system.
type ID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

// ProductStatus sorts product IDs by how the vulnerability applies to them.
type ProductStatus struct {
	Fixed              []string `json:"fixed,omitempty"`
	KnownAffected      []string `json:"known_affected,omitempty"`
	KnownNotAffected   []string `json:"known_not_affected,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
}

// Remediation is a fix, workaround or other action for some products.
type Remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids,omitempty"`
	URL        string   `json:"url,omitempty"`
}

// Score is a CVSS score that applies to some products.
type Score struct {
	CVSSV3   *CVSSV3  `json:"cvss_v3,omitempty"`
	Products []string `json:"products"`
}

// CVSSV3 is a CVSS 3.x score as FIRST's JSON schema (cvss-v3.x.json) has it:
// only the members CSAF requires, so it cannot contradict its vector (6.1.10).
type CVSSV3 struct {
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
	VectorString string  `json:"vectorString"`
	Version      string  `json:"version"`
}

// Threat describes an impact or an exploitation status for some products.
type Threat struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids,omitempty"`
}

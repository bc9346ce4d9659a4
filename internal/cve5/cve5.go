package cve5

// The constants of a record vigil writes.
const (
	DataType       = "CVE_RECORD"
	DataVersion    = "5.1"
	StatePublished = "PUBLISHED"
	StateRejected  = "REJECTED"
	// Engine names vigil in x_generator.
	Engine = "vigil"
)

// Version statuses.
const (
	StatusAffected   = "affected"
	StatusUnaffected = "unaffected"
	StatusUnknown    = "unknown"
)

// Record is a CVE JSON 5.1 record as vigil writes it: in the PUBLISHED
// state, with the CNA's container only (the ADP containers are others' to
// write). ParseRecord reads any 5.x record into it, dropping what it does
// not hold.
type Record struct {
	DataType    string     `json:"dataType"`
	DataVersion string     `json:"dataVersion"`
	CVEMetadata Metadata   `json:"cveMetadata"`
	Containers  Containers `json:"containers"`
}

// Metadata is a record's cveMetadata.
type Metadata struct {
	CVEID             string `json:"cveId"`
	AssignerOrgID     string `json:"assignerOrgId"`
	AssignerShortName string `json:"assignerShortName,omitempty"`
	State             string `json:"state"`
	DateReserved      string `json:"dateReserved,omitempty"`
	DatePublished     string `json:"datePublished,omitempty"`
	DateUpdated       string `json:"dateUpdated,omitempty"`
}

// Containers holds the CNA container of a record.
type Containers struct {
	CNA CNAPublishedContainer `json:"cna"`
}

// CNARequest is the body of CVE Services' POST and PUT /cve/{id}/cna.
type CNARequest struct {
	CNAContainer CNAPublishedContainer `json:"cnaContainer"`
}

// CNAPublishedContainer is the CNA's container of a published record. The
// fields are those vigil writes (and reads back), in the schema's order.
type CNAPublishedContainer struct {
	ProviderMetadata ProviderMetadata `json:"providerMetadata"`
	DatePublic       string           `json:"datePublic,omitempty"`
	Title            string           `json:"title,omitempty"`
	Descriptions     []Description    `json:"descriptions"`
	Affected         []Product        `json:"affected"`
	ProblemTypes     []ProblemType    `json:"problemTypes,omitempty"`
	References       []Reference      `json:"references"`
	Metrics          []Metric         `json:"metrics,omitempty"`
	Workarounds      []Description    `json:"workarounds,omitempty"`
	Solutions        []Description    `json:"solutions,omitempty"`
	Credits          []Credit         `json:"credits,omitempty"`
	Source           *Source          `json:"source,omitempty"`
	Tags             []string         `json:"tags,omitempty"`
	Generator        *Generator       `json:"x_generator,omitempty"`
}

// ProviderMetadata names the organisation that wrote a container. CVE
// Services overwrites it on submission; it is sent for the full record's sake.
type ProviderMetadata struct {
	OrgID       string `json:"orgId"`
	ShortName   string `json:"shortName,omitempty"`
	DateUpdated string `json:"dateUpdated,omitempty"`
}

// Description is a text in a language (descriptions, workarounds,
// solutions, rejection reasons).
type Description struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// Product is one entry of affected: a product and the status of its
// versions. A version not listed has DefaultStatus.
type Product struct {
	Vendor        string    `json:"vendor"`
	Product       string    `json:"product"`
	DefaultStatus string    `json:"defaultStatus,omitempty"`
	Versions      []Version `json:"versions,omitempty"`
}

// Version is a single version, or with LessThan or LessThanOrEqual a range
// starting at Version, and its status.
type Version struct {
	Version         string `json:"version"`
	Status          string `json:"status"`
	VersionType     string `json:"versionType,omitempty"`
	LessThan        string `json:"lessThan,omitempty"`
	LessThanOrEqual string `json:"lessThanOrEqual,omitempty"`
}

// ProblemType is one problem type, such as a CWE.
type ProblemType struct {
	Descriptions []ProblemDescription `json:"descriptions"`
}

// ProblemDescription describes a problem type; CWEID is set for a CWE.
type ProblemDescription struct {
	Lang        string `json:"lang"`
	Description string `json:"description"`
	CWEID       string `json:"cweId,omitempty"`
	Type        string `json:"type,omitempty"`
}

// Reference is a link with CVE reference tags.
type Reference struct {
	URL  string   `json:"url"`
	Name string   `json:"name,omitempty"`
	Tags []string `json:"tags,omitempty"`
}

// Metric is one entry of metrics: a CVSS score in one of its versions.
type Metric struct {
	Format    string        `json:"format,omitempty"`
	Scenarios []Description `json:"scenarios,omitempty"`
	CVSSV4_0  *CVSS         `json:"cvssV4_0,omitempty"`
	CVSSV3_1  *CVSS         `json:"cvssV3_1,omitempty"`
	CVSSV3_0  *CVSS         `json:"cvssV3_0,omitempty"`
}

// CVSS is the part of a CVSS JSON object that the CVE schema requires for
// every version; the individual metrics are in the vector.
type CVSS struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// Credit acknowledges someone; Type is one of the schema's roles.
type Credit struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// Source says how the vulnerability was found, and under which advisory
// the CNA published it.
type Source struct {
	Advisory  string `json:"advisory,omitempty"`
	Discovery string `json:"discovery,omitempty"`
}

// Discovery values of Source.
const (
	DiscoveryExternal = "EXTERNAL"
	DiscoveryInternal = "INTERNAL"
	DiscoveryUnknown  = "UNKNOWN"
)

// Generator is x_generator: the tool that wrote the container.
type Generator struct {
	Engine string `json:"engine"`
}

// RejectRequest is the body of CVE Services' PUT /cve/{id}/reject.
type RejectRequest struct {
	CNAContainer CNARejectedContainer `json:"cnaContainer"`
}

// CNARejectedContainer is the CNA's container of a rejected record.
type CNARejectedContainer struct {
	ProviderMetadata *ProviderMetadata `json:"providerMetadata,omitempty"`
	RejectedReasons  []Description     `json:"rejectedReasons"`
	ReplacedBy       []string          `json:"replacedBy,omitempty"`
}

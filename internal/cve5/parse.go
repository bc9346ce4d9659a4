package cve5

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxRecordSize bounds the input of ParseRecord. The largest records on
// the CVE list are a few hundred kilobytes.
const MaxRecordSize = 4 << 20

// ErrNotRecord is returned for JSON that is not a CVE JSON 5 record.
var ErrNotRecord = errors.New("not a CVE JSON 5 record")

// ParseRecord reads a CVE JSON 5.x record, such as one CVE Services returns,
// into the fields vigil writes; the others (ADP containers, the CVSS
// metrics spelled out, ...) are ignored. It checks the record's type and
// version, not its content: that is Lint's and the schema's.
func ParseRecord(data []byte) (Record, error) {
	if len(data) > MaxRecordSize {
		return Record{}, fmt.Errorf("record of %d bytes: over the limit of %d", len(data), MaxRecordSize)
	}
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rec); err != nil {
		return Record{}, fmt.Errorf("parse record: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Record{}, errors.New("parse record: data after the record")
	}
	if rec.DataType != DataType {
		return Record{}, fmt.Errorf("dataType %q: %w", rec.DataType, ErrNotRecord)
	}
	if !strings.HasPrefix(rec.DataVersion, "5.") {
		return Record{}, fmt.Errorf("dataVersion %q: %w", rec.DataVersion, ErrNotRecord)
	}
	return rec, nil
}

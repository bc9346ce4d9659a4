package csaf

import (
	_ "embed"
	"strings"
)

// cweList holds the CWE list's weaknesses, one "CWE-ID<TAB>name" a line:
// CSAF 2.0 requires the name of a CWE exactly as the list has it (mandatory
// test 6.1.11), and vigil keeps only the IDs. It is the catalogue the
// Secvisogram validator checks against; `go test ./internal/csaf -update`
// refreshes it from the validator library installed in .tools.
//
// The CWE list is © The MITRE Corporation, free to use under the CWE terms
// of use.
//
//go:embed cwe.txt
var cweList string

// cweName is the name of a CWE ID such as "CWE-502", ok false for an ID the
// list does not have.
func cweName(id string) (name string, ok bool) {
	if id == "" || strings.ContainsAny(id, "\t\n") {
		return "", false
	}
	i := strings.Index(cweList, "\n"+id+"\t")
	if i < 0 {
		return "", false
	}
	rest := cweList[i+len(id)+2:]
	name, _, _ = strings.Cut(rest, "\n")
	return name, true
}

package store

import (
	"reflect"
	"testing"

	"github.com/vigil-psirt/vigil/internal/vuln"
)

// TestMatchRecordFields: a field added to vuln.Record is either in the
// match projection or knowingly left out of it.
func TestMatchRecordFields(t *testing.T) {
	leftOut := map[string]bool{"Details": true, "References": true, "Related": true, "Published": true, "Modified": true}
	rt, mt := reflect.TypeFor[vuln.Record](), reflect.TypeFor[matchRecord]()
	for f := range rt.Fields() {
		mf, in := mt.FieldByName(f.Name)
		switch {
		case in == leftOut[f.Name]:
			t.Errorf("vuln.Record.%s: in the projection %v, left out %v: decide", f.Name, in, leftOut[f.Name])
		case in && mf.Type != f.Type:
			t.Errorf("vuln.Record.%s is %v, the projection's %v", f.Name, f.Type, mf.Type)
		}
	}
}

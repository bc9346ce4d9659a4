package cveservicestest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory/advisorytest"
	"github.com/vigil-psirt/vigil/internal/cve5"
	"github.com/vigil-psirt/vigil/internal/cveservices/cveservicestest"
	"github.com/vigil-psirt/vigil/internal/sharedtest"
)

// TestAnswersMatchTheDocument: every answer of the fake validates against
// the response schema the OpenAPI document names for it, and the records it
// keeps against the full CVE JSON 5.1 record schema. The document's
// schemas of a created or updated record describe "affected" as an object
// where every real record has an array (a slip of the document), so the
// records are checked against the record schema instead.
func TestAnswersMatchTheDocument(t *testing.T) {
	dir := sharedtest.Path(t, "cve5-cve-services")
	schema := func(rel string) *jsonschema.Schema {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := "file:///" + filepath.Base(rel)
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	f := cveservicestest.New(t, 3)
	f.SetYearRange(4)
	year := strconv.Itoa(time.Now().Year())
	call := func(method, path string, body any, wantStatus int, schemaPath string) map[string]any {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, f.URL+path, r)
		req.Header.Set("CVE-API-ORG", cveservicestest.Org)
		req.Header.Set("CVE-API-USER", cveservicestest.User)
		req.Header.Set("CVE-API-KEY", cveservicestest.Key)
		if wantStatus == http.StatusUnauthorized {
			req.Header.Set("CVE-API-KEY", "wrong")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, wantStatus, data)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if err := schema(schemaPath).Validate(doc); err != nil {
			t.Errorf("%s %s: the answer does not match %s: %v\n%s", method, path, schemaPath, err, data)
		}
		var m map[string]any
		json.Unmarshal(data, &m)
		return m
	}
	generic, badRequest := "schemas/errors/generic.json", "schemas/errors/bad-request.json"
	res := call("POST", "/cve-id?amount=2&batch_type=sequential&short_name=acme&cve_year="+year, nil, 200, "schemas/cve-id/create-cve-ids-response.json")
	id := res["cve_ids"].([]any)[0].(map[string]any)["cve_id"].(string)
	call("POST", "/cve-id?amount=2&short_name=acme&cve_year="+year, nil, 400, badRequest)
	call("POST", "/cve-id?amount=2&batch_type=sequential&short_name=acme&cve_year="+year, nil, 403, generic) // quota 3
	call("GET", "/cve-id/"+id, nil, 200, "schemas/cve-id/get-cve-id-response.json")
	call("GET", "/cve-id/CVE-1999-0001", nil, 404, generic)
	call("GET", "/cve-id?state=RESERVED", nil, 200, "schemas/cve-id/list-cve-ids-response.json")
	call("GET", "/org/acme/id_quota", nil, 200, "schemas/org/get-org-quota-response.json")
	call("GET", "/org/acme/id_quota", nil, 401, generic)
	call("GET", "/org/other/id_quota", nil, 403, generic)

	if f.Validates() {
		cna, err := cve5.CNAContainer(advisorytest.Publisher(), advisorytest.Advisory())
		if err != nil {
			t.Fatal(err)
		}
		broken := cna
		broken.Descriptions = nil
		call("POST", "/cve/"+id+"/cna", cve5.CNARequest{CNAContainer: broken}, 400, badRequest)
		call("POST", "/cve/"+id+"/cna", cve5.CNARequest{CNAContainer: cna}, 200, generic)
		record := schema("src/middleware/schemas/CVE_JSON_5.1_bundled.json")
		check := func(what string) {
			t.Helper()
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Record(id)))
			if err != nil {
				t.Fatal(err)
			}
			if err := record.Validate(doc); err != nil {
				t.Errorf("the %s record is not a valid CVE record: %v\n%s", what, err, f.Record(id))
			}
		}
		check("published")
		call("PUT", "/cve/"+id+"/cna", cve5.CNARequest{CNAContainer: cna}, 200, generic)
		check("updated")
		rej := cve5.RejectRequest{CNAContainer: cve5.CNARejectedContainer{RejectedReasons: []cve5.Description{{Lang: "en", Value: "Withdrawn."}}}}
		call("PUT", "/cve/"+id+"/reject", rej, 200, "schemas/cve/update-cve-record-rejection-response.json")
		check("rejected")
		call("POST", "/cve/"+id+"/reject", rej, 403, generic)
	}
	// The year's range (4) runs out: 206 with the one ID left.
	f.SetQuota(cveservicestest.Org, 10)
	res = call("POST", "/cve-id?amount=3&batch_type=sequential&short_name=acme&cve_year="+year, nil, 206, "schemas/cve-id/create-cve-ids-partial-response.json")
	if n := len(res["cve_ids"].([]any)); n != 2 {
		t.Errorf("partial reservation of %d IDs, want 2", n)
	}
}

package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/audit"
	"github.com/vigil-psirt/vigil/internal/casework"
	"github.com/vigil-psirt/vigil/internal/cveservices"
	"github.com/vigil-psirt/vigil/internal/cveservices/cveservicestest"
	"github.com/vigil-psirt/vigil/internal/outbox"
	"github.com/vigil-psirt/vigil/internal/policy"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/report"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
	"github.com/vigil-psirt/vigil/internal/user"
	"github.com/vigil-psirt/vigil/internal/vcase"
)

// The tests of this file keep openapi.json in step with the route table, the
// handlers and the Go types they read and write:
//
//   - TestOpenAPIDocument: the document is OpenAPI 3.1.0 JSON whose every
//     $ref resolves;
//   - TestOpenAPIRoutes: its operations are exactly the route table's, each
//     with the route's summary, permission (x-permission, and x-roles the
//     roles holding it), security, path parameters, one success response and
//     problem responses; request bodies are closed schemas;
//   - TestOpenAPISchemaFields and TestOpenAPIEnums: the schemas' properties
//     are the JSON names of the Go types, their enums the Go constants;
//   - TestOpenAPIResponses: a walk through the whole process over the real
//     handler and store, every response validated against the schema of its
//     documented status, and every operation answered with success once.

// document decodes the embedded document.
func document(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// operations returns the operations of doc by "METHOD /path".
func operations(doc map[string]any) map[string]map[string]any {
	ops := map[string]map[string]any{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		item, _ := item.(map[string]any)
		for method, op := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				ops[strings.ToUpper(method)+" "+path], _ = op.(map[string]any)
			}
		}
	}
	return ops
}

// pointer resolves a JSON pointer ("#/components/schemas/Case") in doc.
func pointer(doc any, ptr string) (any, bool) {
	rest, ok := strings.CutPrefix(ptr, "#")
	if !ok {
		return nil, false
	}
	v := doc
	for _, tok := range strings.Split(rest, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i := -1
			fmt.Sscan(tok, &i)
			if i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// deref follows $ref until it reaches an object without one.
func deref(doc any, v any) map[string]any {
	m, _ := v.(map[string]any)
	for range 10 {
		r, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, _ := pointer(doc, r)
		m, _ = target.(map[string]any)
	}
	return m
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func TestOpenAPIDocument(t *testing.T) {
	doc := document(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	for _, k := range []string{"title", "version", "description"} {
		if s, _ := info[k].(string); s == "" {
			t.Errorf("info.%s is missing", k)
		}
	}
	bearer := deref(doc, map[string]any{"$ref": "#/components/securitySchemes/bearer"})
	if bearer["type"] != "http" || bearer["scheme"] != "bearer" {
		t.Errorf("components.securitySchemes.bearer = %v, want an http bearer scheme", bearer)
	}

	// Every $ref resolves inside the document.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"]; ok {
				s, _ := r.(string)
				if _, ok := pointer(doc, s); !ok {
					t.Errorf("%s: $ref %v does not resolve", at, r)
				}
			}
			for k, v := range x {
				walk(v, at+"/"+escapeToken(k))
			}
		case []any:
			for i, v := range x {
				walk(v, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")
}

var pathParamRE = regexp.MustCompile(`\{([^}.]+)(\.\.\.)?\}`)

func TestOpenAPIRoutes(t *testing.T) {
	doc := document(t)
	a := New(&casework.Service{Now: time.Now}, Options{})

	ops := operations(doc)
	inTable := map[string]route{}
	for _, mp := range a.Routes() {
		inTable[mp[0]+" "+mp[1]] = route{}
	}
	for _, r := range a.routes {
		inTable[r.Method+" "+r.Pattern] = r
	}
	for _, k := range sortedKeys(inTable) {
		if _, ok := ops[k]; !ok {
			t.Errorf("operation %s is in the route table but missing from openapi.json", k)
		}
	}
	for _, k := range sortedKeys(ops) {
		if _, ok := inTable[k]; !ok {
			t.Errorf("operation %s is in openapi.json but not in the route table", k)
		}
	}

	ids := map[string]string{}
	for _, k := range sortedKeys(ops) {
		op, rt := ops[k], inTable[k]
		method, pattern, _ := strings.Cut(k, " ")
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", k)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s: operationId %s is also %s's", k, id, other)
		}
		ids[id] = k
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s: no summary", k)
		} else if rt.Method != "" && s != rt.Summary {
			t.Errorf("%s: summary %q, the route table says %q", k, s, rt.Summary)
		}
		if rt.Method == "" {
			continue // reported above
		}

		if perm, ok := op["x-permission"].(string); !ok || perm != string(rt.Perm) {
			t.Errorf("%s: x-permission = %v, the route table says %q", k, op["x-permission"], rt.Perm)
		}
		sec, ok := op["security"].([]any)
		switch {
		case !ok:
			t.Errorf("%s: no security (want [] for a public operation, [{bearer: []}] otherwise)", k)
		case rt.Public && len(sec) != 0:
			t.Errorf("%s: public, but security = %v; want []", k, sec)
		case !rt.Public && !cmp.Equal(sec, []any{map[string]any{"bearer": []any{}}}):
			t.Errorf("%s: security = %v; want [{bearer: []}]", k, sec)
		}
		var roles []any
		for _, r := range user.Roles {
			if rt.Perm == "" || r.Can(rt.Perm) {
				roles = append(roles, string(r))
			}
		}
		if rt.Public {
			roles = nil
		}
		if got, _ := op["x-roles"].([]any); !cmp.Equal(got, roles) {
			t.Errorf("%s: x-roles = %v, want the roles holding %q: %v", k, got, rt.Perm, roles)
		}

		// Path parameters: exactly the pattern's wildcards, required, typed.
		var want, got []string
		for _, m := range pathParamRE.FindAllStringSubmatch(pattern, -1) {
			want = append(want, m[1])
		}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			p := deref(doc, p)
			if p["in"] != "path" {
				continue
			}
			name, _ := p["name"].(string)
			got = append(got, name)
			if p["required"] != true {
				t.Errorf("%s: path parameter %s is not required", k, name)
			}
			if typ := deref(doc, p["schema"])["type"]; typ != "integer" && typ != "string" {
				t.Errorf("%s: path parameter %s has no integer or string schema", k, name)
			}
		}
		if !cmp.Equal(got, want) {
			t.Errorf("%s: path parameters %v, the pattern has %v", k, got, want)
		}

		// Responses: one success, problems for the rest.
		responses, _ := op["responses"].(map[string]any)
		var success []string
		problems := false
		for code, r := range responses {
			r := deref(doc, r)
			if d, _ := r["description"].(string); d == "" {
				t.Errorf("%s: response %s has no description", k, code)
			}
			if strings.HasPrefix(code, "2") {
				success = append(success, code)
				continue
			}
			content, _ := r["content"].(map[string]any)
			pj, _ := content["application/problem+json"].(map[string]any)
			if s, _ := pj["schema"].(map[string]any); s["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s: response %s is not a Problem", k, code)
			} else if code == "default" || strings.HasPrefix(code, "4") {
				problems = true
			}
		}
		if len(success) != 1 {
			t.Errorf("%s: success responses %v, want exactly one", k, success)
		}
		if !problems {
			t.Errorf("%s: no default or 4xx problem response", k)
		}
		if !rt.Public {
			for _, code := range []string{"401", "403"} {
				if _, ok := responses[code]; !ok && (code == "401" || rt.Perm != "") {
					t.Errorf("%s: an authenticated operation must document %s", k, code)
				}
			}
		}

		// Request bodies: JSON, for POST and PATCH, closed at every level;
		// PUT uploads a document (an SBOM), JSON among its formats.
		body, hasBody := op["requestBody"].(map[string]any)
		needsBody := method == "POST" || method == "PATCH" || method == "PUT"
		if hasBody != needsBody {
			t.Errorf("%s: requestBody present = %v, want %v", k, hasBody, needsBody)
		}
		if hasBody {
			content, _ := body["content"].(map[string]any)
			js, _ := content["application/json"].(map[string]any)
			if js == nil || body["required"] != true {
				t.Errorf("%s: the request body must be required application/json", k)
			} else {
				for _, open := range openObjects(doc, js["schema"], "requestBody", map[string]bool{}) {
					t.Errorf("%s: %s accepts unknown fields; the API refuses them (additionalProperties: false)", k, open)
				}
			}
			for _, code := range []string{"400", "413"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("%s: takes a body but does not document %s", k, code)
				}
			}
		}
	}
}

// openObjects lists the object schemas reachable from s that do not set
// additionalProperties to false.
func openObjects(doc any, s any, at string, seen map[string]bool) []string {
	m, _ := s.(map[string]any)
	if m == nil {
		return nil
	}
	var out []string
	if r, ok := m["$ref"].(string); ok {
		if seen[r] {
			return nil
		}
		seen[r] = true
		target, _ := pointer(doc, r)
		out = append(out, openObjects(doc, target, r, seen)...)
	}
	isObject := m["type"] == "object" || m["properties"] != nil
	if types, ok := m["type"].([]any); ok {
		isObject = slices.Contains(types, any("object"))
	}
	if isObject && m["additionalProperties"] != false {
		out = append(out, at)
	}
	props, _ := m["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		out = append(out, openObjects(doc, props[name], at+"."+name, seen)...)
	}
	for _, k := range []string{"items", "additionalProperties"} {
		out = append(out, openObjects(doc, m[k], at+"."+k, seen)...)
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		list, _ := m[k].([]any)
		for _, s := range list {
			out = append(out, openObjects(doc, s, at, seen)...)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonNames lists the JSON object keys encoding/json uses for a struct
// type, following embedded structs.
func jsonNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			names = append(names, jsonNames(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// schemaProperties lists a schema's property names, those of its allOf
// members included.
func schemaProperties(doc any, s map[string]any) []string {
	var names []string
	props, _ := s["properties"].(map[string]any)
	names = append(names, sortedKeys(props)...)
	all, _ := s["allOf"].([]any)
	for _, sub := range all {
		names = append(names, schemaProperties(doc, deref(doc, sub))...)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

func TestOpenAPISchemaFields(t *testing.T) {
	doc := document(t)
	tests := []struct {
		schema string
		typ    reflect.Type
	}{
		{"Case", reflect.TypeFor[vcase.Case]()},
		{"Risk", reflect.TypeFor[vcase.Risk]()},
		{"Fix", reflect.TypeFor[vcase.Fix]()},
		{"CVEDraft", reflect.TypeFor[vcase.CVEDraft]()},
		{"ChangeRequest", reflect.TypeFor[vcase.ChangeRequest]()},
		{"Credit", reflect.TypeFor[vcase.Credit]()},
		{"Credit", reflect.TypeFor[advisory.Credit]()},
		{"Reference", reflect.TypeFor[vcase.Reference]()},
		{"Reference", reflect.TypeFor[advisory.Reference]()},
		{"CaseView", reflect.TypeFor[caseView]()},
		{"Deadline", reflect.TypeFor[deadlineView]()},
		{"ReleasePlan", reflect.TypeFor[releasePlanView]()},
		{"Report", reflect.TypeFor[report.Report]()},
		{"Contact", reflect.TypeFor[report.Contact]()},
		{"Message", reflect.TypeFor[report.Message]()},
		{"Product", reflect.TypeFor[product.Product]()},
		{"NewProduct", reflect.TypeFor[product.Product]()}, // createProduct decodes a Product
		{"Branch", reflect.TypeFor[product.Branch]()},
		{"BranchView", reflect.TypeFor[branchView]()},
		{"Release", reflect.TypeFor[product.Release]()},
		{"Revision", reflect.TypeFor[advisory.Revision]()},
		{"Affected", reflect.TypeFor[advisory.Affected]()},
		{"AuditEvent", reflect.TypeFor[audit.Event]()},
		{"OutboxMessage", reflect.TypeFor[outbox.Message]()},
		{"User", reflect.TypeFor[user.User]()},
		{"Announcement", reflect.TypeFor[casework.Announcement]()},
		{"ReporterView", reflect.TypeFor[casework.ReporterView]()},
		{"CasePatch", reflect.TypeFor[casework.CasePatch]()},
		{"FixPatch", reflect.TypeFor[casework.FixPatch]()},
		{"BranchPatch", reflect.TypeFor[casework.BranchPatch]()},
		{"NewRelease", reflect.TypeFor[casework.NewRelease]()},
		{"ReleasePatch", reflect.TypeFor[casework.ReleasePatch]()},
		{"CVEID", reflect.TypeFor[store.CVEID]()},
		{"CVEReservation", reflect.TypeFor[casework.CVEReservation]()},
		{"TransitionRequest", reflect.TypeFor[struct {
			Transition vcase.Transition `json:"transition"`
			casework.TransitionArgs
		}]()},
	}
	for _, tt := range tests {
		t.Run(tt.schema+"/"+tt.typ.String(), func(t *testing.T) {
			s, ok := pointer(doc, "#/components/schemas/"+tt.schema)
			if !ok {
				t.Fatalf("no schema %s", tt.schema)
			}
			got := schemaProperties(doc, s.(map[string]any))
			if diff := cmp.Diff(jsonNames(tt.typ), got); diff != "" {
				t.Errorf("schema %s properties differ from the JSON names of %s (-Go +schema):\n%s", tt.schema, tt.typ, diff)
			}
		})
	}
	for _, name := range []string{"CasePatch", "FixPatch"} {
		if s := deref(doc, map[string]any{"$ref": "#/components/schemas/" + name}); s["additionalProperties"] != false {
			t.Errorf("schema %s must set additionalProperties: false: the API refuses unknown fields", name)
		}
	}
}

func strs[S ~string](list ...S) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

func TestOpenAPIEnums(t *testing.T) {
	doc := document(t)
	var severities []string
	for _, s := range policy.Severities() {
		severities = append(severities, s.String())
	}
	tests := map[string][]string{
		"Role":           strs(user.Roles...),
		"Permission":     strs(user.ManageUsers, user.ManageProducts, user.ReadProducts, user.ReadReports, user.ManageCases, user.ReadCases, user.EditFixes, user.ReadSchedule, user.ReadAudit),
		"CaseState":      strs(vcase.States...),
		"Transition":     strs(vcase.Transitions...),
		"RejectReason":   strs(vcase.NotReproducible, vcase.NotVulnerability, vcase.DuplicateOf, vcase.OutOfScope),
		"FixStatus":      strs(vcase.FixPending, vcase.FixInProgress, vcase.FixFixed, vcase.FixVerified),
		"CVEState":       strs(vcase.CVEReserved, vcase.CVEPublishRequested, vcase.CVEPublished, vcase.CVERejected),
		"Severity":       severities,
		"ReportChannel":  strs(report.Channels...),
		"Visibility":     strs(report.Private, report.Public),
		"ReportState":    strs(report.New, report.Linked, report.Duplicate, report.Closed),
		"BranchStatus":   strs(product.Maintained, product.EndOfLife),
		"ReleaseKind":    strs(product.Regular, product.Urgent),
		"ReleaseState":   strs(product.Planned, product.QA, product.Published),
		"AdvisoryStatus": strs(advisory.Final, advisory.Withdrawn),
		"OutboxChannel":  strs(outbox.Email, outbox.Subscribers, outbox.Social, outbox.Webhook, outbox.CVEServices, outbox.Feed),
		"OutboxState":    strs(outbox.Pending, outbox.Sent, outbox.Failed),
		"CVEIDState":     strs(store.CVEIDReserved, store.CVEIDAssigned, store.CVEIDPublished, store.CVEIDRejected),
	}
	for _, name := range sortedKeys(tests) {
		s := deref(doc, map[string]any{"$ref": "#/components/schemas/" + name})
		var got []string
		list, _ := s["enum"].([]any)
		for _, v := range list {
			got = append(got, fmt.Sprint(v))
		}
		if diff := cmp.Diff(tests[name], got); diff != "" {
			t.Errorf("schema %s enum differs from the Go constants (-Go +schema):\n%s", name, diff)
		}
	}
}

// client calls the API through its real handler and checks every exchange
// against the document: the status is documented for the operation, the
// body validates against that response's schema, documented headers are
// set, and a request that succeeded validates against the request schema.
type client struct {
	t        *testing.T
	h        http.Handler
	doc      map[string]any
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
	answered map[string]bool // operations that answered with success
}

const docURL = "https://vigil.invalid/openapi.json"

func newClient(t *testing.T, h http.Handler) *client {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDoc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, h: h, doc: document(t), compiler: c, schemas: map[string]*jsonschema.Schema{}, answered: map[string]bool{}}
}

// schema compiles the schema at a JSON pointer of the document.
func (c *client) schema(ptr string) *jsonschema.Schema {
	c.t.Helper()
	if s, ok := c.schemas[ptr]; ok {
		return s
	}
	var esc []string
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		esc = append(esc, url.PathEscape(tok))
	}
	s, err := c.compiler.Compile(docURL + "#/" + strings.Join(esc, "/"))
	if err != nil {
		c.t.Fatalf("compile %s: %v", ptr, err)
	}
	c.schemas[ptr] = s
	return s
}

func (c *client) validate(ptr string, raw []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return c.schema(ptr).Validate(v)
}

// do sends a request to pattern with the wildcards replaced by args, in
// order; body is JSON-encoded unless it is a string. It returns the status
// and the decoded response body.
func (c *client) do(token, method, pattern string, args []any, body any) (int, any) {
	c.t.Helper()
	pattern, query, _ := strings.Cut(pattern, "?")
	target := pattern
	for _, a := range args {
		loc := pathParamRE.FindStringIndex(target)
		target = target[:loc[0]] + url.PathEscape(fmt.Sprint(a)) + target[loc[1]:]
	}
	if query != "" {
		target += "?" + query
	}
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(raw))
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	res := w.Result()

	name := method + " " + pattern
	opPtr := "#/paths/" + escapeToken(pattern) + "/" + strings.ToLower(method)
	op, ok := pointer(c.doc, opPtr)
	if !ok {
		c.t.Fatalf("%s is not in openapi.json", name)
	}
	code := fmt.Sprint(res.StatusCode)
	respPtr := opPtr + "/responses/" + code
	resp, ok := pointer(c.doc, respPtr)
	if !ok {
		c.t.Errorf("%s %s answered %s, which openapi.json does not document for it: %s", method, target, code, w.Body)
		respPtr = opPtr + "/responses/default"
		resp, _ = pointer(c.doc, respPtr)
	}
	if m, _ := resp.(map[string]any); m["$ref"] != nil {
		respPtr = m["$ref"].(string)
		resp, _ = pointer(c.doc, respPtr)
	}
	rm, _ := resp.(map[string]any)
	headers, _ := rm["headers"].(map[string]any)
	for h := range headers {
		if res.Header.Get(h) == "" {
			c.t.Errorf("%s %s: %s response without the documented %s header", method, target, code, h)
		}
	}
	content, _ := rm["content"].(map[string]any)
	var decoded any
	if len(content) == 0 {
		if w.Body.Len() != 0 {
			c.t.Errorf("%s %s: %s response documented without content has a body: %s", method, target, code, w.Body)
		}
	} else {
		ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
		if _, ok := content[ct]; !ok {
			c.t.Errorf("%s %s: %s response has Content-Type %q, not one documented: %v", method, target, code, ct, sortedKeys(content))
		} else if err := c.validate(respPtr+"/content/"+escapeToken(ct)+"/schema", w.Body.Bytes()); err != nil {
			c.t.Errorf("%s %s: %s response does not match its schema: %v\n%s", method, target, code, err, w.Body)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &decoded); err != nil {
			c.t.Errorf("%s %s: %v", method, target, err)
		}
	}
	if res.StatusCode < 300 {
		c.answered[name] = true
		if opm, _ := op.(map[string]any); opm["requestBody"] != nil {
			if err := c.validate(opPtr+"/requestBody/content/application~1json/schema", raw); err != nil {
				c.t.Errorf("%s %s succeeded, but its request schema refuses the body: %v\n%s", method, target, err, raw)
			}
		}
	}
	return res.StatusCode, decoded
}

// want is do that requires a status.
func (c *client) want(status int, token, method, pattern string, args []any, body any) map[string]any {
	c.t.Helper()
	got, v := c.do(token, method, pattern, args, body)
	if got != status {
		c.t.Fatalf("%s %s %v: status %d, want %d: %v", method, pattern, args, got, status, v)
	}
	m, _ := v.(map[string]any)
	return m
}

// list is want for a JSON array.
func (c *client) list(status int, token, method, pattern string, args []any) []any {
	c.t.Helper()
	got, v := c.do(token, method, pattern, args, nil)
	if got != status {
		c.t.Fatalf("%s %s %v: status %d, want %d: %v", method, pattern, args, got, status, v)
	}
	l, _ := v.([]any)
	return l
}

// caseOf is the case of a ReportWithMessages.
func caseOf(m map[string]any) int64 {
	r, _ := m["report"].(map[string]any)
	f, _ := r["case_id"].(float64)
	return int64(f)
}

func id(m map[string]any) int64 {
	f, _ := m["id"].(float64)
	return int64(f)
}

func TestOpenAPIResponses(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	svc := &casework.Service{Store: storetest.SQLite(t), Policy: policy.Default(), Now: func() time.Time { return now }, BaseURL: "https://psirt.example"}
	a := New(svc, Options{IntakeRate: 1, IntakeBurst: 3})
	c := newClient(t, a.Handler())
	admin, err := svc.CreateUser(ctx, casework.System, user.User{Name: "admin", Role: user.Admin})
	if err != nil {
		t.Fatal(err)
	}
	_, adm, err := svc.IssueToken(ctx, casework.System, admin.ID, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	const (
		get, post, patch, del = "GET", "POST", "PATCH", "DELETE"
		v1                    = "/api/v1"
	)
	none := []any(nil)
	at := func(args ...any) []any { return args }

	c.want(200, "", get, v1+"/openapi.json", none, nil)
	c.want(200, adm, get, v1+"/me", none, nil)
	c.want(401, "", get, v1+"/me", none, nil)
	c.want(401, "vgl_unknown", get, v1+"/me", none, nil)

	// Users and tokens.
	eve := c.want(201, adm, post, v1+"/users", none, map[string]any{"name": "eve", "email": "eve@vendor.example", "role": "customer"})
	c.want(409, adm, post, v1+"/users", none, map[string]any{"name": "eve", "role": "customer"})
	c.want(422, adm, post, v1+"/users", none, map[string]any{"name": "E", "role": "boss"})
	tok := c.want(201, adm, post, v1+"/users/{id}/tokens", at(id(eve)), map[string]any{"label": "laptop", "expires_at": "2027-01-01T00:00:00Z"})
	eveTok, _ := tok["token"].(string)
	c.want(404, adm, post, v1+"/users/{id}/tokens", at(999999), map[string]any{"label": "x"})
	c.list(200, adm, get, v1+"/users", none)
	c.want(403, eveTok, get, v1+"/users", none, nil)
	bob := c.want(201, adm, post, v1+"/users", none, map[string]any{"name": "bob", "role": "engineer"})
	bobTok, _ := c.want(201, adm, post, v1+"/users/{id}/tokens", at(id(bob)), map[string]any{"label": "ci"})["token"].(string)

	// Products, branches, releases.
	c.want(201, adm, post, v1+"/products", none, map[string]any{"slug": "scheduler", "name": "Acme Job Scheduler", "upstreams": []string{"OpenJDK 17"}})
	c.want(409, adm, post, v1+"/products", none, map[string]any{"slug": "scheduler", "name": "Again"})
	c.want(200, adm, post, v1+"/users/{id}/entitlements", at(id(eve)), map[string]any{"products": []string{"scheduler"}})
	c.want(422, adm, post, v1+"/users/{id}/entitlements", at(id(bob)), map[string]any{"products": []string{"nope"}})
	c.want(422, adm, post, v1+"/products", none, map[string]any{"slug": "Not a slug", "name": ""})
	c.want(400, adm, post, v1+"/products", none, `{"slug":`)
	unknown := map[string]any{"slug": "x", "name": "y", "colour": "red"}
	c.want(400, adm, post, v1+"/products", none, unknown)
	if err := c.validate("#/components/schemas/NewProduct", []byte(`{"slug":"x","name":"y","colour":"red"}`)); err == nil {
		t.Error("the NewProduct schema accepts an unknown field, which the API refuses")
	}
	c.want(413, adm, post, v1+"/products", none, map[string]any{"slug": "big", "name": strings.Repeat("x", 2<<20)})
	c.want(403, eveTok, post, v1+"/products", none, map[string]any{"slug": "s", "name": "n"})
	branch := c.want(201, adm, post, v1+"/products/{slug}/branches", at("scheduler"), map[string]any{"name": "2.7", "since": "2025-01-01T00:00:00Z"})
	c.want(201, adm, post, v1+"/products/{slug}/branches", at("scheduler"), map[string]any{"name": "2.5", "status": "eol"})
	c.want(404, adm, post, v1+"/products/{slug}/branches", at("nope"), map[string]any{"name": "1"})
	c.want(200, adm, patch, v1+"/branches/{id}", at(id(branch)), map[string]any{"eol": "2028-01-01T00:00:00Z"})
	c.want(201, adm, post, v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "2.7.0", "state": "published"})
	c.want(409, adm, post, v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "2.7.0"})
	c.want(422, adm, post, v1+"/branches/{id}/releases", at(id(branch)), map[string]any{"version": "3.0.0"})
	release := c.want(201, adm, post, v1+"/branches/{id}/releases", at(id(branch)), map[string]any{})
	c.want(200, adm, patch, v1+"/releases/{id}", at(id(release)), map[string]any{"state": "qa", "planned_at": "2026-03-05T09:00:00Z", "notes": "security release"})
	c.list(200, eveTok, get, v1+"/products", none)
	c.want(200, eveTok, get, v1+"/products/{slug}", at("scheduler"), nil)
	c.want(404, eveTok, get, v1+"/products/{slug}", at("nope"), nil)
	c.list(200, eveTok, get, v1+"/supported", none)
	c.want(200, eveTok, get, v1+"/policy", none, nil)

	// The public intake and the reporter's status link.
	receipt := c.want(201, "", post, v1+"/intake", none, map[string]any{"title": "Open redirect", "body": "returnUrl accepts any URL", "reporter": map[string]any{"name": "Jane", "email": "jane@research.example"}})
	status, _ := receipt["status_token"].(string)
	c.want(200, "", get, v1+"/intake/{token}", at(status), nil)
	c.want(204, "", post, v1+"/intake/{token}/messages", at(status), map[string]any{"body": "Any news?"})
	c.want(422, "", post, v1+"/intake/{token}/messages", at(status), map[string]any{"body": " "})
	c.want(404, "", get, v1+"/intake/{token}", at("vrs_nope"), nil)

	// Reports recorded by the team.
	created := c.want(201, adm, post, v1+"/reports", none, map[string]any{"channel": "email", "title": "RCE in the job import", "body": "A crafted YAML runs commands.",
		"reporter": map[string]any{"email": "sam@hacker.example", "credit_as": "Sam"}, "external_ref": "<1@hacker.example>"})
	rep, _ := created["report"].(map[string]any)
	caseID := int64(rep["case_id"].(float64))
	c.list(200, adm, get, v1+"/reports", none)
	var intakeReport int64
	for _, r := range c.list(200, adm, get, v1+"/reports?state=new&limit=10", none) {
		if r := r.(map[string]any); r["tracking_id"] == receipt["tracking_id"] {
			intakeReport = id(r)
		}
	}
	if intakeReport == 0 {
		t.Fatal("the intake's report is not listed")
	}
	c.list(400, adm, get, v1+"/reports?limit=0", none)
	c.want(200, adm, get, v1+"/reports/{id}", at(id(rep)), nil)
	c.want(404, adm, get, v1+"/reports/{id}", at("x"), nil)
	c.want(201, adm, post, v1+"/reports/{id}/messages", at(id(rep)), map[string]any{"body": "Thanks, we are looking into it."})

	// A case through its lifecycle.
	c.list(200, adm, get, v1+"/cases?state=received&state=triage", none)
	c.want(200, adm, get, v1+"/cases/{id}", at(caseID), nil)
	c.want(404, adm, get, v1+"/cases/{id}", at(999999), nil)
	c.want(403, eveTok, get, v1+"/cases/{id}", at(caseID), nil)
	c.want(404, bobTok, get, v1+"/cases/{id}", at(caseID), nil) // not in its task force
	tr := v1 + "/cases/{id}/transitions"
	c.want(409, adm, post, tr, at(caseID), map[string]any{"transition": "disclose"})
	c.want(422, adm, post, tr, at(caseID), map[string]any{"transition": "fly"})
	cv := c.want(200, adm, patch, v1+"/cases/{id}", at(caseID), map[string]any{"task_force": []string{"admin", "bob"}})
	c.want(409, adm, patch, v1+"/cases/{id}", at(caseID), map[string]any{"version": cv["version"].(float64) - 1, "title": "stale"})
	c.want(200, adm, post, tr, at(caseID), map[string]any{"transition": "triage"})
	c.want(422, adm, patch, v1+"/cases/{id}", at(caseID), map[string]any{"risk": map[string]any{"cwe": []string{"79"}}})
	c.want(200, adm, patch, v1+"/cases/{id}", at(caseID), map[string]any{
		"product_id": int64(branch["product_id"].(float64)), "affected_branches": []int64{id(branch)},
		"risk":    map[string]any{"cvss31": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "cwe": []string{"CWE-502"}, "tags": []string{"rce"}, "exploited": false},
		"summary": "An attacker with an account can run commands.", "details": "Unsafe YAML deserialisation.", "workaround": "Disable the import.",
		"cve_id": "CVE-2026-41001", "cve_draft": map[string]any{"description": "Unsafe deserialisation in the job import allows authenticated attackers to run commands.", "problem_type": "CWE-502"},
		"change_request":     map[string]any{"ref": "SEC-1", "tracker": "jira", "url": "https://jira.example/SEC-1"},
		"planned_disclosure": "2026-03-06T09:00:00Z",
		"credits":            []any{map[string]any{"name": "Sam", "type": "finder"}},
		"references":         []any{map[string]any{"url": "https://psirt.example/notes", "tags": []string{"vendor-advisory"}}},
	})
	c.want(200, adm, post, tr, at(caseID), map[string]any{"transition": "confirm"})
	if v := c.want(200, bobTok, get, v1+"/cases/{id}", at(caseID), nil); v["reports"] != nil {
		t.Errorf("an engineer sees the case's reports: %v", v["reports"])
	}
	c.list(200, adm, get, v1+"/schedule", none)
	c.want(200, adm, post, tr, at(caseID), map[string]any{"transition": "start_fix"})
	fix := v1 + "/cases/{id}/fixes/{branch}"
	c.want(404, adm, patch, fix, at(caseID, 999999), map[string]any{"status": "fixed"})
	c.want(422, adm, patch, fix, at(caseID, id(branch)), map[string]any{"status": "verified"})
	c.want(200, adm, patch, fix, at(caseID, id(branch)), map[string]any{"status": "verified", "evidence": "The exploit fails.", "commits": []string{"abcdef1"},
		"release_id": id(release), "affected_from": "2.7.0"})
	if p := c.want(200, adm, get, v1+"/cases/{id}/cve", at(caseID), nil); len(p["problems"].([]any)) != 0 {
		t.Errorf("the CVE record draft has lint problems: %v", p["problems"])
	}
	c.want(404, bobTok, get, v1+"/cases/{id}/cve", at(999999), nil)
	c.want(200, adm, post, tr, at(caseID), map[string]any{"transition": "ready"})
	now = now.Add(5 * 24 * time.Hour)
	disclosed := c.want(200, adm, post, tr, at(caseID), map[string]any{"transition": "disclose"})
	c.want(409, adm, patch, v1+"/cases/{id}", at(caseID), map[string]any{"title": "closed"})
	rv := v1 + "/cases/{id}/revisions"
	c.want(422, adm, post, rv, at(caseID), map[string]any{"changes": " "})
	c.want(201, adm, post, rv, at(caseID), map[string]any{"changes": "Added a workaround.", "workaround": "Block the import at the proxy.",
		"references": []any{map[string]any{"url": "https://psirt.example/notes", "tags": []string{"vendor-advisory"}}}})
	c.want(201, adm, post, rv, at(caseID), map[string]any{"changes": "Withdrawn: not a vulnerability after all.", "withdraw": true})
	c.want(409, adm, post, rv, at(caseID), map[string]any{"changes": "Too late."})
	// The intake's own case, without affected branches, before it becomes a duplicate.
	c.want(200, adm, patch, v1+"/cases/{id}", at(caseOf(c.want(200, adm, get, v1+"/reports/{id}", at(intakeReport), nil))), map[string]any{"affected_branches": []int64{}})
	c.want(200, adm, post, v1+"/reports/{id}/link", at(intakeReport), map[string]any{"case_id": caseID})
	c.want(404, adm, post, v1+"/reports/{id}/link", at(intakeReport), map[string]any{"case_id": 999999})

	// What was published, and the trail it left.
	c.list(200, "", get, v1+"/advisories", none)
	c.want(200, "", get, v1+"/advisories/{id}", at(disclosed["advisory"]), nil)
	c.want(404, "", get, v1+"/advisories/{id}", at("VIGIL-SA-1999-001"), nil)
	c.list(200, adm, get, v1+"/cases", none)
	c.list(200, adm, get, v1+"/audit?action=case.update&limit=5", none)
	c.list(400, adm, get, v1+"/audit?offset=-1", none)
	c.want(200, adm, get, v1+"/audit/verify", none, nil)
	c.list(200, adm, get, v1+"/outbox?channel=email", none)
	c.list(200, adm, get, v1+"/outbox?state=pending", none)

	// CVE IDs through CVE Services: 409 until an account is configured,
	// then against the stateful fake.
	c.want(409, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 1})
	fake := cveservicestest.New(t, 3)
	fake.Now = svc.Now
	cl, err := cveservices.New(cveservices.Config{URL: fake.URL, Org: cveservicestest.Org, User: cveservicestest.User, Key: cveservicestest.Key})
	if err != nil {
		t.Fatal(err)
	}
	svc.CVE = cl
	reserved := c.want(201, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 2, "batch": "nonsequential"})
	ids, _ := reserved["ids"].([]any)
	if len(ids) != 2 {
		t.Fatalf("reserved %v", reserved)
	}
	first, _ := ids[0].(map[string]any)["id"].(string)
	c.want(422, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 0})
	c.want(409, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 2}) // the quota
	fake.FailNext(cveservicestest.Fail{Status: http.StatusTooManyRequests, Times: 1, Reset: 7})
	c.want(503, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 1})
	fake.FailNext(cveservicestest.Fail{Status: http.StatusInternalServerError, Times: 1})
	c.want(502, adm, post, v1+"/cve/reserve", none, map[string]any{"amount": 1})
	c.want(403, bobTok, post, v1+"/cve/reserve", none, map[string]any{"amount": 1})
	if l := c.list(200, adm, get, v1+"/cve?state=reserved", none); len(l) != 2 {
		t.Errorf("reserved IDs %v", l)
	}
	c.list(400, adm, get, v1+"/cve?state=lost", none)
	now = now.Add(40 * 24 * time.Hour)
	if l := c.list(200, adm, get, v1+"/cve/unused?days=30", none); len(l) != 2 {
		t.Errorf("unused IDs %v", l)
	}
	c.list(400, adm, get, v1+"/cve/unused?days=-1", none)
	c.want(200, adm, post, v1+"/cve/{id}/reject", at(first), map[string]any{})
	c.want(409, adm, post, v1+"/cve/{id}/reject", at(first), map[string]any{"reason": "again"})
	c.want(404, adm, post, v1+"/cve/{id}/reject", at("CVE-2026-99999"), map[string]any{})
	c.want(400, adm, post, v1+"/cve/{id}/reject", at(first), map[string]any{"why": "unknown field"})
	if fake.State(first) != "REJECTED" {
		t.Errorf("%s is %s in CVE Services", first, fake.State(first))
	}
	if l := c.list(200, adm, get, v1+"/cve/unused", none); len(l) != 1 {
		t.Errorf("unused IDs after the rejection %v", l)
	}
	if code, l := c.do(adm, post, v1+"/cve/sync", none, map[string]any{}); code != 200 || len(l.([]any)) != 0 {
		t.Errorf("sync: %d %v", code, l)
	}

	monitorCalls(t, c, svc, adm)

	// Revocation, the intake's limits.
	c.want(204, adm, del, v1+"/tokens/{id}", at(id(tok)), nil)
	c.want(401, eveTok, get, v1+"/me", none, nil)
	c.want(404, adm, del, v1+"/tokens/{id}", at(999999), nil)
	c.want(413, "", post, v1+"/intake", none, map[string]any{"title": "big", "body": strings.Repeat("x", 300<<10)})
	limited := false
	for range 5 {
		if code, _ := c.do("", post, v1+"/intake", none, map[string]any{}); code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("the intake was never rate-limited")
	}

	for _, name := range sortedKeys(operations(c.doc)) {
		if !c.answered[name] {
			t.Errorf("%s never answered with success here: add a call so that its responses are checked against the document", name)
		}
	}
}

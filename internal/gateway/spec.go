// Package gateway is trx's front door: the policy every request meets
// before a handler runs, as middleware that `trx serve` mounts in front of
// its routes (and that a gateway process in front of split services can
// mount in front of its proxy).
//
// The OpenAPI 3.1 document openapi.yaml is the single source of truth of
// the REST API: the gateway routes each request to its documented
// operation and, in order, answers CORS preflights, throttles per client
// IP, authenticates (API key or JWT, the scopes the operation names),
// throttles per key, and validates parameters and the JSON body against
// the document's schemas (JSON Schema 2020-12, compiled once at start);
// bad requests are 400 problem+json before any handler runs. A JSON body
// that passes goes on to the handlers of the same process decoded
// (web.WithDecodedBody), so that those that take the value parse it once.
package gateway

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

//go:embed openapi.yaml
var openapiYAML []byte

// Methods the document may hold operations for.
var methods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch}

// Spec is the loaded OpenAPI document.
type Spec struct {
	json []byte         // the document as JSON, as served
	doc  map[string]any // the same, decoded
	ops  []*Operation

	routeOnce sync.Once
	router    *http.ServeMux
	byPattern map[string]*Operation

	respMu   sync.Mutex
	compiler *jsonschema.Compiler
	resp     map[string]*jsonschema.Schema
}

// Operation is one documented method and path.
type Operation struct {
	Method      string
	Path        string // the OpenAPI path, which is a ServeMux pattern's path
	ID          string
	Summary     string
	Description string
	Tags        []string
	// Security is the operation's alternatives of requirements (scheme →
	// scopes); an empty alternative means no credentials are needed.
	Security []map[string][]string
	// PublicFlag names the configuration flag that makes the operation
	// public (x-trx-public-flag), if any.
	PublicFlag string
	// StreamBody (x-trx-stream-body) marks an operation whose body is
	// streamed by its handler: never buffered nor validated here.
	StreamBody bool
	// Expensive (x-trx-expensive) marks an operation whose work grows with
	// its input or the caller's data (reports, classification, batches,
	// rule runs, jobs, imports, exports): a user runs a few at once.
	Expensive bool
	Params    []*Param
	Body      *Body
	Responses []string // status codes, sorted ("default" last)

	pointer string // JSON pointer of the operation in the document
}

// Pattern returns the ServeMux pattern of the operation.
func (o *Operation) Pattern() string { return o.Method + " " + o.Path }

// Scopes returns the scopes the operation needs (from its first
// requirement that names any), or nil when it needs none.
func (o *Operation) Scopes() []string {
	for _, req := range o.Security {
		for _, scopes := range req {
			if len(scopes) > 0 {
				return scopes
			}
		}
	}
	return nil
}

// Public reports whether the operation needs no credentials at all.
func (o *Operation) Public() bool {
	return len(o.Security) == 0 || slices.ContainsFunc(o.Security, func(r map[string][]string) bool { return len(r) == 0 }) && o.PublicFlag == ""
}

// acceptsScheme reports whether scheme is one of the operation's ways in.
func (o *Operation) acceptsScheme(scheme string) bool {
	return slices.ContainsFunc(o.Security, func(r map[string][]string) bool { _, ok := r[scheme]; return ok })
}

// Param is a documented parameter.
type Param struct {
	Name        string
	In          string // query, header, path
	Required    bool
	Description string
	Type        string // the schema's type, for coercing query strings
	Schema      json.RawMessage
	schema      *jsonschema.Schema
}

// Body is a documented request body.
type Body struct {
	Required bool
	Types    []string // media types
	// Schema is the application/json schema, compiled (nil when the
	// operation takes no JSON).
	schema  *jsonschema.Schema
	Pointer string // where the JSON schema is in the document
}

// schemaBase is the URL the document is compiled under.
const schemaBase = "https://trx.invalid/openapi.json"

// LoadSpec loads the embedded document and compiles its schemas.
func LoadSpec() (*Spec, error) { return ParseSpec(openapiYAML) }

// ParseSpec loads an OpenAPI 3.1 document in YAML or JSON.
func ParseSpec(src []byte) (*Spec, error) {
	var y any
	if err := yaml.Unmarshal(src, &y); err != nil {
		return nil, fmt.Errorf("gateway: openapi document: %w", err)
	}
	js, err := json.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("gateway: openapi document as JSON: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	s := &Spec{json: js, resp: map[string]*jsonschema.Schema{}}
	s.doc, _ = doc.(map[string]any)
	if s.doc == nil || !strings.HasPrefix(str(s.doc["openapi"]), "3.1") {
		return nil, fmt.Errorf("gateway: not an OpenAPI 3.1 document")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaBase, doc); err != nil {
		return nil, fmt.Errorf("gateway: openapi document: %w", err)
	}
	s.compiler = c
	global := security(s.doc["security"])
	paths, _ := s.doc["paths"].(map[string]any)
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		item, _ := paths[p].(map[string]any)
		itemPtr := "/paths/" + escape(p)
		for _, m := range methods {
			raw, ok := item[strings.ToLower(m)].(map[string]any)
			if !ok {
				continue
			}
			op := &Operation{Method: m, Path: p, ID: str(raw["operationId"]), Summary: str(raw["summary"]),
				Description: str(raw["description"]), Security: global, pointer: itemPtr + "/" + strings.ToLower(m)}
			for _, t := range list(raw["tags"]) {
				op.Tags = append(op.Tags, str(t))
			}
			if sec, ok := raw["security"]; ok {
				op.Security = security(sec)
			}
			op.PublicFlag = str(raw["x-trx-public-flag"])
			op.StreamBody, _ = raw["x-trx-stream-body"].(bool)
			op.Expensive, _ = raw["x-trx-expensive"].(bool)
			// Path-level parameters, then the operation's (which win).
			byKey := map[string]*Param{}
			var order []string
			for _, src := range []struct {
				list []any
				ptr  string
			}{{list(item["parameters"]), itemPtr + "/parameters"}, {list(raw["parameters"]), op.pointer + "/parameters"}} {
				for i, rp := range src.list {
					prm, err := s.param(c, rp, fmt.Sprintf("%s/%d", src.ptr, i))
					if err != nil {
						return nil, fmt.Errorf("gateway: %s: %w", op.Pattern(), err)
					}
					k := prm.In + ":" + strings.ToLower(prm.Name)
					if _, seen := byKey[k]; !seen {
						order = append(order, k)
					}
					byKey[k] = prm
				}
			}
			for _, k := range order {
				op.Params = append(op.Params, byKey[k])
			}
			if rb, ok := raw["requestBody"].(map[string]any); ok {
				b := &Body{}
				b.Required, _ = rb["required"].(bool)
				content, _ := rb["content"].(map[string]any)
				for mt := range content {
					b.Types = append(b.Types, mt)
				}
				sort.Strings(b.Types)
				if _, ok := content["application/json"]; ok && !op.StreamBody {
					b.Pointer = op.pointer + "/requestBody/content/application~1json/schema"
					if b.schema, err = c.Compile(schemaBase + "#" + b.Pointer); err != nil {
						return nil, fmt.Errorf("gateway: %s: body schema: %w", op.Pattern(), err)
					}
				}
				op.Body = b
			}
			resp, _ := raw["responses"].(map[string]any)
			for code := range resp {
				op.Responses = append(op.Responses, code)
			}
			sort.Strings(op.Responses) // "default" sorts after the digits
			s.ops = append(s.ops, op)
		}
	}
	return s, nil
}

// param reads a parameter (or the component it refers to) and compiles
// its schema.
func (s *Spec) param(c *jsonschema.Compiler, raw any, ptr string) (*Param, error) {
	m, _ := raw.(map[string]any)
	if ref := str(m["$ref"]); ref != "" {
		name, ok := strings.CutPrefix(ref, "#/components/parameters/")
		if !ok {
			return nil, fmt.Errorf("parameter $ref %q: only #/components/parameters/… is supported", ref)
		}
		comps, _ := s.doc["components"].(map[string]any)
		params, _ := comps["parameters"].(map[string]any)
		if m, ok = params[name].(map[string]any); !ok {
			return nil, fmt.Errorf("parameter $ref %q: no such component", ref)
		}
		ptr = "/components/parameters/" + escape(name)
	}
	p := &Param{Name: str(m["name"]), In: str(m["in"]), Description: str(m["description"])}
	p.Required, _ = m["required"].(bool)
	if p.Name == "" || p.In == "" {
		return nil, fmt.Errorf("parameter at %s lacks a name or in", ptr)
	}
	if sch, ok := m["schema"].(map[string]any); ok {
		p.Type = str(sch["type"])
		p.Schema, _ = json.Marshal(sch)
		var err error
		if p.schema, err = c.Compile(schemaBase + "#" + ptr + "/schema"); err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
	}
	return p, nil
}

// JSON returns the document as JSON.
func (s *Spec) JSON() []byte { return s.json }

// Operations returns the documented operations, by path then method.
func (s *Spec) Operations() []*Operation { return s.ops }

// Operation returns the operation of method and path (an OpenAPI path,
// such as /api/v1/transactions/{id}), or nil.
func (s *Spec) Operation(method, path string) *Operation {
	for _, op := range s.ops {
		if op.Method == method && op.Path == path {
			return op
		}
	}
	return nil
}

// Route returns the documented operation that r is for, routed as a
// ServeMux routes (so as the routes of the code are), or nil.
func (s *Spec) Route(r *http.Request) *Operation {
	s.routeOnce.Do(func() {
		s.router, s.byPattern = http.NewServeMux(), map[string]*Operation{}
		for _, op := range s.ops {
			s.router.Handle(op.Pattern(), http.NotFoundHandler())
			s.byPattern[op.Pattern()] = op
		}
	})
	_, pattern := s.router.Handler(r)
	return s.byPattern[pattern]
}

// ResponseSchema returns the compiled schema of op's response with status
// code (or its "default") in media type mt; ok is false when the document
// names no such response (a nil schema with ok means a body-less one).
func (s *Spec) ResponseSchema(op *Operation, code int, mt string) (sch *jsonschema.Schema, ok bool, err error) {
	ptr := op.pointer + "/responses/" + strconv.Itoa(code)
	if s.Node(ptr) == nil {
		ptr = op.pointer + "/responses/" + string(rune('0'+code/100)) + "XX"
	}
	if s.Node(ptr) == nil {
		ptr = op.pointer + "/responses/default"
	}
	resp, _ := s.Node(ptr).(map[string]any)
	if resp == nil {
		return nil, false, nil
	}
	if ref := str(resp["$ref"]); ref != "" {
		ptr = strings.TrimPrefix(ref, "#")
		if resp, _ = s.Node(ptr).(map[string]any); resp == nil {
			return nil, false, fmt.Errorf("gateway: %s: no %s", op.Pattern(), ref)
		}
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil || mt == "" {
		return nil, true, nil
	}
	if _, ok := content[mt]; !ok {
		return nil, false, nil
	}
	ptr += "/content/" + escape(mt) + "/schema"
	s.respMu.Lock()
	defer s.respMu.Unlock()
	if sch := s.resp[ptr]; sch != nil {
		return sch, true, nil
	}
	sch, err = s.compiler.Compile(schemaBase + "#" + ptr)
	if err != nil {
		return nil, true, err
	}
	s.resp[ptr] = sch
	return sch, true, nil
}

// Node returns the document's value at a JSON pointer ("/components/…").
func (s *Spec) Node(pointer string) any {
	var v any = s.doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[tok]
	}
	return v
}

func escape(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// security reads a list of security requirements.
func security(v any) []map[string][]string {
	out := []map[string][]string{}
	for _, r := range list(v) {
		m, _ := r.(map[string]any)
		req := map[string][]string{}
		for scheme, scopes := range m {
			req[scheme] = []string{}
			for _, sc := range list(scopes) {
				req[scheme] = append(req[scheme], str(sc))
			}
		}
		out = append(out, req)
	}
	return out
}

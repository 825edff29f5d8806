package gateway

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the AsyncAPI document
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"
)

// DocsRoutes registers GET /api/v1/openapi.json (the document), GET
// /api/v1/asyncapi.yaml (the AsyncAPI 3 document of the WebSocket
// protocol) and GET /api/docs (a readable page of the OpenAPI one, rendered
// here: no script, no CDN) on mux, behind authn unless it is nil (when the
// docs are public; the gateway in front decides who gets in either way).
func DocsRoutes(mux *http.ServeMux, s *Spec, authn func(http.Handler) http.Handler) error {
	page, err := renderDocs(s)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(docsCSS))
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	wrap := func(h http.Handler) http.Handler {
		if authn == nil {
			return h
		}
		return authn(h)
	}
	mux.Handle("GET /api/v1/openapi.json", wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(s.JSON())
	})))
	mux.Handle("GET /api/v1/asyncapi.yaml", wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(AsyncAPI())
	})))
	mux.Handle("GET /api/docs", wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})))
	return nil
}

//go:embed asyncapi.yaml
var asyncapiYAML []byte

// AsyncAPI returns the AsyncAPI 3 document of the WebSocket protocol.
func AsyncAPI() []byte { return asyncapiYAML }

const docsCSS = `body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem}
details{border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code,pre{font:13px/1.35 ui-monospace,monospace}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;white-space:pre-wrap}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}.GET{color:#1565c0}.POST{color:#2e7d32}
.PUT{color:#ef6c00}.PATCH{color:#6a1b9a}.DELETE{color:#c62828}.s{color:#666;font-size:90%}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}`

type docsOp struct {
	*Operation
	Anchor string
	Scopes string
	Body   string // the JSON schema, indented
}

type docsSection struct {
	Tag string
	Ops []docsOp
}

var docsTmpl = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><style>{{.CSS}}</style></head><body>
<h1>{{.Title}}</h1><p class="s">OpenAPI {{.Version}} · the document as JSON: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p>
<pre>{{.Description}}</pre>
<h2>Operations</h2><ul>{{range .Sections}}<li><a href="#tag-{{.Tag}}">{{.Tag}}</a> ({{len .Ops}})</li>{{end}}</ul>
{{range .Sections}}<h2 id="tag-{{.Tag}}">{{.Tag}}</h2>
{{range .Ops}}<details id="{{.Anchor}}"><summary><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code> — {{.Summary}}{{if .Scopes}} <span class="s">[{{.Scopes}}]</span>{{end}}</summary>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} (required){{end}}</td><td>{{.In}}</td><td><code>{{printf "%s" .Schema}}</code></td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{with .Operation.Body}}<p>Body{{if .Required}} (required){{end}}: {{range .Types}}<code>{{.}}</code> {{end}}</p>{{end}}
{{if .Body}}<pre>{{.Body}}</pre>{{end}}
<p>Responses: {{range .Responses}}<code>{{.}}</code> {{end}}</p></details>
{{end}}{{end}}
<h2>Schemas</h2>{{range .Schemas}}<details id="schema-{{.Name}}"><summary><code>{{.Name}}</code></summary><pre>{{.JSON}}</pre></details>{{end}}
</body></html>
`))

func renderDocs(s *Spec) ([]byte, error) {
	byTag := map[string][]docsOp{}
	for _, op := range s.Operations() {
		d := docsOp{Operation: op, Anchor: op.ID, Scopes: strings.Join(op.Scopes(), ", ")}
		if op.Public() {
			d.Scopes = "no credentials"
		}
		if op.Body != nil && op.Body.Pointer != "" {
			b, _ := json.MarshalIndent(s.Node(op.Body.Pointer), "", "  ")
			d.Body = string(b)
		}
		tag := "other"
		if len(op.Tags) > 0 {
			tag = op.Tags[0]
		}
		byTag[tag] = append(byTag[tag], d)
	}
	var sections []docsSection
	for _, t := range list(s.doc["tags"]) {
		name := str(t.(map[string]any)["name"])
		if ops := byTag[name]; len(ops) > 0 {
			sections = append(sections, docsSection{Tag: name, Ops: ops})
			delete(byTag, name)
		}
	}
	for name, ops := range byTag {
		sections = append(sections, docsSection{Tag: name, Ops: ops})
	}
	type schema struct{ Name, JSON string }
	var schemas []schema
	comps, _ := s.doc["components"].(map[string]any)
	sm, _ := comps["schemas"].(map[string]any)
	for name, v := range sm {
		b, _ := json.MarshalIndent(v, "", "  ")
		schemas = append(schemas, schema{name, string(b)})
	}
	sort.Slice(schemas, func(i, j int) bool { return schemas[i].Name < schemas[j].Name })
	info, _ := s.doc["info"].(map[string]any)
	var buf bytes.Buffer
	err := docsTmpl.Execute(&buf, map[string]any{
		"Title": str(info["title"]), "Version": str(s.doc["openapi"]), "Description": str(info["description"]),
		"CSS": template.CSS(docsCSS), "Sections": sections, "Schemas": schemas,
	})
	return buf.Bytes(), err
}

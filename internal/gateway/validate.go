package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

var printer = message.NewPrinter(language.English)

// ValidateRequest checks r against op as the gateway does, with the
// handlers' body limit: nil, or an error to answer as problem+json.
func ValidateRequest(r *http.Request, op *Operation) error {
	_, err := validate(r, op, web.MaxBody)
	return err
}

// validate checks r's parameters and JSON body against op. It reads a JSON
// body (up to maxBody bytes) and puts it back for the handler. Bodies the
// handler streams (x-trx-stream-body), bodies of a media type other than
// JSON (the handler answers those) and undocumented bodies are left alone.
// Unknown query parameters are left to the handlers, which refuse them; a
// malformed query string is refused here.
//
// A JSON body that passes comes back decoded, as the handlers may take it
// (web.WithDecodedBody), when its limit was no larger than theirs; doc is
// nil otherwise.
func validate(r *http.Request, op *Operation, maxBody int64) (doc *any, err error) {
	var v fault.Validation
	q := web.ParseQuery(r, &v)
	for _, p := range op.Params {
		if p.schema == nil || p.In == "path" {
			continue
		}
		var vals []string
		switch p.In {
		case "query":
			vals = q[p.Name]
		case "header":
			vals = r.Header.Values(p.Name)
		default:
			continue
		}
		if len(vals) == 0 {
			if p.Required {
				v.Add(p.Name, "required", "is required")
			}
			continue
		}
		val, ok := coerce(vals[0], p.Type)
		if !ok {
			v.Addf(p.Name, "type", "must be %s", article(p.Type))
			continue
		}
		if err := p.schema.Validate(val); err != nil {
			fieldErrors(&v, p.Name, err)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if op.Body == nil || op.Body.schema == nil || op.StreamBody {
		return nil, nil
	}
	if _, err := web.MediaType(r.Header.Get("Content-Type"), web.JSON); err != nil {
		return nil, nil // the handler answers 415, naming the types it takes
	}
	lim := web.JSONLimit(r.Context(), maxBody) // the handlers' (web.WithJSONLimit), so that both refuse alike
	if r.ContentLength > lim.Bytes {
		return nil, lim.Err("the body")
	}
	body, err := readBody(r, lim.Bytes)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "reading the body: %v", err)
	}
	if int64(len(body)) > lim.Bytes {
		return nil, lim.Err("the body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if op.Body.Required {
			return nil, fault.New(fault.Invalid, "body is empty; expected a JSON value")
		}
		return nil, nil
	}
	val, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "jsonschema: "))
	}
	if err := op.Body.schema.Validate(val); err != nil {
		fieldErrors(&v, "", err)
		return nil, v.Err()
	}
	if lim.Bytes > web.JSONLimit(r.Context(), web.MaxBody).Bytes {
		return nil, nil // the handler refuses what this limit let through
	}
	return &val, nil
}

// readBody reads r's body up to limit+1 bytes (one more tells that it is
// too big), into a buffer of the declared Content-Length when there is one
// (no growing and copying as io.ReadAll does).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= limit {
		buf := make([]byte, n, n+1)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return buf, err
		}
		// A body longer than declared is net/http's to refuse; read one
		// more byte so that such a body is never taken as complete here.
		var one [1]byte
		if m, _ := r.Body.Read(one[:]); m > 0 {
			rest, err := io.ReadAll(io.LimitReader(r.Body, limit+1-n-1))
			return append(append(buf, one[0]), rest...), err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

// coerce turns a query string into the JSON value its schema type
// describes, as leniently as the handlers parse it.
func coerce(s, typ string) (any, bool) {
	switch typ {
	case "integer", "number":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if typ == "number" {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f, true
			}
		}
		return nil, false
	case "boolean":
		b, err := strconv.ParseBool(s)
		return b, err == nil
	}
	return s, true
}

func article(typ string) string {
	switch typ {
	case "integer":
		return "a whole number"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	}
	return "a " + typ
}

// fieldErrors adds the leaves of a schema validation error to v, named
// as the handlers name fields: items[3].amount, with prefix for the root.
func fieldErrors(v *fault.Validation, prefix string, err error) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		v.Add(fieldName(prefix, nil), "schema", err.Error())
		return
	}
	seen := map[string]bool{}
	add := func(field, rule, detail string) {
		if k := field + "\x00" + rule; !seen[k] {
			seen[k] = true
			v.Add(field, rule, detail)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := e.InstanceLocation
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				add(fieldName(prefix, append(at[:len(at):len(at)], m)), "required", "is required")
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				add(fieldName(prefix, append(at[:len(at):len(at)], p)), "unknown_field", "is not a known field")
			}
		case *kind.Type:
			want := make([]string, len(k.Want))
			for i, t := range k.Want {
				want[i] = jsonTypeName(t)
			}
			add(fieldName(prefix, at), "type", fmt.Sprintf("must be %s, not %s", strings.Join(want, " or "), jsonTypeName(k.Got)))
		default:
			rule := "schema"
			if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
				rule = kp[0]
			}
			add(fieldName(prefix, at), rule, e.ErrorKind.LocalizedString(printer))
		}
	}
	walk(ve)
	sort.SliceStable(v.Fields, func(i, j int) bool { return v.Fields[i].Field < v.Fields[j].Field })
}

func jsonTypeName(t string) string {
	switch t {
	case "object", "array":
		return "a JSON " + t
	case "integer":
		return "a whole number"
	case "null":
		return "null"
	}
	return "a JSON " + t
}

// fieldName renders a value's location: "body" for the root.
func fieldName(prefix string, at []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, tok := range at {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

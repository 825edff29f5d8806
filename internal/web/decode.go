package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// MaxBody is the limit of a JSON request body: 1 MiB.
const MaxBody = 1 << 20

// Decode reads one JSON value from r's body into v, strictly: the body must be
// JSON (no Content-Type, application/json or a +json type; any other is a
// 415), at most MaxBody bytes (or the limit WithJSONLimit set: past it, a
// 413 that names it), hold exactly one value, and name no field that v
// does not have. Every failure is a classified error whose message names
// what is wrong and where.
//
// When the gateway in front, in the same process, has already decoded the
// body and checked it against its schema (WithDecodedBody), and v is a
// ValueDecoder that takes that value, the body is not parsed again.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if _, err := MediaType(r.Header.Get("Content-Type"), JSON); err != nil {
		return err
	}
	if vd, ok := v.(ValueDecoder); ok {
		if doc, ok := r.Context().Value(decodedBodyKey{}).(decodedBody); ok && vd.DecodeValue(doc.v) {
			return nil
		}
	}
	lim := JSONLimit(r.Context(), MaxBody)
	dec := json.NewDecoder(lim.Body(w, r))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, lim)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, lim)
		}
		return fault.New(fault.Invalid, "body must hold a single JSON value; found more after it")
	}
	return nil
}

// ValueDecoder is a body type that can take its value from the body as a
// generic JSON value (objects as map[string]any, arrays as []any, numbers
// as json.Number, strings, booleans and nil), as the gateway decoded it to
// check it against the operation's schema: Decode then parses the body
// once. DecodeValue returns false, leaving v as it was, when the value
// does not have the shape the type takes; Decode then decodes the body's
// bytes, so that every error is the one it would be without the value.
type ValueDecoder interface {
	DecodeValue(doc any) bool
}

type (
	decodedBodyKey struct{}
	decodedBody    struct{ v any }
)

// WithDecodedBody returns ctx carrying doc, the request's JSON body
// decoded as a generic value (encoding/json with UseNumber) and valid
// against the schema of the operation the request is routed to: what the
// gateway puts on the requests it passes to the handlers in its process.
// Decode gives it to a ValueDecoder instead of parsing the body again.
func WithDecodedBody(ctx context.Context, doc any) context.Context {
	return context.WithValue(ctx, decodedBodyKey{}, decodedBody{doc})
}

// JSON is the media type of JSON bodies. MediaType takes any +json type
// (application/merge-patch+json, …) for it too.
const JSON = "application/json"

// MediaType returns which of the accepted media types a Content-Type header
// value names: the first of them when it is empty, JSON for any +json type
// when JSON is accepted. Any other (or a malformed value) is an error of kind
// UnsupportedMediaType (415) whose message names the accepted types.
func MediaType(contentType string, accepted ...string) (string, error) {
	if contentType == "" && len(accepted) > 0 {
		return accepted[0], nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		for _, a := range accepted {
			if mt == a || a == JSON && strings.HasSuffix(mt, "+json") {
				return a, nil
			}
		}
	}
	return "", fault.Errorf(fault.UnsupportedMediaType, "Content-Type %q is not supported; send %s", contentType, orList(accepted))
}

// orList joins ["a", "b", "c"] as "a, b or c".
func orList(s []string) string {
	switch len(s) {
	case 0:
		return "no body"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func decodeError(err error, limit SizeLimit) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return limit.Err("the body")
	case errors.Is(err, io.EOF):
		return fault.New(fault.Invalid, "body is empty; expected a JSON value")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(fault.Invalid, "body is not valid JSON: it ends too early")
	case errors.As(err, &syntaxErr):
		return fault.Errorf(fault.Invalid, "body is not valid JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		v := &fault.Validation{}
		v.Addf(field, "type", "must be a JSON %s, not %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value)
		return v
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		v := &fault.Validation{}
		v.Add(name, "unknown_field", "is not a known field")
		return v
	}
	return fault.Errorf(fault.Invalid, "body is not valid JSON: %v", err)
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return fmt.Sprint(goKind)
}

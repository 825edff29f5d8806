package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// MaxBody is the default limit of a JSON request body: 1 MiB.
const MaxBody = 1 << 20

// Decode reads one JSON value from r's body into v, strictly: the body must be
// JSON, at most limit bytes (MaxBody when limit <= 0), hold exactly one value,
// and name no field that v does not have. Every failure is a classified error
// whose message names what is wrong and where.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.Errorf(fault.Invalid, "Content-Type %q is not supported; send application/json", ct)
		}
	}
	if limit <= 0 {
		limit = MaxBody
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, limit)
		}
		return fault.New(fault.Invalid, "body must hold a single JSON value; found more after it")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return fault.Errorf(fault.TooLarge, "body is larger than the limit of %d bytes", limit)
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

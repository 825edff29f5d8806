// Package gatewaytest checks, in the API packages' own test suites, that
// the OpenAPI document and the handlers agree: every request a handler
// accepts passes the gateway's validation, and every answer matches its
// documented response.
package gatewaytest

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trx-platform/trx/internal/gateway"
)

var (
	specOnce sync.Once
	spec     *gateway.Spec
	specErr  error
)

// Spec returns the loaded document (loaded once per test binary).
func Spec(t testing.TB) *gateway.Spec {
	t.Helper()
	specOnce.Do(func() { spec, specErr = gateway.LoadSpec() })
	if specErr != nil {
		t.Fatal(specErr)
	}
	return spec
}

// Observe wraps h (the API's routes): each request is also validated as
// the gateway validates it, and each response against the document. It
// reports through t:
//   - a request the gateway would refuse (400/413) that h accepts (2xx or
//     3xx): the gateway would reject a valid request;
//   - a request to a route the document lacks that h serves (not 404/405);
//   - a status the operation does not document, or a JSON body that does
//     not match the documented schema.
//
// Refusals are left to h, so the suites keep seeing the handlers' own
// errors.
func Observe(t testing.TB, h http.Handler) http.Handler {
	s := Spec(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		op := s.Route(r)
		var verr error
		if op != nil {
			probe := r.Clone(r.Context())
			probe.Body = io.NopCloser(bytes.NewReader(body))
			verr = gateway.ValidateRequest(probe, op)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		status := res.StatusCode
		what := r.Method + " " + r.URL.String()
		switch {
		case op == nil && status != http.StatusNotFound && status != http.StatusMethodNotAllowed:
			t.Errorf("%s: answered %d, but the OpenAPI document has no such operation", what, status)
		case verr != nil && status < 400:
			t.Errorf("%s %.200s: the handler accepted it (%d), but the gateway would refuse it: %v", what, body, status, verr)
		case op != nil:
			check(t, s, op, what, res, rec.Body.Bytes())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func check(t testing.TB, s *gateway.Spec, op *gateway.Operation, what string, res *http.Response, body []byte) {
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if len(body) == 0 {
		mt = ""
	}
	sch, ok, err := s.ResponseSchema(op, res.StatusCode, mt)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !ok {
		t.Errorf("%s: status %d with %q is not documented for %s", what, res.StatusCode, mt, op.Pattern())
		return
	}
	if sch == nil || mt == "" || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return // a CSV or OFX body is not JSON to check against a schema
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: %d: the body is not JSON: %v", what, res.StatusCode, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: %d: the body does not match the document (%s): %v\nbody: %.500s", what, res.StatusCode, op.Pattern(), err, body)
	}
}

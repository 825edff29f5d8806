// Package web holds the plain net/http helpers every API package shares:
// strict JSON decoding with limits, responses, RFC 9457 problem details with
// the one mapping from error kinds to status codes, and middleware.
package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/trx-platform/trx/internal/fault"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

// ProblemBase is the URI prefix of trx's problem types (a URN: it names
// the kind of problem, it is not a page to fetch); each type is
// documented in the README under "Errors".
const ProblemBase = "urn:trx:problem:"

var kindStatus = map[fault.Kind]int{
	fault.Internal:           http.StatusInternalServerError,
	fault.Invalid:            http.StatusBadRequest,
	fault.Unauthenticated:    http.StatusUnauthorized,
	fault.Forbidden:          http.StatusForbidden,
	fault.NotFound:           http.StatusNotFound,
	fault.Conflict:           http.StatusConflict,
	fault.PreconditionFailed: http.StatusPreconditionFailed,
	fault.TooLarge:           http.StatusRequestEntityTooLarge,
	fault.Unprocessable:      http.StatusUnprocessableEntity,
	fault.Unavailable:        http.StatusServiceUnavailable,
}

var statusType = map[int]string{
	http.StatusBadRequest:            "invalid-request",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusConflict:              "conflict",
	http.StatusPreconditionFailed:    "precondition-failed",
	http.StatusRequestEntityTooLarge: "too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusUnprocessableEntity:   "unprocessable",
	http.StatusTooManyRequests:       "rate-limited",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// StatusOf returns the HTTP status for err's kind.
func StatusOf(err error) int {
	return kindStatus[fault.KindOf(err)]
}

// Error writes err as problem+json. Errors of kind Internal are logged with
// the request ID and shown to the caller only as "internal error": their
// text may hold details of our systems.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status := StatusOf(err)
	p := Problem{Status: status, Detail: fault.Message(err)}
	var v *fault.Validation
	if errors.As(err, &v) {
		p.Detail = "the request breaks " + strconv.Itoa(len(v.Fields)) + " rule(s); see errors"
		if len(v.Fields) == 1 {
			p.Detail = v.Fields[0].Field + ": " + v.Fields[0].Detail
		}
		p.Errors = v.Fields
	}
	if status >= 500 {
		log.ErrorContext(r.Context(), "request_failed", "err", err, "request_id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path)
		if status == http.StatusInternalServerError {
			p.Detail = "internal error; quote the request_id when reporting it"
		}
	}
	WriteProblem(w, r, p)
}

// WriteProblem fills the type, title, instance and request ID of p and writes it.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = ProblemBase + typeOf(p.Status)
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if r != nil {
		p.Instance = r.URL.Path
		p.RequestID = RequestID(r.Context())
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Problemf writes a problem with status and detail.
func Problemf(w http.ResponseWriter, r *http.Request, status int, detail string) {
	WriteProblem(w, r, Problem{Status: status, Detail: detail})
}

func typeOf(status int) string {
	if t, ok := statusType[status]; ok {
		return t
	}
	return "http-" + strconv.Itoa(status)
}

// Respond writes v as JSON with status.
func Respond(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

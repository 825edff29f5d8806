// Package web holds the plain net/http helpers every API package shares:
// strict JSON decoding with limits, strict query strings, ETags, responses,
// RFC 9457 problem details with the one mapping from error kinds to status
// codes, and middleware.
package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/trx-platform/trx/internal/fault"
)

// Problem is an RFC 9457 problem details object. It is an error too, whose
// message is the problem as JSON: an adapter that can only return an error
// (a direct AWS Lambda invocation) still hands the caller the whole problem.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

// Error returns the problem as compact JSON.
func (p *Problem) Error() string {
	b, err := json.Marshal(p)
	if err != nil {
		return p.Detail
	}
	return string(b)
}

// ProblemBase is the URI prefix of trx's problem types (a URN: it names
// the kind of problem, it is not a page to fetch); each type is
// documented in the README under "Errors".
const ProblemBase = "urn:trx:problem:"

// InternalDetail is the detail of every 500 problem: the error itself may
// hold details of our systems, so it goes to the log, not to the caller.
const InternalDetail = "internal error; quote the request_id when reporting it"

var kindStatus = map[fault.Kind]int{
	fault.Internal:             http.StatusInternalServerError,
	fault.Invalid:              http.StatusBadRequest,
	fault.Unauthenticated:      http.StatusUnauthorized,
	fault.Forbidden:            http.StatusForbidden,
	fault.NotFound:             http.StatusNotFound,
	fault.Conflict:             http.StatusConflict,
	fault.PreconditionFailed:   http.StatusPreconditionFailed,
	fault.TooLarge:             http.StatusRequestEntityTooLarge,
	fault.Unprocessable:        http.StatusUnprocessableEntity,
	fault.Unavailable:          http.StatusServiceUnavailable,
	fault.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	fault.Timeout:              http.StatusGatewayTimeout,
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
	http.StatusGatewayTimeout:        "timeout",
}

// StatusOf returns the HTTP status for err's kind.
func StatusOf(err error) int {
	if s, ok := kindStatus[fault.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// NewProblem returns a problem with status and detail, its type and title
// filled in.
func NewProblem(status int, detail string) Problem {
	return Problem{Type: ProblemBase + typeOf(status), Title: http.StatusText(status), Status: status, Detail: detail}
}

// ProblemOf describes err for a caller: the status of its kind, its
// caller-facing message and, for a *fault.Validation, the fields at fault.
// A 500's detail says only to quote the request ID (see InternalDetail).
// It is the one description of an error that every adapter answers with:
// Error for HTTP, the Lambda and the CLI for their own transports.
func ProblemOf(err error) Problem {
	status := StatusOf(err)
	if status == http.StatusInternalServerError {
		return NewProblem(status, InternalDetail)
	}
	p := NewProblem(status, fault.Message(err))
	var v *fault.Validation
	if errors.As(err, &v) && len(v.Fields) > 0 {
		switch {
		case v.Summary != "":
			p.Detail = v.Summary
		case len(v.Fields) == 1:
			p.Detail = v.Fields[0].Field + ": " + v.Fields[0].Detail
		default:
			p.Detail = "the request breaks " + strconv.Itoa(len(v.Fields)) + " rule(s); see errors"
		}
		p.Errors = v.Fields
	}
	return p
}

// Error writes err as problem+json (see ProblemOf). Errors answered with a
// 5xx status are logged with the request ID. Work that r's deadline
// stopped (see Deadline) is answered with the deadline's cause, a 504
// naming the limit, whatever the layer that met it made of it.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if cause := deadlineCause(r, err); cause != nil && fault.KindOf(err) != fault.Timeout {
		err = &fault.Error{Kind: fault.Timeout, Msg: fault.Message(cause), Err: err}
	}
	p := ProblemOf(err)
	if p.Status >= 500 {
		log.ErrorContext(r.Context(), "request_failed", "err", err, "request_id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path)
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
	if p.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", RetryAfter) // a dependency is down: a retry may succeed
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// RetryAfter is the Retry-After (seconds) of a 503 unavailable answer.
const RetryAfter = "2"

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

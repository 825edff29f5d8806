package report

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrTooLarge is returned by adapters when an input passes their size limit.
// ProblemFor maps it to a 413.
var ErrTooLarge = errors.New("input too large")

// DefaultMaxBody is the default size limit of a report input: 100 MiB.
const DefaultMaxBody = 100 << 20

// ProblemBase is the URI prefix of problem types (a URN, not a page to
// fetch), the same as the HTTP API's (web.ProblemBase).
const ProblemBase = "urn:trx:problem:"

// Problem is the RFC 9457 problem details body that every adapter returns
// for input it refuses, so that they all answer alike. Errors lists the bad
// items (the first MaxProblems) with their index and field.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []*ItemError `json:"errors,omitempty"`
}

// Error returns the problem as compact JSON, so that an adapter that can
// only return an error message (a direct Lambda invocation) still hands the
// caller the whole problem.
func (p *Problem) Error() string {
	b, err := json.Marshal(p)
	if err != nil {
		return p.Detail
	}
	return string(b)
}

// ProblemFor describes err for a caller when it is the caller's fault: a
// *ValidationError or ErrInvalidInput is a 400, ErrTooLarge a 413. For any
// other error it returns nil: that error is ours, and adapters report it as
// an internal error without its text.
func ProblemFor(err error) *Problem {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		p := &Problem{Type: ProblemBase + "invalid-request", Title: "Bad Request", Status: 400, Errors: ve.Problems}
		switch {
		case ve.Total == 1:
			p.Detail = ve.Problems[0].Error()
		case ve.Total > len(ve.Problems):
			p.Detail = fmt.Sprintf("%d transactions are invalid; the first %d are listed in errors", ve.Total, len(ve.Problems))
		default:
			p.Detail = fmt.Sprintf("%d transactions are invalid; see errors", ve.Total)
		}
		return p
	case errors.Is(err, ErrTooLarge):
		return &Problem{Type: ProblemBase + "too-large", Title: "Request Entity Too Large", Status: 413, Detail: err.Error()}
	case errors.Is(err, ErrInvalidInput):
		return &Problem{Type: ProblemBase + "invalid-request", Title: "Bad Request", Status: 400, Detail: err.Error()}
	}
	return nil
}

// Package fault defines the kinds of errors that cross package boundaries
// (not found, invalid input, conflict, …) so that domain packages can say what
// went wrong without knowing about HTTP, and the web layer can map a kind to a
// status code in one place.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for callers: the web layer maps it to a status.
type Kind int

// The kinds of errors. Internal is the zero value: anything not classified is
// our fault, never the caller's.
const (
	Internal             Kind = iota
	Invalid                   // the input breaks a rule (400)
	Unauthenticated           // no or bad credentials (401)
	Forbidden                 // authenticated but not allowed (403)
	NotFound                  // no such thing for this caller (404)
	Conflict                  // the state does not allow it (409)
	PreconditionFailed        // If-Match did not match (412)
	TooLarge                  // a size limit was passed (413)
	Unprocessable             // well-formed but cannot be processed, e.g. an idempotency key reused with another body (422)
	Unavailable               // a dependency is down (503)
	UnsupportedMediaType      // a body of a media type the route does not take (415)
	Timeout                   // the work ran past its time limit and was stopped (504)
)

// Error is an error with a kind and a message fit to show a caller.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // optional cause

	msgHasErr bool // Msg already holds Err's text (made by Errorf with %w)
}

// Error returns the message and the cause, if any.
func (e *Error) Error() string {
	if e.Err != nil && !e.msgHasErr {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with message msg. Domain packages use it for
// their sentinels: var ErrNotFound = fault.New(fault.NotFound, "transaction not found").
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Errorf returns an error of kind k with a formatted message; %w wraps
// (the wrapped error's text is part of the message, once).
func Errorf(k Kind, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	cause := errors.Unwrap(err)
	return &Error{Kind: k, Msg: err.Error(), Err: cause, msgHasErr: cause != nil}
}

// KindOf returns the kind of the first classified error in err's chain,
// Invalid for a *Validation, and Internal when there is none.
func KindOf(err error) Kind {
	var v *Validation
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.As(err, &v):
		return Invalid
	}
	return Internal
}

// Message returns the caller-facing message of a classified error.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// FieldError names one field of the input and the rule it breaks.
type FieldError struct {
	Field  string `json:"field"`
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
}

// Validation is an input error that lists every field at fault.
type Validation struct {
	Fields []FieldError
	// Summary, when set, is the caller-facing detail of the whole error
	// (say, when Fields lists only the first of many); without it the web
	// layer makes one from Fields.
	Summary string
}

// Add records a broken rule for field.
func (v *Validation) Add(field, rule, detail string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Rule: rule, Detail: detail})
}

// Addf records a broken rule with a formatted detail.
func (v *Validation) Addf(field, rule, format string, args ...any) {
	v.Add(field, rule, fmt.Sprintf(format, args...))
}

// Err returns v if it holds any field error, nil otherwise.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Error joins the field details.
func (v *Validation) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + ": " + f.Detail
	}
	return strings.Join(parts, "; ")
}

package report

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/fault"
)

// ErrInvalidInput is wrapped by errors that make a whole input unusable (a
// JSON syntax error, a missing CSV header, a bad group_by) as opposed to one
// bad item (*ItemError). Those errors are of kind fault.Invalid (a 400).
var ErrInvalidInput = errors.New("invalid input")

// Invalidf returns an error of kind fault.Invalid that wraps
// ErrInvalidInput, with the message "invalid input: " and the formatted
// text.
func Invalidf(format string, args ...any) error {
	return fault.Errorf(fault.Invalid, "%w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

// ErrTooLarge is wrapped by the error of an input past an adapter's size
// limit (see TooLarge).
var ErrTooLarge = errors.New("input too large")

// TooLarge returns the error of an input larger than limit bytes: of kind
// fault.TooLarge (a 413), wrapping ErrTooLarge.
func TooLarge(limit int64) error {
	return fault.Errorf(fault.TooLarge, "%w: the input is larger than the limit of %d bytes", ErrTooLarge, limit)
}

// DefaultMaxBody is the default size limit of a report input: 100 MiB.
const DefaultMaxBody = 100 << 20

// MaxProblems is the number of bad items a ValidationError lists; the others
// are only counted.
const MaxProblems = 20

// ItemError is one bad input item: its zero-based index in the input, the
// field at fault (none when the item as a whole is), the rule it breaks
// (the rules of the API's field errors: required, format, scale, …) and a
// detail fit to show a user.
type ItemError struct {
	Index  int
	Field  string
	Rule   string
	Detail string
	// Err is the cause, such as money.ErrTooManyDecimals or
	// money.ErrOverflow, if any.
	Err error
}

// Error returns "item 3: amount: <detail>".
func (e *ItemError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("item %d: %s", e.Index, e.Detail)
	}
	return fmt.Sprintf("item %d: %s: %s", e.Index, e.Field, e.Detail)
}

// Unwrap returns the cause.
func (e *ItemError) Unwrap() error { return e.Err }

// FieldError returns e as the API names a bad field: by its place in the
// input, transactions[3].amount (transactions[3] for the item itself).
func (e *ItemError) FieldError() fault.FieldError {
	field := "transactions[" + strconv.Itoa(e.Index) + "]"
	if e.Field != "" {
		field += "." + e.Field
	}
	rule := e.Rule
	if rule == "" {
		rule = "invalid"
	}
	return fault.FieldError{Field: field, Rule: rule, Detail: e.Detail}
}

// ValidationError reports the bad items of an input: the first MaxProblems
// in input order, and how many there were in all.
type ValidationError struct {
	Problems []*ItemError
	Total    int
}

// Error summarizes the problems on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Total == 1 {
		b.WriteString("1 invalid item: ")
	} else {
		fmt.Fprintf(&b, "%d invalid items: ", e.Total)
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if i == 3 && len(e.Problems) > 4 {
			fmt.Fprintf(&b, "and %d more", e.Total-3)
			break
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Summary says how many items are bad, or what is wrong with the one.
func (e *ValidationError) Summary() string {
	switch {
	case e.Total == 1 && len(e.Problems) == 1:
		return e.Problems[0].Error()
	case e.Total > len(e.Problems):
		return fmt.Sprintf("%d transactions are invalid; the first %d are listed in errors", e.Total, len(e.Problems))
	}
	return fmt.Sprintf("%d transactions are invalid; see errors", e.Total)
}

// As makes e a *fault.Validation for errors.As, so that it is an Invalid
// error that every adapter answers like any other bad input (web.ProblemOf):
// the listed items as field errors, the summary as the detail.
func (e *ValidationError) As(target any) bool {
	v, ok := target.(**fault.Validation)
	if !ok {
		return false
	}
	*v = &fault.Validation{Summary: e.Summary()}
	for _, p := range e.Problems {
		(*v).Fields = append((*v).Fields, p.FieldError())
	}
	return true
}

// Unwrap returns the problems' errors, so errors.Is(err, money.ErrOverflow)
// finds a listed overflow.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

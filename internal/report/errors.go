package report

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidInput is wrapped by errors that make a whole input unusable (a
// JSON syntax error, a missing CSV header, a bad group_by) as opposed to one
// bad item (*ItemError). Adapters map it to a 400.
var ErrInvalidInput = errors.New("invalid input")

// MaxProblems is the number of bad items a ValidationError lists; the others
// are only counted.
const MaxProblems = 20

// ItemError is one bad input item: its zero-based index in the input, the
// field at fault and a detail fit to show a user. Its JSON form is the
// element of the "errors" array of an RFC 9457 problem.
type ItemError struct {
	Index  int    `json:"index"`
	Field  string `json:"field,omitempty"`
	Detail string `json:"detail"`
	// Err is the cause, such as money.ErrTooManyDecimals or
	// money.ErrOverflow, if any.
	Err error `json:"-"`
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

// Unwrap returns the problems' errors, so errors.Is(err, money.ErrOverflow)
// finds a listed overflow.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

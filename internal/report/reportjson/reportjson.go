// Package reportjson decodes report input from JSON as a stream: either a
// top-level array of transactions or an object {"transactions": [...]}. It
// reads one element at a time (encoding/json Decoder.Token, then Decode per
// element), so a 100 MiB body never sits in memory whole.
//
// An element is an object with the fields "amount" (decimal string,
// required), "currency" (required), "booked_at" (RFC 3339 or YYYY-MM-DD,
// optional) and "category" (optional). So that the output of the
// transactions API can be fed back as it is, its other fields ("id",
// "description", "counterparty", "category_id", "category_source",
// "category_confidence", "category_rule_id", "created_at", "updated_at",
// "version") are accepted and ignored, except that "category_id" stands in
// for a missing "category". Any other field is refused.
package reportjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trx-platform/trx/internal/report"
)

// Decoder reads items from a JSON stream. It is a report.Source.
type Decoder struct {
	dec   *json.Decoder
	state state
	index int // index of the next element
	// wrapped is true for the {"transactions": [...]} form.
	wrapped bool
	groupBy *string
	err     error // sticky fatal error
}

type state int

const (
	stateStart state = iota
	stateItems
	stateDone
)

var _ report.Source = (*Decoder)(nil)

// NewDecoder returns a Decoder reading from r. The caller limits r's size if
// it needs to (http.MaxBytesReader).
func NewDecoder(r io.Reader) *Decoder {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	return &Decoder{dec: dec}
}

// GroupBy returns the "group_by" member of the object form, if the input
// had one and the decoder has read past it. Adapters whose callers cannot
// pass query parameters (a direct Lambda invocation) use it; put it before
// "transactions" so that it is known before the first item.
func (d *Decoder) GroupBy() (string, bool) {
	if d.groupBy == nil {
		return "", false
	}
	return *d.groupBy, true
}

// Start reads the input up to its first item, so that GroupBy is known. Next
// calls it as needed.
func (d *Decoder) Start() error {
	if d.err != nil {
		return d.err
	}
	if d.state != stateStart {
		return nil
	}
	if err := d.start(); err != nil {
		d.err = err
		return err
	}
	d.state = stateItems
	return nil
}

// Next returns the next item. It returns io.EOF after the last one, an
// *report.ItemError for an element that is not a valid transaction object
// (decoding can go on), and an error wrapping report.ErrInvalidInput when the
// input is not JSON of the expected shape (decoding cannot go on). Errors
// from the reader are returned as they are.
func (d *Decoder) Next() (report.Item, error) {
	if err := d.Start(); err != nil {
		return report.Item{}, err
	}
	if d.state == stateDone {
		return report.Item{}, io.EOF
	}
	if !d.dec.More() {
		if err := d.finish(); err != nil {
			d.err = err
			return report.Item{}, err
		}
		d.state = stateDone
		return report.Item{}, io.EOF
	}
	idx := d.index
	d.index++
	var w wireItem
	if err := d.dec.Decode(&w); err != nil {
		if ie := itemError(idx, err); ie != nil {
			return report.Item{}, ie
		}
		d.err = d.fatalAt(err, fmt.Sprintf(" (in item %d)", idx))
		return report.Item{}, d.err
	}
	return w.item(idx)
}

// start reads the opening of the array, or of the object up to its
// "transactions" array.
func (d *Decoder) start() error {
	tok, err := d.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the input is empty; send a JSON array of transactions or {\"transactions\": [...]}", report.ErrInvalidInput)
		}
		return d.fatal(err)
	}
	switch tok {
	case json.Delim('['):
		return nil
	case json.Delim('{'):
		d.wrapped = true
	default:
		return fmt.Errorf("%w: the input is a JSON %s; send a JSON array of transactions or {\"transactions\": [...]}", report.ErrInvalidInput, kind(tok))
	}
	for {
		tok, err := d.dec.Token()
		if err != nil {
			return d.fatal(err)
		}
		key, ok := tok.(string)
		if !ok { // '}': no transactions member
			return fmt.Errorf("%w: the object has no \"transactions\" member", report.ErrInvalidInput)
		}
		switch key {
		case "transactions":
			tok, err := d.dec.Token()
			if err != nil {
				return d.fatal(err)
			}
			if tok != json.Delim('[') {
				return fmt.Errorf("%w: \"transactions\" must be a JSON array, not %s", report.ErrInvalidInput, kind(tok))
			}
			return nil
		case "group_by":
			var s string
			if err := d.dec.Decode(&s); err != nil {
				return fmt.Errorf("%w: \"group_by\" must be a string such as \"category,month\"", report.ErrInvalidInput)
			}
			d.groupBy = &s
		default:
			return fmt.Errorf("%w: unknown member %q in the top-level object; expected \"transactions\" (and optionally \"group_by\")", report.ErrInvalidInput, key)
		}
	}
}

// finish reads the closing ']' (and '}' in the object form) and checks that
// nothing follows.
func (d *Decoder) finish() error {
	if _, err := d.dec.Token(); err != nil { // ']'
		return d.fatal(err)
	}
	if d.wrapped {
		tok, err := d.dec.Token()
		if err != nil {
			return d.fatal(err)
		}
		switch tok {
		case json.Delim('}'):
		case "group_by", "transactions":
			return fmt.Errorf("%w: %q must come before the end of \"transactions\", once", report.ErrInvalidInput, tok)
		default:
			return fmt.Errorf("%w: unknown member %v in the top-level object; expected only \"transactions\" (and \"group_by\")", report.ErrInvalidInput, tok)
		}
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return d.fatal(err)
		}
		return fmt.Errorf("%w: unexpected data after the end of the JSON value", report.ErrInvalidInput)
	}
	return nil
}

// fatal turns a decoding error that ends the input into a clear error.
func (d *Decoder) fatal(err error) error {
	where := ""
	if d.state != stateStart {
		where = fmt.Sprintf(" (after item %d)", d.index-1)
	}
	return d.fatalAt(err, where)
}

func (d *Decoder) fatalAt(err error, where string) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: not valid JSON at byte %d%s: %s", report.ErrInvalidInput, syn.Offset, where, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the JSON input ends too early%s", report.ErrInvalidInput, where)
	}
	return err // the reader's own error, such as *http.MaxBytesError
}

// itemError returns the *report.ItemError for an element that is valid JSON
// but not a valid transaction, or nil if err is not such an error.
func itemError(idx int, err error) *report.ItemError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return &report.ItemError{Index: idx, Detail: fmt.Sprintf("must be a JSON object, not %s", te.Value)}
		}
		return &report.ItemError{Index: idx, Field: te.Field, Detail: fmt.Sprintf("must be a JSON string, not %s", te.Value)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &report.ItemError{Index: idx, Field: strings.Trim(name, `"`),
			Detail: "is not a known field; use amount, currency, booked_at and category"}
	}
	return nil
}

func kind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('{') {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// wireItem is the JSON form of a transaction. A null or missing string is
// "", which the Aggregator reports as a missing field.
type wireItem struct {
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	BookedAt   string `json:"booked_at"`
	Category   string `json:"category"`
	CategoryID string `json:"category_id"`

	// Fields of the transactions API that a report does not use.
	ID           ignored `json:"id"`
	Description  ignored `json:"description"`
	Counterparty ignored `json:"counterparty"`
	Source       ignored `json:"category_source"`
	Confidence   ignored `json:"category_confidence"`
	RuleID       ignored `json:"category_rule_id"`
	CreatedAt    ignored `json:"created_at"`
	UpdatedAt    ignored `json:"updated_at"`
	Version      ignored `json:"version"`
}

// ignored accepts any JSON value without keeping it.
type ignored struct{}

// UnmarshalJSON discards the value.
func (*ignored) UnmarshalJSON([]byte) error { return nil }

func (w *wireItem) item(idx int) (report.Item, error) {
	it := report.Item{Amount: w.Amount, Currency: w.Currency, Category: w.Category}
	if it.Category == "" {
		it.Category = w.CategoryID
	}
	if w.BookedAt != "" {
		t, err := report.ParseBookedAt(w.BookedAt)
		if err != nil {
			return report.Item{}, &report.ItemError{Index: idx, Field: "booked_at", Detail: err.Error(), Err: err}
		}
		it.BookedAt = t
	}
	return it, nil
}

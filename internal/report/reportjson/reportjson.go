// Package reportjson decodes report input from JSON as a stream: either a
// top-level array of transactions or an object {"transactions": [...]}. It
// reads one token at a time with the streaming tokenizer of
// github.com/go-json-experiment/json/jsontext (the encoding/json/jsontext of
// Go's json v2), so a 100 MiB body never sits in memory whole and no element
// goes through reflection: the decoder holds a read buffer as large as the
// longest token (a long description) or field value it reads, and the
// current item.
//
// An element is an object with the fields "amount" (decimal string,
// required), "currency" (required), "booked_at" (RFC 3339 or YYYY-MM-DD,
// optional) and "category" (optional). So that the output of the
// transactions API can be fed back as it is, its other fields ("id",
// "description", "counterparty", "category_id", "category_source",
// "category_confidence", "category_rule_id", "account_id", "created_at",
// "updated_at", "version") are accepted and ignored, except that "category_id" stands in
// for a missing "category". Any other field is refused. Field names match
// without regard to case, as with encoding/json; when a name is repeated,
// the last value wins.
package reportjson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/trx-platform/trx/internal/report"
)

// Decoder reads items from a JSON stream. It is a report.Source.
type Decoder struct {
	dec   *jsontext.Decoder
	state state
	index int // index of the next element
	// wrapped is true for the {"transactions": [...]} form.
	wrapped bool
	groupBy *string
	err     error // sticky fatal error

	// scratch holds an unquoted string that had escapes.
	scratch []byte
	// strs interns currency codes and categories, which repeat: most
	// items then need no new string for them.
	strs map[string]string
}

type state int

const (
	stateStart state = iota
	stateItems
	stateDone
)

// maxInterned bounds the strings a Decoder interns, so that an input with
// millions of distinct categories does not grow its memory.
const maxInterned = 4096

var _ report.Source = (*Decoder)(nil)

// NewDecoder returns a Decoder reading from r. The caller limits r's size if
// it needs to (http.MaxBytesReader).
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{
		// Duplicate names are allowed (the last wins, as with
		// encoding/json) and not tracked, which also saves the tokenizer a
		// set of names per object; invalid UTF-8 is let through as
		// encoding/json does (a bad currency or amount is refused anyway).
		dec:  jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)),
		strs: make(map[string]string),
	}
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
	switch d.dec.PeekKind() {
	case ']':
		if err := d.finish(); err != nil {
			d.err = err
			return report.Item{}, err
		}
		d.state = stateDone
		return report.Item{}, io.EOF
	case '{':
	default:
		// Not an object, or not JSON: SkipValue says which.
		idx := d.index
		k := d.dec.PeekKind()
		if err := d.dec.SkipValue(); err != nil {
			d.err = d.fatalAt(err, d.where(idx, k))
			return report.Item{}, d.err
		}
		d.index++
		return report.Item{}, &report.ItemError{Index: idx, Rule: "type", Detail: "must be a JSON object, not " + kindName(k)}
	}
	idx := d.index
	d.index++
	it, ie, err := d.element(idx)
	if err != nil {
		d.err = d.fatalAt(err, fmt.Sprintf(" (in item %d)", idx))
		return report.Item{}, d.err
	}
	if ie != nil {
		return report.Item{}, ie
	}
	return it, nil
}

// where describes the position of an error met while skipping a value
// of kind k at index idx.
func (d *Decoder) where(idx int, k jsontext.Kind) string {
	if k == 0 { // nothing valid there: the error is after the last item
		return fmt.Sprintf(" (after item %d)", idx-1)
	}
	return fmt.Sprintf(" (in item %d)", idx)
}

// field identifies a member of a transaction object.
type field int

const (
	fieldUnknown field = iota
	fieldAmount
	fieldCurrency
	fieldBookedAt
	fieldCategory
	fieldCategoryID
	fieldIgnored
)

// fieldOf returns the field that name, a member name, stands for. Exact
// names are matched first (no allocation); others case-insensitively.
func fieldOf(name []byte) field {
	switch string(name) {
	case "amount":
		return fieldAmount
	case "currency":
		return fieldCurrency
	case "booked_at":
		return fieldBookedAt
	case "category":
		return fieldCategory
	case "category_id":
		return fieldCategoryID
	case "id", "description", "counterparty", "category_source", "category_confidence", "category_rule_id",
		"account_id", "created_at", "updated_at", "version":
		return fieldIgnored
	}
	if lower := strings.ToLower(string(name)); lower != string(name) {
		return fieldOf([]byte(lower))
	}
	return fieldUnknown
}

// element reads one transaction object, the next value of the input. A
// problem with the item itself is returned as ie, after the object has
// been read to its end so that decoding can go on; err ends the input.
func (d *Decoder) element(idx int) (it report.Item, ie *report.ItemError, err error) {
	if _, err := d.dec.ReadToken(); err != nil { // '{'
		return it, nil, err
	}
	var (
		categoryID string
		bookedErr  error // a bad booked_at, reported if nothing else is wrong
	)
	for {
		if d.dec.PeekKind() == '}' {
			if _, err := d.dec.ReadToken(); err != nil {
				return it, nil, err
			}
			break
		}
		name, err := d.dec.ReadValue()
		if err != nil {
			return it, nil, err
		}
		f := fieldOf(name[1 : len(name)-1]) // most names have no escapes
		if f == fieldUnknown {
			f = fieldOf(d.unquote(name))
		}
		if f == fieldUnknown || f == fieldIgnored || ie != nil {
			if f == fieldUnknown && ie == nil {
				ie = &report.ItemError{Index: idx, Field: string(d.unquote(name)), Rule: "unknown_field",
					Detail: "is not a known field; use amount, currency, booked_at and category"}
			}
			if err := d.dec.SkipValue(); err != nil {
				return it, nil, err
			}
			continue
		}
		// The value of a field the report reads: a string, or null for
		// a missing one.
		v, err := d.dec.ReadValue()
		if err != nil {
			return it, nil, err
		}
		switch v.Kind() {
		case '"':
		case 'n':
			// null is a missing value, which the Aggregator reports for
			// the required fields.
			switch f {
			case fieldAmount:
				it.Amount = ""
			case fieldCurrency:
				it.Currency = ""
			case fieldBookedAt:
				it.BookedAt, bookedErr = time.Time{}, nil
			case fieldCategory:
				it.Category = ""
			case fieldCategoryID:
				categoryID = ""
			}
			continue
		default:
			ie = &report.ItemError{Index: idx, Field: fieldName(f), Rule: "type", Detail: "must be a JSON string, not " + kindName(v.Kind())}
			continue
		}
		s := d.unquote(v)
		switch f {
		case fieldAmount:
			it.Amount = string(s)
		case fieldCurrency:
			it.Currency = d.intern(s)
		case fieldBookedAt:
			it.BookedAt, bookedErr = parseBookedAt(s)
		case fieldCategory:
			it.Category = d.intern(s)
		case fieldCategoryID:
			categoryID = d.intern(s)
		}
	}
	if ie != nil {
		return report.Item{}, ie, nil
	}
	if it.Category == "" {
		it.Category = categoryID
	}
	if bookedErr != nil {
		return report.Item{}, &report.ItemError{Index: idx, Field: "booked_at", Rule: "format", Detail: bookedErr.Error(), Err: bookedErr}, nil
	}
	return it, nil, nil
}

// parseBookedAt reads a booked_at value as report.ParseBookedAt does.
// Most are strict RFC 3339 timestamps, which time.Time reads from bytes
// without a string; the others go the canonical way.
func parseBookedAt(b []byte) (time.Time, error) {
	var t time.Time
	if len(b) != len(time.DateOnly) && t.UnmarshalText(b) == nil {
		return t, nil
	}
	return report.ParseBookedAt(string(b))
}

func fieldName(f field) string {
	switch f {
	case fieldAmount:
		return "amount"
	case fieldCurrency:
		return "currency"
	case fieldBookedAt:
		return "booked_at"
	case fieldCategory:
		return "category"
	case fieldCategoryID:
		return "category_id"
	}
	return ""
}

// unquote returns the contents of v, a JSON string as the tokenizer read it
// (valid, quoted). The result is only valid until the next read.
func (d *Decoder) unquote(v jsontext.Value) []byte {
	if len(v) < 2 {
		return nil
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return s
	}
	var err error
	if d.scratch, err = jsontext.AppendUnquote(d.scratch[:0], v); err != nil {
		return s // cannot happen for a value the tokenizer accepted
	}
	return d.scratch
}

// intern returns b as a string, shared with earlier equal ones while the
// table has room.
func (d *Decoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxInterned && len(s) <= 64 {
		d.strs[s] = s
	}
	return s
}

// start reads the opening of the array, or of the object up to its
// "transactions" array.
func (d *Decoder) start() error {
	tok, err := d.dec.ReadToken()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return report.Invalidf("the input is empty; send a JSON array of transactions or {\"transactions\": [...]}")
		}
		return d.fatal(err)
	}
	switch tok.Kind() {
	case '[':
		return nil
	case '{':
		d.wrapped = true
	default:
		return report.Invalidf("the input is a JSON %s; send a JSON array of transactions or {\"transactions\": [...]}", kindName(tok.Kind()))
	}
	for {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return d.fatal(err)
		}
		if tok.Kind() == '}' {
			return report.Invalidf("the object has no \"transactions\" member")
		}
		switch key := tok.String(); key {
		case "transactions":
			k := d.dec.PeekKind()
			if k != '[' {
				if err := d.dec.SkipValue(); err != nil {
					return d.fatal(err)
				}
				return report.Invalidf("\"transactions\" must be a JSON array, not %s", kindName(k))
			}
			if _, err := d.dec.ReadToken(); err != nil {
				return d.fatal(err)
			}
			return nil
		case "group_by":
			if d.dec.PeekKind() != '"' {
				return report.Invalidf("\"group_by\" must be a string such as \"category,month\"")
			}
			tok, err := d.dec.ReadToken()
			if err != nil {
				return d.fatal(err)
			}
			s := tok.String()
			d.groupBy = &s
		default:
			return report.Invalidf("unknown member %q in the top-level object; expected \"transactions\" (and optionally \"group_by\")", key)
		}
	}
}

// finish reads the closing ']' (and '}' in the object form) and checks that
// nothing follows.
func (d *Decoder) finish() error {
	if _, err := d.dec.ReadToken(); err != nil { // ']'
		return d.fatal(err)
	}
	if d.wrapped {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return d.fatal(err)
		}
		if tok.Kind() != '}' {
			switch key := tok.String(); key {
			case "group_by", "transactions":
				return report.Invalidf("%q must come before the end of \"transactions\", once", key)
			default:
				return report.Invalidf("unknown member %s in the top-level object; expected only \"transactions\" (and \"group_by\")", key)
			}
		}
	}
	if _, err := d.dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err != nil {
			return d.fatal(err)
		}
		return report.Invalidf("unexpected data after the end of the JSON value")
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
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return report.Invalidf("the JSON input ends too early%s", where)
	case errors.As(err, &syn):
		return report.Invalidf("not valid JSON at byte %d%s: %v", syn.ByteOffset, where, syn.Err)
	}
	// The reader's own error, such as *http.MaxBytesError, without the
	// tokenizer's wrapping.
	if cause := errors.Unwrap(err); cause != nil {
		return cause
	}
	return err
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value"
}

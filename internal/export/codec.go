package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/trx-platform/trx/internal/money"
)

// appendRecord appends r as one line of a file.
func appendRecord(b []byte, r Record) ([]byte, error) {
	b = append(b, `{"`...)
	b = append(b, r.Kind.Name...)
	b = append(b, `":{`...)
	for i, c := range r.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Key())
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, r, c, r.Values[i]); err != nil {
			return b, fmt.Errorf("export: %s %s: %w", r.Kind.Name, c.Name, err)
		}
	}
	return append(b, "}}\n"...), nil
}

func appendValue(b []byte, r Record, c *Column, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.Type {
	case ID, Text, Instant:
		s, ok := v.(string)
		if !ok {
			return b, fmt.Errorf("a %T, want text", v)
		}
		return appendJSON(b, s)
	case Int, Money, Scaled:
		n, ok := v.(int64)
		if !ok {
			return b, fmt.Errorf("a %T, want a whole number", v)
		}
		switch c.Type {
		case Money:
			cur, _ := r.value(c.Currency).(string)
			return strconv.AppendQuote(b, money.Format(n, cur)), nil
		case Scaled:
			return strconv.AppendQuote(b, money.FormatScaled(n, c.Scale)), nil
		}
		return strconv.AppendInt(b, n, 10), nil
	case Bool:
		t, ok := v.(bool)
		if !ok {
			return b, fmt.Errorf("a %T, want true or false", v)
		}
		return strconv.AppendBool(b, t), nil
	case Real:
		f, ok := v.(float64)
		if !ok {
			return b, fmt.Errorf("a %T, want a number", v)
		}
		return appendJSON(b, f)
	case Blob:
		p, ok := v.([]byte)
		if !ok {
			return b, fmt.Errorf("a %T, want bytes", v)
		}
		return appendJSON(b, p)
	}
	return b, fmt.Errorf("unknown column type %d", c.Type)
}

func appendJSON(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	return append(b, j...), err
}

// value returns the value of the column named name, nil if r has none.
func (r Record) value(name string) any {
	for i, c := range r.Columns {
		if c.Name == name {
			return r.Values[i]
		}
	}
	return nil
}

// Value returns the value of the column named name (nil: NULL or absent).
func (r Record) Value(name string) any { return r.value(name) }

// decodeRecord decodes and checks the members of a record of kind k. The
// columns come in Spec order; a column the file lacks is left out (the
// importing database gives it its default).
func decodeRecord(k *Kind, raw json.RawMessage) (Record, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return Record{}, fmt.Errorf("want an object of columns")
	}
	r := Record{Kind: k}
	var errs []error
	var amounts []int // indexes of Money columns, decoded once the currencies are
	for _, c := range k.Columns {
		m, ok := members[c.Key()]
		if !ok {
			continue
		}
		delete(members, c.Key())
		v, err := decodeValue(c, m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Key(), err))
			continue
		}
		if c.Type == Money && v != nil {
			amounts = append(amounts, len(r.Values))
		}
		r.Columns = append(r.Columns, c)
		r.Values = append(r.Values, v)
	}
	for name := range members {
		errs = append(errs, fmt.Errorf("%s: no such column of a %s", name, k.Name))
	}
	for _, i := range amounts {
		c := r.Columns[i]
		cur, _ := r.value(c.Currency).(string)
		n, err := money.Parse(r.Values[i].(string), cur)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Key(), err))
			continue
		}
		r.Values[i] = n
	}
	return r, errors.Join(errs...)
}

// decodeValue decodes one member; a Money value stays a string until its
// currency is known.
func decodeValue(c *Column, m json.RawMessage) (any, error) {
	if string(m) == "null" {
		if !c.Null {
			return nil, errors.New("is required (null given)")
		}
		return nil, nil
	}
	switch c.Type {
	case ID, Text, Instant, Money, Scaled:
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			return nil, errors.New("want a string")
		}
		switch c.Type {
		case ID:
			if s == "" || len(s) > c.Max {
				return nil, fmt.Errorf("%q: want 1 to %d characters", s, c.Max)
			}
			for i := 0; i < len(s); i++ {
				if s[i] < 0x21 || s[i] > 0x7e {
					return nil, fmt.Errorf("%q: want visible ASCII characters", s)
				}
			}
		case Text:
			if !utf8.ValidString(s) {
				return nil, errors.New("is not valid UTF-8")
			}
			if c.Max > 0 && utf8.RuneCountInString(s) > c.Max {
				return nil, fmt.Errorf("is longer than %d characters", c.Max)
			}
		case Instant:
			if _, err := time.Parse(TimeLayout, s); err != nil || len(s) != len(TimeLayout) {
				return nil, fmt.Errorf("%q is not an instant as trx stores them (UTC, microseconds: %s)", s, TimeLayout)
			}
		case Scaled:
			n, err := money.ParseScaled(s, c.Scale)
			if err != nil {
				return nil, err
			}
			return n, nil
		}
		return s, nil
	case Int:
		var n int64
		if err := json.Unmarshal(m, &n); err != nil {
			return nil, errors.New("want a whole number")
		}
		return n, nil
	case Bool:
		var t bool
		if err := json.Unmarshal(m, &t); err != nil {
			return nil, errors.New("want true or false")
		}
		return t, nil
	case Real:
		var f float64
		if err := json.Unmarshal(m, &f); err != nil {
			return nil, errors.New("want a number")
		}
		return f, nil
	case Blob:
		var p []byte
		if err := json.Unmarshal(m, &p); err != nil {
			return nil, errors.New("want base64")
		}
		return p, nil
	}
	return nil, fmt.Errorf("unknown column type %d", c.Type)
}

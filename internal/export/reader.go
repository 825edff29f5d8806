package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the longest line a Reader accepts (a learned model is the
// largest record).
const MaxLine = 64 << 20

// Reader reads an export file line by line, checking each record as it
// comes: the header first, the kinds in Spec order, each column's value,
// that every record belongs to a user of the file, and that the end
// line's counts match what came before it.
type Reader struct {
	br     *bufio.Reader
	line   int
	hdr    Header
	counts Counts
	last   int
	users  map[string]bool
	done   bool
}

// line is one line of a file, its one member not yet decoded.
type line struct {
	name string
	raw  json.RawMessage
}

// NewReader reads and checks the header of the file r.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, 1<<20), counts: Counts{}, users: map[string]bool{}}
	l, err := rd.read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty", ErrTruncated)
	}
	if err != nil {
		return nil, err
	}
	if l.name != "header" {
		return nil, rd.errorf("the first line is a %q record, not the header: not a trx export file", l.name)
	}
	var h Header
	if err := strict(l.raw, &h); err != nil {
		return nil, rd.errorf("header: %v", err)
	}
	switch {
	case h.Format != Format:
		return nil, rd.errorf("format %q, want %q: not a trx export file", h.Format, Format)
	case h.Version != Version:
		return nil, rd.errorf("format version %d; this trx reads version %d", h.Version, Version)
	case h.Scope != ScopeAll && h.Scope != ScopeUser:
		return nil, rd.errorf("scope %q, want %q or %q", h.Scope, ScopeAll, ScopeUser)
	}
	rd.hdr = h
	return rd, nil
}

// Header returns the file's header.
func (r *Reader) Header() Header { return r.hdr }

// Counts returns how many records of each kind Next has returned.
func (r *Reader) Counts() Counts { return r.counts }

// Next returns the next record. After the last one it checks the end line
// and returns io.EOF; a file without one is ErrTruncated, and every other
// fault ErrFormat naming the line.
func (r *Reader) Next() (Record, error) {
	if r.done {
		return Record{}, io.EOF
	}
	l, err := r.read()
	if errors.Is(err, io.EOF) {
		return Record{}, fmt.Errorf("%w: it ends after line %d, without its end line (a copy cut short?)", ErrTruncated, r.line)
	}
	if err != nil {
		return Record{}, err
	}
	switch l.name {
	case "header":
		return Record{}, r.errorf("a second header")
	case "end":
		var e End
		if err := strict(l.raw, &e); err != nil {
			return Record{}, r.errorf("end: %v", err)
		}
		return Record{}, r.end(e)
	}
	k := KindNamed(l.name)
	if k == nil {
		return Record{}, r.errorf("unknown kind of record %q", l.name)
	}
	i := kindIndex(k)
	if i < r.last {
		return Record{}, r.errorf("a %q record after %q ones: records come grouped by kind, in the order of export.Spec", k.Name, Spec[r.last].Name)
	}
	r.last = i
	rec, err := decodeRecord(k, l.raw)
	if err != nil {
		return Record{}, r.errorf("%s: %v", k.Name, err)
	}
	if err := r.owner(rec); err != nil {
		return Record{}, r.errorf("%s: %v", k.Name, err)
	}
	r.counts[k.Name]++
	return rec, nil
}

// owner checks that rec belongs to a user of the file (a user record:
// that its id is new).
func (r *Reader) owner(rec Record) error {
	if rec.Kind.Global {
		return nil
	}
	uid, _ := rec.value(rec.Kind.User).(string)
	if rec.Kind.Name == "user" {
		if r.users[uid] {
			return fmt.Errorf("user id %q is given twice", uid)
		}
		r.users[uid] = true
		return nil
	}
	if !r.users[uid] {
		return fmt.Errorf("%s %q is not a user of this file (users come first)", rec.Kind.User, uid)
	}
	return nil
}

func (r *Reader) end(e End) error {
	for _, k := range Spec {
		if e.Counts[k.Name] != r.counts[k.Name] {
			return r.errorf("the end line counts %d %q records, the file holds %d", e.Counts[k.Name], k.Name, r.counts[k.Name])
		}
	}
	for name := range e.Counts {
		if KindNamed(name) == nil {
			return r.errorf("the end line counts records of an unknown kind %q", name)
		}
	}
	for {
		b, err := r.readLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		r.line++
		if len(bytes.TrimSpace(b)) > 0 {
			return r.errorf("data after the end line")
		}
	}
	r.done = true
	return io.EOF
}

// read reads the next non-empty line and splits it into its one member.
func (r *Reader) read() (line, error) {
	for {
		b, err := r.readLine()
		if err != nil {
			return line{}, err
		}
		r.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return line{}, r.errorf("not a JSON object: %v", err)
		}
		if len(m) != 1 {
			return line{}, r.errorf("%d members; want one, named after the kind of record", len(m))
		}
		for name, raw := range m {
			return line{name: name, raw: raw}, nil
		}
	}
}

func strict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// readLine returns the next line, without its newline, io.EOF at the end.
func (r *Reader) readLine() ([]byte, error) {
	var long []byte
	for {
		b, err := r.br.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				return append(long, b...), nil
			}
			return b, nil
		case errors.Is(err, bufio.ErrBufferFull):
			if len(long)+len(b) > MaxLine {
				return nil, r.errorf("line %d is longer than %d bytes", r.line+1, MaxLine)
			}
			long = append(long, b...)
		case errors.Is(err, io.EOF):
			if len(long)+len(b) > 0 {
				return append(long, b...), nil // a last line without its newline
			}
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("export: read: %w", err)
		}
	}
}

func (r *Reader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrFormat, r.line, fmt.Sprintf(format, args...))
}

// Import reads the export file r and stores it through sink, all or none,
// and returns its header and how many records of each kind it stored.
func Import(ctx context.Context, r io.Reader, sink Sink) (Header, Counts, error) {
	rd, err := NewReader(r)
	if err != nil {
		return Header{}, nil, err
	}
	if err := sink.Import(ctx, rd.Next); err != nil {
		return rd.Header(), nil, err
	}
	return rd.Header(), rd.Counts(), nil
}

// String lists the counts in file order ("2 user, 10 transaction").
func (c Counts) String() string {
	var parts []string
	for _, k := range Spec {
		if c[k.Name] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k.Name], k.Name))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

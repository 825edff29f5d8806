package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// wsNote is the part of a server message that the bench reads.
type wsNote struct {
	Type      string    `json:"type"`
	Sequence  uint64    `json:"sequence"`
	Symbol    string    `json:"symbol"`
	Operation string    `json:"operation"`
	ChangedAt time.Time `json:"changed_at"`
}

// parseWSNote reads a server message. Ten thousand clients share the
// machine with the server, so it finds the few fields it needs by their
// keys rather than decoding the whole object, and falls back to
// encoding/json when a value is not plain (escapes, another shape).
func parseWSNote(data []byte) (wsNote, bool) {
	var n wsNote
	typ, ok := jsonString(data, "type")
	if !ok {
		return slowWSNote(data)
	}
	n.Type = typ
	if typ != "stock.changed" {
		return n, true
	}
	seq, ok1 := jsonNumber(data, "sequence")
	sym, ok2 := jsonString(data, "symbol")
	op, ok3 := jsonString(data, "operation")
	at, ok4 := jsonString(data, "changed_at")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return slowWSNote(data)
	}
	var err error
	if n.Sequence, err = strconv.ParseUint(seq, 10, 64); err != nil {
		return slowWSNote(data)
	}
	if n.ChangedAt, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return slowWSNote(data)
	}
	n.Symbol, n.Operation = sym, op
	return n, true
}

func slowWSNote(data []byte) (wsNote, bool) {
	var n wsNote
	if err := json.Unmarshal(data, &n); err != nil {
		return n, false
	}
	return n, true
}

// jsonString returns the value of "key":"value" in a flat JSON object if
// it holds no escape. JSON escapes every quote inside a string, so the
// first `"key":` is the key itself.
func jsonString(data []byte, key string) (string, bool) {
	v, ok := jsonValue(data, key)
	if !ok || len(v) < 2 || v[0] != '"' {
		return "", false
	}
	end := bytes.IndexByte(v[1:], '"')
	if end < 0 || bytes.IndexByte(v[1:1+end], '\\') >= 0 {
		return "", false
	}
	return string(v[1 : 1+end]), true
}

// jsonNumber returns the digits of "key":123.
func jsonNumber(data []byte, key string) (string, bool) {
	v, ok := jsonValue(data, key)
	if !ok {
		return "", false
	}
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 {
		return "", false
	}
	return string(v[:end]), true
}

// jsonValue returns what follows `"key":` (after spaces).
func jsonValue(data []byte, key string) ([]byte, bool) {
	var pat [64]byte
	p := append(append(append(pat[:0], '"'), key...), '"')
	i := bytes.Index(data, p)
	if i < 0 {
		return nil, false
	}
	v := bytes.TrimLeft(data[i+len(p):], " \t\r\n")
	if len(v) == 0 || v[0] != ':' {
		return nil, false
	}
	return bytes.TrimLeft(v[1:], " \t\r\n"), true
}

// Package webtest has the helpers API tests share: send a request to a test
// server and read its answer, JSON or problem+json.
package webtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/trx-platform/trx/internal/web"
)

// Response is an HTTP response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v or fails the test.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes an RFC 9457 problem body, failing the test unless the
// response is problem+json whose status matches and which has a type and
// a detail.
func (r Response) Problem(t testing.TB) web.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: Content-Type %q, want application/problem+json; body %s", r.Status, ct, r.Body)
	}
	var p web.Problem
	r.Decode(t, &p)
	if p.Status != r.Status || p.Detail == "" || p.Type == "" {
		t.Fatalf("problem %+v does not match status %d or lacks a detail", p, r.Status)
	}
	return p
}

// Do sends method base+path with the API key (if not empty) and returns
// the response. body is nil; a string, []byte or io.Reader sent as is; or
// a value sent as JSON. A body is sent as application/json unless hdr, pairs
// of header names and values, says otherwise.
func Do(t testing.TB, c *http.Client, base, key, method, path string, body any, hdr ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

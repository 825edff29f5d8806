package web_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/web"
)

// TestProblemListener: net/http's own plain-text answers to requests it
// cannot parse become problem+json with a request ID; handlers' answers
// pass untouched.
func TestProblemListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "400 Bad Request") // a handler's own text stays as it is
	}), MaxHeaderBytes: 1 << 10, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(web.ProblemListener(ln)) }()
	t.Cleanup(func() { _ = srv.Close() })

	send := func(raw string) (*http.Response, string) {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for name, c := range map[string]struct {
		raw    string
		status int
		detail string
	}{
		"headers too large": {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, "--max-header-bytes"},
		"no Host":           {"GET / HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		"bad header":        {"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, "malformed"},
		"bad method":        {"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed"},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := send(c.raw)
			if res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("X-Request-ID") == "" {
				t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
			}
			var p web.Problem
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != c.status || !strings.Contains(p.Detail, c.detail) ||
				!strings.HasPrefix(p.Type, web.ProblemBase) || p.RequestID != res.Header.Get("X-Request-ID") {
				t.Fatalf("problem %+v (%v): %s", p, err, body)
			}
		})
	}
	res, body := send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != 200 || body != "400 Bad Request" {
		t.Fatalf("a handler's answer: %d %q", res.StatusCode, body)
	}
}

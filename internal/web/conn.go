package web

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"syscall"
)

// ProblemListener wraps ln so that the answers net/http writes by itself,
// in plain text, to a request it could not parse (400 for a malformed
// request line or header, 431 for headers over MaxHeaderBytes, 501 for an
// unsupported transfer encoding) are problem+json like every other answer,
// with a request ID, where the server can still answer at all.
//
// net/http writes those answers to the connection in one write, as the
// status line, "Content-Type: text/plain; charset=utf-8", "Connection:
// close", a blank line and the status text; no answer of a handler looks
// like that (those start with their headers in order, Connection first,
// and carry a Date), so nothing else is touched.
func ProblemListener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

// problemConn rewrites net/http's plain-text error answers.
type problemConn struct{ net.Conn }

const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *problemConn) Write(b []byte) (int, error) {
	if len(b) < 13 || !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) || (b[9] != '4' && b[9] != '5') {
		return c.Conn.Write(b)
	}
	line, text, ok := bytes.Cut(b, []byte(plainErrorHeaders))
	if !ok || bytes.ContainsAny(line[9:], "\r\n") {
		return c.Conn.Write(b)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return c.Conn.Write(b)
	}
	detail := string(text)
	if i := bytes.IndexByte(text, ':'); i > 0 { // "400 Bad Request: missing required Host header"
		detail = string(bytes.TrimSpace(text[i+1:]))
	} else if bytes.HasPrefix(text, line[9:]) {
		detail = http.StatusText(status)
	}
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		detail = "the request headers are larger than the server accepts (--max-header-bytes)"
	case http.StatusBadRequest:
		detail = "malformed HTTP request: " + detail
	}
	id := NewRequestID()
	body, _ := json.Marshal(Problem{Type: ProblemBase + typeOf(status), Title: http.StatusText(status), Status: status,
		Detail: detail, RequestID: id})
	var out bytes.Buffer
	out.Write(line)
	out.WriteString("\r\nContent-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nX-Request-ID: ")
	out.WriteString(id)
	out.WriteString("\r\nContent-Length: ")
	out.WriteString(strconv.Itoa(len(body) + 1))
	out.WriteString("\r\nConnection: close\r\n\r\n")
	out.Write(body)
	out.WriteByte('\n')
	if _, err := c.Conn.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}

// CloseWrite lets net/http half-close the connection, as it does before
// closing one it answered with an error.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn hands out the socket (the notifier writes to it directly).
func (c *problemConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

package notify

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// recConn is a net.Conn that records each Write; with stall, each write
// takes at most stall bytes and then times out, as a socket whose peer
// reads slowly does.
type recConn struct {
	net.Conn
	writes []string
	stall  int
	r      io.Reader
}

func (c *recConn) Write(p []byte) (int, error) {
	if c.stall > 0 && len(p) > c.stall {
		c.writes = append(c.writes, string(p[:c.stall]))
		return c.stall, os.ErrDeadlineExceeded
	}
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func (c *recConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *recConn) SetWriteDeadline(time.Time) error { return nil }

func TestBatchConnGathersWhileCorked(t *testing.T) {
	rc := &recConn{}
	c := &batchConn{Conn: rc}
	_, _ = c.Write([]byte("a")) // not corked: straight through
	c.cork(time.Second)
	_, _ = c.Write([]byte("b"))
	_, _ = c.Write([]byte("c"))
	if len(rc.writes) != 1 {
		t.Fatalf("writes while corked reached the socket: %q", rc.writes)
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("d"))
	if got := strings.Join(rc.writes, "|"); got != "a|bc|d" {
		t.Fatalf("socket writes %q, want a|bc|d", got)
	}
	if err := c.uncork(); err != nil || len(rc.writes) != 3 {
		t.Fatalf("a second uncork: %v, %q", err, rc.writes)
	}
}

func TestBatchConnFlushesBigBatches(t *testing.T) {
	rc := &recConn{}
	c := &batchConn{Conn: rc}
	c.cork(time.Second)
	chunk := bytes.Repeat([]byte("x"), 1000)
	for range 100 {
		_, _ = c.Write(chunk)
	}
	_ = c.uncork()
	total := 0
	for _, w := range rc.writes {
		if len(w) > maxBatchBytes {
			t.Fatalf("a write of %d bytes, more than %d", len(w), maxBatchBytes)
		}
		total += len(w)
	}
	if total != 100_000 || len(rc.writes) != 2 {
		t.Fatalf("%d bytes in %d writes, want 100000 in 2", total, len(rc.writes))
	}
}

// A slow reader that takes some bytes before each deadline is not a
// failure: the timeout is for no progress at all.
func TestBatchConnTimeoutIsForNoProgress(t *testing.T) {
	rc := &recConn{stall: 3}
	c := &batchConn{Conn: rc}
	c.cork(time.Second)
	_, _ = c.Write([]byte("0123456789"))
	if err := c.uncork(); err != nil {
		t.Fatalf("uncork with progress: %v", err)
	}
	if got := strings.Join(rc.writes, ""); got != "0123456789" {
		t.Fatalf("wrote %q", got)
	}
}

func TestBatchConnReadsEarlyBytesFirst(t *testing.T) {
	c := &batchConn{Conn: &recConn{r: strings.NewReader("socket")}, early: []byte("early,")}
	got, err := io.ReadAll(io.LimitReader(c, 12))
	if err != nil || string(got) != "early,socket" {
		t.Fatalf("read %q, %v", got, err)
	}
}

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
	c := newBatchConn(rc)
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

// TestBatchConnTryUncork: on a real socket whose reader has stopped,
// tryUncork writes what the socket takes and keeps the rest; what is
// written meanwhile queues behind it; uncork then writes it all, in order.
func TestBatchConnTryUncork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, _ := ln.Accept()
		accepted <- conn
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-accepted
	defer server.Close()
	// Small socket buffers, so that a few MiB are sure not to fit.
	_ = client.(*net.TCPConn).SetReadBuffer(16 << 10)
	_ = server.(*net.TCPConn).SetWriteBuffer(16 << 10)
	c := newBatchConn(server)
	if c.raw == nil {
		t.Fatal("no raw connection under a TCP socket")
	}

	// Small: all of it goes at once.
	c.cork(5 * time.Second)
	_, _ = c.Write([]byte("hello "))
	if stalled, err := c.tryUncork(); stalled || err != nil {
		t.Fatalf("small batch: stalled %v, %v", stalled, err)
	}
	// More than the socket holds while no one reads.
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB
	c.cork(5 * time.Second)
	_, _ = c.Write(big)
	stalled, err := c.tryUncork()
	if err != nil || !stalled {
		t.Fatalf("4 MiB to a socket no one reads: stalled %v, %v", stalled, err)
	}
	_, _ = c.Write([]byte(" bye")) // behind the rest
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(6+len(big)+4)))
		got <- b
	}()
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if !bytes.Equal(b, append(append([]byte("hello "), big...), " bye"...)) {
		t.Fatalf("read %d bytes, not the %d written in order", len(b), 6+len(big)+4)
	}
}

// A slow reader that takes some bytes before each deadline is not a
// failure: the timeout is for no progress at all.
func TestBatchConnTimeoutIsForNoProgress(t *testing.T) {
	rc := &recConn{stall: 3}
	c := newBatchConn(rc)
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
	c := newBatchConn(&recConn{r: strings.NewReader("socket")})
	c.early = []byte("early,")
	got, err := io.ReadAll(io.LimitReader(c, 12))
	if err != nil || string(got) != "early,socket" {
		t.Fatalf("read %q, %v", got, err)
	}
}

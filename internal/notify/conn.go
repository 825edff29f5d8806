package notify

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// batchConn is the TCP connection under a WebSocket. The WebSocket library
// flushes every frame to the socket on its own; while a batchConn is
// corked it gathers those writes in one buffer, and uncork sends them in
// one system call. A client that has several notifications queued (it fell
// behind for a moment, or a burst came) gets them in one write instead of
// one each, and the write deadline is set once per batch rather than a
// context being made per frame.
type batchConn struct {
	net.Conn

	raw syscall.RawConn // for writes that must not wait (nil if not a socket)

	mu      sync.Mutex // serializes socket writes and guards what follows
	corked  bool
	buf     *[]byte       // from batchPool while corked
	timeout time.Duration // while corked: the longest a socket write may go without progress

	early []byte // bytes the client sent before the upgrade completed, read first
}

// connReadBufSize and connWriteBufSize are the sizes of a connection's
// read and write buffers, which it keeps for its whole life, idle or not:
// small, since an idle connection should cost little. Client messages are
// small and rare (subscribe, pong): a frame header and a short message fit
// in the read buffer, and a larger payload is read into the message
// directly. Notifications are written corked (batchConn gathers the
// frames of a batch in a pooled buffer), so the write buffer only passes
// a frame's header and the start of its payload on; control frames (ping,
// close) fit in it.
const (
	connReadBufSize  = 128
	connWriteBufSize = 160
)

// Read reads what came early, then the socket.
func (c *batchConn) Read(p []byte) (int, error) {
	if len(c.early) > 0 {
		n := copy(p, c.early)
		c.early = c.early[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// maxBatchBytes is about the most a batch gathers (see client.take).
const maxBatchBytes = 64 << 10

func newBatchConn(conn net.Conn) *batchConn {
	c := &batchConn{Conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	return c
}

var batchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 8<<10)
	return &b
}}

// Write writes p to the socket, or gathers it while corked.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// cork starts gathering writes. When they go to the socket, each write
// must make progress within timeout, as a frame written on its own had to
// be written within it.
func (c *batchConn) cork(timeout time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked, c.timeout = true, timeout
	if c.buf == nil {
		c.buf = batchPool.Get().(*[]byte)
	}
}

// uncork writes what was gathered, waiting for the socket (within the
// timeout for progress), and goes back to writing through.
func (c *batchConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return nil
	}
	err := c.flushLocked()
	c.release()
	return err
}

// tryUncork is uncork without waiting: it writes what the socket takes at
// once. If some is left (the client is not reading fast enough), the
// connection stays corked, keeping the rest, and stalled is true: uncork
// must follow. Writes meanwhile queue behind the rest.
func (c *batchConn) tryUncork() (stalled bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return false, nil
	}
	b := *c.buf
	n, err := c.writeNow(b)
	if err != nil {
		c.release()
		return false, err
	}
	if n < len(b) {
		*c.buf = b[:copy(b, b[n:])]
		return true, nil
	}
	c.release()
	return false, nil
}

// writeNow writes what the socket takes of b without waiting.
func (c *batchConn) writeNow(b []byte) (int, error) {
	if c.raw == nil { // not a socket (tests): an ordinary write
		return c.Conn.Write(b)
	}
	n := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, err := syscall.Write(int(fd), b[n:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				if err != syscall.EAGAIN {
					werr = err
				}
				break
			}
			n += m
		}
		return true // done either way: never wait here
	})
	if werr == nil {
		werr = err
	}
	return n, werr
}

// release goes back to writing through; c.mu must be held.
func (c *batchConn) release() {
	c.corked = false
	if cap(*c.buf) <= 2*maxBatchBytes {
		*c.buf = (*c.buf)[:0]
		batchPool.Put(c.buf)
	}
	c.buf = nil
}

// flushLocked writes the gathered bytes; it fails when the socket takes
// nothing for the timeout.
func (c *batchConn) flushLocked() error {
	b := *c.buf
	*c.buf = b[:0]
	if len(b) == 0 {
		return nil
	}
	defer c.Conn.SetWriteDeadline(time.Time{}) //nolint:errcheck // a closed socket fails the write anyway
	for {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
		n, err := c.Conn.Write(b)
		b = b[n:]
		if err == nil || len(b) == 0 {
			return nil
		}
		if n == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
	}
}

// hijackWriter hands websocket.Accept a batchConn and small buffers when
// it hijacks the HTTP connection, instead of net/http's 4 KiB reader and
// writer: a connection keeps them as long as it lives.
type hijackWriter struct {
	http.ResponseWriter
	conn *batchConn
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn = newBatchConn(conn)
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		w.conn.early = bytes.Clone(b)
	}
	// net/http's writer is new and empty: nothing is lost in replacing it.
	return w.conn, bufio.NewReadWriter(bufio.NewReaderSize(w.conn, connReadBufSize), bufio.NewWriterSize(w.conn, connWriteBufSize)), nil
}

func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

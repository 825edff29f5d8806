package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// How the notifier treats a client that does not read, on a real socket:
//
//   - Its queue overflows (the socket is full, the writer waits on it, and
//     QueueSize more frames come): the client is closed with 4001. The
//     frame the writer holds is still written; what is queued is dropped;
//     then the close frame goes. A client that reads again gets exactly
//     that (TestSlowClientReadingAgain).
//   - The socket takes nothing for WriteTimeout: the server gives up on
//     it. The close frame cannot be sent (the socket is full), so the
//     client sees the connection end without one; the server records the
//     close as 4001 if the queue had overflowed, else 1001 "write failed"
//     (TestNeverReadingClientIsDropped). This is why a slow client that
//     reads again too late sees "unexpected EOF" rather than 4001.
//
// These tests control every condition themselves: the peer never reads
// until the test says so, and its frames are far bigger than the socket
// buffers, so that the writer surely waits. The write timeout is either
// far longer than the test (it must not fire) or one the peer surely
// misses (it never reads).

// bigFrame is much more than the socket buffers of slowConn hold.
const bigFrame = 1 << 20

// slowConn is a client of a node on a loopback WebSocket whose socket
// buffers are small: the server's send buffer and the peer's receive
// buffer. The peer does not read unless the test reads it (readAgain);
// ended is closed when the server's read of the connection fails (the
// connection ended).
type slowConn struct {
	n       *Node
	c       *client
	peer    *websocket.Conn
	peerTCP *net.TCPConn
	ended   chan struct{}
}

func newSlowConn(t *testing.T, queue int, writeTimeout time.Duration) *slowConn {
	t.Helper()
	n, _ := testClient(queue)
	n.cfg.WriteTimeout = writeTimeout
	n.writers = newWriterPool()
	s := &slowConn{n: n, ended: make(chan struct{})}
	accepted := make(chan *client, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &hijackWriter{ResponseWriter: w}
		conn, err := websocket.Accept(hw, r, nil)
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		if err := hw.conn.Conn.(*net.TCPConn).SetWriteBuffer(16 << 10); err != nil {
			t.Errorf("server send buffer: %v", err)
		}
		c := newClient(n, "c1", "u1", conn)
		c.raw = hw.conn
		accepted <- c
		// As the node's read loop: it also answers the close handshake.
		go func() {
			defer close(s.ended)
			for {
				if _, _, err := conn.Read(context.Background()); err != nil {
					c.close(websocket.StatusNormalClosure, "")
					return
				}
			}
		}()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			s.peerTCP = conn.(*net.TCPConn)
			// Small enough to bound what is in flight, not so small
			// that TCP crawls (a window under the loopback MSS does).
			err = s.peerTCP.SetReadBuffer(64 << 10)
		}
		return conn, err
	}
	peer, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"),
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: dial}}})
	if err != nil {
		t.Fatal(err)
	}
	peer.SetReadLimit(2 * bigFrame)
	t.Cleanup(func() { peer.CloseNow() })
	s.peer = peer
	s.c = <-accepted
	t.Cleanup(n.writers.stop)
	return s
}

func bigMessage(seq uint64) Message {
	data := fmt.Sprintf(`{"i":%d,"pad":"%s"}`, seq, strings.Repeat("x", bigFrame))
	return Message{Seq: seq, Symbol: "ACME", Data: []byte(data)}
}

// stallWriter offers one big message and waits until the writer has taken
// it from the queue: the socket cannot hold it, so the writer now waits for
// the peer to read (or for the write timeout).
func (s *slowConn) stallWriter(t *testing.T) {
	t.Helper()
	s.c.offer(bigMessage(1))
	for deadline := time.Now().Add(30 * time.Second); ; { // a bound, not a timing assertion
		s.c.mu.Lock()
		taken := len(s.c.queue) == 0
		s.c.mu.Unlock()
		if taken {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer did not take the first frame within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// overflow fills the queue behind the stalled writer, then offers one more:
// that one closes the client as too slow.
func (s *slowConn) overflow(t *testing.T) {
	t.Helper()
	for seq := uint64(2); seq < 2+uint64(s.n.cfg.QueueSize); seq++ {
		s.c.offer(bigMessage(seq))
	}
	if code, closed := s.state(); closed {
		t.Fatalf("closed (%d) with a queue that still had room", code)
	}
	s.c.offer(bigMessage(2 + uint64(s.n.cfg.QueueSize)))
	if code, closed := s.state(); !closed || code != StatusTooSlow {
		t.Fatalf("after the queue overflowed: closed %v, code %d; want closed with %d", closed, code, StatusTooSlow)
	}
	if got := testutil.ToFloat64(s.n.metrics.slowCloses); got != 1 {
		t.Fatalf("trx_ws_slow_closes_total = %v, want 1", got)
	}
}

// readAgain reads one message, within a bound.
func (s *slowConn) readAgain(t *testing.T) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a bound
	defer cancel()
	_, data, err := s.peer.Read(ctx)
	return data, err
}

func (s *slowConn) state() (websocket.StatusCode, bool) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.c.code, s.c.closed
}

func (s *slowConn) waitEnded(t *testing.T) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(60 * time.Second): // a bound, not a timing assertion
		t.Fatal("the server did not end the connection within 60 s")
	}
}

// TestSlowClientReadingAgain: a client whose queue overflowed while the
// writer waited on its socket, and which then reads again, gets the frame
// that was being written, then the close frame 4001: nothing queued after
// it, nothing lost before it.
func TestSlowClientReadingAgain(t *testing.T) {
	// The write timeout is far beyond the test: the peer reads again long
	// before it, whatever the machine's load.
	s := newSlowConn(t, 2, 10*time.Minute)
	s.stallWriter(t)
	s.overflow(t)

	data, err := s.readAgain(t)
	if err != nil || string(data) != string(bigMessage(1).Data) {
		t.Fatalf("first read: %.40s… (%d bytes, %v), want message 1", data, len(data), err)
	}
	data, err = s.readAgain(t)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != StatusTooSlow {
		t.Fatalf("second read: %.40s (%v), want close %d", data, err, StatusTooSlow)
	}
	s.waitEnded(t)
}

// TestNeverReadingClientIsDropped: a client that never reads is dropped
// after the write timeout, closed with 1001 "write failed". The close frame
// cannot reach it through its full socket, so what it reads ends without
// one. (Had its queue overflowed first, the code would stay 4001: a client
// is closed once. That order cannot be set up here without racing the
// write timeout; cmd/trx's TestSlowClientClosed checks the overflow on a
// client that never reads.)
func TestNeverReadingClientIsDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the WebSocket library's 5 s bound on writing the close frame")
	}
	// The peer never reads: this write timeout surely passes.
	s := newSlowConn(t, 2, 100*time.Millisecond)
	s.stallWriter(t)
	s.waitEnded(t)
	s.c.mu.Lock()
	code, reason := s.c.code, s.c.reason
	s.c.mu.Unlock()
	if code != websocket.StatusGoingAway || reason != "write failed" {
		t.Fatalf("closed with %d %q, want %d \"write failed\"", code, reason, websocket.StatusGoingAway)
	}
	if got := testutil.ToFloat64(s.n.metrics.slowCloses); got != 0 {
		t.Fatalf("trx_ws_slow_closes_total = %v, want 0 (the queue never overflowed)", got)
	}
	// The peer now reads what was in flight, part of message 1 (which was
	// far bigger than the buffers), then the end of the connection, without
	// a close frame.
	data, err := s.readAgain(t)
	if err == nil || websocket.CloseStatus(err) != -1 {
		t.Fatalf("the peer read %d bytes (%v), want the connection to end without a close frame", len(data), err)
	}
}

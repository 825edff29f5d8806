package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestSlowClientClosed: a client that stops reading is closed with 4001
// once its queue is full, while a client that reads gets everything; when
// the slow client goes, the server records why it ended: too slow.
//
// The slow client never reads, so its socket surely fills and its queue
// surely overflows, whatever the machine's load. It cannot be sent the
// close frame (its socket is full), so what is checked is what the server
// records. What a slow client that reads again gets (the frame being
// written, then 4001), and what one that never reads sees after the write
// timeout (the connection ends without a close frame), are checked on the
// notifier itself, where the test controls the socket and the write
// timeout: internal/notify/slow_test.go.
func TestSlowClientClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes megabytes through a broadcast")
	}
	cfg := serveConfig{DataDir: t.TempDir()}
	cfg.Notify.WSQueue = 2
	// The queue must overflow before a write times out, however slow the
	// machine: the write timeout is out of the way.
	cfg.Notify.WSWriteTimeout = 10 * time.Minute
	// Nor may a keepalive ping close it first: it never reads, so it never
	// answers one, and on a loaded machine the broadcasts that fill its
	// queue can take longer than the first ping and its timeout (they did:
	// "40 broadcasts … did not close it", at load 23).
	cfg.Notify.WSPing = time.Hour
	addr, admin, _ := startServeWith(t, cfg)
	fast, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	slow := dialNeverReading(t, addr, admin)
	// Big messages fill the slow client's socket buffers within a few, then
	// its queue of 2: the server closes it (4001). Each broadcast waits
	// until the fast client has it. 40 of them are far more than any
	// socket buffers hold.
	payload := strings.Repeat("x", 900<<10)
	closed := false
	for n := 0; n < 40 && !closed; n++ {
		mustAPI(t, addr, admin, "POST", "/api/v1/connections/broadcast", fmt.Sprintf(`{"i":%d,"pad":"%s"}`, n, payload), 200)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a bound
		_, data, err := fast.conn.Read(ctx)
		cancel()
		if want := fmt.Sprintf(`{"data":{"i":%d,`, n); err != nil || !strings.HasPrefix(string(data), want) {
			t.Fatalf("fast client, broadcast %d: %.60s (%v), want %s…", n, data, err, want)
		}
		_, body := apiCall(t, addr, admin, "GET", "/metrics", "")
		closed = strings.Contains(body, "trx_ws_slow_closes_total 1\n")
	}
	if !closed {
		t.Fatal("40 broadcasts of 900 KiB to a client that never reads did not close it as too slow")
	}
	// The fast client is still served.
	mustAPI(t, addr, admin, "POST", "/api/v1/connections/broadcast", `{"i":99}`, 200)
	if m := fast.next(); m["type"] != "message" {
		t.Fatalf("fast client after the slow one closed: %v", m)
	}
	// The slow client goes; the server ends its connection as too slow.
	slow.CloseNow()
	for deadline := time.Now().Add(60 * time.Second); ; { // a bound, not a timing assertion
		_, body := apiCall(t, addr, admin, "GET", "/metrics", "")
		if strings.Contains(body, `trx_ws_disconnects_total{reason="slow"} 1`+"\n") && strings.Contains(body, "trx_ws_connections 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slow client's end is not recorded as slow:\n%s", grepLines(body, "trx_ws_"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dialNeverReading connects a WebSocket client with a small socket receive
// buffer, reads its welcome and nothing more.
func dialNeverReading(t *testing.T, addr, key string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			err = conn.(*net.TCPConn).SetReadBuffer(64 << 10)
		}
		return conn, err
	}
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + key}},
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: dial}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	_, data, err := conn.Read(ctx)
	var m map[string]any
	if err != nil || json.Unmarshal(data, &m) != nil || m["type"] != "welcome" {
		t.Fatalf("first message %s (%v), want welcome", data, err)
	}
	return conn
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

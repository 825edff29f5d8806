package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestSlowClientClosed: a client that stops reading is closed with 4001
// once its queue is full, while a client that reads gets everything; the
// slow one, reading again, gets what was written before the close.
func TestSlowClientClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes megabytes through a broadcast")
	}
	cfg := serveConfig{DataDir: t.TempDir()}
	cfg.Notify.WSQueue = 2
	addr, admin, _ := startServeWith(t, cfg)
	fast, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	slow, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	// Big messages fill the slow client's socket buffers within a few,
	// then its queue of 2: the server closes it (4001). Each broadcast
	// waits until the fast client has it and stops at the slow close, so
	// that the slow client reads again well within the write timeout.
	payload := strings.Repeat("x", 900<<10)
	n := 0
	for ; n < 40; n++ {
		mustAPI(t, addr, admin, "POST", "/api/v1/connections/broadcast", fmt.Sprintf(`{"i":%d,"pad":"%s"}`, n, payload), 200)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, data, err := fast.conn.Read(ctx)
		cancel()
		if want := fmt.Sprintf(`{"data":{"i":%d,`, n); err != nil || !strings.HasPrefix(string(data), want) {
			t.Fatalf("fast client, broadcast %d: %.60s (%v), want %s…", n, data, err, want)
		}
		if _, body := apiCall(t, addr, admin, "GET", "/metrics", ""); strings.Contains(body, "trx_ws_slow_closes_total 1") {
			n++
			break
		}
	}
	// The slow client reads again: some messages, in order, then 4001.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := 0
	for {
		_, data, err := slow.conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4001 {
				t.Fatalf("slow client after %d messages: %v, want close 4001", got, err)
			}
			break
		}
		var m struct {
			Data struct {
				I int `json:"i"`
			} `json:"data"`
		}
		if err := json.Unmarshal(data, &m); err != nil || m.Data.I != got {
			t.Fatalf("slow client's message %d: i=%d (%v)", got, m.Data.I, err)
		}
		got++
	}
	if got >= n {
		t.Fatalf("slow client got %d of %d messages before 4001", got, n)
	}
	// The fast client is still served.
	mustAPI(t, addr, admin, "POST", "/api/v1/connections/broadcast", `{"i":99}`, 200)
	if m := fast.next(); m["type"] != "message" {
		t.Fatalf("fast client after the slow one closed: %v", m)
	}
}

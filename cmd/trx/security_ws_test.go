package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/trx-platform/trx/internal/notify"
)

// TestWebSocketTicketAndRevocation, through trx serve (gateway, keys API
// and notifier in one process): a read-only key gets a ticket, the ticket
// opens one WebSocket and no second, and revoking the key closes that
// WebSocket with 4003; API answers are no-store.
func TestWebSocketTicketAndRevocation(t *testing.T) {
	addr, admin, _ := startServe(t, t.TempDir())
	base := "http://" + addr
	call := func(key, method, path, body string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, res.Header, m
	}
	code, _, created := call(admin, "POST", "/api/v1/keys", `{"scopes":["read"],"label":"browser"}`)
	if code != 201 {
		t.Fatalf("create key: %d %v", code, created)
	}
	reader, readerID := created["key"].(string), created["id"].(string)
	code, hdr, tk := call(reader, "POST", "/api/v1/ws-ticket", "")
	if code != 201 || !strings.HasPrefix(tk["ticket"].(string), "wst_") || tk["expires_in"] != 30.0 {
		t.Fatalf("ticket: %d %v", code, tk)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("API answer headers: %v", hdr)
	}
	ticket := tk["ticket"].(string)
	c, _, err := dialWS(t, addr, "", "ticket="+ticket)
	if err != nil {
		t.Fatalf("dial with the ticket: %v", err)
	}
	if _, res, err := dialWS(t, addr, "", "ticket="+ticket); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the ticket a second time: %v %v", res, err)
	}
	if code, _, body := call(admin, "DELETE", "/api/v1/keys/"+readerID, ""); code != 204 {
		t.Fatalf("revoke: %d %v", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, _, err := c.conn.Read(ctx); err != nil {
			if got := websocket.CloseStatus(err); got != notify.StatusRevoked {
				t.Fatalf("after the revocation the WebSocket ended with %v, want 4003", err)
			}
			break
		}
	}
	if code, _, _ := call(reader, "POST", "/api/v1/ws-ticket", ""); code != http.StatusUnauthorized {
		t.Fatalf("a ticket for the revoked key: %d", code)
	}
}

// TestMalformedRequestsAreProblems: net/http's own answers to requests it
// cannot parse (headers over --max-header-bytes, no Host) are
// problem+json from trx serve, not plain text.
func TestMalformedRequestsAreProblems(t *testing.T) {
	addr, _, _ := startServeWith(t, serveConfig{DataDir: t.TempDir(), Gateway: gatewayConfig{MaxHeaderBytes: 4 << 10}})
	for raw, want := range map[string]int{
		"GET /api/v1/transactions HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n": http.StatusRequestHeaderFieldsTooLarge,
		"GET /api/v1/transactions HTTP/1.1\r\n\r\n":                                                          http.StatusBadRequest,
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, raw)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		c.Close()
		if res.StatusCode != want || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), `"request_id"`) {
			t.Errorf("%d %s %s, want %d problem+json", res.StatusCode, res.Header.Get("Content-Type"), b, want)
		}
	}
}

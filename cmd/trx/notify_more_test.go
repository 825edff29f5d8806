package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestResyncRequired: a client whose sequence is older than what the stream
// keeps is told to resync, then gets live messages.
func TestResyncRequired(t *testing.T) {
	port, store := freePort(t), t.TempDir()
	ns := startNATS(t, port, store)
	defer ns.Shutdown()
	cfg := serveConfig{DataDir: t.TempDir()}
	cfg.Notify.NATS = "nats://127.0.0.1:" + strconv.Itoa(port)
	addr, admin, _ := startServeWith(t, cfg)

	watch, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme","price":"1","currency":"USD"}`, 201)
	for i := range 3 {
		mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", fmt.Sprintf(`{"price":"%d"}`, 2+i), 200)
	}
	watch.stockEvents(4)
	// Retention passes for the first three messages.
	nc, err := nats.Connect(cfg.Notify.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), "TRX")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(context.Background(), jetstream.WithPurgeSequence(4)); err != nil {
		t.Fatal(err)
	}
	c, _, err := dialWS(t, addr, admin, "since=1")
	if err != nil {
		t.Fatal(err)
	}
	m := c.next()
	if m["type"] != "resync_required" || m["first_sequence"].(float64) != 4 || m["last_sequence"].(float64) != 4 {
		t.Fatalf("since=1 after a purge: %v", m)
	}
	mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", `{"price":"9"}`, 200)
	if got := stockSummary(c.stockEvents(1)); got[0] != "ACME update 4.00→9.00 125.00" {
		t.Fatalf("live after resync: %v", got)
	}
}

// TestConnectionsManagement: send to one connection, broadcast, disconnect.
func TestConnectionsManagement(t *testing.T) {
	dir := t.TempDir()
	addr, admin, _ := startServe(t, dir)
	a, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			ID     string `json:"connection_id"`
			UserID string `json:"user_id"`
		} `json:"items"`
	}
	_ = json.Unmarshal([]byte(mustAPI(t, addr, admin, "GET", "/api/v1/connections", "", 200)), &list)
	if len(list.Items) != 2 {
		t.Fatalf("listed %d connections", len(list.Items))
	}
	id := list.Items[0].ID
	mustAPI(t, addr, admin, "GET", "/api/v1/connections/"+id, "", 200)
	mustAPI(t, addr, admin, "POST", "/api/v1/connections/"+id+"/messages", `{"hello":"one"}`, 200)
	body := mustAPI(t, addr, admin, "POST", "/api/v1/connections/broadcast", `{"hello":"all"}`, 200)
	if !strings.Contains(body, `"delivered":2`) {
		t.Fatalf("broadcast: %s", body)
	}
	// Each client got the broadcast; exactly one also got the direct message.
	direct := 0
	for _, c := range []*wsClient{a, b} {
		for {
			m := c.next()
			if m["type"] != "message" {
				t.Fatalf("unexpected %v", m)
			}
			data, _ := json.Marshal(m["data"])
			if string(data) == `{"hello":"one"}` {
				direct++
				continue
			}
			if string(data) != `{"hello":"all"}` {
				t.Fatalf("message %s", data)
			}
			break
		}
	}
	if direct != 1 {
		t.Fatalf("direct message delivered %d times", direct)
	}
	mustAPI(t, addr, admin, "DELETE", "/api/v1/connections/"+id, "", 204)
	mustAPI(t, addr, admin, "DELETE", "/api/v1/connections/nope", "", 404)
	closed := 0
	for _, c := range []*wsClient{a, b} {
		c.send(map[string]any{"action": "ping"})
	}
	for _, c := range []*wsClient{a, b} {
		if code := readCloseCodeOrPong(c); code == 4002 {
			closed++
		}
	}
	if closed != 1 {
		t.Fatalf("%d clients closed with 4002, want 1", closed)
	}
	// A key without the admin scope cannot manage connections.
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"users", "add", "eve"}, testEnv(map[string]string{"TRX_DATA": dir}, &out, &errOut)); err != nil {
		t.Fatal(err)
	}
	eve := strings.TrimSpace(out.String())
	mustAPI(t, addr, eve, "GET", "/api/v1/connections", "", 403)
	mustAPI(t, addr, eve, "PATCH", "/api/v1/stocks/ACME", `{"price":"1"}`, 403)
}

// readCloseCodeOrPong reads until a pong (returns 0) or a close (its code).
func readCloseCodeOrPong(c *wsClient) websocket.StatusCode {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, data, err := c.conn.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
		if strings.Contains(string(data), `"pong"`) {
			return 0
		}
	}
}

// TestUserEvents: a user's connections receive transaction.created and
// transaction.categorized for that user's transactions only.
func TestUserEvents(t *testing.T) {
	dir := t.TempDir()
	addr, admin, _ := startServe(t, dir)
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"users", "add", "bob"}, testEnv(map[string]string{"TRX_DATA": dir}, &out, &errOut)); err != nil {
		t.Fatal(err)
	}
	bob := strings.TrimSpace(out.String())
	a, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := dialWS(t, addr, bob, "")
	if err != nil {
		t.Fatal(err)
	}
	body := mustAPI(t, addr, admin, "POST", "/api/v1/transactions", `{"amount":"-4.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`, 201)
	var created struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(body), &created)
	mustAPI(t, addr, admin, "PATCH", "/api/v1/transactions/"+created.ID, `{"category_id":"food_and_drink"}`, 200)
	mustAPI(t, addr, bob, "POST", "/api/v1/transactions", `{"amount":"1","currency":"JPY","description":"bob's","booked_at":"2026-11-27"}`, 201)

	m := a.next()
	if m["type"] != "transaction.created" || m["data"].(map[string]any)["id"] != created.ID || m["data"].(map[string]any)["amount"] != "-4.50" {
		t.Fatalf("admin's first event: %v", m)
	}
	m = a.next()
	if m["type"] != "transaction.categorized" || m["data"].(map[string]any)["category_id"] != "food_and_drink" {
		t.Fatalf("admin's second event: %v", m)
	}
	m = b.next()
	if m["type"] != "transaction.created" || m["data"].(map[string]any)["description"] != "bob's" {
		t.Fatalf("bob's first event (must be his own): %v", m)
	}
	// Nothing else for either: a ping comes back next.
	for _, c := range []*wsClient{a, b} {
		c.send(map[string]any{"action": "ping"})
		if m := c.next(); m["type"] != "pong" {
			t.Fatalf("expected pong, got %v", m)
		}
	}
}

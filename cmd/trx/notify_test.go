package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsClient is a test WebSocket client that reads JSON messages.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, addr, key, query string) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws://" + addr + "/ws"
	if query != "" {
		u += "?" + query
	}
	h := http.Header{}
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	conn, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, res, err
	}
	conn.SetReadLimit(1 << 20)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { conn.CloseNow() })
	if w := c.next(); w["type"] != "welcome" {
		t.Fatalf("first message %v, want welcome", w)
	}
	return c, res, nil
}

// next reads one message (waiting at most 30 s: a bound, not an assertion
// on speed).
func (c *wsClient) next() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message %s: %v", data, err)
	}
	return m
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	data, _ := json.Marshal(v)
	if err := c.conn.Write(context.Background(), websocket.MessageText, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// stockEvents reads until it has n stock.changed messages, skipping replies
// of other types, and returns them.
func (c *wsClient) stockEvents(n int) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	for len(out) < n {
		m := c.next()
		if m["type"] == "stock.changed" {
			out = append(out, m)
		}
	}
	return out
}

func stockSummary(ms []map[string]any) []string {
	var out []string
	for _, m := range ms {
		pct := "-"
		if p, ok := m["change_percent"].(string); ok {
			pct = p
		}
		out = append(out, fmt.Sprintf("%s %s %v→%v %s", m["symbol"], m["operation"], m["old_price"], m["new_price"], pct))
	}
	return out
}

func apiCall(t *testing.T, addr, key, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func mustAPI(t *testing.T, addr, key, method, path, body string, want int) string {
	t.Helper()
	code, b := apiCall(t, addr, key, method, path, body)
	if code != want {
		t.Fatalf("%s %s: %d %s (want %d)", method, path, code, b, want)
	}
	return b
}

func TestNotifierEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr, admin, stop := startServe(t, dir)
	all, _, err := dialWS(t, addr, admin, "")
	if err != nil {
		t.Fatal(err)
	}
	acme, _, err := dialWS(t, addr, admin, "token=ignored")
	if err != nil {
		t.Fatal(err)
	}
	acme.send(map[string]any{"action": "subscribe", "symbols": []string{"ACME"}})
	if m := acme.next(); m["type"] != "subscribed" {
		t.Fatalf("subscribe reply %v", m)
	}
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks", `{"symbol":"BETA","name":"Beta AG","price":"50.00","currency":"EUR"}`, 201)

	mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", `{"price":"110"}`, 200)
	mustAPI(t, addr, admin, "POST", "/api/v1/stocks/prices", `{"prices":[{"symbol":"BETA","price":"40"},{"symbol":"ACME","price":"99.00"}]}`, 200)
	// A write by plain SQL, from another connection, is captured too.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "trx.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE stocks SET price_micros = 33000000 WHERE symbol = 'ACME'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE stocks SET price_micros = 33000000 WHERE symbol = 'ACME'`); err != nil { // no change: no event
		t.Fatal(err)
	}
	mustAPI(t, addr, admin, "DELETE", "/api/v1/stocks/BETA", "", 204)

	gotAll := all.stockEvents(7)
	wantAll := []string{
		"ACME insert <nil>→100.00 -",
		"BETA insert <nil>→50.00 -",
		"ACME update 100.00→110.00 10.00",
		// one batch: symbol order inside the transaction
		"ACME update 110.00→99.00 -10.00",
		"BETA update 50.00→40.00 -20.00",
		"ACME update 99.00→33.00 -66.67",
		"BETA delete 40.00→<nil> -",
	}
	if fmt.Sprint(stockSummary(gotAll)) != fmt.Sprint(wantAll) {
		t.Fatalf("all-symbols client got\n%s\nwant\n%s", strings.Join(stockSummary(gotAll), "\n"), strings.Join(wantAll, "\n"))
	}
	var last float64
	for _, m := range gotAll {
		seq := m["sequence"].(float64)
		if seq <= last {
			t.Fatalf("sequences not increasing: %v", gotAll)
		}
		last = seq
	}
	gotACME := acme.stockEvents(4)
	if fmt.Sprint(stockSummary(gotACME)) != fmt.Sprint([]string{wantAll[0], wantAll[2], wantAll[3], wantAll[5]}) {
		t.Fatalf("ACME client got %v", stockSummary(gotACME))
	}

	// Resume: a client that reconnects with its last sequence gets what it
	// missed, in order, once, then live messages.
	lastSeq := uint64(gotAll[3]["sequence"].(float64))
	back, _, err := dialWS(t, addr, admin, fmt.Sprintf("since=%d", lastSeq))
	if err != nil {
		t.Fatal(err)
	}
	missed := back.stockEvents(3)
	if fmt.Sprint(stockSummary(missed)) != fmt.Sprint(wantAll[4:]) {
		t.Fatalf("resumed client got %v, want %v", stockSummary(missed), wantAll[4:])
	}
	if m := back.next(); m["type"] != "resumed" || m["replayed"].(float64) != 3 {
		t.Fatalf("after replay: %v", m)
	}
	mustAPI(t, addr, admin, "PATCH", "/api/v1/stocks/ACME", `{"price":"34"}`, 200)
	if live := back.stockEvents(1); stockSummary(live)[0] != "ACME update 33.00→34.00 3.03" {
		t.Fatalf("live after resume: %v", stockSummary(live))
	}
	all.stockEvents(1) // the live update above
	// The resume action on an open connection does the same: every
	// message after since, in order and once, though this client had
	// received them live (a resume restarts the sequence at since).
	all.send(map[string]any{"action": "resume", "since": lastSeq})
	again := all.stockEvents(4)
	if want := append(wantAll[4:len(wantAll):len(wantAll)], "ACME update 33.00→34.00 3.03"); fmt.Sprint(stockSummary(again)) != fmt.Sprint(want) {
		t.Fatalf("resume action replayed %v, want %v", stockSummary(again), want)
	}
	if m := all.next(); m["type"] != "resumed" || m["replayed"].(float64) != 4 {
		t.Fatalf("after the resume action: %v", m)
	}

	// Management API: the connections are listed, a message reaches one.
	body := mustAPI(t, addr, admin, "GET", "/api/v1/connections", "", 200)
	var list struct {
		Count int `json:"count"`
		Items []struct {
			ID string `json:"connection_id"`
		} `json:"items"`
	}
	_ = json.Unmarshal([]byte(body), &list)
	if list.Count != 3 || len(list.Items) != 3 {
		t.Fatalf("connections: %s", body)
	}

	// Bad input: each gets a clear error and the server keeps serving.
	all.send(map[string]any{"action": "dance"})
	if m := all.next(); m["type"] != "error" || !strings.Contains(m["error"].(string), "unknown action") {
		t.Fatalf("unknown action: %v", m)
	}
	if err := all.conn.Write(context.Background(), websocket.MessageText, []byte(`{"action":`)); err != nil {
		t.Fatal(err)
	}
	if m := all.next(); m["type"] != "error" {
		t.Fatalf("malformed JSON: %v", m)
	}
	if _, res, err := dialWS(t, addr, "trx_bad", ""); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("bad token: %v %v", err, res)
	}
	big := strings.Repeat("x", 200<<10)
	_ = acme.conn.Write(context.Background(), websocket.MessageText, []byte(`{"action":"ping","id":"`+big+`"}`))
	if code := readCloseCode(acme); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: close code %v, want 1009", code)
	}
	_ = back.conn.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3})
	if code := readCloseCode(back); code != websocket.StatusUnsupportedData {
		t.Fatalf("binary frame: close code %v, want 1003", code)
	}
	all.send(map[string]any{"action": "ping", "id": "still-here"})
	if m := all.next(); m["type"] != "pong" || m["id"] != "still-here" {
		t.Fatalf("ping after bad clients: %v", m)
	}
	// The server unregisters a closed client just after its close
	// handshake, which the client may see first: wait for the gauge
	// (polling, with a bound).
	code, metricsBody := apiCall(t, addr, admin, "GET", "/metrics", "")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(metricsBody, "trx_ws_connections 1\n") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		code, metricsBody = apiCall(t, addr, admin, "GET", "/metrics", "")
	}
	for _, want := range []string{"trx_ws_connections 1", "trx_ws_messages_sent_total", "trx_ws_integration_latency_seconds_bucket"} {
		if code != 200 || !strings.Contains(metricsBody, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// readCloseCode reads until the server closes the connection.
func readCloseCode(c *wsClient) websocket.StatusCode {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return -1
		}
	}
}

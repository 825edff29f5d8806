package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"

	"github.com/trx-platform/trx/internal/gateway"
)

// asyncMessages compiles the payload schema of every message of the
// AsyncAPI document, by the action (client) or type (server) it carries.
func asyncMessages(t *testing.T) (client, server map[string]*jsonschema.Schema) {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(gateway.AsyncAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("asyncapi.json", raw); err != nil {
		t.Fatal(err)
	}
	var typed struct {
		Components struct {
			Messages map[string]struct {
				Payload struct {
					Properties map[string]struct {
						Const string   `json:"const"`
						Enum  []string `json:"enum"`
					} `json:"properties"`
				} `json:"payload"`
			} `json:"messages"`
		} `json:"components"`
	}
	if err := json.Unmarshal(js, &typed); err != nil {
		t.Fatal(err)
	}
	client, server = map[string]*jsonschema.Schema{}, map[string]*jsonschema.Schema{}
	for name, m := range typed.Components.Messages {
		sch, err := c.Compile("asyncapi.json#/components/messages/" + name + "/payload")
		if err != nil {
			t.Fatalf("message %s: %v", name, err)
		}
		if a := m.Payload.Properties["action"].Const; a != "" {
			client[a] = sch
			continue
		}
		p := m.Payload.Properties["type"]
		for _, typ := range append(p.Enum, p.Const) {
			if typ != "" {
				server[typ] = sch
			}
		}
	}
	return client, server
}

// TestAsyncAPIMatchesServer speaks the WebSocket protocol with a live trx:
// every action sent validates against its AsyncAPI message, and every
// message the server sends (welcome, each reply, a stock change, a
// transaction event, an administrator's broadcast) validates against the
// message of its type.
func TestAsyncAPIMatchesServer(t *testing.T) {
	clientMsgs, serverMsgs := asyncMessages(t)
	addr, key, _ := startServe(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a bound, not an assertion on speed
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	seen := map[string]bool{}
	read := func(want string) {
		t.Helper()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			typ, _ := m["type"].(string)
			sch, ok := serverMsgs[typ]
			if !ok {
				t.Fatalf("the server sent %s, a type the AsyncAPI document lacks", data)
			}
			v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s does not match the AsyncAPI message: %v", data, err)
			}
			seen[typ] = true
			if typ == want {
				return
			}
		}
	}
	send := func(msg string) {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(msg), &m); err != nil {
			t.Fatal(err)
		}
		if sch, ok := clientMsgs[m["action"].(string)]; ok {
			v, _ := jsonschema.UnmarshalJSON(strings.NewReader(msg))
			if err := sch.Validate(v); err != nil {
				t.Fatalf("%s does not match its AsyncAPI message: %v", msg, err)
			}
		}
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	read("welcome")
	send(`{"action":"subscribe","symbols":["ACME"],"id":"1"}`)
	read("subscribed")
	send(`{"action":"unsubscribe","symbols":[]}`)
	read("unsubscribed")
	send(`{"action":"subscribe"}`)
	read("subscribed")
	send(`{"action":"ping","id":"p"}`)
	read("pong")
	send(`{"action":"resume","since":0}`)
	read("resumed")
	send(`{"action":"dance"}`)
	read("error")
	mustAPI(t, addr, key, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	read("stock.changed")
	mustAPI(t, addr, key, "PATCH", "/api/v1/stocks/ACME", `{"price":"110"}`, 200)
	read("stock.changed")
	mustAPI(t, addr, key, "POST", "/api/v1/transactions", `{"amount":"-4.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`, 201)
	read("transaction.created")
	mustAPI(t, addr, key, "POST", "/api/v1/connections/broadcast", `{"hello":"all"}`, 200)
	read("message")
	var got []string
	for typ := range seen {
		got = append(got, typ)
	}
	slices.Sort(got)
	if len(got) < 9 {
		t.Fatalf("saw only %v", got)
	}
}

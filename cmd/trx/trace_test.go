package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTraceAcrossProcesses runs a gateway and a transactions service as
// two servers on two listeners, each with its own in-memory span exporter
// (as two processes would export to a collector), sends a request through
// the gateway, and checks that it is one trace: the gateway's server span,
// its forwarding client span as the child, and the service's server span as
// the client span's child — the context went over the forwarded request.
func TestTraceAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	const secret = "trace-Xq7vTz2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6Ub"
	svcSpans, gwSpans := tracetest.NewInMemoryExporter(), tracetest.NewInMemoryExporter()
	var svc serveConfig
	svc.DataDir, svc.InternalSecret, svc.spanExporter, svc.BootstrapAdmin = dir, secret, svcSpans, true
	if err := svc.Components.Set("transactions"); err != nil {
		t.Fatal(err)
	}
	saddr, key, _ := startServeWith(t, svc)
	var gw serveConfig
	gw.DataDir, gw.InternalSecret, gw.spanExporter = dir, secret, gwSpans
	gw.Upstreams = "transactions=http://" + saddr
	if err := gw.Components.Set("gateway"); err != nil {
		t.Fatal(err)
	}
	gaddr, _, _ := startServeWith(t, gw)

	mustAPI(t, gaddr, key, "GET", "/api/v1/transactions?limit=5", "", 200)

	// Simple span processors export each span as it ends; the server spans
	// end once their handlers returned, before or just after the client
	// read the response: poll for them with a generous bound.
	find := func(exp *tracetest.InMemoryExporter, kind trace.SpanKind, name string) sdktrace.ReadOnlySpan {
		t.Helper()
		for i := 0; i < 500; i++ {
			for _, s := range exp.GetSpans().Snapshots() {
				if s.SpanKind() == kind && s.Name() == name {
					return s
				}
			}
			waitABit()
		}
		var names []string
		for _, s := range exp.GetSpans().Snapshots() {
			names = append(names, fmt.Sprintf("%s(%s)", s.Name(), s.SpanKind()))
		}
		t.Fatalf("no %s span %q among %v", kind, name, names)
		return nil
	}
	gwServer := find(gwSpans, trace.SpanKindServer, "GET /api/v1/transactions")
	gwClient := find(gwSpans, trace.SpanKindClient, "forward GET")
	svcServer := find(svcSpans, trace.SpanKindServer, "GET /api/v1/transactions")

	if gwServer.Parent().IsValid() {
		t.Errorf("the gateway's server span has a parent %v; the request came without one", gwServer.Parent().SpanID())
	}
	tid := gwServer.SpanContext().TraceID()
	for name, s := range map[string]sdktrace.ReadOnlySpan{"gateway client": gwClient, "service server": svcServer} {
		if s.SpanContext().TraceID() != tid {
			t.Errorf("%s span is in trace %s, want the gateway's %s", name, s.SpanContext().TraceID(), tid)
		}
	}
	if gwClient.Parent().SpanID() != gwServer.SpanContext().SpanID() {
		t.Errorf("the forwarding span's parent is %s, want the gateway's server span %s", gwClient.Parent().SpanID(), gwServer.SpanContext().SpanID())
	}
	if !svcServer.Parent().IsRemote() || svcServer.Parent().SpanID() != gwClient.SpanContext().SpanID() {
		t.Errorf("the service's server span's parent is %s (remote %v), want the gateway's forwarding span %s",
			svcServer.Parent().SpanID(), svcServer.Parent().IsRemote(), gwClient.SpanContext().SpanID())
	}
	for _, s := range []sdktrace.ReadOnlySpan{gwServer, svcServer} {
		found := false
		for _, a := range s.Attributes() {
			if a.Key == "http.route" && a.Value.AsString() == "/api/v1/transactions" {
				found = true
			}
		}
		if !found {
			t.Errorf("span %s lacks http.route=/api/v1/transactions: %v", s.Name(), s.Attributes())
		}
	}
}

// waitABit paces a poll (a bound of 500 polls is the deadline, not an
// assertion on speed).
func waitABit() { time.Sleep(10 * time.Millisecond) }

// TestTraceStockChange: one stock change is one trace from its commit to
// the socket: the relay's "stock change" (from the commit time) and its
// "jetstream publish", the notifier's "jetstream receive" (its context
// came in the message's NATS headers) and the "websocket write" of the
// frame to the connected client.
func TestTraceStockChange(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	var cfg serveConfig
	cfg.DataDir, cfg.spanExporter = t.TempDir(), spans
	addr, key, _ := startServeWith(t, cfg)
	ws, _, err := dialWS(t, addr, key, "")
	if err != nil {
		t.Fatal(err)
	}
	mustAPI(t, addr, key, "POST", "/api/v1/stocks", `{"symbol":"ACME","name":"Acme Corp","price":"100","currency":"USD"}`, 201)
	if got := ws.stockEvents(1); len(got) != 1 {
		t.Fatal("no stock event")
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for i := 0; i < 500 && len(byName) < 4; i++ {
		for _, s := range spans.GetSpans().Snapshots() {
			switch s.Name() {
			case "stock change", "jetstream publish", "jetstream receive", "websocket write":
				byName[s.Name()] = s
			}
		}
		waitABit()
	}
	if len(byName) != 4 {
		t.Fatalf("spans %v: want stock change, jetstream publish, jetstream receive and websocket write", byName)
	}
	root, pub, recv, write := byName["stock change"], byName["jetstream publish"], byName["jetstream receive"], byName["websocket write"]
	if root.Parent().IsValid() {
		t.Errorf("the stock change span has a parent")
	}
	for _, c := range []struct {
		child, parent sdktrace.ReadOnlySpan
	}{{pub, root}, {recv, pub}, {write, recv}} {
		if c.child.SpanContext().TraceID() != root.SpanContext().TraceID() || c.child.Parent().SpanID() != c.parent.SpanContext().SpanID() {
			t.Errorf("%s: trace %s parent %s, want trace %s parent %s (%s)", c.child.Name(), c.child.SpanContext().TraceID(),
				c.child.Parent().SpanID(), root.SpanContext().TraceID(), c.parent.SpanContext().SpanID(), c.parent.Name())
		}
	}
	if !recv.Parent().IsRemote() {
		t.Error("the receive span's parent is not remote: the context did not come through the message headers")
	}
	if write.EndTime().Before(root.StartTime()) {
		t.Error("the socket write ends before the commit")
	}
}

// TestTraceSQL: a request's database statements are client spans, children
// of its server span, with the database attributes and without parameter
// values.
func TestTraceSQL(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	var cfg serveConfig
	cfg.DataDir, cfg.spanExporter, cfg.BootstrapAdmin = t.TempDir(), spans, true
	addr, key, _ := startServeWith(t, cfg)
	mustAPI(t, addr, key, "POST", "/api/v1/transactions",
		`{"amount":"-4.20","currency":"EUR","description":"sql-span-secret-description","booked_at":"2026-11-30"}`, 201)
	mustAPI(t, addr, key, "GET", "/api/v1/transactions?limit=5&q=sql-span-secret", "", 200)

	var server sdktrace.ReadOnlySpan
	for i := 0; i < 500 && server == nil; i++ { // the server span ends after the answer: poll, with a generous bound
		for _, s := range spans.GetSpans().Snapshots() {
			if s.SpanKind() == trace.SpanKindServer && s.Name() == "GET /api/v1/transactions" {
				server = s
			}
		}
		if server == nil {
			waitABit()
		}
	}
	if server == nil {
		t.Fatal("no server span GET /api/v1/transactions")
	}
	var children []string
	found := false
	for _, s := range spans.GetSpans().Snapshots() {
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), "sql-span-secret") && s.SpanKind() == trace.SpanKindClient {
				t.Errorf("span %s records a parameter value in %s", s.Name(), a.Key)
			}
		}
		if s.Parent().SpanID() != server.SpanContext().SpanID() || s.SpanKind() != trace.SpanKindClient {
			continue
		}
		children = append(children, s.Name())
		attrs := map[string]string{}
		for _, a := range s.Attributes() {
			attrs[string(a.Key)] = a.Value.String()
		}
		// A text filter reads the search index first (transaction_search_fts).
		table := strings.TrimPrefix(s.Name(), "SELECT ")
		if (table == "transactions" || table == "transaction_search_fts") && attrs["db.system.name"] == "sqlite" && attrs["db.operation.name"] == "SELECT" &&
			attrs["db.collection.name"] == table && s.SpanContext().TraceID() == server.SpanContext().TraceID() {
			found = true
		}
	}
	if !found {
		t.Fatalf("the server span's client children %v hold no SELECT span of the transactions (or their search index) with the database attributes", children)
	}
}

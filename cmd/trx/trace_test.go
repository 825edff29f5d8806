package main

import (
	"fmt"
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
	const secret = "trace-test-secret"
	svcSpans, gwSpans := tracetest.NewInMemoryExporter(), tracetest.NewInMemoryExporter()
	var svc serveConfig
	svc.DataDir, svc.InternalSecret, svc.spanExporter = dir, secret, svcSpans
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

package telemetry_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/telemetry"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestOffByDefault(t *testing.T) {
	tel, err := telemetry.New(context.Background(), telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if tel.Enabled() {
		t.Fatal("tracing is on without an endpoint or OTEL_* variables")
	}
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := tel.Handler(h, func(p string) string { return p }); got == nil || tel.Transport(http.DefaultTransport) != http.DefaultTransport {
		t.Fatal("an off Telemetry wraps the transport")
	}
	for name, e := range map[string]func(string) string{
		"OTEL_SDK_DISABLED":    env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "OTEL_SDK_DISABLED", "true"),
		"OTEL_TRACES_EXPORTER": env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER", "none"),
	} {
		tel, err := telemetry.New(context.Background(), telemetry.Config{Getenv: e})
		if err != nil || tel.Enabled() {
			t.Errorf("%s: enabled %v, %v", name, tel.Enabled(), err)
		}
	}
}

func TestOnByEndpointOrEnvironment(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]telemetry.Config{
		"flag":        {Endpoint: "http://127.0.0.1:4318"},
		"environment": {Getenv: env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")},
	} {
		tel, err := telemetry.New(ctx, cfg)
		if err != nil || !tel.Enabled() {
			t.Fatalf("%s: enabled %v, %v", name, tel != nil && tel.Enabled(), err)
		}
		_ = tel.Shutdown(ctx) // nothing was recorded: no export is attempted
	}
	for _, bad := range []string{"127.0.0.1:4318", "grpc://x:4317", "http://"} {
		if _, err := telemetry.New(ctx, telemetry.Config{Endpoint: bad}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
}

// TestHandlerAndLogs: a request with a traceparent continues that trace in
// a server span named after its route, and log lines written with the
// request's context carry the trace and span ids.
func TestHandlerAndLogs(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Config{Exporter: exp, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&logs, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "inside")
	})
	h := tel.Handler(mux, func(p string) string { _, path, _ := strings.Cut(p, " "); return path })
	const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	req := httptest.NewRequest("GET", "/things/42", nil)
	req.Header.Set("traceparent", parent)
	h.ServeHTTP(httptest.NewRecorder(), req)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/things/1", nil))

	spans := exp.GetSpans().Snapshots()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /things/{id}" || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q (%s), want a server span GET /things/{id}", s.Name(), s.SpanKind())
	}
	if s.SpanContext().TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || s.Parent().SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("span in trace %s with parent %s, want the incoming traceparent's", s.SpanContext().TraceID(), s.Parent().SpanID())
	}
	if spans[1].Name() != "OTHER" {
		t.Errorf("an invented method's unrouted request is named %q, want OTHER", spans[1].Name())
	}
	line := logs.String()
	if !strings.Contains(line, `"trace_id":"0af7651916cd43dd8448eb211c80319c"`) || !strings.Contains(line, `"span_id":"`+s.SpanContext().SpanID().String()+`"`) {
		t.Errorf("log line lacks the trace and span ids: %s", line)
	}
}

// TestHeaderCarrier: trace context goes into NATS-style headers and comes
// back out.
func TestHeaderCarrier(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Config{Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tel.Tracer("test").Start(context.Background(), "publish")
	h := telemetry.HeaderCarrier{}
	tel.Propagator().Inject(ctx, h)
	span.End()
	if h.Get("traceparent") == "" {
		t.Fatalf("no traceparent in %v", h)
	}
	got := trace.SpanContextFromContext(tel.Propagator().Extract(context.Background(), telemetry.HeaderCarrier{"Traceparent": h["traceparent"]}))
	if got.TraceID() != span.SpanContext().TraceID() || got.SpanID() != span.SpanContext().SpanID() || !got.IsRemote() {
		t.Fatalf("extracted %v, want the publish span's context", got)
	}
}

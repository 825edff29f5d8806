// Package telemetry sets up OpenTelemetry tracing for trx: off by default,
// on with an OTLP/HTTP endpoint (trx serve --otlp-endpoint) or the standard
// OTEL_* variables. It hands out what the rest of trx needs without global
// state: a tracer provider and a propagator (W3C trace context and
// baggage), an HTTP handler and transport that start spans and carry the
// context across processes, NATS header carriers for the event stream, and
// a slog handler that adds trace and span ids to log lines.
package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config says whether and where to send traces.
type Config struct {
	// Endpoint is the OTLP/HTTP endpoint, a URL such as
	// http://127.0.0.1:4318 (traces go to its /v1/traces). Empty: the
	// standard variables decide (OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT turn tracing on).
	Endpoint string
	// Service is service.name unless OTEL_SERVICE_NAME says otherwise
	// (default "trx"); Version is service.version; Components names the
	// trx components this process runs (trx.components).
	Service, Version, Components string
	// Exporter, when set, receives the spans instead of OTLP (tests give an
	// in-memory one); it turns tracing on.
	Exporter sdktrace.SpanExporter
	// Getenv reads the OTEL_* variables (default: none are set).
	Getenv func(string) string
}

// Telemetry is the process's tracing: a no-op one when tracing is off.
type Telemetry struct {
	on       bool
	provider trace.TracerProvider
	prop     propagation.TextMapPropagator
	sdk      *sdktrace.TracerProvider // nil when off
}

// Off returns a Telemetry that records nothing.
func Off() *Telemetry {
	return &Telemetry{provider: noop.NewTracerProvider(),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

// New builds the process's tracing from cfg; Shutdown flushes it.
func New(ctx context.Context, cfg Config) (*Telemetry, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	t := Off()
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return t, nil
	}
	exp := cfg.Exporter
	if exp == nil {
		envOn := getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
		if cfg.Endpoint == "" && !envOn {
			return t, nil
		}
		var opts []otlptracehttp.Option
		if cfg.Endpoint != "" {
			u, err := url.Parse(cfg.Endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("telemetry: --otlp-endpoint %q: want an http:// or https:// URL such as http://127.0.0.1:4318", cfg.Endpoint)
			}
			if u.Path == "" || u.Path == "/" {
				u.Path = "/v1/traces"
			}
			opts = append(opts, otlptracehttp.WithEndpointURL(u.String()))
		}
		var err error
		if exp, err = otlptracehttp.New(ctx, opts...); err != nil {
			return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
		}
	}
	service := cfg.Service
	if service == "" {
		service = "trx"
	}
	if s := getenv("OTEL_SERVICE_NAME"); s != "" {
		service = s
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(service), semconv.ServiceVersion(cfg.Version)}
	if cfg.Components != "" {
		attrs = append(attrs, attribute.String("trx.components", cfg.Components))
	}
	if extra := getenv("OTEL_RESOURCE_ATTRIBUTES"); extra != "" {
		for _, kv := range strings.Split(extra, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(k) != "service.name" {
				attrs = append(attrs, attribute.String(strings.TrimSpace(k), strings.TrimSpace(v)))
			}
		}
	}
	res := resource.NewWithAttributes(semconv.SchemaURL, attrs...)
	var sp sdktrace.SpanProcessor = sdktrace.NewBatchSpanProcessor(exp)
	if cfg.Exporter != nil {
		sp = sdktrace.NewSimpleSpanProcessor(exp) // tests read spans as soon as they end
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSpanProcessor(sp),
		sdktrace.WithSampler(sampler(getenv)))
	t.on, t.provider, t.sdk = true, sdk, sdk
	return t, nil
}

// sampler reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the
// standard names; default parentbased_always_on).
func sampler(getenv func(string) string) sdktrace.Sampler {
	ratio := 1.0
	if a := getenv("OTEL_TRACES_SAMPLER_ARG"); a != "" {
		if _, err := fmt.Sscanf(a, "%g", &ratio); err != nil || ratio < 0 || ratio > 1 {
			ratio = 1
		}
	}
	switch getenv("OTEL_TRACES_SAMPLER") {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

// Enabled reports whether spans are recorded and exported.
func (t *Telemetry) Enabled() bool { return t.on }

// Provider returns the tracer provider (a no-op one when off).
func (t *Telemetry) Provider() trace.TracerProvider { return t.provider }

// Propagator returns the propagator that carries trace context between
// processes: W3C traceparent/tracestate and baggage.
func (t *Telemetry) Propagator() propagation.TextMapPropagator { return t.prop }

// Tracer returns a tracer named for the instrumented part of trx.
func (t *Telemetry) Tracer(name string) trace.Tracer {
	return t.provider.Tracer("github.com/trx-platform/trx/" + name)
}

// Shutdown flushes the spans not yet exported and stops the exporter.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}

// Handler returns h with a server span around each request, continuing
// the trace of an incoming traceparent header, named "METHOD route" after
// the ServeMux pattern that served it (route as the metrics name it). h
// unchanged when tracing is off.
func (t *Telemetry) Handler(h http.Handler, route func(pattern string) string) http.Handler {
	if !t.on {
		return h
	}
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Pattern != "" {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(route(r.Pattern)))
		}
	})
	// otelhttp names the span again once the request is routed.
	name := func(_ string, r *http.Request) string {
		if r.Pattern == "" {
			return method(r.Method)
		}
		return method(r.Method) + " " + route(r.Pattern)
	}
	return otelhttp.NewHandler(named, "HTTP", otelhttp.WithTracerProvider(t.provider), otelhttp.WithPropagators(t.prop),
		otelhttp.WithSpanNameFormatter(name))
}

// method bounds span names: an invented method is OTHER.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// Transport returns rt with a client span around each request and the
// trace context in its headers (for the gateway's forwarding to services).
// rt unchanged when tracing is off.
func (t *Telemetry) Transport(rt http.RoundTripper) http.RoundTripper {
	if !t.on {
		return rt
	}
	return otelhttp.NewTransport(rt, otelhttp.WithTracerProvider(t.provider), otelhttp.WithPropagators(t.prop),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "forward " + r.Method }))
}

// LogHandler returns h that adds trace_id and span_id to every record
// logged with a context that carries a recording span.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(as)}
}
func (l logHandler) WithGroup(name string) slog.Handler { return logHandler{l.Handler.WithGroup(name)} }

// HeaderCarrier adapts NATS message headers (a map of string slices, as
// nats.Header is) to the propagator's carrier.
type HeaderCarrier map[string][]string

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	for k, v := range c { // NATS keeps header names as given
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// Set sets key to value.
func (c HeaderCarrier) Set(key, value string) { c[key] = []string{value} }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	return out
}

// Headers returns the trace context of ctx as message headers (nil when
// ctx carries none, or tracing is off).
func (t *Telemetry) Headers(ctx context.Context) map[string][]string {
	if !t.on || !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	h := HeaderCarrier{}
	t.prop.Inject(ctx, h)
	return h
}

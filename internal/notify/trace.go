package notify

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// headerCarrier reads trace context from a stream message's NATS headers.
type headerCarrier map[string][]string

func (c headerCarrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
func (c headerCarrier) Set(key, value string) { c[key] = []string{value} }
func (c headerCarrier) Keys() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	return out
}

// traceConsumed starts the consumer span of a live-feed message, as the
// child of the publisher's span whose context the message's headers carry
// (none: no span), and sets m.Trace so that each socket write of it is a
// span too. It returns the function that ends the span.
func (n *Node) traceConsumed(msg jetstream.Msg, m *Message) func() {
	if n.cfg.Tracer == nil || n.cfg.Propagator == nil {
		return func() {}
	}
	h := msg.Headers()
	if len(h) == 0 {
		return func() {}
	}
	ctx := n.cfg.Propagator.Extract(context.Background(), headerCarrier(h))
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return func() {}
	}
	_, span := n.cfg.Tracer.Start(ctx, "jetstream receive", trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"), attribute.String("messaging.destination.name", msg.Subject()),
			attribute.Int64("messaging.message.sequence", int64(m.Seq)), attribute.String("trx.node", n.cfg.Node)))
	m.Trace = span.SpanContext()
	return func() { span.End() }
}

// traceWritten records a span for each traced frame of a batch written to
// a client's socket from start to now, the child of the frame's consumer
// span.
func (c *client) traceWritten(batch []frame, start time.Time, err error) {
	tr := c.node.cfg.Tracer
	if tr == nil {
		return
	}
	now := time.Now()
	for _, f := range batch {
		if !f.trace.IsValid() {
			continue
		}
		_, span := tr.Start(trace.ContextWithRemoteSpanContext(context.Background(), f.trace), "websocket write",
			trace.WithTimestamp(start), trace.WithSpanKind(trace.SpanKindInternal),
			trace.WithAttributes(attribute.String("trx.connection_id", c.id), attribute.Int("trx.batch_frames", len(batch))))
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End(trace.WithTimestamp(now))
	}
}

var _ propagation.TextMapCarrier = headerCarrier(nil)

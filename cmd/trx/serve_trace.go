package main

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/relay"
	"github.com/trx-platform/trx/internal/telemetry"
)

// tracedStocks is the relay's publisher of stock changes, starting the
// trace of each change when tracing is on: a root span "stock change" from
// the change's database commit (the change rows are written by triggers,
// for API writes and plain SQL alike, and carry no trace context, so the
// trace starts at the commit time the row records) to its publication, and
// its child "jetstream publish", whose context goes to the notifiers in the
// message's headers.
func tracedStocks(bus *event.Bus, tel *telemetry.Telemetry) relay.Publisher {
	if !tel.Enabled() {
		return bus
	}
	return &stockTracer{bus: bus, tr: tel.Tracer("relay")}
}

type stockTracer struct {
	bus *event.Bus
	tr  trace.Tracer
}

func (s *stockTracer) PublishStock(ctx context.Context, e event.StockChanged) error {
	ctx, root := s.tr.Start(ctx, "stock change", trace.WithNewRoot(), trace.WithTimestamp(e.ChangedAt),
		trace.WithAttributes(attribute.Int64("trx.change_id", e.ChangeID), attribute.String("trx.symbol", e.Symbol),
			attribute.String("trx.operation", e.Op)))
	defer root.End()
	ctx, span := s.tr.Start(ctx, "jetstream publish", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", s.bus.StockSubject(e.Symbol))))
	defer span.End()
	err := s.bus.PublishStock(ctx, e)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		root.SetStatus(codes.Error, err.Error())
	}
	return err
}

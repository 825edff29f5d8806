// Package transactionevent tells each user's WebSocket connections about
// their own transactions, through the event stream: transaction.created and
// transaction.categorized, with the transaction in its JSON form (as the
// API shows it). It is the transaction service's Observer.
package transactionevent

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/transaction"
)

// The event types.
const (
	TypeCreated     = "transaction.created"
	TypeCategorized = "transaction.categorized"
)

// UserPublisher puts user events on the stream.
type UserPublisher interface {
	PublishUser(ctx context.Context, es ...event.UserEvent) error
}

// Publisher is a transaction.Observer that publishes to the event stream.
type Publisher struct {
	bus UserPublisher
	log *slog.Logger
	now func() time.Time
}

var _ transaction.Observer = (*Publisher)(nil)

// NewPublisher returns a Publisher onto bus.
func NewPublisher(bus UserPublisher, log *slog.Logger) *Publisher {
	return &Publisher{bus: bus, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Created publishes transaction.created for each of txs.
func (p *Publisher) Created(ctx context.Context, userID string, txs []transaction.Transaction) {
	p.publish(ctx, userID, TypeCreated, txs)
}

// Categorized publishes transaction.categorized for each of txs.
func (p *Publisher) Categorized(ctx context.Context, userID string, txs []transaction.Transaction) {
	p.publish(ctx, userID, TypeCategorized, txs)
}

// Events builds the events of type typ for txs.
func Events(userID, typ string, at time.Time, txs []transaction.Transaction) ([]event.UserEvent, error) {
	es := make([]event.UserEvent, 0, len(txs))
	for _, t := range txs {
		data, err := json.Marshal(transaction.NewResource(t))
		if err != nil {
			return nil, err
		}
		es = append(es, event.UserEvent{Type: typ, UserID: userID, At: at, Data: data})
	}
	return es, nil
}

func (p *Publisher) publish(ctx context.Context, userID, typ string, txs []transaction.Transaction) {
	es, err := Events(userID, typ, p.now(), txs)
	if err != nil {
		p.log.Warn("user_event_not_encoded", "type", typ, "err", err)
		return
	}
	// The write is done; a slow or absent NATS must not fail it, only delay
	// the answer a little.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := p.bus.PublishUser(pctx, es...); err != nil {
		p.log.Warn("user_event_not_published", "type", typ, "count", len(es), "err", err)
	}
}

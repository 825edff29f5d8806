package transaction

import (
	"encoding/json"
	"fmt"
	"time"
)

// The per-user event types.
const (
	EventCreated     = "transaction.created"
	EventCategorized = "transaction.categorized"
)

// Event is a per-user notification that a write causes: a transaction
// created or (re)categorized, with the transaction in its JSON form. The
// Service hands a write's events to the Store with the write, and the Store
// records them in the outbox in the same database transaction, so that an
// event exists exactly when its change does; the relay publishes them to
// the event stream afterwards (nothing is published from inside a request,
// and a create's latency does not depend on NATS).
type Event struct {
	ID     int64 // the outbox row's id (0 until stored)
	Type   string
	UserID string
	At     time.Time
	Data   []byte // the transaction's Resource, as JSON
}

// NewEvents returns an event of type typ for each of txs.
func NewEvents(typ string, at time.Time, txs []Transaction) ([]Event, error) {
	out := make([]Event, 0, len(txs))
	for _, t := range txs {
		data, err := json.Marshal(NewResource(t))
		if err != nil {
			return nil, fmt.Errorf("transaction: encode %s event: %w", typ, err)
		}
		out = append(out, Event{Type: typ, UserID: t.UserID, At: at, Data: data})
	}
	return out, nil
}

// Package notify is the notifier: a WebSocket endpoint whose clients
// receive, in real time and in stream order, a notification for every
// captured stock change (with its percentage change) and their own
// financial events, and can resume after a disconnect without losing or
// repeating a message. It is the seed's API Gateway WebSocket API, its
// connect/disconnect/send Lambdas and its connections table, on JetStream.
package notify

import (
	"encoding/json"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/stock"
)

// Message is one stream event ready to send: encoded once, the same bytes
// go to every client that wants it.
type Message struct {
	Seq       uint64
	Symbol    string // for stock changes
	UserID    string // for per-user events
	Data      []byte
	ChangedAt time.Time         // when the database committed (about) the change
	Trace     trace.SpanContext // the consumer span's, parent of each socket write's span (zero: untraced)
}

// StockNotification is what a client receives for a stock change.
type StockNotification struct {
	Type          string  `json:"type"` // "stock.changed"
	Sequence      uint64  `json:"sequence"`
	Symbol        string  `json:"symbol"`
	Operation     string  `json:"operation"` // insert, update, delete
	Name          string  `json:"name,omitempty"`
	OldPrice      *string `json:"old_price"`
	NewPrice      *string `json:"new_price"`
	ChangePercent *string `json:"change_percent"`
	Currency      string  `json:"currency"`
	ChangedAt     string  `json:"changed_at"`
}

// UserNotification is what a client receives for one of its user's events.
type UserNotification struct {
	Type     string          `json:"type"` // transaction.created, transaction.categorized
	Sequence uint64          `json:"sequence"`
	At       string          `json:"at"`
	Data     json.RawMessage `json:"data"`
}

// StockMessage builds the notification of a stock change at stream
// sequence seq. The percentage is rounded half to even to two places,
// computed on integers; it is null for a new listing, a delisting, or an
// old price of zero.
func StockMessage(seq uint64, e event.StockChanged) (Message, error) {
	n := StockNotification{Type: "stock.changed", Sequence: seq, Symbol: e.Symbol, Operation: e.Op,
		ChangedAt: e.ChangedAt.UTC().Format(time.RFC3339Nano)}
	price := func(im *event.Image) *string {
		if im == nil {
			return nil
		}
		s := stock.FormatPrice(im.Price, im.Currency)
		return &s
	}
	n.OldPrice, n.NewPrice = price(e.Old), price(e.New)
	switch {
	case e.New != nil:
		n.Name, n.Currency = e.New.Name, e.New.Currency
	case e.Old != nil:
		n.Name, n.Currency = e.Old.Name, e.Old.Currency
	}
	if e.Old != nil && e.New != nil && e.Old.Currency == e.New.Currency {
		if pct, ok := stock.PercentChange(e.Old.Price, e.New.Price); ok {
			n.ChangePercent = &pct
		}
	}
	data, err := json.Marshal(n)
	if err != nil {
		return Message{}, err
	}
	return Message{Seq: seq, Symbol: e.Symbol, Data: data, ChangedAt: e.ChangedAt}, nil
}

// UserMessage builds the notification of a user event at sequence seq.
func UserMessage(seq uint64, e event.UserEvent) (Message, error) {
	data, err := json.Marshal(UserNotification{Type: e.Type, Sequence: seq, At: e.At.UTC().Format(time.RFC3339Nano), Data: e.Data})
	if err != nil {
		return Message{}, err
	}
	return Message{Seq: seq, UserID: e.UserID, Data: data, ChangedAt: e.At}, nil
}

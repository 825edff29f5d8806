package transaction

import "context"

// Observer is told of transactions created and (re)categorized, after they
// are stored: the notifier turns these into per-user events. It must not
// block for long; its failures are its own (a notification is best effort,
// the write has happened).
type Observer interface {
	Created(ctx context.Context, userID string, txs []Transaction)
	Categorized(ctx context.Context, userID string, txs []Transaction)
}

// WithObserver makes the Service tell o of changes (default: nobody).
func WithObserver(o Observer) Option { return func(s *Service) { s.observer = o } }

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

// SetObserver sets the observer of changes; nil (the default) turns it off.
func (s *Service) SetObserver(o Observer) { s.observer = o }

package transaction

import "context"

// Observer is told of transactions created and (re)categorized, after they
// are stored (for metrics and the like). It must not block for long. The
// per-user events on the stream do not go this way: they are written to
// the outbox in the change's own database transaction (see Event).
type Observer interface {
	Created(ctx context.Context, userID string, txs []Transaction)
	Categorized(ctx context.Context, userID string, txs []Transaction)
}

// WithObserver makes the Service tell o of changes (default: nobody).
func WithObserver(o Observer) Option { return func(s *Service) { s.observer = o } }

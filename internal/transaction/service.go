package transaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/uid"
)

// Service applies the transaction rules over a Store.
type Service struct {
	store      Store
	now        func() time.Time
	newID      func() string
	classifier Classifier     // nil: no automatic categorization, nothing learns
	observer   Observer       // nil: nobody is told of changes
	accounts   AccountChecker // nil: no accounts (a transaction naming one is refused)
	maxBatch   int            // the most items of one batch (MaxBatch unless WithMaxBatch)
}

// Option configures a Service.
type Option func(*Service)

// WithMaxBatch makes n (if positive) the most items one CreateBatch or
// SetCategories takes, instead of MaxBatch. The API may refuse smaller
// batches (trx serve's --max-batch); the background jobs page under
// MaxBatch, so n should not be lower.
func WithMaxBatch(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.maxBatch = n
		}
	}
}

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{
		store: store,
		now:   func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		newID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
	s.maxBatch = MaxBatch
	for _, o := range opts {
		o(s)
	}
	return s
}

// Create validates d and stores it as a new transaction of userID. With a
// non-nil idem, a retry with the same key and request returns the first
// result and stores nothing; the same key with another request is
// ErrIdempotencyMismatch.
func (s *Service) Create(ctx context.Context, userID string, d Draft, idem *Idempotency) (Transaction, error) {
	var v fault.Validation
	t := s.fromDraft(&v, "", userID, d)
	if err := v.Err(); err != nil {
		return Transaction{}, err
	}
	if err := s.checkCategories(ctx, userID, []Transaction{t}, "", 0); err != nil {
		return Transaction{}, err
	}
	if err := s.checkAccounts(ctx, userID, []Transaction{t}, "", 0); err != nil {
		return Transaction{}, err
	}
	out, err := s.insert(ctx, userID, []Transaction{t}, idem)
	if err != nil {
		return Transaction{}, err
	}
	return out[0], nil
}

// CreateBatch validates every draft and stores all of them atomically, or
// none. Field names in errors are prefixed with the item: items[3].amount.
func (s *Service) CreateBatch(ctx context.Context, userID string, ds []Draft, idem *Idempotency) ([]Transaction, error) {
	var v fault.Validation
	switch {
	case len(ds) == 0:
		v.Add("items", "required", "must hold at least one transaction")
	case len(ds) > s.maxBatch:
		v.Addf("items", "max_items", "holds %d transactions; the limit is %d per request", len(ds), s.maxBatch)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	txs := make([]Transaction, len(ds))
	for i, d := range ds {
		txs[i] = s.fromDraft(&v, fmt.Sprintf("items[%d].", i), userID, d)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.checkCategories(ctx, userID, txs, "items[%d].", 0); err != nil {
		return nil, err
	}
	if err := s.checkAccounts(ctx, userID, txs, "items[%d].", 0); err != nil {
		return nil, err
	}
	return s.insert(ctx, userID, txs, idem)
}

func (s *Service) insert(ctx context.Context, userID string, txs []Transaction, idem *Idempotency) ([]Transaction, error) {
	var rec *IdempotencyRecord
	if idem != nil {
		var v fault.Validation
		checkIdempotencyKey(&v, idem.Key)
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	s.autoCategorize(ctx, userID, txs)
	if idem != nil {
		resp, err := json.Marshal(txs)
		if err != nil {
			return nil, fmt.Errorf("transaction: encode idempotent response: %w", err)
		}
		rec = &IdempotencyRecord{UserID: userID, Key: idem.Key, RequestHash: idem.RequestHash, Response: resp, CreatedAt: s.now()}
	}
	events, err := NewEvents(EventCreated, s.now(), txs)
	if err != nil {
		return nil, err
	}
	prior, err := s.store.Insert(ctx, txs, rec, events)
	if err != nil {
		return nil, err
	}
	if prior == nil {
		s.learn(ctx, userID, created(txs))
		if s.observer != nil {
			s.observer.Created(ctx, userID, txs)
		}
		return txs, nil
	}
	if prior.RequestHash != idem.RequestHash {
		return nil, ErrIdempotencyMismatch
	}
	var first []Transaction
	if err := json.Unmarshal(prior.Response, &first); err != nil {
		return nil, fmt.Errorf("transaction: decode idempotent response: %w", err)
	}
	return first, nil
}

// Get returns one transaction of userID.
func (s *Service) Get(ctx context.Context, userID, id string) (Transaction, error) {
	if !validID(id) {
		return Transaction{}, ErrNotFound
	}
	return s.store.Get(ctx, userID, id)
}

// Replace sets every field of a transaction from d. ifVersion > 0 makes it
// conditional on the stored version (If-Match).
func (s *Service) Replace(ctx context.Context, userID, id string, d Draft, ifVersion int64) (Transaction, error) {
	var v fault.Validation
	next := s.fromDraft(&v, "", userID, d)
	if err := v.Err(); err != nil {
		return Transaction{}, err
	}
	if err := s.checkCategories(ctx, userID, []Transaction{next}, "", 0); err != nil {
		return Transaction{}, err
	}
	return s.modify(ctx, userID, id, ifVersion, func(cur Transaction) (Transaction, error) {
		next.ID, next.CreatedAt = cur.ID, cur.CreatedAt
		next.ImportID, next.ImportKey, next.TransferID = cur.ImportID, cur.ImportKey, cur.TransferID
		if d.AccountID == nil {
			next.AccountID = cur.AccountID
		}
		if next.CategoryID == cur.CategoryID {
			// Not a categorization: whoever decided the category still did.
			next.CategorySource, next.CategoryConfidence, next.CategoryRuleID = cur.CategorySource, cur.CategoryConfidence, cur.CategoryRuleID
		} else {
			next.CategorySource = SourceManual
		}
		return next, nil
	})
}

// Update applies p to a transaction. ifVersion > 0 makes it conditional on
// the stored version (If-Match).
func (s *Service) Update(ctx context.Context, userID, id string, p Patch, ifVersion int64) (Transaction, error) {
	if p.CategoryID != nil && *p.CategoryID != "" {
		if err := s.checkCategories(ctx, userID, []Transaction{{CategoryID: *p.CategoryID}}, "", 0); err != nil {
			return Transaction{}, err
		}
	}
	return s.modify(ctx, userID, id, ifVersion, func(cur Transaction) (Transaction, error) {
		var v fault.Validation
		next := s.applyPatch(&v, cur, p)
		return next, v.Err()
	})
}

// modify is a read-modify-write with optimistic locking. Without an
// If-Match version, a write that lost a race is retried on the new state;
// with one, the caller asked for exactly that version and gets
// ErrVersionMismatch.
// maxUnconditionalRetries bounds the retries of a write without If-Match
// that keeps losing to other writers of the same transaction.
const maxUnconditionalRetries = 64

func (s *Service) modify(ctx context.Context, userID, id string, ifVersion int64, change func(Transaction) (Transaction, error)) (Transaction, error) {
	if !validID(id) {
		return Transaction{}, ErrNotFound
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.store.Get(ctx, userID, id)
		if err != nil {
			return Transaction{}, err
		}
		if ifVersion > 0 && cur.Version != ifVersion {
			return Transaction{}, ErrVersionMismatch
		}
		next, err := change(cur)
		if err != nil {
			return Transaction{}, err
		}
		if err := checkLeg(cur, next); err != nil {
			return Transaction{}, err
		}
		if accountChanged(cur, next) {
			if err := s.checkAccounts(ctx, userID, []Transaction{next}, "", 0); err != nil {
				return Transaction{}, err
			}
		}
		next.UserID, next.Version, next.UpdatedAt = userID, cur.Version+1, s.now()
		var events []Event
		if cur.CategoryID != next.CategoryID || cur.CategorySource != next.CategorySource {
			if events, err = NewEvents(EventCategorized, next.UpdatedAt, []Transaction{next}); err != nil {
				return Transaction{}, err
			}
		}
		err = s.store.Update(ctx, next, events)
		// Without If-Match, a write that lost the race reads again and
		// retries: each loss is another writer's win, so with fewer than
		// maxUnconditionalRetries writers at once on one transaction every
		// one of them succeeds, whatever the scheduling.
		if errors.Is(err, ErrVersionMismatch) && ifVersion == 0 && attempt < maxUnconditionalRetries && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return Transaction{}, err
		}
		if learnable(cur, next) {
			s.learn(ctx, userID, []Categorized{{Before: cur, After: next}})
		}
		if s.observer != nil && len(events) > 0 {
			s.observer.Categorized(ctx, userID, []Transaction{next})
		}
		return next, nil
	}
}

// Delete removes a transaction. ifVersion > 0 makes it conditional. The
// classifier hears of a deleted manual categorization (a Categorized with
// a zero After), so that it forgets what it learned from it. A leg of a
// transfer is not deleted on its own (ErrTransferLeg, 409): DeleteTransfer
// removes both.
func (s *Service) Delete(ctx context.Context, userID, id string, ifVersion int64) error {
	if !validID(id) {
		return ErrNotFound
	}
	cur, err := s.store.Get(ctx, userID, id)
	if err != nil {
		return err
	}
	if cur.TransferID != "" {
		return legError(cur, "it is not deleted on its own")
	}
	if err := s.store.Delete(ctx, userID, id, ifVersion); err != nil {
		return err
	}
	if cur.CategorySource == SourceManual && cur.CategoryID != "" {
		s.learn(ctx, userID, []Categorized{{Before: cur}})
	}
	return nil
}

// Page is one page of a listing; Next is the cursor of the next page, ""
// after the last.
type Page struct {
	Items []Transaction
	Next  string
}

// List returns a page of userID's transactions that match f, newest booked
// first. Paging is by keyset, so rows inserted while a caller pages never
// make it skip or repeat a row.
func (s *Service) List(ctx context.Context, userID string, f Filter) (Page, error) {
	q, err := f.query(userID)
	if err != nil {
		return Page{}, err
	}
	limit := q.Limit
	q.Limit++
	items, err := s.store.List(ctx, q)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		last := p.Items[limit-1]
		p.Next = encodeCursor(f.fingerprint(), Position{BookedAt: last.BookedAt, ID: last.ID})
	}
	return p, nil
}

// PurgeIdempotency forgets idempotency keys older than IdempotencyKeepFor.
func (s *Service) PurgeIdempotency(ctx context.Context) (int64, error) {
	return s.store.PurgeIdempotency(ctx, s.now().Add(-IdempotencyKeepFor))
}

func validID(id string) bool { return uid.Valid(id) }

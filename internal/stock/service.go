package stock

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
)

// Service applies the stock rules over a Store. After every write it calls
// the notify function (if set) so that the relay publishes the captured
// change at once instead of at its next poll.
type Service struct {
	store  Store
	notify func()
	now    func() time.Time
}

// NewService returns a Service over store; notify may be nil.
func NewService(store Store, notify func()) *Service {
	if notify == nil {
		notify = func() {}
	}
	return &Service{store: store, notify: notify, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Draft is a stock as a caller describes it.
type Draft struct {
	Symbol   string
	Name     string
	Price    string
	Currency string
}

func (s *Service) validate(d Draft) (Stock, error) {
	var v fault.Validation
	CheckSymbol(&v, "symbol", d.Symbol)
	CheckName(&v, "name", d.Name)
	st := Stock{Symbol: d.Symbol, Name: strings.TrimSpace(d.Name), Currency: d.Currency, UpdatedAt: s.now()}
	st.Price = ParsePrice(&v, "price", d.Price)
	if !money.ValidCurrency(d.Currency) {
		v.Addf("currency", "iso4217", "%q is not an active ISO 4217 currency code", d.Currency)
	}
	return st, v.Err()
}

// Create lists a new stock.
func (s *Service) Create(ctx context.Context, d Draft) (Stock, error) {
	st, err := s.validate(d)
	if err != nil {
		return Stock{}, err
	}
	if err := s.store.Insert(ctx, st); err != nil {
		return Stock{}, err
	}
	s.notify()
	return st, nil
}

// Get returns one stock.
func (s *Service) Get(ctx context.Context, symbol string) (Stock, error) {
	return s.store.Get(ctx, symbol)
}

// List returns up to limit stocks after the symbol after, in symbol order.
func (s *Service) List(ctx context.Context, after string, limit int) ([]Stock, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.store.List(ctx, after, limit)
}

// Replace sets the name, price and currency of a stock.
func (s *Service) Replace(ctx context.Context, d Draft) (Stock, error) {
	st, err := s.validate(d)
	if err != nil {
		return Stock{}, err
	}
	if err := s.store.Update(ctx, st); err != nil {
		return Stock{}, err
	}
	s.notify()
	return s.reread(ctx, st), nil
}

// reread returns the stock as stored after a write (with the previous
// price the database keeps), or st when it cannot be read back: the write
// succeeded, so it is not reported as failed.
func (s *Service) reread(ctx context.Context, st Stock) Stock {
	if got, err := s.store.Get(ctx, st.Symbol); err == nil {
		return got
	}
	return st
}

// SetPrice changes only the price of a stock.
func (s *Service) SetPrice(ctx context.Context, symbol, price string) (Stock, error) {
	cur, err := s.store.Get(ctx, symbol)
	if err != nil {
		return Stock{}, err
	}
	var v fault.Validation
	cur.Price = ParsePrice(&v, "price", price)
	if err := v.Err(); err != nil {
		return Stock{}, err
	}
	cur.UpdatedAt = s.now()
	if err := s.store.Update(ctx, cur); err != nil {
		return Stock{}, err
	}
	s.notify()
	return s.reread(ctx, cur), nil
}

// Delete delists a stock.
func (s *Service) Delete(ctx context.Context, symbol string) error {
	if err := s.store.Delete(ctx, symbol); err != nil {
		return err
	}
	s.notify()
	return nil
}

// SetPrices updates up to MaxBatch prices in one transaction: all or none.
func (s *Service) SetPrices(ctx context.Context, ups []PriceUpdate) error {
	var v fault.Validation
	switch {
	case len(ups) == 0:
		v.Add("prices", "required", "must hold at least one price")
	case len(ups) > MaxBatch:
		v.Addf("prices", "max_items", "holds %d prices; the limit is %d per request", len(ups), MaxBatch)
	}
	if err := v.Err(); err != nil {
		return err
	}
	prices := make(map[string]int64, len(ups))
	for i, u := range ups {
		field := "prices[" + strconv.Itoa(i) + "]"
		CheckSymbol(&v, field+".symbol", u.Symbol)
		if _, dup := prices[u.Symbol]; dup {
			v.Addf(field+".symbol", "unique", "%s appears more than once", u.Symbol)
		}
		prices[u.Symbol] = ParsePrice(&v, field+".price", u.Price)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.store.SetPrices(ctx, prices, s.now()); err != nil {
		return err
	}
	s.notify()
	return nil
}

package account

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/transaction"
)

// Service applies the account rules over a Store.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
}

// NewService returns a Service over store.
func NewService(store Store) *Service {
	return &Service{
		store: store,
		now:   func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		newID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
}

var _ transaction.AccountChecker = (*Service)(nil)

// Account tells the transaction service about one of userID's accounts.
func (s *Service) Account(ctx context.Context, userID, id string) (transaction.AccountInfo, error) {
	a, err := s.Get(ctx, userID, id)
	if errors.Is(err, ErrNotFound) {
		return transaction.AccountInfo{}, transaction.ErrAccountNotFound
	}
	if err != nil {
		return transaction.AccountInfo{}, err
	}
	return transaction.AccountInfo{Currency: a.Currency, Closed: a.Closed}, nil
}

// Create validates d and stores it as a new account of userID.
func (s *Service) Create(ctx context.Context, userID string, d Draft) (Account, error) {
	var v fault.Validation
	now := s.now()
	a := Account{ID: s.newID(), UserID: userID, Name: strings.TrimSpace(d.Name), Kind: d.Kind, Currency: d.Currency,
		OpeningDate: d.OpeningDate, Institution: strings.TrimSpace(d.Institution), Number: strings.TrimSpace(d.Number),
		Closed: d.Closed, CreatedAt: now, UpdatedAt: now, Version: 1}
	checkText(&v, "name", a.Name, MaxName, true)
	checkKind(&v, a.Kind)
	if checkCurrency(&v, a.Currency) {
		a.OpeningBalance = checkAmount(&v, "opening_balance", d.OpeningBalance, a.Currency)
	}
	checkDate(&v, "opening_date", a.OpeningDate)
	checkText(&v, "institution", a.Institution, MaxInstitution, false)
	checkText(&v, "number", a.Number, MaxNumber, false)
	if err := v.Err(); err != nil {
		return Account{}, err
	}
	// The store refuses an account past the cap (account.MaxAccounts
	// unless trx serve's --max-user-accounts), counted in its insert.
	if err := s.store.Insert(ctx, a); err != nil {
		return Account{}, err
	}
	return a, nil
}

// Get returns one account of userID.
func (s *Service) Get(ctx context.Context, userID, id string) (Account, error) {
	if !validID(id) {
		return Account{}, ErrNotFound
	}
	return s.store.Get(ctx, userID, id)
}

// ByName returns the account of userID with that name, whatever the case.
func (s *Service) ByName(ctx context.Context, userID, name string) (Account, error) {
	return s.store.ByName(ctx, userID, strings.TrimSpace(name))
}

// List returns userID's accounts by name (closed ones too if asked).
func (s *Service) List(ctx context.Context, userID string, includeClosed bool) ([]Account, error) {
	return s.store.List(ctx, userID, includeClosed)
}

// Update applies p to an account. ifVersion > 0 makes it conditional on the
// stored version (If-Match); without it a lost race is retried.
func (s *Service) Update(ctx context.Context, userID, id string, p Patch, ifVersion int64) (Account, error) {
	if !validID(id) {
		return Account{}, ErrNotFound
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.store.Get(ctx, userID, id)
		if err != nil {
			return Account{}, err
		}
		if ifVersion > 0 && cur.Version != ifVersion {
			return Account{}, ErrVersionMismatch
		}
		next, err := applyPatch(cur, p)
		if err != nil {
			return Account{}, err
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.now()
		err = s.store.Update(ctx, next)
		// Each loss is another writer's win (see transaction's modify).
		if errors.Is(err, ErrVersionMismatch) && ifVersion == 0 && attempt < 64 && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return Account{}, err
		}
		return next, nil
	}
}

func applyPatch(cur Account, p Patch) (Account, error) {
	var v fault.Validation
	next := cur
	if p.Name != nil {
		next.Name = strings.TrimSpace(*p.Name)
		checkText(&v, "name", next.Name, MaxName, true)
	}
	if p.Kind != nil {
		next.Kind = *p.Kind
		checkKind(&v, next.Kind)
	}
	if p.OpeningBalance != nil {
		next.OpeningBalance = checkAmount(&v, "opening_balance", *p.OpeningBalance, cur.Currency)
	}
	if p.OpeningDate != nil {
		next.OpeningDate = *p.OpeningDate
		checkDate(&v, "opening_date", next.OpeningDate)
	}
	if p.Institution != nil {
		next.Institution = strings.TrimSpace(*p.Institution)
		checkText(&v, "institution", next.Institution, MaxInstitution, false)
	}
	if p.Number != nil {
		next.Number = strings.TrimSpace(*p.Number)
		checkText(&v, "number", next.Number, MaxNumber, false)
	}
	if p.Closed != nil {
		next.Closed = *p.Closed
	}
	return next, v.Err()
}

// Delete removes an account without transactions. ifVersion > 0 makes it
// conditional.
func (s *Service) Delete(ctx context.Context, userID, id string, ifVersion int64) error {
	if !validID(id) {
		return ErrNotFound
	}
	return s.store.Delete(ctx, userID, id, ifVersion)
}

// Balances returns the balance of each of userID's accounts (closed ones
// too if asked) now, by name.
func (s *Service) Balances(ctx context.Context, userID string, includeClosed bool) ([]Balance, error) {
	as, err := s.store.List(ctx, userID, includeClosed)
	if err != nil {
		return nil, err
	}
	sums, err := s.store.Sums(ctx, userID, nil, time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]Balance, len(as))
	for i, a := range as {
		if out[i], err = balance(a, "", sums[a.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Balance returns one account's balance at the end of the day asOf
// (YYYY-MM-DD; "" for now, every transaction counted).
func (s *Service) Balance(ctx context.Context, userID, id, asOf string) (Balance, error) {
	var v fault.Validation
	checkDate(&v, "as_of", asOf)
	if err := v.Err(); err != nil {
		return Balance{}, err
	}
	a, err := s.Get(ctx, userID, id)
	if err != nil {
		return Balance{}, err
	}
	var to time.Time
	if asOf != "" {
		if a.OpeningDate != "" && asOf < a.OpeningDate {
			v.Addf("as_of", "range", "%s is before the account's opening date, %s", asOf, a.OpeningDate)
			return Balance{}, v.Err()
		}
		day, _ := time.Parse(time.DateOnly, asOf)
		to = day.AddDate(0, 0, 1)
	}
	sums, err := s.store.Sums(ctx, userID, []string{a.ID}, to)
	if err != nil {
		return Balance{}, err
	}
	return balance(a, asOf, sums[a.ID])
}

func balance(a Account, asOf string, t Totals) (Balance, error) {
	b, err := money.Add(a.OpeningBalance, t.Sum)
	if err != nil {
		return Balance{}, fault.Errorf(fault.Unprocessable, "the balance of %q does not fit in 64-bit minor units", a.Name)
	}
	return Balance{Account: a, AsOf: asOf, Balance: b, Transactions: t.Count}, nil
}

// Masked returns an account number with all but its last four characters
// hidden, as lists show it ("" stays "").
func Masked(number string) string {
	r := []rune(number)
	if len(r) <= 4 {
		return number
	}
	return strings.Repeat("•", len(r)-4) + string(r[len(r)-4:])
}

func checkText(v *fault.Validation, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		v.Add(field, "required", "is required and must not be blank")
	case !utf8.ValidString(s):
		v.Add(field, "utf8", "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.Addf(field, "max_length", "is %d characters long; the limit is %d", utf8.RuneCountInString(s), max)
	case strings.ContainsFunc(s, unicode.IsControl):
		v.Add(field, "control_chars", "must not contain control characters (tabs, newlines, …)")
	}
}

func checkKind(v *fault.Validation, kind string) {
	for _, k := range Kinds {
		if k == kind {
			return
		}
	}
	if kind == "" {
		v.Addf("kind", "required", "is required: one of %s", strings.Join(Kinds, ", "))
		return
	}
	v.Addf("kind", "enum", "%q is not a kind of account; want one of %s", kind, strings.Join(Kinds, ", "))
}

func checkCurrency(v *fault.Validation, code string) bool {
	switch {
	case code == "":
		v.Add("currency", "required", "is required: an ISO 4217 code such as \"EUR\"")
		return false
	case !money.ValidCurrency(code):
		v.Addf("currency", "iso4217", "%q is not an active ISO 4217 currency code (three upper-case letters, such as \"EUR\")", code)
		return false
	}
	return true
}

func checkAmount(v *fault.Validation, field, amount, currency string) int64 {
	if amount == "" {
		return 0
	}
	n, err := money.Parse(amount, currency)
	switch {
	case err == nil:
		return n
	case errors.Is(err, money.ErrTooManyDecimals):
		v.Add(field, "scale", err.Error())
	case errors.Is(err, money.ErrOutOfRange):
		v.Add(field, "range", err.Error())
	default:
		v.Addf(field, "format", "%s: write a decimal string such as \"-12.50\"", err.Error())
	}
	return 0
}

func checkDate(v *fault.Validation, field, s string) {
	if s == "" {
		return
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1900 {
		v.Addf(field, "format", "%q is not a date such as 2026-11-27 (years from 1900)", s)
	}
}

func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && len(id) == 36 && u.String() == id
}

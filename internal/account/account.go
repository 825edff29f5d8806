// Package account is the accounts domain: a user's bank accounts, cards,
// cash and loans, each in one currency, with an optional opening balance,
// and their balances computed exactly from the transactions that belong to
// them. It knows nothing of HTTP or SQL.
package account

import (
	"context"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// Errors callers can check with errors.Is.
var (
	ErrNotFound        = fault.New(fault.NotFound, "account not found")
	ErrVersionMismatch = fault.New(fault.PreconditionFailed, "the account has changed since that version (If-Match); fetch it again and retry")
	ErrNameTaken       = fault.New(fault.Conflict, "you already have an account of that name (names are unique per user, whatever the case)")
	ErrHasTransactions = fault.New(fault.Conflict, "the account still has transactions; close it instead (closed: true), or delete or move its transactions first")
)

// The kinds of account.
const (
	KindChecking   = "checking"
	KindSavings    = "savings"
	KindCreditCard = "credit_card"
	KindCash       = "cash"
	KindLoan       = "loan"
	KindInvestment = "investment"
)

// Kinds lists every kind, in the order the documentation gives them.
var Kinds = []string{KindChecking, KindSavings, KindCreditCard, KindCash, KindLoan, KindInvestment}

// Limits, documented in the README.
const (
	MaxName        = 100 // characters
	MaxInstitution = 100 // characters
	MaxNumber      = 64  // characters
	MaxAccounts    = 1000
)

// Account is one of a user's accounts. OpeningBalance is in minor units of
// Currency; OpeningDate ("" when none) is the day it applies from.
type Account struct {
	ID             string
	UserID         string
	Name           string
	Kind           string
	Currency       string
	OpeningBalance int64
	OpeningDate    string // YYYY-MM-DD or ""
	Institution    string
	Number         string
	Closed         bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
}

// Draft is a new account as the caller wrote it: money and dates are text.
type Draft struct {
	Name           string
	Kind           string
	Currency       string
	OpeningBalance string // decimal; "" is zero
	OpeningDate    string // YYYY-MM-DD; "" is none
	Institution    string
	Number         string
	Closed         bool
}

// Patch changes some fields of an account; nil leaves a field as it is, and
// a pointer to "" clears OpeningDate, Institution or Number. The currency
// of an account never changes (its transactions are in it).
type Patch struct {
	Name           *string
	Kind           *string
	OpeningBalance *string
	OpeningDate    *string
	Institution    *string
	Number         *string
	Closed         *bool
}

// Totals are the sums of an account's transactions booked in a period.
type Totals struct {
	Sum   int64 // exact, in minor units (an overflow is an error, never a wrap)
	Count int64
}

// Balance is an account's balance at the end of a day (or now).
type Balance struct {
	Account Account
	// AsOf is the last day counted ("" for every transaction, now).
	AsOf string
	// Balance is the opening balance plus every transaction of the account
	// booked from the opening date through the end of AsOf.
	Balance int64
	// Transactions is how many were counted.
	Transactions int64
}

// Store keeps accounts. Every method is scoped to one user: another user's
// account is ErrNotFound.
type Store interface {
	Insert(ctx context.Context, a Account) error // ErrNameTaken on a duplicate name
	Get(ctx context.Context, userID, id string) (Account, error)
	// ByName finds an account by name, whatever the case.
	ByName(ctx context.Context, userID, name string) (Account, error)
	List(ctx context.Context, userID string, includeClosed bool) ([]Account, error)
	Count(ctx context.Context, userID string) (int, error)
	// Update writes a if the stored version is a.Version-1 (else
	// ErrVersionMismatch, or ErrNotFound); ErrNameTaken on a duplicate name.
	Update(ctx context.Context, a Account) error
	// Delete removes an account that has no transactions (else
	// ErrHasTransactions); ifVersion > 0 makes it conditional.
	Delete(ctx context.Context, userID, id string, ifVersion int64) error
	// Sums totals the transactions of each of ids (nil: every account of
	// userID) booked from the account's opening date (if any) and before to
	// (zero: open), keyed by account id; an account without transactions
	// is left out.
	Sums(ctx context.Context, userID string, ids []string, to time.Time) (map[string]Totals, error)
}

// Package transaction is the transactions domain (the seed's TRX-CRUD): the
// Transaction type, the rules its fields follow, and a Service that applies
// them over a Store. It knows nothing of HTTP or SQL.
package transaction

import (
	"context"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// Errors callers can check with errors.Is.
var (
	ErrNotFound            = fault.New(fault.NotFound, "transaction not found")
	ErrVersionMismatch     = fault.New(fault.PreconditionFailed, "the transaction has changed since that version (If-Match); fetch it again and retry")
	ErrIdempotencyMismatch = fault.New(fault.Unprocessable, "this Idempotency-Key was already used with a different request; use a new key for a new request")
	ErrManualCategory      = fault.New(fault.Conflict, "the transaction's category was chosen by hand; automation never overwrites a manual choice")
)

// Category sources: who decided a transaction's category.
const (
	SourceManual   = "manual"   // the user, through any API
	SourceRule     = "rule"     // one of the user's rules
	SourceMerchant = "merchant" // the user's earlier choice for the same merchant
	SourceModel    = "model"    // the user's own learned model (blended with the built-in one)
	SourceBuiltin  = "builtin"  // the built-in model and merchant dictionary
)

// Automatic reports whether source is one of the automatic sources.
func Automatic(source string) bool {
	return source == SourceRule || source == SourceMerchant || source == SourceModel || source == SourceBuiltin
}

// Limits of the API, documented in the README.
const (
	MaxBatch           = 1000
	MaxDescription     = 1000 // characters
	MaxCounterparty    = 200  // characters
	MaxCategoryID      = 64
	MaxIdempotencyKey  = 255
	DefaultPageSize    = 50
	MaxPageSize        = 500
	IdempotencyKeepFor = 24 * time.Hour
)

// Transaction is one movement of money. Amount is in minor units of Currency
// (see README, Money): negative is money spent, positive money received.
type Transaction struct {
	ID           string    `json:"id"`
	UserID       string    `json:"user_id"`
	Amount       int64     `json:"amount_minor"`
	Currency     string    `json:"currency"`
	Description  string    `json:"description"`
	Counterparty string    `json:"counterparty,omitempty"` // "" when none
	BookedAt     time.Time `json:"booked_at"`
	CategoryID   string    `json:"category_id,omitempty"` // "" when uncategorized
	// CategorySource says who decided CategoryID ("" when nobody did; manual
	// with an empty CategoryID when the user cleared it, which automation
	// respects too). Confidence (basis points) and RuleID are set by the
	// automatic sources only.
	CategorySource     string    `json:"category_source,omitempty"`
	CategoryConfidence int       `json:"category_confidence,omitempty"`
	CategoryRuleID     string    `json:"category_rule_id,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int64     `json:"version"`
	// AccountID is the account the transaction belongs to ("" when none:
	// transactions made before accounts, or kept outside any). ImportID and
	// ImportKey are set on transactions brought in by a statement import:
	// the import (an undo deletes by it) and the line's dedupe key, unique
	// per account. TransferID links the two halves of a transfer.
	AccountID  string `json:"account_id,omitempty"`
	ImportID   string `json:"import_id,omitempty"`
	ImportKey  string `json:"import_key,omitempty"`
	TransferID string `json:"transfer_id,omitempty"`
}

// Draft is the caller's description of a transaction, as received: amounts
// and times are still text, to be checked by the Service.
type Draft struct {
	Amount       string
	Currency     string
	Description  string
	Counterparty string
	BookedAt     string
	CategoryID   string
	// AccountID names one of the user's accounts; nil is none on a create
	// and leaves the account as it is on a replace (so that a client that
	// predates accounts cannot take a transaction out of one by accident).
	AccountID *string
}

// Patch changes some fields of a transaction; nil leaves a field as it is.
// For Counterparty and CategoryID, a pointer to "" clears the field.
// Changing Currency alone keeps the decimal value of the amount.
type Patch struct {
	Amount       *string
	Currency     *string
	Description  *string
	Counterparty *string
	BookedAt     *string
	CategoryID   *string
	AccountID    *string // "" takes the transaction out of its account
}

// Categorization is a category decision: the category ("" to clear), who
// made it, and for automatic sources how sure it was (basis points,
// 0–10000) and which rule.
type Categorization struct {
	CategoryID string
	Source     string
	Confidence int
	RuleID     string
}

// CategoryChange sets the categorization of one transaction.
type CategoryChange struct {
	ID string
	Categorization
}

// Categorized is a stored category change, as the Classifier hook learns of
// it: the transaction before and after (the zero Transaction when it was
// deleted).
type Categorized struct {
	Before, After Transaction
}

// Classifier is the hook the Service calls when it is given one (WithClassifier):
// to categorize new transactions, and to learn from manual choices. It
// handles its own failures (a new transaction is stored uncategorized
// rather than refused).
type Classifier interface {
	// AutoCategorize returns a categorization for each of txs (new, not yet
	// stored, without a category), in order; a zero Categorization leaves one
	// uncategorized, and a nil result leaves all.
	AutoCategorize(ctx context.Context, userID string, txs []Transaction) []Categorization
	// Learn is told of manual categorizations (and of changes to manually
	// categorized transactions) after they are stored.
	Learn(ctx context.Context, userID string, changes []Categorized)
}

// Idempotency identifies a create request that may be retried: Key is the
// caller's Idempotency-Key, RequestHash a digest of the request it came with.
type Idempotency struct {
	Key         string
	RequestHash string
}

// IdempotencyRecord is what the store keeps of a create made with a key:
// the request's digest and the response the first attempt produced.
type IdempotencyRecord struct {
	UserID      string
	Key         string
	RequestHash string
	Response    []byte
	CreatedAt   time.Time
}

// Position is where a page of a listing ends (listings are in descending
// booked_at, then descending id).
type Position struct {
	BookedAt time.Time
	ID       string
}

// AmountBand limits amounts for a set of currencies that share an exponent:
// a decimal bound means different minor units in JPY and in BHD.
type AmountBand struct {
	Currencies []string
	Min, Max   *int64
}

// Query is a validated listing request, as a Store receives it.
type Query struct {
	UserID        string
	From, To      time.Time // booked_at >= From and < To; zero is open
	CategoryID    string
	Uncategorized bool
	Currency      string
	Bands         []AmountBand // if not empty, the amount must fall in one band
	Text          string       // in the description, case-insensitive
	ExcludeManual bool         // leave out rows whose category source is manual
	AccountID     string       // only the rows of this account
	OnlyManual    bool         // only rows whose category source is manual
	After         *Position
	Limit         int
}

// Store keeps transactions. Every method is scoped to one user: a row of
// another user is ErrNotFound, never returned.
type Store interface {
	// Insert adds txs and records events in the outbox, atomically. With a
	// non-nil idem it first claims the key: if the key was already used,
	// Insert adds nothing and returns the earlier record.
	Insert(ctx context.Context, txs []Transaction, idem *IdempotencyRecord, events []Event) (prior *IdempotencyRecord, err error)
	// InsertBatches adds n transactions of userID and records their events
	// in one database transaction, a batch at a time, so that a large
	// import is never held whole: fill calls put with successive batches
	// and the transaction commits once fill returns nil (an error of fill
	// or put rolls all of it back). fill may be called again, from the
	// start, if the database transaction has to be retried.
	InsertBatches(ctx context.Context, userID string, n int, fill func(put func(txs []Transaction, events []Event) error) error) error
	Get(ctx context.Context, userID, id string) (Transaction, error)
	// Update writes t if the stored version is still t.Version-1, and
	// records events in the outbox with it, or returns ErrVersionMismatch
	// (ErrNotFound if there is no such row).
	Update(ctx context.Context, t Transaction, events []Event) error
	// Delete removes a row; ifVersion > 0 makes it conditional.
	Delete(ctx context.Context, userID, id string, ifVersion int64) error
	List(ctx context.Context, q Query) ([]Transaction, error)
	// PurgeIdempotency forgets keys created before t.
	PurgeIdempotency(ctx context.Context, before time.Time) (int64, error)
	// GetMany returns the rows of userID among ids (any order; missing ids
	// are left out).
	GetMany(ctx context.Context, userID string, ids []string) ([]Transaction, error)
	// SetCategories applies changes atomically, each bumping the row's
	// version and setting updated_at to at. A change with an automatic
	// source skips a row whose category source is manual. Each changed row
	// records an event of type event ("": none) with its new state in the
	// outbox, in the same database transaction. It returns the ids it
	// changed.
	SetCategories(ctx context.Context, userID string, changes []CategoryChange, at time.Time, event string) ([]string, error)
	// CountCategory counts userID's transactions in a category.
	CountCategory(ctx context.Context, userID, categoryID string) (int64, error)
	// ReassignCategory moves userID's transactions from one category to
	// another ("" = uncategorized), keeping who decided it.
	ReassignCategory(ctx context.Context, userID, from, to string, at time.Time) (int64, error)
	// TransferLegs returns the transactions of userID whose TransferID is
	// id (none when there is no such transfer).
	TransferLegs(ctx context.Context, userID, id string) ([]Transaction, error)
	// DeleteTransfer removes every leg of userID's transfer id at once and
	// returns how many it removed.
	DeleteTransfer(ctx context.Context, userID, id string) (int64, error)
	// LinkTransfer sets the TransferID of userID's transactions ids that
	// are in no transfer yet to id, bumping their versions and setting
	// updated_at to at: all of them or, when any is missing or linked
	// already, none. It returns how many it linked.
	LinkTransfer(ctx context.Context, userID, id string, ids []string, at time.Time) (int64, error)
	// UnlinkTransfer clears the TransferID of the legs of userID's transfer
	// id, bumping their versions, and returns how many it changed.
	UnlinkTransfer(ctx context.Context, userID, id string, at time.Time) (int64, error)
}

// Package classifier is the categorization domain (the seed's
// TRX-CLASSIFIER): categories (a built-in taxonomy plus each user's own),
// ordered rules, a learned model per user blended with a built-in model,
// and a Service that decides, explains and applies categories through the
// transaction domain. The rules, tokenization and models are pure: no I/O.
package classifier

import (
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// Errors callers can check with errors.Is.
var (
	ErrCategoryNotFound = fault.New(fault.NotFound, "category not found")
	ErrCategoryExists   = fault.New(fault.Conflict, "you already have a category with that name")
	ErrCategoryInUse    = fault.New(fault.Conflict, "the category is in use by transactions or rules; name where they go with reassign_to")
	ErrBuiltin          = fault.New(fault.Conflict, "built-in categories cannot be changed or deleted; create your own")
	ErrRuleNotFound     = fault.New(fault.NotFound, "rule not found")
	ErrRuleVersion      = fault.New(fault.PreconditionFailed, "the rule has changed since that version (If-Match); fetch it again and retry")
	ErrJobNotFound      = fault.New(fault.NotFound, "job not found")
	ErrJobRunning       = fault.New(fault.Conflict, "a categorization job of yours is already running; poll it, and start another when it is done")
	ErrModelConflict    = fault.New(fault.Conflict, "the model changed while it was being updated")
	ErrBusy             = fault.New(fault.Conflict, "too many of your classification requests are running at once; retry when one has finished")
)

// Limits, documented in the README.
const (
	MaxCategoryName = 100
	MaxCategories   = 500 // per user
	MaxRules        = 500 // per user
	MaxConditions   = 10
	MaxPattern      = 200 // characters of a rule's text or regex
	// A regex condition's caps, checked when a rule is written: the
	// largest counted repetition ({n}, {n,m}), the compiled program's
	// instructions, and the regex conditions of all a user's rules.
	MaxRegexRepeat     = 50
	MaxRegexProgram    = 500
	MaxRegexConditions = 50
	MaxClassify        = 1000
	MaxSuggestions     = 3
)

// Category is a category a transaction can be in: built-in (the same for
// every user) or a user's own.
type Category struct {
	ID        string
	UserID    string // "" for built-in ones
	Name      string
	ParentID  string
	Builtin   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Builtin is the built-in taxonomy: top-level categories after Plaid's
// personal-finance categories (PFC, primary level), the same for every
// user and known to the built-in model.
var Builtin = []Category{
	{ID: "income", Name: "Income", Builtin: true},
	{ID: "transfer_in", Name: "Transfer in", Builtin: true},
	{ID: "transfer_out", Name: "Transfer out", Builtin: true},
	{ID: "loan_payments", Name: "Loan payments", Builtin: true},
	{ID: "bank_fees", Name: "Bank fees", Builtin: true},
	{ID: "entertainment", Name: "Entertainment", Builtin: true},
	{ID: "food_and_drink", Name: "Food and drink", Builtin: true},
	{ID: "general_merchandise", Name: "General merchandise", Builtin: true},
	{ID: "home_improvement", Name: "Home improvement", Builtin: true},
	{ID: "medical", Name: "Medical", Builtin: true},
	{ID: "personal_care", Name: "Personal care", Builtin: true},
	{ID: "general_services", Name: "General services", Builtin: true},
	{ID: "government_and_non_profit", Name: "Government and non-profit", Builtin: true},
	{ID: "transportation", Name: "Transportation", Builtin: true},
	{ID: "travel", Name: "Travel", Builtin: true},
	{ID: "rent_and_utilities", Name: "Rent and utilities", Builtin: true},
}

// IsBuiltin reports whether id names a built-in category.
func IsBuiltin(id string) bool {
	for _, c := range Builtin {
		if c.ID == id {
			return true
		}
	}
	return false
}

// Settings are a user's classifier settings.
type Settings struct {
	UserID string
	// AutoOnCreate categorizes new transactions as they are created.
	AutoOnCreate bool
	// Threshold is the confidence (basis points) an automatic result needs
	// to be applied; below it the transaction gets suggestions only.
	Threshold int
	UpdatedAt time.Time
}

// DefaultSettings are a user's settings until they change them.
func DefaultSettings(userID string) Settings {
	return Settings{UserID: userID, Threshold: int(DefaultThreshold * 10000)}
}

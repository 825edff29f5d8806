package classifier

import (
	"context"
	"time"

	"github.com/trx-platform/trx/internal/transaction"
)

// Store keeps the classifier's own data. Every method is scoped to one
// user; another user's row is a not-found error, never returned.
type Store interface {
	ListCategories(ctx context.Context, userID string) ([]Category, error)
	// GetCategory returns ErrCategoryNotFound when there is none.
	GetCategory(ctx context.Context, userID, id string) (Category, error)
	// CreateCategory returns ErrCategoryExists when the name is taken.
	CreateCategory(ctx context.Context, c Category) error
	UpdateCategory(ctx context.Context, c Category) error
	// DeleteCategory deletes c, moving rules that set it to moveRulesTo
	// and children under it to the top level, atomically.
	DeleteCategory(ctx context.Context, userID, id, moveRulesTo string) error
	// CategoryUse counts the rules that set a category and its children.
	CategoryUse(ctx context.Context, userID, id string) (rules, children int64, err error)

	// ListRules returns a user's rules in position order.
	ListRules(ctx context.Context, userID string) ([]Rule, error)
	GetRule(ctx context.Context, userID, id string) (Rule, error)
	// CreateRule stores r at r.Position, shifting later rules down.
	CreateRule(ctx context.Context, r Rule) error
	// UpdateRule writes r if the stored version is r.Version-1
	// (ErrRuleVersion otherwise), moving it to r.Position.
	UpdateRule(ctx context.Context, r Rule) error
	DeleteRule(ctx context.Context, userID, id string) error

	// Settings returns the user's settings, or DefaultSettings.
	Settings(ctx context.Context, userID string) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) error

	// State returns, in one round trip, the versions of what a Service
	// caches for the user and the user's settings.
	State(ctx context.Context, userID string) (State, error)
	// LoadModel returns the user's stored model and its version (nil, 0 if
	// none).
	LoadModel(ctx context.Context, userID string) (blob []byte, version int64, err error)
	// SaveModel stores the model as version prev+1 if the stored one is
	// still prev (0: none), or returns ErrModelConflict.
	SaveModel(ctx context.Context, userID string, blob []byte, examples int64, prev int64, at time.Time) error

	// ChangeExamples stores put (replacing the examples of their
	// transactions) and deletes the examples of the transactions in forget,
	// bumping the user's memory version, atomically; it returns the new
	// version.
	ChangeExamples(ctx context.Context, userID string, put []Learned, forget []string) (int64, error)
	// ReplaceExamples makes ls the user's examples, bumping the memory
	// version; it returns the new version.
	ReplaceExamples(ctx context.Context, userID string, ls []Learned) (int64, error)
	// Examples returns the user's examples, oldest first.
	Examples(ctx context.Context, userID string) ([]Learned, error)

	// CreateJob stores a running job; ErrJobRunning if the user has one
	// that has reported progress within staleAfter.
	CreateJob(ctx context.Context, j Job, staleAfter time.Duration) error
	UpdateJob(ctx context.Context, j Job) error
	GetJob(ctx context.Context, userID, id string) (Job, error)
}

// State is what deciding for a user depends on. Rules, Categories and
// Memory grow by one with every change to the user's rules, categories or
// examples (in the same database transaction), Model is the stored model's
// version (0: none): a Service keeps what it built from them until they
// change, on whichever replica the change was made.
type State struct {
	Rules      int64
	Categories int64
	Memory     int64
	Model      int64
	Settings   Settings
}

// Transactions is what the classifier needs of the transaction domain
// (*transaction.Service): it never touches the transactions table itself.
type Transactions interface {
	Get(ctx context.Context, userID, id string) (transaction.Transaction, error)
	SetCategory(ctx context.Context, userID, id string, c transaction.Categorization, ifVersion int64) (transaction.Transaction, error)
	SetCategories(ctx context.Context, userID string, changes []transaction.CategoryChange) ([]string, error)
	CountCategory(ctx context.Context, userID, categoryID string) (int64, error)
	ReassignCategory(ctx context.Context, userID, from, to string) (int64, error)
	Each(ctx context.Context, userID string, sel transaction.Selection, fn func([]transaction.Transaction) error) error
}

// Job states.
const (
	JobRunning  = "running"
	JobDone     = "done"
	JobFailed   = "failed"
	JobCanceled = "canceled"
)

// Job auto-categorizes a user's uncategorized transactions (optionally in
// a booking date range) in the background, reporting progress.
type Job struct {
	ID          string
	UserID      string
	State       string
	From, To    time.Time // zero: open
	Total       int64     // transactions to look at
	Done        int64     // looked at so far
	Categorized int64     // given a category
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

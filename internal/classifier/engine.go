package classifier

import (
	"log/slog"
	"time"
)

// Engine is the part of the classifier that the transaction service calls
// as it writes (it implements transaction.Classifier and
// transaction.CategoryChecker): it decides for new transactions, learns
// from manual choices and tells which category ids name none. It reads only
// the classifier's Store, never transactions, so it is built first; the
// transaction service is built with it (transaction.WithClassifier), and
// the classifier's Service over both (NewFromEngine). That keeps the order
// of construction one way, with nothing set afterwards.
//
// It holds the per-user caches (compiled rules, known categories, models,
// merchant memory) and the per-user classification slots, shared with the
// Service built over it.
type Engine struct {
	store   Store
	builtin *Linear     // nil: no built-in model
	dict    *Dictionary // nil: no merchant dictionary
	top     func(Item) string
	log     *slog.Logger
	now     func() time.Time
	obs     Observer // nil: nobody

	limit  *limiter
	rules  *versioned[*RuleSet]        // by State.Rules
	known  *versioned[map[string]bool] // by State.Categories
	models *versioned[*Linear]         // by State.Model
	// memories are what the users' examples make (merchant memory and the
	// built-in categories in their terms), by State.Memory.
	memories *versioned[*knowledge]

	settings *settingsCache      // nil: settings are read every time
	bcast    SettingsBroadcaster // nil: no other replicas to tell
}

// NewEngine returns the engine over store, configured by cfg.
func NewEngine(cfg Config, store Store, log *slog.Logger) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{
		store: store, builtin: cfg.Builtin, dict: cfg.Dictionary, top: BuiltinTop(cfg.Builtin, cfg.Dictionary), log: log,
		now:      func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		obs:      cfg.Observer,
		limit:    newLimiter(cfg.MaxConcurrent),
		rules:    newVersioned[*RuleSet](cfg.CacheUsers),
		known:    newVersioned[map[string]bool](cfg.CacheUsers),
		models:   newVersioned[*Linear](cfg.CacheUsers),
		memories: newVersioned[*knowledge](cfg.CacheUsers),
		settings: newSettingsCache(cfg.SettingsTTL, 100_000),
		bcast:    cfg.Broadcast,
	}, nil
}

// NewDefaultEngine returns the engine over store with DefaultConfig: the
// built-in model builtin and, with it, the shipped merchant dictionary
// (builtin nil: neither), telling obs (nil: nobody) of its decisions and of
// the jobs of the Service built over it.
func NewDefaultEngine(store Store, builtin *Linear, obs Observer, log *slog.Logger) *Engine {
	cfg := DefaultConfig(builtin)
	cfg.Observer = obs
	if builtin != nil {
		d, err := BuiltinDictionary()
		if err != nil {
			log.Error("classifier_dictionary_failed", "err", err) // the shipped file is tested: not expected
		}
		cfg.Dictionary = d
	}
	e, err := NewEngine(cfg, store, log)
	if err != nil {
		panic(err) // the defaults are valid
	}
	return e
}

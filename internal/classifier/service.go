package classifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/uid"
)

const jobStaleAfter = 2 * time.Minute

// Config is what a Service is built with.
type Config struct {
	// Builtin is the built-in model (nil: none).
	Builtin *Linear
	// Dictionary is the merchant dictionary (nil: none).
	Dictionary *Dictionary
	// MaxConcurrent bounds the classifications (classify, auto-categorize,
	// job pages) one user runs at once; a classify or auto-categorize
	// request past it is ErrBusy, a job waits. Default 2.
	MaxConcurrent int
	// CacheUsers bounds the users whose compiled rules, categories and
	// model a Service keeps in memory. Default 1,000.
	CacheUsers int
	// SettingsTTL is how long a user's settings are kept in memory, so that
	// a create does not read them (0: not kept; DefaultConfig:
	// DefaultSettingsTTL). A change drops them at once here and, through
	// Broadcast, on the other replicas; the TTL bounds a replica that
	// missed it. At most 100,000 users' are kept.
	SettingsTTL time.Duration
	// Broadcast tells the other replicas of settings changes (nil: none,
	// as with one process).
	Broadcast SettingsBroadcaster
	// Observer is told of automatic decisions and jobs (nil: nobody).
	Observer Observer
}

// DefaultConfig returns the defaults, with builtin as the built-in model.
func DefaultConfig(builtin *Linear) Config {
	return Config{Builtin: builtin, MaxConcurrent: 2, CacheUsers: 1000, SettingsTTL: DefaultSettingsTTL}
}

// Validate checks the config.
func (c Config) Validate() error {
	if c.MaxConcurrent < 1 {
		return fmt.Errorf("classifier: MaxConcurrent %d: want 1 or more", c.MaxConcurrent)
	}
	if c.CacheUsers < 1 {
		return fmt.Errorf("classifier: CacheUsers %d: want 1 or more", c.CacheUsers)
	}
	return nil
}

// Service is the classifier: categories, rules, models and jobs, applied
// through the transaction domain. It is built over an Engine (the part the
// transaction service calls as it writes) and the transaction service.
type Service struct {
	*Engine
	txs   Transactions
	newID func() string

	jobs   sync.WaitGroup
	jobCtx context.Context
}

var (
	_ transaction.Classifier      = (*Engine)(nil)
	_ transaction.CategoryChecker = (*Engine)(nil)
)

// NewService returns a classifier over store and txs with DefaultConfig:
// the built-in model builtin and, with it, the shipped merchant dictionary
// (builtin nil: neither). Background jobs run under ctx: they stop when it
// ends, and Wait waits for them. txs does not categorize through this
// classifier: for that, build the Engine first (NewDefaultEngine), pass it
// to the transaction service (transaction.WithClassifier), then use
// NewFromEngine.
func NewService(ctx context.Context, store Store, txs Transactions, builtin *Linear, log *slog.Logger) *Service {
	return NewFromEngine(ctx, NewDefaultEngine(store, builtin, nil, log), txs)
}

// New returns a classifier over store and txs, configured by cfg.
// Background jobs run under ctx: they stop when it ends, and Wait waits for
// them. Like NewService, txs does not categorize through it.
func New(ctx context.Context, cfg Config, store Store, txs Transactions, log *slog.Logger) (*Service, error) {
	e, err := NewEngine(cfg, store, log)
	if err != nil {
		return nil, err
	}
	return NewFromEngine(ctx, e, txs), nil
}

// NewFromEngine returns the classifier over e and txs (typically a
// transaction service built with e as its classifier). Background jobs run
// under ctx: they stop when it ends, and Wait waits for them.
func NewFromEngine(ctx context.Context, e *Engine, txs Transactions) *Service {
	return &Service{
		Engine: e, txs: txs,
		newID:  func() string { return uuid.Must(uuid.NewV7()).String() },
		jobCtx: ctx,
	}
}

// Wait waits for the background jobs to stop (after the context given to
// NewService ends).
func (s *Service) Wait() { s.jobs.Wait() }

// ItemOf returns what the classifier sees of t.
func ItemOf(t transaction.Transaction) Item {
	exp, _ := money.Exponent(t.Currency)
	return Item{Description: t.Description, Counterparty: t.Counterparty, Amount: t.Amount, Currency: t.Currency, Exponent: exp}
}

// ---- categories ----

// Categories returns the built-in categories and then the user's own.
func (s *Engine) Categories(ctx context.Context, userID string) ([]Category, error) {
	own, err := s.store.ListCategories(ctx, userID)
	if err != nil {
		return nil, err
	}
	return append(append([]Category{}, Builtin...), own...), nil
}

// Category returns one category (built-in or the user's).
func (s *Service) Category(ctx context.Context, userID, id string) (Category, error) {
	for _, c := range Builtin {
		if c.ID == id {
			return c, nil
		}
	}
	if !validUUID(id) {
		return Category{}, ErrCategoryNotFound
	}
	return s.store.GetCategory(ctx, userID, id)
}

// CategoryDraft is a new category, or changes to one (nil: unchanged;
// ParentID "" moves it to the top level).
type CategoryDraft struct {
	Name     *string
	ParentID *string
}

// CreateCategory adds a category of the user's own.
func (s *Service) CreateCategory(ctx context.Context, userID string, d CategoryDraft) (Category, error) {
	now := s.now()
	c := Category{ID: s.newID(), UserID: userID, CreatedAt: now, UpdatedAt: now}
	if d.Name == nil {
		d.Name = new(string)
	}
	if err := s.applyCategory(ctx, &c, d); err != nil {
		return Category{}, err
	}
	own, err := s.store.ListCategories(ctx, userID)
	if err != nil {
		return Category{}, err
	}
	if len(own) >= MaxCategories {
		return Category{}, fault.Errorf(fault.Conflict, "you have %d categories, the limit", MaxCategories)
	}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return Category{}, err
	}
	return c, nil
}

// UpdateCategory renames or moves one of the user's categories.
func (s *Service) UpdateCategory(ctx context.Context, userID, id string, d CategoryDraft) (Category, error) {
	c, err := s.Category(ctx, userID, id)
	if err != nil {
		return Category{}, err
	}
	if c.Builtin {
		return Category{}, ErrBuiltin
	}
	if err := s.applyCategory(ctx, &c, d); err != nil {
		return Category{}, err
	}
	c.UpdatedAt = s.now()
	if err := s.store.UpdateCategory(ctx, c); err != nil {
		return Category{}, err
	}
	return c, nil
}

func (s *Service) applyCategory(ctx context.Context, c *Category, d CategoryDraft) error {
	var v fault.Validation
	if d.Name != nil {
		c.Name = strings.Join(strings.Fields(*d.Name), " ")
		switch {
		case c.Name == "":
			v.Add("name", "required", "is required and must not be blank")
		case !utf8.ValidString(c.Name):
			v.Add("name", "utf8", "must be valid UTF-8")
		case utf8.RuneCountInString(c.Name) > MaxCategoryName:
			v.Addf("name", "max_length", "is %d characters long; the limit is %d", utf8.RuneCountInString(c.Name), MaxCategoryName)
		case strings.ContainsFunc(c.Name, unicode.IsControl):
			v.Add("name", "control_chars", "must not contain control characters")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if d.ParentID != nil {
		c.ParentID = *d.ParentID
		if c.ParentID != "" {
			if c.ParentID == c.ID {
				v.Add("parent_id", "cycle", "a category cannot be its own parent")
				return &v
			}
			p, err := s.Category(ctx, c.UserID, c.ParentID)
			if errors.Is(err, ErrCategoryNotFound) {
				v.Addf("parent_id", "exists", "%q is not one of your categories", c.ParentID)
				return &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
			}
			if err != nil {
				return err
			}
			if p.ParentID != "" {
				v.Add("parent_id", "depth", "categories nest one level deep: the parent must be a top-level category")
				return &v
			}
		}
	}
	return nil
}

// DeleteCategory deletes one of the user's categories. If transactions or
// rules use it, or it has children, it is ErrCategoryInUse unless reassign
// is set: then its transactions and rules move to reassignTo ("" =
// uncategorized transactions; rules need a category) and its children to
// the top level.
func (s *Service) DeleteCategory(ctx context.Context, userID, id string, reassign bool, reassignTo string) error {
	c, err := s.Category(ctx, userID, id)
	if err != nil {
		return err
	}
	if c.Builtin {
		return ErrBuiltin
	}
	n, err := s.txs.CountCategory(ctx, userID, id)
	if err != nil {
		return err
	}
	rules, children, err := s.store.CategoryUse(ctx, userID, id)
	if err != nil {
		return err
	}
	if !reassign {
		if n+rules+children > 0 {
			return fault.Errorf(fault.Conflict, "the category is used by %d transaction(s), %d rule(s) and %d child categor(ies); "+
				"name where they go with ?reassign_to=CATEGORY_ID (or reassign_to= for uncategorized)", n, rules, children)
		}
		return s.store.DeleteCategory(ctx, userID, id, "")
	}
	var v fault.Validation
	switch {
	case reassignTo == id:
		v.Add("reassign_to", "different", "must name another category than the one deleted")
	case reassignTo == "" && rules > 0:
		v.Addf("reassign_to", "required", "%d rule(s) set this category: name a category for them", rules)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if reassignTo != "" {
		if _, err := s.Category(ctx, userID, reassignTo); errors.Is(err, ErrCategoryNotFound) {
			v.Addf("reassign_to", "exists", "%q is not one of your categories", reassignTo)
			return &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
		} else if err != nil {
			return err
		}
	}
	if _, err := s.txs.ReassignCategory(ctx, userID, id, reassignTo); err != nil {
		return err
	}
	return s.store.DeleteCategory(ctx, userID, id, reassignTo)
}

// UnknownCategories returns those of ids that are not categories of userID.
func (s *Engine) UnknownCategories(ctx context.Context, userID string, ids []string) ([]string, error) {
	var own map[string]bool
	var unknown []string
	for _, id := range ids {
		if IsBuiltin(id) {
			continue
		}
		if own == nil {
			cs, err := s.store.ListCategories(ctx, userID)
			if err != nil {
				return nil, err
			}
			own = make(map[string]bool, len(cs))
			for _, c := range cs {
				own[c.ID] = true
			}
		}
		if !own[id] {
			unknown = append(unknown, id)
		}
	}
	return unknown, nil
}

// ---- manual categorization ----

// SetCategory categorizes a transaction by hand ("" clears it, also by
// hand: automation leaves it alone afterwards).
func (s *Service) SetCategory(ctx context.Context, userID, txID, categoryID string, ifVersion int64) (transaction.Transaction, error) {
	return s.txs.SetCategory(ctx, userID, txID, transaction.Categorization{CategoryID: categoryID, Source: transaction.SourceManual}, ifVersion)
}

// SetCategories categorizes many transactions by hand, all or none.
func (s *Service) SetCategories(ctx context.Context, userID string, ids []string, categoryID string) ([]string, error) {
	changes := make([]transaction.CategoryChange, len(ids))
	for i, id := range ids {
		changes[i] = transaction.CategoryChange{ID: id, Categorization: transaction.Categorization{CategoryID: categoryID, Source: transaction.SourceManual}}
	}
	return s.txs.SetCategories(ctx, userID, changes)
}

// ---- learning ----

// MaxUserExamples bounds the examples a user's model is trained on (the
// most recent ones); the merchant memory keeps them all.
const MaxUserExamples = 5000

// Learn is the transaction.Classifier hook, told of manual categorizations
// after they are stored. A new one is remembered for its merchant and
// learned by the user's model online; one that replaces an earlier manual
// choice (re-categorized, its text changed), clears it or deletes its
// transaction is taken back: its example is replaced or deleted, and the
// model is retrained from the examples that remain, so that nothing the
// user took back still counts. Failures are logged: the categorization is
// stored either way.
func (s *Engine) Learn(ctx context.Context, userID string, changes []transaction.Categorized) {
	var (
		put     []Learned
		forget  []string
		retrain bool
	)
	now := s.now()
	for _, c := range changes {
		was := c.Before.ID != "" && c.Before.CategorySource == transaction.SourceManual && c.Before.CategoryID != ""
		is := c.After.ID != "" && c.After.CategorySource == transaction.SourceManual && c.After.CategoryID != ""
		switch {
		case is:
			put = append(put, Learned{TxID: c.After.ID, Example: Example{Item: ItemOf(c.After), Category: c.After.CategoryID}, At: now})
			retrain = retrain || was
		case was:
			forget = append(forget, c.Before.ID)
			retrain = true
		}
	}
	if len(put)+len(forget) == 0 {
		return
	}
	if err := s.learn(ctx, userID, put, forget, retrain); err != nil {
		s.log.WarnContext(ctx, "classifier_learn_failed", "user_id", userID, "err", err)
	}
}

func (s *Engine) learn(ctx context.Context, userID string, put []Learned, forget []string, retrain bool) error {
	v, err := s.store.ChangeExamples(ctx, userID, put, forget)
	if err != nil {
		return err
	}
	s.memories.advance(userID, v-1, v, func(k *knowledge) {
		for _, id := range forget {
			k.memory.Forget(id)
			k.adapter.Forget(id)
		}
		for _, l := range put {
			k.memory.Put(l)
			k.adapter.Put(s.top, l)
		}
	})
	if retrain {
		return s.retrainModel(ctx, userID)
	}
	return s.updateModel(ctx, userID, func(m *Linear) { LearnOnline(m, put) })
}

// LearnOnline is how a user's model learns new manual categorizations
// between retrainings: a perceptron update for each, then its confidences
// recalibrated.
func LearnOnline(m *Linear, ls []Learned) {
	for _, l := range ls {
		m.Learn(l.Category, l.Item)
	}
	m.Calibrate()
}

// retrainModel trains the user's model afresh from their stored examples.
func (s *Engine) retrainModel(ctx context.Context, userID string) error {
	ls, err := s.store.Examples(ctx, userID)
	if err != nil {
		return err
	}
	m := TrainUser(ls)
	return s.updateModel(ctx, userID, func(cur *Linear) { *cur = *m })
}

// TrainUser trains a user's model on their examples (oldest first; the
// last MaxUserExamples), deterministically.
func TrainUser(ls []Learned) *Linear {
	if len(ls) > MaxUserExamples {
		ls = ls[len(ls)-MaxUserExamples:]
	}
	ex := make([]Example, len(ls))
	for i, l := range ls {
		ex[i] = l.Example
	}
	if len(ex) < MinCalibrated {
		return TrainLinear(ex, DefaultEpochs, 1)
	}
	return TrainCalibrated(ex, DefaultEpochs, 1)
}

// MinCalibrated is the fewest examples a user's model is calibrated on
// (cross-fitted, TrainCalibrated); below, its confidences are the
// perceptron's own.
const MinCalibrated = 50

// updateModel applies change to the stored user model, retrying when a
// concurrent update won the race.
func (s *Engine) updateModel(ctx context.Context, userID string, change func(*Linear)) error {
	for attempt := 0; ; attempt++ {
		blob, version, err := s.store.LoadModel(ctx, userID)
		if err != nil {
			return err
		}
		m := NewLinear()
		if version > 0 {
			if err := m.UnmarshalBinary(blob); err != nil {
				return err
			}
		}
		change(m)
		out, err := m.MarshalBinary()
		if err != nil {
			return err
		}
		err = s.store.SaveModel(ctx, userID, out, m.Examples(), version, s.now())
		if errors.Is(err, ErrModelConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return err
		}
		s.models.put(userID, version+1, m)
		return nil
	}
}

// RetrainNow is Retrain for the API: one of the user's classification
// slots, or ErrBusy.
func (s *Service) RetrainNow(ctx context.Context, userID string) (int64, error) {
	release, err := s.limit.acquire(ctx, userID, false)
	if err != nil {
		return 0, err
	}
	defer release()
	return s.Retrain(ctx, userID)
}

// Retrain rebuilds what the classifier learned of a user from their
// manually categorized transactions: the examples (merchant memory) and the
// model. It returns the number of examples.
func (s *Service) Retrain(ctx context.Context, userID string) (int64, error) {
	var ls []Learned
	err := s.txs.Each(ctx, userID, transaction.Selection{OnlyManual: true}, func(page []transaction.Transaction) error {
		for _, t := range page {
			if t.CategoryID != "" {
				ls = append(ls, Learned{TxID: t.ID, Example: Example{Item: ItemOf(t), Category: t.CategoryID}, At: t.UpdatedAt})
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortStableFunc(ls, func(a, b Learned) int { return newer(b, a) }) // oldest first
	if _, err := s.store.ReplaceExamples(ctx, userID, ls); err != nil {
		return 0, err
	}
	m := TrainUser(ls)
	err = s.updateModel(ctx, userID, func(cur *Linear) { *cur = *m })
	return int64(len(ls)), err
}

// knowledge is what a user's examples make: their merchant memory and the
// built-in model's categories in their terms.
type knowledge struct {
	memory  *Memory
	adapter *Adapter
}

func (s *Engine) knowledge(ctx context.Context, userID string, version int64) (*knowledge, error) {
	return s.memories.get(ctx, userID, version, func() (*knowledge, error) {
		ls, err := s.store.Examples(ctx, userID)
		if err != nil {
			return nil, err
		}
		return &knowledge{memory: NewMemoryWith(s.dict, ls), adapter: NewAdapter(s.top, ls)}, nil
	})
}

func (s *Engine) userModel(ctx context.Context, userID string, version int64) (*Linear, error) {
	if version == 0 {
		return nil, nil
	}
	return s.models.get(ctx, userID, version, func() (*Linear, error) {
		blob, _, err := s.store.LoadModel(ctx, userID)
		if err != nil {
			return nil, err
		}
		m := NewLinear()
		if err := m.UnmarshalBinary(blob); err != nil {
			return nil, err
		}
		return m, nil
	})
}

// ---- deciding ----

// decider reads the user's state (one query) and builds a decider from
// what is cached for it: rules are compiled once per version of the user's
// rules, shared by every request, and rebuilt on every replica when a change
// bumps the version.
func (s *Engine) decider(ctx context.Context, userID string) (*Pipeline, error) {
	st, err := s.store.State(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.deciderFor(ctx, userID, st)
}

func (s *Engine) deciderFor(ctx context.Context, userID string, st State) (*Pipeline, error) {
	rules, err := s.rules.get(ctx, userID, st.Rules, func() (*RuleSet, error) {
		rs, err := s.store.ListRules(ctx, userID)
		if err != nil {
			return nil, err
		}
		return NewRuleSet(rs), nil
	})
	if err != nil {
		return nil, err
	}
	known, err := s.known.get(ctx, userID, st.Categories, func() (map[string]bool, error) {
		cats, err := s.Categories(ctx, userID)
		if err != nil {
			return nil, err
		}
		known := make(map[string]bool, len(cats))
		for _, c := range cats {
			known[c.ID] = true
		}
		return known, nil
	})
	if err != nil {
		return nil, err
	}
	user, err := s.userModel(ctx, userID, st.Model)
	if err != nil {
		return nil, err
	}
	k, err := s.knowledge(ctx, userID, st.Memory)
	if err != nil {
		return nil, err
	}
	return &Pipeline{Rules: rules, Memory: k.memory, Adapter: k.adapter, User: user, Builtin: s.builtin, Dictionary: s.dict,
		Threshold: float64(st.Settings.Threshold) / 10000,
		Known:     known}, nil
}

// Classify decides for each item; nothing is stored. A user runs at most
// Config.MaxConcurrent of these (and auto-categorizations) at once: past it
// is ErrBusy.
func (s *Service) Classify(ctx context.Context, userID string, items []Item) ([]Result, error) {
	var v fault.Validation
	switch {
	case len(items) == 0:
		v.Add("items", "required", "must hold at least one item")
	case len(items) > MaxClassify:
		v.Addf("items", "max_items", "holds %d items; the limit is %d per request", len(items), MaxClassify)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	release, err := s.limit.acquire(ctx, userID, false)
	if err != nil {
		return nil, err
	}
	defer release()
	d, err := s.decider(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(items))
	for i, it := range items {
		out[i] = s.decided(d.Decide(it))
	}
	return out, nil
}

// AutoCategorize is the transaction.Classifier hook for new transactions:
// when the user turned it on, it decides for each; failures are logged and
// leave the transactions uncategorized. It waits for one of the user's
// classification slots (the create is already bounded by its body size).
func (s *Engine) AutoCategorize(ctx context.Context, userID string, txs []transaction.Transaction) []transaction.Categorization {
	importing := transaction.Importing(ctx)
	if !importing { // off, the default: no read at all while the settings are cached
		set, err := s.cachedSettings(ctx, userID)
		if err != nil {
			s.log.WarnContext(ctx, "classifier_auto_failed", "user_id", userID, "err", err)
			return nil
		}
		if !set.AutoOnCreate {
			return nil
		}
	}
	st, err := s.store.State(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "classifier_auto_failed", "user_id", userID, "err", err)
		return nil
	}
	if !st.Settings.AutoOnCreate && !importing {
		return nil
	}
	release, err := s.limit.acquire(ctx, userID, true)
	if err != nil {
		s.log.WarnContext(ctx, "classifier_auto_failed", "user_id", userID, "err", err)
		return nil
	}
	defer release()
	d, err := s.deciderFor(ctx, userID, st)
	if err != nil {
		s.log.WarnContext(ctx, "classifier_auto_failed", "user_id", userID, "err", err)
		return nil
	}
	out := make([]transaction.Categorization, len(txs))
	for i, t := range txs {
		if r := s.decided(d.Decide(ItemOf(t))); r.CategoryID != "" {
			out[i] = r.Categorization()
		}
	}
	return out
}

// CategorizeOne decides for one stored transaction and applies the result
// if it is confident enough. A manually categorized transaction is
// transaction.ErrManualCategory.
func (s *Service) CategorizeOne(ctx context.Context, userID, txID string) (transaction.Transaction, Result, error) {
	t, err := s.txs.Get(ctx, userID, txID)
	if err != nil {
		return t, Result{}, err
	}
	if t.CategorySource == transaction.SourceManual {
		return t, Result{}, transaction.ErrManualCategory
	}
	release, err := s.limit.acquire(ctx, userID, false)
	if err != nil {
		return t, Result{}, err
	}
	d, err := s.decider(ctx, userID)
	if err != nil {
		release()
		return t, Result{}, err
	}
	r := s.decided(d.Decide(ItemOf(t)))
	release()
	if r.CategoryID == "" {
		return t, r, nil
	}
	t, err = s.txs.SetCategory(ctx, userID, txID, r.Categorization(), 0)
	return t, r, err
}

// ---- settings ----

// Settings returns the user's classifier settings.
func (s *Service) Settings(ctx context.Context, userID string) (Settings, error) {
	return s.store.Settings(ctx, userID)
}

// UpdateSettings changes the settings given (nil: unchanged). threshold is
// a confidence between 0 and 1.
func (s *Service) UpdateSettings(ctx context.Context, userID string, autoOnCreate *bool, threshold *float64) (Settings, error) {
	set, err := s.store.Settings(ctx, userID)
	if err != nil {
		return set, err
	}
	if autoOnCreate != nil {
		set.AutoOnCreate = *autoOnCreate
	}
	if threshold != nil {
		if *threshold < 0 || *threshold > 1 {
			var v fault.Validation
			v.Add("threshold", "range", "must be a confidence between 0 and 1")
			return set, &v
		}
		set.Threshold = int(*threshold*10000 + 0.5)
	}
	set.UpdatedAt = s.now()
	if err := s.store.SaveSettings(ctx, set); err != nil {
		return set, err
	}
	s.settingsChanged(ctx, userID)
	return set, nil
}

func validUUID(id string) bool { return uid.Valid(id) }

func sortScored(s []Scored) {
	// Highest first; ties by category id so that results are deterministic.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && (s[j].P > s[j-1].P || s[j].P == s[j-1].P && s[j].Category < s[j-1].Category); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

package statement

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/transaction"
)

// Accounts is what imports and exports need of the account service.
type Accounts interface {
	Get(ctx context.Context, userID, id string) (account.Account, error)
	Balance(ctx context.Context, userID, id, asOf string) (account.Balance, error)
}

// Transactions is what imports and exports need of the transaction
// service: imports are stored through it, so that they are validated,
// categorized and announced like any create.
type Transactions interface {
	CreateImported(ctx context.Context, userID, importID string, items []transaction.Imported) (int, error)
	List(ctx context.Context, userID string, f transaction.Filter) (transaction.Page, error)
}

// Config tunes the import jobs.
type Config struct {
	// Workers is how many imports one process stores at once (default 2);
	// Queue how many more may wait (default 16). Past both, an import is
	// a 503 to retry.
	Workers, Queue int
	// StaleAfter is how old a running import's heartbeat may get before
	// another process takes it for dead (default 2 minutes).
	StaleAfter time.Duration
	// SingleProcess says that no other process runs imports on this
	// database (SQLite): at start, every running import is a dead one.
	SingleProcess bool
	// IsDuplicate reports a unique-key violation of the store (two imports
	// racing into one account); such an import is deduped again and
	// retried.
	IsDuplicate func(error) bool
	// MaxFileSize is the largest statement file taken, in bytes (default
	// the constant MaxFileSize); the file is held in memory while it is
	// read. MaxFileSizeName says what sets it (trx serve's
	// --max-import-file), for the 413 past it.
	MaxFileSize     int64
	MaxFileSizeName string
}

func (c Config) withDefaults() Config {
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = MaxFileSize
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.Queue <= 0 {
		c.Queue = 16
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = 2 * time.Minute
	}
	if c.IsDuplicate == nil {
		c.IsDuplicate = func(error) bool { return false }
	}
	return c
}

// Service runs imports and exports.
type Service struct {
	store    Store
	accounts Accounts
	txs      Transactions
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	newID    func() string

	slots   chan struct{} // one per import queued or running here
	jobs    chan job
	ready   chan struct{} // closed once Run has failed the dead imports
	mu      sync.Mutex
	running map[string]bool // imports this process is storing (their heartbeats)
}

type job struct {
	imp      Import
	currency string
	entries  []Entry // the new ones
}

// NewService returns a Service; Run must run for imports to be stored.
func NewService(store Store, accounts Accounts, txs Transactions, cfg Config, log *slog.Logger) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		store: store, accounts: accounts, txs: txs, cfg: cfg, log: log,
		now:     func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		newID:   func() string { return uuid.Must(uuid.NewV7()).String() },
		slots:   make(chan struct{}, cfg.Workers+cfg.Queue),
		jobs:    make(chan job, cfg.Workers+cfg.Queue),
		ready:   make(chan struct{}),
		running: map[string]bool{},
	}
}

// Ready is closed once Run has started and settled the imports of dead
// processes.
func (s *Service) Ready() <-chan struct{} { return s.ready }

// Request is one file to import.
type Request struct {
	AccountID string
	Format    string   // "" detects it
	Preset    string   // a CSV preset's name
	Mapping   *Mapping // or an inline CSV mapping
	// Encoding, DateFormat and the separators override the preset's (and
	// apply to QIF).
	Encoding, DateFormat, Decimal, Thousands string
	DryRun                                   bool
	// SkipInvalid imports the good lines of a file with bad ones (which
	// the import lists as rejected); without it any bad line refuses the
	// whole file.
	SkipInvalid bool
	Filename    string
	Data        []byte
}

// Preview is what a dry run shows: the counts an import would have, every
// problem, and the first lines as they would be stored.
type Preview struct {
	Format     string
	Preset     string
	Rows       int
	New        int
	Duplicates int
	Rejected   int
	Skipped    int
	Problems   []Problem
	Items      []PreviewItem
	Currency   string
}

// PreviewItem is one line of a preview.
type PreviewItem struct {
	Entry
	Duplicate bool
}

// Start reads and checks a file for an import into one of userID's
// accounts. A dry run returns its Preview and stores nothing. Otherwise a
// file with a bad line is refused whole (a 400 naming each line and
// field) unless SkipInvalid, and a good one becomes a running Import whose
// transactions are stored in the background, all in one database
// transaction (GET it for its progress).
func (s *Service) Start(ctx context.Context, userID string, r Request) (Import, *Preview, error) {
	acct, err := s.account(ctx, userID, r.AccountID)
	if err != nil {
		return Import{}, nil, err
	}
	o, preset, err := s.options(ctx, userID, r, acct.Currency)
	if err != nil {
		return Import{}, nil, err
	}
	st, err := Parse(r.Data, o)
	if err != nil {
		return Import{}, nil, err
	}
	if len(st.Entries) == 0 && st.Rejected == 0 {
		return Import{}, nil, fileError("file", "empty", "holds no transactions to import (%d lines left out: pending or not a bank statement)", st.Skipped)
	}
	if st.Format != FormatCSV {
		preset = ""
	}
	Keys(acct.ID, st.Entries)
	dups, err := s.dedupe(ctx, acct.ID, st.Entries)
	if err != nil {
		return Import{}, nil, err
	}
	if r.DryRun {
		return Import{}, preview(st, preset, acct.Currency, dups), nil
	}
	if st.Rejected > 0 && !r.SkipInvalid {
		return Import{}, nil, ProblemsError(st.Problems, st.Rejected)
	}
	n := len(st.Entries)
	fresh := withoutKeys(st.Entries, dups)
	now := s.now()
	imp := Import{ID: s.newID(), UserID: userID, AccountID: acct.ID, State: StateRunning, Format: st.Format, Preset: preset,
		Filename: cleanText(r.Filename, 255), Rows: st.Rows, Duplicates: n - len(fresh), Rejected: st.Rejected,
		Skipped: st.Skipped, Problems: st.Problems, CreatedAt: now, UpdatedAt: now, HeartbeatAt: now}
	if len(fresh) == 0 {
		imp.State = StateDone
		return imp, nil, s.store.CreateImport(ctx, imp)
	}
	select {
	case <-s.ready:
	default:
		return Import{}, nil, fault.New(fault.Unavailable, "imports are starting up; retry in a few seconds")
	}
	select {
	case s.slots <- struct{}{}:
	default:
		return Import{}, nil, fault.New(fault.Unavailable, "too many imports are waiting on this server; retry in a minute")
	}
	if err := s.store.CreateImport(ctx, imp); err != nil {
		<-s.slots
		return Import{}, nil, err
	}
	s.setRunning(imp.ID, true)
	s.jobs <- job{imp: imp, currency: acct.Currency, entries: fresh}
	return imp, nil, nil
}

func (s *Service) account(ctx context.Context, userID, id string) (account.Account, error) {
	if id == "" {
		return account.Account{}, fileError("account_id", "required", "names the account to import into (GET /api/v1/accounts lists them)")
	}
	acct, err := s.accounts.Get(ctx, userID, id)
	if errors.Is(err, account.ErrNotFound) {
		return acct, &fault.Error{Kind: fault.Unprocessable, Msg: "account_id: not one of your accounts",
			Err: fileError("account_id", "exists", "%q is not one of your accounts (GET /api/v1/accounts lists them)", id)}
	}
	if err == nil && acct.Closed {
		return acct, fault.Errorf(fault.Conflict, "the account %q is closed; reopen it to import into it", acct.Name)
	}
	return acct, err
}

// FileLimit returns the largest statement file taken, in bytes, and what
// sets it (see Config.MaxFileSize).
func (s *Service) FileLimit() (int64, string) { return s.cfg.MaxFileSize, s.cfg.MaxFileSizeName }

// options resolves the mapping and the overrides of r.
func (s *Service) options(ctx context.Context, userID string, r Request, currency string) (Options, string, error) {
	o := Options{Format: r.Format, Currency: currency, MaxSize: s.cfg.MaxFileSize, MaxSizeName: s.cfg.MaxFileSizeName}
	var preset string
	switch {
	case r.Mapping != nil && r.Preset != "":
		return o, "", fileError("preset", "exclusive", "name a preset or send a mapping, not both")
	case r.Mapping != nil:
		m := *r.Mapping
		o.Mapping = &m
	case r.Preset != "":
		p, err := s.Preset(ctx, userID, r.Preset)
		if err != nil {
			return o, "", err
		}
		m := p.Mapping
		o.Mapping, preset = &m, p.Name
	}
	if o.Mapping != nil {
		override(&o.Mapping.Encoding, r.Encoding)
		override(&o.Mapping.DateFormat, r.DateFormat)
		override(&o.Mapping.Decimal, r.Decimal)
		override(&o.Mapping.Thousands, r.Thousands)
	}
	o.QIF = QIFOptions{DateFormat: r.DateFormat, Encoding: r.Encoding, Number: Number{Decimal: r.Decimal, Thousands: r.Thousands}}
	return o, preset, nil
}

func override(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// dedupe returns the keys of entries already stored in the account.
func (s *Service) dedupe(ctx context.Context, accountID string, entries []Entry) (map[string]bool, error) {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key
	}
	return s.store.ExistingKeys(ctx, accountID, keys)
}

// withoutKeys removes the entries whose key is in dups, in place (a
// statement is not copied): it returns the new ones.
func withoutKeys(entries []Entry, dups map[string]bool) []Entry {
	if len(dups) == 0 {
		return entries
	}
	return slices.DeleteFunc(entries, func(e Entry) bool { return dups[e.Key] })
}

func preview(st *Statement, preset, currency string, dups map[string]bool) *Preview {
	p := &Preview{Format: st.Format, Preset: preset, Rows: st.Rows, Rejected: st.Rejected, Skipped: st.Skipped,
		Problems: st.Problems, Currency: currency, Duplicates: len(dups), New: len(st.Entries) - len(dups)}
	for _, e := range st.Entries[:min(len(st.Entries), PreviewRows)] {
		p.Items = append(p.Items, PreviewItem{Entry: e, Duplicate: dups[e.Key]})
	}
	return p
}

func (s *Service) setRunning(id string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.running[id] = true
	} else {
		delete(s.running, id)
	}
}

// Get returns one of userID's imports.
func (s *Service) Get(ctx context.Context, userID, id string) (Import, error) {
	if !validID(id) {
		return Import{}, ErrImportNotFound
	}
	return s.store.Import(ctx, userID, id)
}

// List returns userID's imports, newest first (of one account if
// accountID is not ""), at most limit (1–100, default 50).
func (s *Service) List(ctx context.Context, userID, accountID string, limit int) ([]Import, error) {
	var v fault.Validation
	switch {
	case limit == 0:
		limit = 50
	case limit < 1 || limit > 100:
		v.Add("limit", "range", "must be between 1 and 100")
	}
	if accountID != "" && !validID(accountID) {
		v.Addf("account_id", "format", "%q is not an account id", accountID)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.store.Imports(ctx, userID, accountID, limit)
}

// Undo deletes every transaction a done import stored, and only those,
// in one database transaction. A running import cannot be undone yet; an
// undone or failed one has nothing to undo (409).
func (s *Service) Undo(ctx context.Context, userID, id string) (Import, error) {
	imp, err := s.Get(ctx, userID, id)
	if err != nil {
		return Import{}, err
	}
	switch imp.State {
	case StateRunning:
		return Import{}, fault.New(fault.Conflict, "the import is still running; undo it once it is done")
	case StateUndone:
		return Import{}, fault.New(fault.Conflict, "the import was undone already")
	case StateFailed:
		return Import{}, fault.New(fault.Conflict, "the import failed and stored nothing; there is nothing to undo")
	}
	return s.store.Undo(ctx, userID, id, s.now())
}

// Presets returns the built-in presets, then userID's by name.
func (s *Service) Presets(ctx context.Context, userID string) ([]Preset, error) {
	own, err := s.store.Presets(ctx, userID)
	if err != nil {
		return nil, err
	}
	return append(BuiltinPresets(), own...), nil
}

// Preset returns the built-in preset or userID's of that name (whatever
// the case).
func (s *Service) Preset(ctx context.Context, userID, name string) (Preset, error) {
	if p, ok := builtinPreset(name); ok {
		return p, nil
	}
	return s.store.Preset(ctx, userID, strings.TrimSpace(name))
}

// PutPreset saves a preset of userID (created, or replaced if ifVersion
// is 0 or its version); it reports whether it created one.
func (s *Service) PutPreset(ctx context.Context, userID, name string, m Mapping, ifVersion int64) (Preset, bool, error) {
	var v fault.Validation
	name = strings.TrimSpace(name)
	if _, ok := builtinPreset(name); ok {
		return Preset{}, false, fault.Errorf(fault.Conflict, "%q is a built-in preset and cannot be changed; save yours under another name", name)
	}
	checkPresetName(&v, name)
	if err := v.Err(); err != nil {
		return Preset{}, false, err
	}
	if err := m.Check(); err != nil {
		return Preset{}, false, err
	}
	now := s.now()
	p := Preset{UserID: userID, Name: name, Mapping: m, CreatedAt: now, UpdatedAt: now, Version: 1}
	created, err := s.store.PutPreset(ctx, p, ifVersion)
	if err != nil {
		return Preset{}, false, err
	}
	p, err = s.store.Preset(ctx, userID, name)
	return p, created, err
}

// DeletePreset deletes one of userID's presets.
func (s *Service) DeletePreset(ctx context.Context, userID, name string) error {
	if _, ok := builtinPreset(name); ok {
		return fault.Errorf(fault.Conflict, "%q is a built-in preset and cannot be deleted", name)
	}
	return s.store.DeletePreset(ctx, userID, strings.TrimSpace(name))
}

func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && len(id) == 36 && u.String() == id
}

// drafts turns entries into the transactions of an import.
func drafts(entries []Entry, accountID, currency string) []transaction.Imported {
	out := make([]transaction.Imported, len(entries))
	acct := &accountID // one for all: nothing changes it
	for i, e := range entries {
		out[i] = transaction.Imported{Key: e.Key, Draft: transaction.Draft{
			Amount: money.Format(e.Amount, currency), Currency: currency, Description: e.Description,
			Counterparty: e.Counterparty, BookedAt: e.BookedAt.UTC().Format(time.RFC3339Nano), CategoryID: e.CategoryID,
			AccountID: acct,
		}}
	}
	return out
}

// errorText is an error as an import shows it: the message of a
// classified error, and only "internal error" for ours (logged).
func (s *Service) errorText(imp Import, err error) string {
	if fault.KindOf(err) == fault.Internal {
		s.log.Error("import_failed", "import_id", imp.ID, "user_id", imp.UserID, "err", err)
		return fmt.Sprintf("internal error; quote the import id %s when reporting it", imp.ID)
	}
	return fault.Message(err)
}

package transaction

import (
	"context"
	"errors"
	"fmt"

	"github.com/trx-platform/trx/internal/fault"
)

// AccountInfo is what the Service needs to know of an account to put a
// transaction in it.
type AccountInfo struct {
	Currency string
	Closed   bool
}

// AccountChecker looks up the accounts of a user (the account service
// implements it). Account returns ErrAccountNotFound for an id that is not
// one of userID's accounts.
type AccountChecker interface {
	Account(ctx context.Context, userID, id string) (AccountInfo, error)
}

// ErrAccountNotFound is what an AccountChecker returns for an id that names
// none of the user's accounts.
var ErrAccountNotFound = errors.New("transaction: no such account")

// WithAccounts lets transactions belong to accounts, checked by a (default:
// none, and a transaction that names an account is refused).
func WithAccounts(a AccountChecker) Option { return func(s *Service) { s.accounts = a } }

// checkAccounts refuses transactions whose account is not one of userID's
// (422), is closed (409) or has another currency (422). prefix is a format
// with the index of the item ("items[%d].", the index counted from off) or "".
func (s *Service) checkAccounts(ctx context.Context, userID string, txs []Transaction, prefix string, off int) error {
	infos := map[string]AccountInfo{}
	var v fault.Validation
	for i, t := range txs {
		if t.AccountID == "" {
			continue
		}
		field := "account_id"
		if prefix != "" {
			field = fmt.Sprintf(prefix, off+i) + field
		}
		info, seen := infos[t.AccountID]
		if !seen {
			if s.accounts == nil {
				return fault.New(fault.Unprocessable, "account_id: this server does not keep accounts")
			}
			var err error
			info, err = s.accounts.Account(ctx, userID, t.AccountID)
			switch {
			case errors.Is(err, ErrAccountNotFound):
				v.Addf(field, "exists", "%q is not one of your accounts (GET /api/v1/accounts lists them)", t.AccountID)
				continue
			case err != nil:
				return err
			}
			infos[t.AccountID] = info
		}
		if info.Closed {
			return fault.Errorf(fault.Conflict, "%s: the account is closed; reopen it to add or move transactions into it", field)
		}
		if info.Currency != t.Currency {
			v.Addf(field, "currency", "the account is in %s; a %s transaction cannot belong to it", info.Currency, t.Currency)
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
}

// accountChanged reports whether next needs its account checked against
// what cur was: it moved into an account, or changed currency inside one.
func accountChanged(cur, next Transaction) bool {
	return next.AccountID != "" && (next.AccountID != cur.AccountID || next.Currency != cur.Currency)
}

// MaxImport is the most transactions CreateImported stores at once.
const MaxImport = 100_000

// Imported is one transaction of a statement import: its draft and its
// dedupe key, unique in its account.
type Imported struct {
	Draft
	Key string
}

// importBatch is how many transactions of an import CreateImported
// prepares (validates, categorizes, encodes the events of) and hands the
// store at a time.
const importBatch = 2000

// CreateImported validates the drafts of an import and stores all of them
// in one database transaction, or none: a crash halfway leaves nothing of
// the import. Each is categorized by the classifier pipeline and reported
// to the Observer like any create. Every draft must name the same account.
// The drafts are turned into transactions a batch at a time, inside the
// database transaction, so that an import is never held whole in memory
// as transactions and events; a batch with a bad draft stops the import
// with that batch's problems. Field names in errors are prefixed with the
// item: items[3].amount. It returns how many it stored.
func (s *Service) CreateImported(ctx context.Context, userID, importID string, items []Imported) (int, error) {
	var v fault.Validation
	switch {
	case len(items) == 0:
		v.Add("items", "required", "must hold at least one transaction")
	case len(items) > MaxImport:
		v.Addf("items", "max_items", "holds %d transactions; the limit is %d per import", len(items), MaxImport)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	ctx = context.WithValue(ctx, importingKey{}, true)
	var (
		manual []Categorized // to learn from once committed
		all    []Transaction // for the Observer, if there is one
	)
	err := s.store.InsertBatches(ctx, userID, len(items), func(put func([]Transaction, []Event) error) error {
		manual, all = manual[:0], all[:0]
		txs := make([]Transaction, 0, min(importBatch, len(items)))
		for off := 0; off < len(items); off += importBatch {
			txs = txs[:0]
			var v fault.Validation
			for i, it := range items[off:min(off+importBatch, len(items))] {
				prefix := fmt.Sprintf("items[%d].", off+i)
				t := s.fromDraft(&v, prefix, userID, it.Draft)
				t.ImportID, t.ImportKey = importID, it.Key
				if t.AccountID == "" || items[0].AccountID == nil || t.AccountID != *items[0].AccountID {
					v.Add(prefix+"account_id", "required", "every transaction of an import belongs to the import's account")
				}
				if it.Key == "" {
					v.Add(prefix+"key", "required", "an imported transaction needs its dedupe key")
				}
				txs = append(txs, t)
			}
			if err := v.Err(); err != nil {
				return err
			}
			if err := s.checkCategories(ctx, userID, txs, "items[%d].", off); err != nil {
				return err
			}
			if err := s.checkAccounts(ctx, userID, txs, "items[%d].", off); err != nil {
				return err
			}
			s.autoCategorize(ctx, userID, txs)
			events, err := NewEvents(EventCreated, s.now(), txs)
			if err != nil {
				return err
			}
			if err := put(txs, events); err != nil {
				return err
			}
			manual = append(manual, created(txs)...)
			if s.observer != nil {
				all = append(all, txs...)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.learn(ctx, userID, manual)
	if s.observer != nil {
		s.observer.Created(ctx, userID, all)
	}
	return len(items), nil
}

// checkAccountID checks the form of an account id ("" is none).
func checkAccountID(v *fault.Validation, field, id string) {
	if id != "" && !validID(id) {
		v.Addf(field, "format", "%q is not an account id", id)
	}
}

type importingKey struct{}

// Importing reports whether ctx is that of CreateImported: a Classifier
// categorizes the transactions of a statement import whatever the user's
// setting for transactions created one by one (an import is asked to be
// categorized; manual choices stay untouched).
func Importing(ctx context.Context) bool {
	v, _ := ctx.Value(importingKey{}).(bool)
	return v
}

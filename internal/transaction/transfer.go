package transaction

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
)

// A transfer moves money between two of a user's accounts. It is stored as
// a linked pair of transactions that share a TransferID: the out leg (a
// negative amount in the account money leaves) and the in leg (a positive
// amount in the account it reaches). Each leg is an ordinary transaction of
// its account, so every balance stays exact; reports leave transfers out
// unless asked (a transfer is neither spending nor income).
//
// The pair is kept whole: both legs are written in one database
// transaction and deleted together (DeleteTransfer); deleting one leg on
// its own is refused (ErrTransferLeg), and so is changing a leg's amount,
// currency or account. Its description, counterparty, booking time and
// category can change like any transaction's.

// Errors of transfers, checked with errors.Is.
var (
	ErrTransferNotFound = fault.New(fault.NotFound, "transfer not found")
	// ErrTransferLeg is the error of a change that would break a transfer's
	// pair; its message names the transfer.
	ErrTransferLeg = errors.New("transaction: the transaction is one leg of a transfer")
)

// TransferDraft is the caller's description of a transfer, as received.
type TransferDraft struct {
	FromAccountID string // the account the money leaves
	ToAccountID   string // the account it reaches
	// Amount is the positive decimal amount that leaves FromAccountID, in
	// its currency. ToAmount is what reaches ToAccountID, in its currency:
	// required when the two accounts' currencies differ, and when given for
	// accounts of one currency it must equal Amount.
	Amount, ToAmount string
	BookedAt         string
	Description      string
	Counterparty     string
}

// Transfer is a stored transfer: its id and its two legs.
type Transfer struct {
	ID       string
	From, To Transaction // the out leg (negative) and the in leg (positive)
}

// Span selects the transactions a report totals: those booked in
// [From, To) (a zero bound is open), with the legs of transfers only when
// Transfers is set.
type Span struct {
	From, To  time.Time
	Transfers bool
}

// CreateTransfer validates d and stores its two legs, atomically, as
// transactions of userID. With a non-nil idem, a retry with the same key and
// request returns the first transfer and stores nothing.
func (s *Service) CreateTransfer(ctx context.Context, userID string, d TransferDraft, idem *Idempotency) (Transfer, error) {
	legs, err := s.transferLegs(ctx, userID, d)
	if err != nil {
		return Transfer{}, err
	}
	out, err := s.insert(ctx, userID, legs, idem)
	if err != nil {
		return Transfer{}, err
	}
	return pairOf(out)
}

// transferLegs checks d and returns the out leg and the in leg.
func (s *Service) transferLegs(ctx context.Context, userID string, d TransferDraft) ([]Transaction, error) {
	var v fault.Validation
	for _, f := range []struct{ name, id string }{{"from_account_id", d.FromAccountID}, {"to_account_id", d.ToAccountID}} {
		if f.id == "" {
			v.Add(f.name, "required", "is required: the id of one of your accounts")
		} else {
			checkAccountID(&v, f.name, f.id)
		}
	}
	if len(v.Fields) == 0 && d.FromAccountID == d.ToAccountID {
		v.Add("to_account_id", "distinct", "names the same account as from_account_id; a transfer is between two accounts")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	from, err := s.transferAccount(ctx, userID, "from_account_id", d.FromAccountID)
	if err != nil {
		return nil, err
	}
	to, err := s.transferAccount(ctx, userID, "to_account_id", d.ToAccountID)
	if err != nil {
		return nil, err
	}
	sent := positiveAmount(&v, "amount", d.Amount, from.Currency)
	received := sent
	switch {
	case d.ToAmount == "" && from.Currency != to.Currency:
		v.Addf("to_amount", "required", "is required: the accounts are in %s and %s, so give the amount that reaches the %s account as well",
			from.Currency, to.Currency, to.Currency)
	case d.ToAmount != "":
		received = positiveAmount(&v, "to_amount", d.ToAmount, to.Currency)
		if from.Currency == to.Currency && received != sent && len(v.Fields) == 0 {
			v.Add("to_amount", "equal", "must equal amount: both accounts are in "+from.Currency+" (leave it out)")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	id := s.newID()
	legs := make([]Transaction, 2)
	for i, leg := range []struct {
		account  string
		amount   int64
		currency string
	}{{d.FromAccountID, -sent, from.Currency}, {d.ToAccountID, received, to.Currency}} {
		account := leg.account
		legs[i] = s.fromDraft(&v, "", userID, Draft{Amount: money.Format(leg.amount, leg.currency), Currency: leg.currency,
			Description: d.Description, Counterparty: d.Counterparty, BookedAt: d.BookedAt, AccountID: &account})
		legs[i].TransferID = id
		if i == 1 && len(v.Fields) > 0 {
			break // the same fields, the same problems: say them once
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return legs, nil
}

// transferAccount looks up one of the accounts of a transfer: unknown is
// 422 naming field, closed is 409.
func (s *Service) transferAccount(ctx context.Context, userID, field, id string) (AccountInfo, error) {
	if s.accounts == nil {
		return AccountInfo{}, fault.New(fault.Unprocessable, field+": this server does not keep accounts")
	}
	info, err := s.accounts.Account(ctx, userID, id)
	switch {
	case errors.Is(err, ErrAccountNotFound):
		var v fault.Validation
		v.Addf(field, "exists", "%q is not one of your accounts (GET /api/v1/accounts lists them)", id)
		return AccountInfo{}, &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
	case err != nil:
		return AccountInfo{}, err
	case info.Closed:
		return AccountInfo{}, fault.Errorf(fault.Conflict, "%s: the account is closed; reopen it to move money into or out of it", field)
	}
	return info, nil
}

// positiveAmount parses a transfer's amount, which must be above zero (the
// direction is from → to).
func positiveAmount(v *fault.Validation, field, amount, currency string) int64 {
	if strings.HasPrefix(amount, "-") {
		v.Add(field, "positive", "must be above zero: the money moves from from_account_id to to_account_id")
		return 0
	}
	before := len(v.Fields)
	n := checkAmount(v, field, amount, currency)
	if n <= 0 && len(v.Fields) == before {
		v.Add(field, "positive", "must be above zero")
	}
	return n
}

// pairOf returns the transfer whose legs are txs: one negative, one not.
func pairOf(txs []Transaction) (Transfer, error) {
	if len(txs) != 2 || txs[0].TransferID == "" || txs[0].TransferID != txs[1].TransferID {
		return Transfer{}, fmt.Errorf("transaction: a transfer has %d legs, not a pair", len(txs))
	}
	t := Transfer{ID: txs[0].TransferID, From: txs[0], To: txs[1]}
	if t.From.Amount > 0 {
		t.From, t.To = t.To, t.From
	}
	return t, nil
}

// Transfer returns one transfer of userID.
func (s *Service) Transfer(ctx context.Context, userID, id string) (Transfer, error) {
	if !validID(id) {
		return Transfer{}, ErrTransferNotFound
	}
	legs, err := s.store.TransferLegs(ctx, userID, id)
	if err != nil {
		return Transfer{}, err
	}
	if len(legs) == 0 {
		return Transfer{}, ErrTransferNotFound
	}
	if len(legs) != 2 {
		return Transfer{}, fault.Errorf(fault.Conflict, "transfer %s has %d legs, not two; DELETE /api/v1/transfers/%s removes what is left of it", id, len(legs), id)
	}
	return pairOf(legs)
}

// DeleteTransfer removes both legs of a transfer, in one statement.
func (s *Service) DeleteTransfer(ctx context.Context, userID, id string) error {
	if !validID(id) {
		return ErrTransferNotFound
	}
	var legs []Transaction
	if s.classifier != nil {
		var err error
		if legs, err = s.store.TransferLegs(ctx, userID, id); err != nil {
			return err
		}
	}
	n, err := s.store.DeleteTransfer(ctx, userID, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrTransferNotFound
	}
	var forget []Categorized
	for _, t := range legs {
		if t.CategorySource == SourceManual && t.CategoryID != "" {
			forget = append(forget, Categorized{Before: t})
		}
	}
	s.learn(ctx, userID, forget)
	return nil
}

// legError is the 409 of a change that would break cur's transfer.
func legError(cur Transaction, what string) error {
	return &fault.Error{Kind: fault.Conflict, Err: ErrTransferLeg, Msg: fmt.Sprintf(
		"transaction %s is one leg of transfer %s: %s; DELETE /api/v1/transfers/%s removes both legs, then create the transfer again",
		cur.ID, cur.TransferID, what, cur.TransferID)}
}

// checkLeg refuses a change of a transfer leg's amount, currency or
// account.
func checkLeg(cur, next Transaction) error {
	if cur.TransferID == "" {
		return nil
	}
	if cur.Amount != next.Amount || cur.Currency != next.Currency || cur.AccountID != next.AccountID {
		return legError(cur, "its amount, currency and account cannot change on their own")
	}
	return nil
}

// LinkTransfer marks two existing transactions of userID as the legs of one
// transfer (both brought in by statement imports of two accounts, say):
// fromID the out leg (negative), toID the in leg (positive), in two of the
// user's accounts; of one currency, their amounts must cancel out. Neither
// may be in a transfer yet. Both are linked in one statement, or neither.
func (s *Service) LinkTransfer(ctx context.Context, userID, fromID, toID string) (Transfer, error) {
	var v fault.Validation
	for _, f := range []struct{ name, id string }{{"from_transaction_id", fromID}, {"to_transaction_id", toID}} {
		if !validID(f.id) {
			v.Addf(f.name, "format", "%q is not a transaction id", f.id)
		}
	}
	if len(v.Fields) == 0 && fromID == toID {
		v.Add("to_transaction_id", "distinct", "names the same transaction as from_transaction_id")
	}
	if err := v.Err(); err != nil {
		return Transfer{}, err
	}
	legs := make([]Transaction, 2)
	for i, f := range []struct{ name, id string }{{"from_transaction_id", fromID}, {"to_transaction_id", toID}} {
		t, err := s.store.Get(ctx, userID, f.id)
		if errors.Is(err, ErrNotFound) {
			v.Addf(f.name, "exists", "%q is not one of your transactions", f.id)
			continue
		}
		if err != nil {
			return Transfer{}, err
		}
		if t.TransferID != "" {
			return Transfer{}, legError(t, "it is in a transfer already")
		}
		legs[i] = t
	}
	if len(v.Fields) > 0 {
		return Transfer{}, &fault.Error{Kind: fault.Unprocessable, Msg: v.Error(), Err: &v}
	}
	if err := checkPair(legs[0], legs[1]); err != nil {
		return Transfer{}, err
	}
	id, at := s.newID(), s.now()
	n, err := s.store.LinkTransfer(ctx, userID, id, []string{fromID, toID}, at)
	if err != nil {
		return Transfer{}, err
	}
	if n != 2 {
		return Transfer{}, fault.New(fault.Conflict, "one of the transactions changed meanwhile (it joined another transfer or was deleted); fetch them and retry")
	}
	for i := range legs {
		legs[i].TransferID, legs[i].Version, legs[i].UpdatedAt = id, legs[i].Version+1, at
	}
	return Transfer{ID: id, From: legs[0], To: legs[1]}, nil
}

// checkPair checks that from and to can be the out and in legs of a
// transfer.
func checkPair(from, to Transaction) error {
	var v fault.Validation
	for _, l := range []struct {
		field string
		t     Transaction
	}{{"from_transaction_id", from}, {"to_transaction_id", to}} {
		if l.t.AccountID == "" {
			v.Add(l.field, "account", "is in no account; a transfer moves money between two of your accounts")
		}
	}
	switch {
	case len(v.Fields) > 0:
	case from.AccountID == to.AccountID:
		v.Add("to_transaction_id", "distinct", "is in the same account as from_transaction_id; a transfer is between two accounts")
	case from.Amount >= 0:
		v.Add("from_transaction_id", "sign", "must be money out of its account (a negative amount)")
	case to.Amount <= 0:
		v.Add("to_transaction_id", "sign", "must be money into its account (a positive amount)")
	case from.Currency == to.Currency && from.Amount+to.Amount != 0:
		v.Addf("to_transaction_id", "equal", "is %s %s but %s %s left: in one currency the amounts of a transfer cancel out",
			money.Format(to.Amount, to.Currency), to.Currency, money.Format(-from.Amount, from.Currency), from.Currency)
	}
	return v.Err()
}

// UnlinkTransfer makes the legs of a transfer ordinary transactions again,
// keeping both (DeleteTransfer removes them).
func (s *Service) UnlinkTransfer(ctx context.Context, userID, id string) error {
	if !validID(id) {
		return ErrTransferNotFound
	}
	n, err := s.store.UnlinkTransfer(ctx, userID, id, s.now())
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrTransferNotFound
	}
	return nil
}

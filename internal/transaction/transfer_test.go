package transaction_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
)

// Account ids of the transfer tests.
const (
	eurChecking = "0197a3c1-0000-7000-8000-0000000000e1"
	eurSavings  = "0197a3c1-0000-7000-8000-0000000000e2"
	usdChecking = "0197a3c1-0000-7000-8000-0000000000d1"
	eurClosed   = "0197a3c1-0000-7000-8000-0000000000c1"
	nobodys     = "0197a3c1-0000-7000-8000-000000000000"
)

// fakeAccounts are u1's accounts.
type fakeAccounts map[string]transaction.AccountInfo

func (f fakeAccounts) Account(_ context.Context, userID, id string) (transaction.AccountInfo, error) {
	a, ok := f[id]
	if !ok || userID != "u1" {
		return transaction.AccountInfo{}, transaction.ErrAccountNotFound
	}
	return a, nil
}

func transferService() (*transaction.Service, *fakeStore) {
	store := newFakeStore()
	return transaction.NewService(store, transaction.WithAccounts(fakeAccounts{
		eurChecking: {Currency: "EUR"}, eurSavings: {Currency: "EUR"}, usdChecking: {Currency: "USD"},
		eurClosed: {Currency: "EUR", Closed: true},
	})), store
}

func TestCreateTransfer(t *testing.T) {
	svc, store := transferService()
	ctx := context.Background()
	d := transaction.TransferDraft{FromAccountID: eurChecking, ToAccountID: eurSavings, Amount: "250.00", BookedAt: "2026-11-30", Description: " To savings "}
	tr, err := svc.CreateTransfer(ctx, "u1", d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ID == "" || tr.From.TransferID != tr.ID || tr.To.TransferID != tr.ID || tr.From.ID == tr.To.ID {
		t.Fatalf("transfer %+v: want two legs linked by its id", tr)
	}
	if tr.From.Amount != -25000 || tr.From.AccountID != eurChecking || tr.To.Amount != 25000 || tr.To.AccountID != eurSavings ||
		tr.From.Description != "To savings" || tr.From.Currency != "EUR" || tr.To.Currency != "EUR" {
		t.Fatalf("legs %+v / %+v: want -250.00 EUR out of checking, +250.00 EUR into savings", tr.From, tr.To)
	}
	if store.count() != 2 || store.inserts != 1 {
		t.Fatalf("%d rows in %d inserts, want both legs in one", store.count(), store.inserts)
	}
	got, err := svc.Transfer(ctx, "u1", tr.ID)
	if err != nil || got.From.ID != tr.From.ID || got.To.ID != tr.To.ID {
		t.Fatalf("read back: %+v (%v)", got, err)
	}
	if _, err := svc.Transfer(ctx, "u2", tr.ID); !errors.Is(err, transaction.ErrTransferNotFound) {
		t.Fatalf("another user reads it: %v, want not found", err)
	}

	// Two currencies: both amounts.
	fx := transaction.TransferDraft{FromAccountID: eurChecking, ToAccountID: usdChecking, Amount: "100", ToAmount: "104.37", BookedAt: "2026-11-30", Description: "FX"}
	tr2, err := svc.CreateTransfer(ctx, "u1", fx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr2.From.Amount != -10000 || tr2.From.Currency != "EUR" || tr2.To.Amount != 10437 || tr2.To.Currency != "USD" {
		t.Fatalf("fx legs %+v / %+v", tr2.From, tr2.To)
	}
}

func TestCreateTransferRefuses(t *testing.T) {
	ok := transaction.TransferDraft{FromAccountID: eurChecking, ToAccountID: eurSavings, Amount: "10", BookedAt: "2026-11-30", Description: "x"}
	for _, tc := range []struct {
		name  string
		edit  func(*transaction.TransferDraft)
		kind  fault.Kind
		field string // a field:rule of a validation error
	}{
		{"no from", func(d *transaction.TransferDraft) { d.FromAccountID = "" }, fault.Invalid, "from_account_id:required"},
		{"same account", func(d *transaction.TransferDraft) { d.ToAccountID = eurChecking }, fault.Invalid, "to_account_id:distinct"},
		{"two currencies, one amount", func(d *transaction.TransferDraft) { d.ToAccountID = usdChecking }, fault.Invalid, "to_amount:required"},
		{"one currency, two amounts", func(d *transaction.TransferDraft) { d.ToAmount = "11" }, fault.Invalid, "to_amount:equal"},
		{"negative", func(d *transaction.TransferDraft) { d.Amount = "-10" }, fault.Invalid, "amount:positive"},
		{"zero", func(d *transaction.TransferDraft) { d.Amount = "0.00" }, fault.Invalid, "amount:positive"},
		{"too many decimals", func(d *transaction.TransferDraft) { d.Amount = "1.001" }, fault.Invalid, "amount:scale"},
		{"no description", func(d *transaction.TransferDraft) { d.Description = "" }, fault.Invalid, "description:required"},
		{"not an account of the user", func(d *transaction.TransferDraft) { d.ToAccountID = nobodys }, fault.Unprocessable, "to_account_id:exists"},
		{"closed", func(d *transaction.TransferDraft) { d.ToAccountID = eurClosed }, fault.Conflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, store := transferService()
			d := ok
			tc.edit(&d)
			_, err := svc.CreateTransfer(context.Background(), "u1", d, nil)
			if k := fault.KindOf(err); k != tc.kind {
				t.Fatalf("error %v: kind %v, want %v", err, k, tc.kind)
			}
			if tc.field != "" && !slices.Contains(fields(t, err), tc.field) {
				t.Fatalf("fields %v, want %s", fields(t, err), tc.field)
			}
			if store.count() != 0 {
				t.Fatalf("%d rows stored by a refused transfer", store.count())
			}
		})
	}
	svc := transaction.NewService(newFakeStore())
	if _, err := svc.CreateTransfer(context.Background(), "u1", ok, nil); fault.KindOf(err) != fault.Unprocessable {
		t.Fatalf("without accounts: %v, want 422", err)
	}
}

// TestTransferIsKeptWhole: a leg is not deleted alone nor its amount,
// currency or account changed; its text can change; DeleteTransfer removes
// both; an idempotent retry gives the first transfer.
func TestTransferIsKeptWhole(t *testing.T) {
	svc, store := transferService()
	ctx := context.Background()
	d := transaction.TransferDraft{FromAccountID: eurChecking, ToAccountID: eurSavings, Amount: "5", BookedAt: "2026-11-30", Description: "move"}
	idem := &transaction.Idempotency{Key: "k1", RequestHash: "h1"}
	tr, err := svc.CreateTransfer(ctx, "u1", d, idem)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateTransfer(ctx, "u1", d, idem)
	if err != nil || again.ID != tr.ID || again.From.ID != tr.From.ID || store.count() != 2 {
		t.Fatalf("retry: %+v (%v), %d rows; want the first transfer and nothing new", again, err, store.count())
	}
	if err := svc.Delete(ctx, "u1", tr.From.ID, 0); !errors.Is(err, transaction.ErrTransferLeg) || fault.KindOf(err) != fault.Conflict {
		t.Fatalf("delete one leg: %v, want 409 ErrTransferLeg", err)
	}
	for name, p := range map[string]transaction.Patch{
		"amount":   {Amount: ptr("-6")},
		"currency": {Currency: ptr("USD")},
		"account":  {AccountID: ptr("")},
	} {
		if _, err := svc.Update(ctx, "u1", tr.To.ID, p, 0); !errors.Is(err, transaction.ErrTransferLeg) {
			t.Fatalf("change a leg's %s: %v, want ErrTransferLeg", name, err)
		}
	}
	if got, err := svc.Update(ctx, "u1", tr.To.ID, transaction.Patch{Description: ptr("move to savings")}, 0); err != nil || got.TransferID != tr.ID {
		t.Fatalf("change a leg's description: %+v (%v)", got, err)
	}
	if err := svc.DeleteTransfer(ctx, "u2", tr.ID); !errors.Is(err, transaction.ErrTransferNotFound) {
		t.Fatalf("another user deletes it: %v", err)
	}
	if err := svc.DeleteTransfer(ctx, "u1", tr.ID); err != nil {
		t.Fatal(err)
	}
	if store.count() != 0 {
		t.Fatalf("%d rows after deleting the transfer, want none", store.count())
	}
	if err := svc.DeleteTransfer(ctx, "u1", tr.ID); !errors.Is(err, transaction.ErrTransferNotFound) {
		t.Fatalf("delete again: %v, want not found", err)
	}
}

func TestLinkTransfer(t *testing.T) {
	svc, store := transferService()
	ctx := context.Background()
	mk := func(amount, currency, account string) transaction.Transaction {
		t.Helper()
		tx, err := svc.Create(ctx, "u1", transaction.Draft{Amount: amount, Currency: currency, Description: "x", BookedAt: "2026-11-30", AccountID: ptr(account)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	out, in, other := mk("-20", "EUR", eurChecking), mk("20", "EUR", eurSavings), mk("21", "EUR", eurSavings)
	usd, same := mk("22.10", "USD", usdChecking), mk("20", "EUR", eurChecking)
	loose, err := svc.Create(ctx, "u1", transaction.Draft{Amount: "20", Currency: "EUR", Description: "x", BookedAt: "2026-11-30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		from, to string
		field    string
	}{
		{"same transaction", out.ID, out.ID, "to_transaction_id:distinct"},
		{"not an id", "x", in.ID, "from_transaction_id:format"},
		{"amounts differ", out.ID, other.ID, "to_transaction_id:equal"},
		{"wrong direction", in.ID, out.ID, "from_transaction_id:sign"},
		{"same account", out.ID, same.ID, "to_transaction_id:distinct"},
		{"in no account", out.ID, loose.ID, "to_transaction_id:account"},
	} {
		if _, err := svc.LinkTransfer(ctx, "u1", tc.from, tc.to); !slices.Contains(fields(t, err), tc.field) {
			t.Errorf("%s: %v, want %s", tc.name, fields(t, err), tc.field)
		}
	}
	if _, err := svc.LinkTransfer(ctx, "u2", out.ID, in.ID); fault.KindOf(err) != fault.Unprocessable {
		t.Fatalf("another user's transactions: %v, want 422", err)
	}
	tr, err := svc.LinkTransfer(ctx, "u1", out.ID, in.ID)
	if err != nil || tr.From.TransferID != tr.ID || tr.To.Version != in.Version+1 {
		t.Fatalf("link: %+v (%v)", tr, err)
	}
	if got, err := svc.Transfer(ctx, "u1", tr.ID); err != nil || got.From.ID != out.ID || got.To.ID != in.ID {
		t.Fatalf("read the linked transfer: %+v (%v)", got, err)
	}
	if _, err := svc.LinkTransfer(ctx, "u1", out.ID, other.ID); !errors.Is(err, transaction.ErrTransferLeg) {
		t.Fatalf("link a leg again: %v, want ErrTransferLeg", err)
	}
	if _, err := svc.LinkTransfer(ctx, "u1", out.ID, usd.ID); !errors.Is(err, transaction.ErrTransferLeg) {
		t.Fatalf("a leg into a second transfer: %v", err)
	}
	if err := svc.UnlinkTransfer(ctx, "u1", tr.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.Get(ctx, "u1", out.ID); got.TransferID != "" {
		t.Fatalf("unlinked leg still in transfer %s", got.TransferID)
	}
	if fx, err := svc.LinkTransfer(ctx, "u1", out.ID, usd.ID); err != nil || fx.To.Currency != "USD" {
		t.Fatalf("two currencies need not cancel out: %+v (%v)", fx, err)
	}
}

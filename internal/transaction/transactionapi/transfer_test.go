package transactionapi_test

import (
	"net/http"
	"testing"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/account/accountsql"
	"github.com/trx-platform/trx/internal/apitest"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// TestTransfers: a transfer between two accounts is a pair of legs that
// moves each balance by its amount, is left out of reports unless asked,
// is read and deleted as a pair, and is kept whole (one leg alone is not
// deleted nor moved); on both engines, through the gateway's document.
func TestTransfers(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := apitest.New(t, d)
			accounts := account.NewService(accountsql.New(e.DB))
			txs := transaction.NewService(transactionsql.New(e.DB), transaction.WithAccounts(accounts))
			srv := e.Start(func(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
				accountapi.Routes(mux, accounts, authn, e.Log)
				transactionapi.Routes(mux, txs, authn, e.Log)
				reportapi.Routes(mux, transactionsql.New(e.DB), authn, e.Log, reportapi.Config{})
			})
			must := func(want int, key, method, path string, body, out any, hdr ...string) {
				t.Helper()
				apitest.Must(t, srv, want, key, method, path, body, out, hdr...)
			}
			newAccount := func(name, currency string) string {
				var a accountapi.Resource
				must(http.StatusCreated, e.Alice, "POST", "/api/v1/accounts", map[string]any{"name": name, "kind": "checking", "currency": currency, "opening_balance": "1000.00"}, &a)
				return a.ID
			}
			balance := func(id string) string {
				var a accountapi.Resource
				must(http.StatusOK, e.Alice, "GET", "/api/v1/accounts/"+id+"/balance", nil, &a)
				return a.Balance
			}
			checking, savings, dollars := newAccount("Checking", "EUR"), newAccount("Savings", "EUR"), newAccount("Dollars", "USD")
			spend := map[string]any{"amount": "-40.00", "currency": "EUR", "description": "Groceries", "booked_at": "2026-11-29", "account_id": checking}
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transactions", spend, nil)

			in := map[string]any{"from_account_id": checking, "to_account_id": savings, "amount": "250.00", "booked_at": "2026-11-30", "description": "To savings"}
			var tr transactionapi.TransferResource
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transfers", in, &tr, "Idempotency-Key", "t-1")
			if tr.From.Amount != "-250.00" || tr.To.Amount != "250.00" || *tr.From.AccountID != checking || *tr.To.AccountID != savings ||
				tr.From.TransferID == nil || *tr.From.TransferID != tr.ID || *tr.To.TransferID != tr.ID {
				t.Fatalf("transfer %+v", tr)
			}
			var again transactionapi.TransferResource
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transfers", in, &again, "Idempotency-Key", "t-1")
			if again.ID != tr.ID {
				t.Fatalf("an idempotent retry made transfer %s, want %s", again.ID, tr.ID)
			}
			if b, s := balance(checking), balance(savings); b != "710.00" || s != "1250.00" {
				t.Fatalf("balances %s and %s, want 710.00 (1000 - 40 - 250) and 1250.00", b, s)
			}

			// Reports: a transfer is neither spending nor income.
			for _, tc := range []struct{ query, spent, received string }{
				{"", "40.00", "0.00"}, {"?transfers=exclude", "40.00", "0.00"}, {"?transfers=include", "290.00", "250.00"},
			} {
				var res report.Result
				must(http.StatusOK, e.Alice, "GET", "/api/v1/report"+tc.query, nil, &res)
				if len(res.Currencies) != 1 || res.Currencies[0].Spent != tc.spent || res.Currencies[0].Received != tc.received {
					t.Fatalf("report%s: %+v, want spent %s received %s", tc.query, res.Currencies, tc.spent, tc.received)
				}
			}
			must(http.StatusBadRequest, e.Alice, "GET", "/api/v1/report?transfers=maybe", nil, nil)

			var got transactionapi.TransferResource
			must(http.StatusOK, e.Alice, "GET", "/api/v1/transfers/"+tr.ID, nil, &got)
			if got.From.ID != tr.From.ID || got.To.ID != tr.To.ID {
				t.Fatalf("read back %+v, want %+v", got, tr)
			}
			must(http.StatusNotFound, e.Bob, "GET", "/api/v1/transfers/"+tr.ID, nil, nil)
			must(http.StatusNotFound, e.Bob, "DELETE", "/api/v1/transfers/"+tr.ID, nil, nil)
			must(http.StatusConflict, e.Alice, "DELETE", "/api/v1/transactions/"+tr.From.ID, nil, nil)
			must(http.StatusConflict, e.Alice, "PATCH", "/api/v1/transactions/"+tr.To.ID, map[string]any{"amount": "300.00"}, nil)
			must(http.StatusOK, e.Alice, "PATCH", "/api/v1/transactions/"+tr.To.ID, map[string]any{"description": "Savings top-up"}, nil)

			// Two currencies: both amounts, or a 400 naming to_amount.
			fx := map[string]any{"from_account_id": checking, "to_account_id": dollars, "amount": "100.00", "booked_at": "2026-11-30", "description": "FX"}
			must(http.StatusBadRequest, e.Alice, "POST", "/api/v1/transfers", fx, nil)
			fx["to_amount"] = "104.37"
			var fxTr transactionapi.TransferResource
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transfers", fx, &fxTr)
			if b, u := balance(checking), balance(dollars); b != "610.00" || u != "1104.37" {
				t.Fatalf("balances after FX %s EUR and %s USD, want 610.00 and 1104.37", b, u)
			}
			must(http.StatusUnprocessableEntity, e.Bob, "POST", "/api/v1/transfers", in, nil) // alice's accounts

			// Two existing transactions become a transfer, and go back to
			// being ordinary ones with keep_transactions=true.
			var outTx, inTx transactionapi.Resource
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transactions", map[string]any{"amount": "-50.00", "currency": "EUR",
				"description": "Out", "booked_at": "2026-12-01", "account_id": checking}, &outTx)
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transactions", map[string]any{"amount": "50.00", "currency": "EUR",
				"description": "In", "booked_at": "2026-12-01", "account_id": savings}, &inTx)
			must(http.StatusBadRequest, e.Alice, "POST", "/api/v1/transfers/link", map[string]any{"from_transaction_id": inTx.ID, "to_transaction_id": outTx.ID}, nil)
			must(http.StatusUnprocessableEntity, e.Bob, "POST", "/api/v1/transfers/link", map[string]any{"from_transaction_id": outTx.ID, "to_transaction_id": inTx.ID}, nil)
			var linked transactionapi.TransferResource
			must(http.StatusCreated, e.Alice, "POST", "/api/v1/transfers/link", map[string]any{"from_transaction_id": outTx.ID, "to_transaction_id": inTx.ID}, &linked)
			if linked.From.ID != outTx.ID || linked.To.ID != inTx.ID || *linked.From.TransferID != linked.ID || linked.To.Version != inTx.Version+1 {
				t.Fatalf("linked %+v", linked)
			}
			must(http.StatusConflict, e.Alice, "POST", "/api/v1/transfers/link", map[string]any{"from_transaction_id": outTx.ID, "to_transaction_id": inTx.ID}, nil)
			var res report.Result
			must(http.StatusOK, e.Alice, "GET", "/api/v1/report?from=2026-12-01", nil, &res)
			if len(res.Currencies) != 0 {
				t.Fatalf("a linked transfer is in the report: %+v", res.Currencies)
			}
			must(http.StatusNoContent, e.Alice, "DELETE", "/api/v1/transfers/"+linked.ID+"?keep_transactions=true", nil, nil)
			var kept transactionapi.Resource
			must(http.StatusOK, e.Alice, "GET", "/api/v1/transactions/"+outTx.ID, nil, &kept)
			if kept.TransferID != nil {
				t.Fatalf("an unlinked leg still names transfer %s", *kept.TransferID)
			}
			must(http.StatusNotFound, e.Alice, "GET", "/api/v1/transfers/"+linked.ID, nil, nil)

			must(http.StatusNoContent, e.Alice, "DELETE", "/api/v1/transfers/"+tr.ID, nil, nil)
			must(http.StatusNotFound, e.Alice, "GET", "/api/v1/transfers/"+tr.ID, nil, nil)
			for _, id := range []string{tr.From.ID, tr.To.ID} {
				must(http.StatusNotFound, e.Alice, "GET", "/api/v1/transactions/"+id, nil, nil)
			}
			if b, s := balance(checking), balance(savings); b != "810.00" || s != "1050.00" {
				t.Fatalf("balances after the delete %s and %s, want 810.00 (1000 - 40 - 100 - 50) and 1050.00", b, s)
			}
		})
	}
}

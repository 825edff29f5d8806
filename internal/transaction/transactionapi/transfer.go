package transactionapi

import (
	"net/http"
	"strconv"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

// TransferInput is the body of POST /api/v1/transfers.
type TransferInput struct {
	FromAccountID string `json:"from_account_id"`
	ToAccountID   string `json:"to_account_id"`
	Amount        string `json:"amount"`
	// ToAmount is what reaches to_account_id, in its currency: required
	// when the accounts' currencies differ.
	ToAmount     string `json:"to_amount,omitempty"`
	BookedAt     string `json:"booked_at"`
	Description  string `json:"description"`
	Counterparty string `json:"counterparty,omitempty"`
}

// TransferResource is a transfer as the API shows it: its id and its two
// legs, each a transaction.
type TransferResource struct {
	ID   string   `json:"id"`
	From Resource `json:"from"` // the out leg (negative), in from_account_id
	To   Resource `json:"to"`   // the in leg (positive), in to_account_id
}

func newTransferResource(t transaction.Transfer) TransferResource {
	return TransferResource{ID: t.ID, From: transaction.NewResource(t.From), To: transaction.NewResource(t.To)}
}

func (h *handler) createTransfer(w http.ResponseWriter, r *http.Request) {
	var in TransferInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	d := transaction.TransferDraft{FromAccountID: in.FromAccountID, ToAccountID: in.ToAccountID, Amount: in.Amount, ToAmount: in.ToAmount,
		BookedAt: in.BookedAt, Description: in.Description, Counterparty: in.Counterparty}
	t, err := h.svc.CreateTransfer(r.Context(), h.principal(r).UserID, d, idempotency(r, "transfer", in))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/transfers/"+t.ID)
	web.Respond(w, http.StatusCreated, newTransferResource(t))
}

func (h *handler) getTransfer(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Transfer(r.Context(), h.principal(r).UserID, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, newTransferResource(t))
}

// LinkInput is the body of POST /api/v1/transfers/link: two existing
// transactions to mark as the legs of one transfer.
type LinkInput struct {
	FromTransactionID string `json:"from_transaction_id"` // the out leg (negative)
	ToTransactionID   string `json:"to_transaction_id"`   // the in leg (positive)
}

func (h *handler) linkTransfer(w http.ResponseWriter, r *http.Request) {
	var in LinkInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	t, err := h.svc.LinkTransfer(r.Context(), h.principal(r).UserID, in.FromTransactionID, in.ToTransactionID)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/transfers/"+t.ID)
	web.Respond(w, http.StatusCreated, newTransferResource(t))
}

// deleteTransfer deletes both legs, or with keep_transactions=true keeps
// them as ordinary transactions.
func (h *handler) deleteTransfer(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "keep_transactions")
	keep := false
	if s := q["keep_transactions"]; s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("keep_transactions", "format", "must be true or false")
		}
		keep = b
	}
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	del := h.svc.DeleteTransfer
	if keep {
		del = h.svc.UnlinkTransfer
	}
	if err := del(r.Context(), h.principal(r).UserID, r.PathValue("id")); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Package accountapi is the HTTP API of accounts under /api/v1/accounts:
// CRUD with the transactions API's rules (another user's account is a 404,
// If-Match on changes, problem+json errors) and exact balances.
package accountapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *account.Service
	log *slog.Logger
}

// Routes registers the account routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *account.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &handler{svc: svc, log: log}
	handle := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	handle("POST /api/v1/accounts", h.create)
	handle("GET /api/v1/accounts", h.list)
	handle("GET /api/v1/accounts/{id}", h.get)
	handle("PATCH /api/v1/accounts/{id}", h.patch)
	handle("DELETE /api/v1/accounts/{id}", h.delete)
	handle("GET /api/v1/accounts/{id}/balance", h.balance)
}

// Resource is an account as the API shows it, with its current balance.
type Resource struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Kind           string  `json:"kind"`
	Currency       string  `json:"currency"`
	OpeningBalance string  `json:"opening_balance"`
	OpeningDate    *string `json:"opening_date"`
	Institution    *string `json:"institution"`
	// Number is masked (all but the last four characters) in lists.
	Number       *string `json:"number"`
	Closed       bool    `json:"closed"`
	Balance      string  `json:"balance"`
	Transactions int64   `json:"transactions"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	Version      int64   `json:"version"`
}

// NewResource renders b's account with its balance; masked hides most of
// the account number.
func NewResource(b account.Balance, masked bool) Resource {
	a := b.Account
	number := a.Number
	if masked {
		number = account.Masked(number)
	}
	return Resource{
		ID: a.ID, Name: a.Name, Kind: a.Kind, Currency: a.Currency,
		OpeningBalance: money.Format(a.OpeningBalance, a.Currency), OpeningDate: optional(a.OpeningDate),
		Institution: optional(a.Institution), Number: optional(number), Closed: a.Closed,
		Balance: money.Format(b.Balance, a.Currency), Transactions: b.Transactions,
		CreatedAt: a.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: a.UpdatedAt.UTC().Format(time.RFC3339Nano), Version: a.Version,
	}
}

// BalanceResource is an account's balance at the end of a day.
type BalanceResource struct {
	AccountID    string  `json:"account_id"`
	Currency     string  `json:"currency"`
	AsOf         *string `json:"as_of"`
	Balance      string  `json:"balance"`
	Opening      string  `json:"opening_balance"`
	Transactions int64   `json:"transactions"`
}

type input struct {
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Currency       string `json:"currency"`
	OpeningBalance string `json:"opening_balance,omitempty"`
	OpeningDate    string `json:"opening_date,omitempty"`
	Institution    string `json:"institution,omitempty"`
	Number         string `json:"number,omitempty"`
	Closed         bool   `json:"closed,omitempty"`
}

type listResponse struct {
	Items []Resource `json:"items"`
}

func userID(r *http.Request) string {
	p, _ := auth.FromContext(r.Context())
	return p.UserID
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in input
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	a, err := h.svc.Create(r.Context(), userID(r), account.Draft(in))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accounts/"+a.ID)
	w.Header().Set("ETag", web.ETag(a.Version))
	web.Respond(w, http.StatusCreated, NewResource(account.Balance{Account: a, Balance: a.OpeningBalance}, false))
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "include_closed")
	includeClosed := false
	if s, ok := q["include_closed"]; ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("include_closed", "format", "must be true or false")
		}
		includeClosed = b
	}
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	bs, err := h.svc.Balances(r.Context(), userID(r), includeClosed)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := listResponse{Items: make([]Resource, len(bs))}
	for i, b := range bs {
		out.Items[i] = NewResource(b, true)
	}
	web.Respond(w, http.StatusOK, out)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	b, err := h.svc.Balance(r.Context(), userID(r), r.PathValue("id"), "")
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(b.Account.Version))
	web.Respond(w, http.StatusOK, NewResource(b, false))
}

func (h *handler) patch(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var raw map[string]json.RawMessage
	if err := web.Decode(w, r, &raw); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	p, err := decodePatch(raw)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	ctx, uid, id := r.Context(), userID(r), r.PathValue("id")
	if _, err := h.svc.Update(ctx, uid, id, p, ifVersion); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	b, err := h.svc.Balance(ctx, uid, id, "")
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(b.Account.Version))
	web.Respond(w, http.StatusOK, NewResource(b, false))
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if err := h.svc.Delete(r.Context(), userID(r), r.PathValue("id"), ifVersion); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) balance(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "as_of")
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	b, err := h.svc.Balance(r.Context(), userID(r), r.PathValue("id"), q["as_of"])
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	a := b.Account
	web.Respond(w, http.StatusOK, BalanceResource{AccountID: a.ID, Currency: a.Currency, AsOf: optional(b.AsOf),
		Balance: money.Format(b.Balance, a.Currency), Opening: money.Format(a.OpeningBalance, a.Currency), Transactions: b.Transactions})
}

// decodePatch reads a merge-patch-like body: each field present is set;
// null clears opening_date, institution or number.
func decodePatch(raw map[string]json.RawMessage) (account.Patch, error) {
	var (
		p account.Patch
		v fault.Validation
	)
	texts := map[string]**string{
		"name": &p.Name, "kind": &p.Kind, "opening_balance": &p.OpeningBalance,
		"opening_date": &p.OpeningDate, "institution": &p.Institution, "number": &p.Number,
	}
	nullable := map[string]bool{"opening_date": true, "institution": true, "number": true}
	for name, msg := range raw {
		if name == "closed" {
			var b bool
			if err := json.Unmarshal(msg, &b); err != nil {
				v.Add(name, "type", "must be true or false")
				continue
			}
			p.Closed = &b
			continue
		}
		dst, ok := texts[name]
		switch {
		case name == "currency":
			v.Add(name, "immutable", "an account's currency never changes; open another account")
			continue
		case !ok:
			v.Add(name, "unknown_field", "is not a field that can be changed; changeable: name, kind, opening_balance, opening_date, institution, number, closed")
			continue
		}
		if string(msg) == "null" {
			if !nullable[name] {
				v.Add(name, "required", "cannot be null")
				continue
			}
			empty := ""
			*dst = &empty
			continue
		}
		var s string
		if err := json.Unmarshal(msg, &s); err != nil {
			v.Add(name, "type", "must be a JSON string")
			continue
		}
		*dst = &s
	}
	if len(raw) == 0 && len(v.Fields) == 0 {
		v.Add("body", "required", "names no field to change")
	}
	return p, v.Err()
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

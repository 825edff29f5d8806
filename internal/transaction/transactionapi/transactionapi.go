// Package transactionapi is the HTTP API of the transactions service under
// /api/v1/transactions, and of transfers between a user's accounts under
// /api/v1/transfers.
package transactionapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *transaction.Service
	log *slog.Logger
	cfg Config
}

// Config configures the routes. Its zero value is the service's limits.
type Config struct {
	// MaxBatch, when positive, is the most items of POST
	// /api/v1/transactions/batch: a larger batch is a 413 naming it and
	// MaxBatchName (what sets it: trx serve's --max-batch). The service's
	// own limit (transaction.WithMaxBatch) must be at least as large.
	MaxBatch     int
	MaxBatchName string
}

// Routes registers the transaction routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *transaction.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	RoutesWith(mux, svc, authn, log, Config{})
}

// RoutesWith is Routes with a Config.
func RoutesWith(mux *http.ServeMux, svc *transaction.Service, authn func(http.Handler) http.Handler, log *slog.Logger, cfg Config) {
	h := &handler{svc: svc, log: log, cfg: cfg}
	handle := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	handle("POST /api/v1/transactions", h.create)
	handle("POST /api/v1/transactions/batch", h.createBatch)
	handle("GET /api/v1/transactions", h.list)
	handle("GET /api/v1/transactions/{id}", h.get)
	handle("PUT /api/v1/transactions/{id}", h.replace)
	handle("PATCH /api/v1/transactions/{id}", h.patch)
	handle("DELETE /api/v1/transactions/{id}", h.delete)
	handle("POST /api/v1/transfers", h.createTransfer)
	handle("POST /api/v1/transfers/link", h.linkTransfer)
	handle("GET /api/v1/transfers/{id}", h.getTransfer)
	handle("DELETE /api/v1/transfers/{id}", h.deleteTransfer)
}

// Resource is a transaction as the API shows it (the type lives in the
// domain package: the event stream shows the same form).
type Resource = transaction.Resource

// Input is the body of a create or a full update.
type Input struct {
	Amount       string  `json:"amount"`
	Currency     string  `json:"currency"`
	Description  string  `json:"description"`
	Counterparty *string `json:"counterparty,omitempty"`
	BookedAt     string  `json:"booked_at"`
	CategoryID   *string `json:"category_id,omitempty"`
	// AccountID: absent leaves a replaced transaction in its account; null
	// takes it out (and is none on a create).
	AccountID accountField `json:"account_id,omitzero"`
}

// accountField is an account_id that tells absent from null.
type accountField struct {
	set bool
	id  string
}

func (a *accountField) UnmarshalJSON(b []byte) error {
	a.set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &a.id)
}

func (a accountField) MarshalJSON() ([]byte, error) {
	if a.id == "" {
		return []byte("null"), nil
	}
	return json.Marshal(a.id)
}

func (a accountField) IsZero() bool { return !a.set }

func (in Input) draft() transaction.Draft {
	d := transaction.Draft{Amount: in.Amount, Currency: in.Currency, Description: in.Description, BookedAt: in.BookedAt}
	if in.AccountID.set {
		d.AccountID = &in.AccountID.id
	}
	if in.Counterparty != nil {
		d.Counterparty = *in.Counterparty
	}
	if in.CategoryID != nil {
		d.CategoryID = *in.CategoryID
	}
	return d
}

// DecodeValue implements web.ValueDecoder: in from the body the gateway
// decoded and checked against TransactionInput (an object of strings and
// nulls). Any other shape is false, and web.Decode parses the bytes.
func (in *Input) DecodeValue(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	var out Input
	for k, v := range m {
		s, isString := v.(string)
		if !isString && v != nil {
			return false
		}
		switch k {
		case "amount", "currency", "description", "booked_at":
			if !isString {
				return false // null into a string is left to encoding/json
			}
			switch k {
			case "amount":
				out.Amount = s
			case "currency":
				out.Currency = s
			case "description":
				out.Description = s
			default:
				out.BookedAt = s
			}
		case "counterparty":
			out.Counterparty = optional(s, isString)
		case "category_id":
			out.CategoryID = optional(s, isString)
		case "account_id":
			out.AccountID = accountField{set: true, id: s}
		default:
			return false
		}
	}
	*in = out
	return true
}

// optional is a nullable string as encoding/json decodes it into *string.
func optional(s string, set bool) *string {
	if !set {
		return nil
	}
	return &s
}

type batchInput struct {
	Items []Input `json:"items"`
}

// DecodeValue implements web.ValueDecoder, as Input's does.
func (b *batchInput) DecodeValue(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	var out batchInput
	for k, v := range m {
		if k != "items" {
			return false
		}
		items, ok := v.([]any)
		if !ok {
			return false
		}
		out.Items = make([]Input, len(items))
		for i, it := range items {
			if !out.Items[i].DecodeValue(it) {
				return false
			}
		}
	}
	*b = out
	return true
}

type listResponse struct {
	Items      []Resource `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func (h *handler) principal(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in Input
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	idem := idempotency(r, "create", in)
	t, err := h.svc.Create(r.Context(), h.principal(r).UserID, in.draft(), idem)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/transactions/"+t.ID)
	w.Header().Set("ETag", web.ETag(t.Version))
	web.Respond(w, http.StatusCreated, transaction.NewResource(t))
}

func (h *handler) createBatch(w http.ResponseWriter, r *http.Request) {
	var in batchInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if h.cfg.MaxBatch > 0 && len(in.Items) > h.cfg.MaxBatch {
		by := ""
		if h.cfg.MaxBatchName != "" {
			by = ", set by " + h.cfg.MaxBatchName
		}
		web.Error(w, r, h.log, fault.Errorf(fault.TooLarge, "the batch holds %d transactions, more than the limit of %d%s; split it",
			len(in.Items), h.cfg.MaxBatch, by))
		return
	}
	ds := make([]transaction.Draft, len(in.Items))
	for i, it := range in.Items {
		ds[i] = it.draft()
	}
	txs, err := h.svc.CreateBatch(r.Context(), h.principal(r).UserID, ds, idempotency(r, "batch", in))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := listResponse{Items: make([]Resource, len(txs))}
	for i, t := range txs {
		out.Items[i] = transaction.NewResource(t)
	}
	web.Respond(w, http.StatusCreated, out)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Get(r.Context(), h.principal(r).UserID, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(t.Version))
	if web.NotModified(r, t.Version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	web.Respond(w, http.StatusOK, transaction.NewResource(t))
}

func (h *handler) replace(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var in Input
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	t, err := h.svc.Replace(r.Context(), h.principal(r).UserID, r.PathValue("id"), in.draft(), ifVersion)
	h.written(w, r, t, err)
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
	t, err := h.svc.Update(r.Context(), h.principal(r).UserID, r.PathValue("id"), p, ifVersion)
	h.written(w, r, t, err)
}

func (h *handler) written(w http.ResponseWriter, r *http.Request, t transaction.Transaction, err error) {
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(t.Version))
	web.Respond(w, http.StatusOK, transaction.NewResource(t))
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if err := h.svc.Delete(r.Context(), h.principal(r).UserID, r.PathValue("id"), ifVersion); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listParams are the query parameters a listing accepts; any other is a
// 400, so that a misspelt filter never silently returns everything.
var listParams = []string{"from", "to", "category_id", "uncategorized", "currency", "amount_min", "amount_max", "q", "limit", "cursor", "account_id"}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, listParams...)
	f := transaction.Filter{
		From: q["from"], To: q["to"], CategoryID: q["category_id"], Currency: q["currency"],
		AmountMin: q["amount_min"], AmountMax: q["amount_max"], Text: q["q"], Cursor: q["cursor"],
		AccountID: q["account_id"],
	}
	if s := q["uncategorized"]; s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("uncategorized", "format", "must be true or false")
		}
		f.Uncategorized = b
	}
	f.Limit = web.Limit(&v, q["limit"], 0, transaction.MaxPageSize)
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	page, err := h.svc.List(r.Context(), h.principal(r).UserID, f)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := listResponse{Items: make([]Resource, len(page.Items))}
	for i, t := range page.Items {
		out.Items[i] = transaction.NewResource(t)
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	web.Respond(w, http.StatusOK, out)
}

// idempotency returns the idempotency key of r with a digest of the
// operation and its decoded input, or nil without the header. The digest is
// of the decoded input, so a retry that only changes whitespace or key order
// still counts as the same request.
func idempotency(r *http.Request, op string, in any) *transaction.Idempotency {
	key, ok := r.Header["Idempotency-Key"]
	if !ok {
		return nil
	}
	body, _ := json.Marshal(in)
	sum := sha256.Sum256(append([]byte(op+"\x00"), body...))
	return &transaction.Idempotency{Key: strings.Join(key, ","), RequestHash: hex.EncodeToString(sum[:])}
}

// decodePatch reads a JSON merge-patch-like body: each field present is set;
// null clears counterparty or category_id and is refused for other fields.
func decodePatch(raw map[string]json.RawMessage) (transaction.Patch, error) {
	var (
		p transaction.Patch
		v fault.Validation
	)
	fields := map[string]**string{
		"amount": &p.Amount, "currency": &p.Currency, "description": &p.Description,
		"counterparty": &p.Counterparty, "booked_at": &p.BookedAt, "category_id": &p.CategoryID,
		"account_id": &p.AccountID,
	}
	nullable := map[string]bool{"counterparty": true, "category_id": true, "account_id": true}
	for name, msg := range raw {
		dst, ok := fields[name]
		if !ok {
			v.Add(name, "unknown_field", "is not a field that can be changed; changeable: amount, currency, description, counterparty, booked_at, category_id, account_id")
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

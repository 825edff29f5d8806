// Package classifierapi is the HTTP API of the classifier: categories, manual
// categorization, rules, classification, jobs and settings, under /api/v1.
package classifierapi

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *classifier.Service
	log *slog.Logger
}

// Routes registers the classifier routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *classifier.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &handler{svc: svc, log: log}
	handle := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	handle("GET /api/v1/categories", h.listCategories)
	handle("POST /api/v1/categories", h.createCategory)
	handle("GET /api/v1/categories/{id}", h.getCategory)
	handle("PATCH /api/v1/categories/{id}", h.updateCategory)
	handle("DELETE /api/v1/categories/{id}", h.deleteCategory)

	handle("PUT /api/v1/transactions/{id}/category", h.setCategory)
	handle("DELETE /api/v1/transactions/{id}/category", h.clearCategory)
	handle("POST /api/v1/transactions/category", h.setCategories)
	handle("POST /api/v1/transactions/{id}/auto-categorize", h.autoCategorize)

	handle("POST /api/v1/classify", h.classify)

	handle("GET /api/v1/rules", h.listRules)
	handle("POST /api/v1/rules", h.createRule)
	handle("GET /api/v1/rules/{id}", h.getRule)
	handle("PATCH /api/v1/rules/{id}", h.updateRule)
	handle("DELETE /api/v1/rules/{id}", h.deleteRule)
	handle("POST /api/v1/rules/{id}/dry-run", h.dryRun)
	handle("POST /api/v1/rules/{id}/apply", h.apply)
	handle("GET /api/v1/rules/suggestions", h.listSuggestions)
	handle("POST /api/v1/rules/suggestions/{id}/accept", h.acceptSuggestion)

	handle("POST /api/v1/classifier/jobs", h.startJob)
	handle("GET /api/v1/classifier/jobs/{id}", h.getJob)
	handle("GET /api/v1/classifier/settings", h.getSettings)
	handle("PATCH /api/v1/classifier/settings", h.updateSettings)
	handle("POST /api/v1/classifier/retrain", h.retrain)
}

func userID(r *http.Request) string {
	p, _ := auth.FromContext(r.Context())
	return p.UserID
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ---- categories ----

// CategoryResource is a category as the API shows it.
type CategoryResource struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	ParentID  *string `json:"parent_id"`
	Builtin   bool    `json:"builtin"`
	CreatedAt string  `json:"created_at,omitempty"`
	UpdatedAt string  `json:"updated_at,omitempty"`
}

func categoryResource(c classifier.Category) CategoryResource {
	out := CategoryResource{ID: c.ID, Name: c.Name, Builtin: c.Builtin}
	if c.ParentID != "" {
		out.ParentID = &c.ParentID
	}
	if !c.Builtin {
		out.CreatedAt, out.UpdatedAt = rfc3339(c.CreatedAt), rfc3339(c.UpdatedAt)
	}
	return out
}

type categoryInput struct {
	Name     *string  `json:"name"`
	ParentID **string `json:"parent_id"`
}

func (in categoryInput) draft() classifier.CategoryDraft {
	d := classifier.CategoryDraft{Name: in.Name}
	if in.ParentID != nil {
		empty := ""
		d.ParentID = &empty
		if *in.ParentID != nil {
			d.ParentID = *in.ParentID
		}
	}
	return d
}

func (h *handler) listCategories(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	if web.Query(r, &v); v.Err() != nil { // no parameters: a misspelt filter is a 400
		web.Error(w, r, h.log, &v)
		return
	}
	cs, err := h.svc.Categories(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := make([]CategoryResource, len(cs))
	for i, c := range cs {
		out[i] = categoryResource(c)
	}
	web.Respond(w, http.StatusOK, map[string]any{"items": out})
}

func (h *handler) createCategory(w http.ResponseWriter, r *http.Request) {
	var in categoryInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	c, err := h.svc.CreateCategory(r.Context(), userID(r), in.draft())
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/categories/"+c.ID)
	web.Respond(w, http.StatusCreated, categoryResource(c))
}

func (h *handler) getCategory(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Category(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, categoryResource(c))
}

func (h *handler) updateCategory(w http.ResponseWriter, r *http.Request) {
	var in categoryInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	c, err := h.svc.UpdateCategory(r.Context(), userID(r), r.PathValue("id"), in.draft())
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, categoryResource(c))
}

func (h *handler) deleteCategory(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "reassign_to")
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	to, reassign := q["reassign_to"]
	if err := h.svc.DeleteCategory(r.Context(), userID(r), r.PathValue("id"), reassign, to); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- manual categorization ----

type categoryBody struct {
	CategoryID *string `json:"category_id"`
}

func (h *handler) setCategory(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var in categoryBody
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if in.CategoryID == nil || *in.CategoryID == "" {
		var v fault.Validation
		v.Add("category_id", "required", "is required; to clear the category, DELETE /api/v1/transactions/{id}/category")
		web.Error(w, r, h.log, &v)
		return
	}
	t, err := h.svc.SetCategory(r.Context(), userID(r), r.PathValue("id"), *in.CategoryID, ifVersion)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(t.Version))
	web.Respond(w, http.StatusOK, transaction.NewResource(t))
}

func (h *handler) clearCategory(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	t, err := h.svc.SetCategory(r.Context(), userID(r), r.PathValue("id"), "", ifVersion)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(t.Version))
	web.Respond(w, http.StatusOK, transaction.NewResource(t))
}

type bulkInput struct {
	IDs        []string `json:"ids"`
	CategoryID *string  `json:"category_id"`
}

func (h *handler) setCategories(w http.ResponseWriter, r *http.Request) {
	var in bulkInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	cat := ""
	if in.CategoryID != nil {
		cat = *in.CategoryID
	}
	changed, err := h.svc.SetCategories(r.Context(), userID(r), in.IDs, cat)
	if err != nil {
		web.Error(w, r, h.log, renameItems(err))
		return
	}
	if changed == nil {
		changed = []string{}
	}
	web.Respond(w, http.StatusOK, map[string]any{"changed": changed})
}

// renameItems names bulk errors after the request's ids field.
func renameItems(err error) error {
	var v *fault.Validation
	if e, ok := err.(*fault.Validation); ok {
		v = e
	}
	if v == nil {
		return err
	}
	for i := range v.Fields {
		f := v.Fields[i].Field
		switch {
		case f == "items":
			v.Fields[i].Field = "ids"
		case strings.HasPrefix(f, "items[") && strings.HasSuffix(f, "].id"):
			v.Fields[i].Field = "ids" + strings.TrimSuffix(strings.TrimPrefix(f, "items"), ".id")
		case strings.HasPrefix(f, "items[") && strings.HasSuffix(f, "].category_id"):
			v.Fields[i].Field = "category_id"
		}
	}
	return v
}

// ResultResource is an automatic decision as the API shows it.
type ResultResource struct {
	CategoryID  *string             `json:"category_id"`
	Confidence  float64             `json:"confidence"`
	Source      *string             `json:"source"`
	RuleID      *string             `json:"rule_id,omitempty"`
	LearnedFrom *string             `json:"learned_from,omitempty"`
	Reason      string              `json:"reason,omitempty"`
	Suggestions []classifier.Scored `json:"suggestions"`
}

func resultResource(res classifier.Result) ResultResource {
	out := ResultResource{Confidence: res.Confidence, Reason: res.Reason, Suggestions: res.Suggestions}
	if out.Suggestions == nil {
		out.Suggestions = []classifier.Scored{}
	}
	if res.CategoryID != "" {
		out.CategoryID, out.Source = &res.CategoryID, &res.Source
	}
	if res.RuleID != "" {
		out.RuleID = &res.RuleID
	}
	if res.LearnedFrom != "" {
		out.LearnedFrom = &res.LearnedFrom
	}
	return out
}

func (h *handler) autoCategorize(w http.ResponseWriter, r *http.Request) {
	t, res, err := h.svc.CategorizeOne(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(t.Version))
	web.Respond(w, http.StatusOK, map[string]any{"transaction": transaction.NewResource(t), "result": resultResource(res)})
}

// ---- classify ----

type classifyItem struct {
	Description  string `json:"description"`
	Counterparty string `json:"counterparty"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
}

func (h *handler) classify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Items []classifyItem `json:"items"`
	}
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var v fault.Validation
	if len(in.Items) > classifier.MaxClassify {
		v.Addf("items", "max_items", "holds %d items; the limit is %d per request", len(in.Items), classifier.MaxClassify)
		web.Error(w, r, h.log, &v)
		return
	}
	items := make([]classifier.Item, len(in.Items))
	for i, it := range in.Items {
		p := "items[" + strconv.Itoa(i) + "]."
		items[i] = classifier.Item{Description: it.Description, Counterparty: it.Counterparty, Currency: it.Currency}
		if strings.TrimSpace(it.Description) == "" {
			v.Add(p+"description", "required", "is required and must not be blank")
		} else if len(it.Description) > 1000*4 {
			v.Add(p+"description", "max_length", "is too long; the limit is 1,000 characters")
		}
		exp, ok := money.Exponent(it.Currency)
		if !ok {
			v.Addf(p+"currency", "iso4217", "%q is not an active ISO 4217 currency code", it.Currency)
			continue
		}
		items[i].Exponent = exp
		n, err := money.Parse(it.Amount, it.Currency)
		if err != nil {
			v.Addf(p+"amount", "format", "%s", err.Error())
			continue
		}
		items[i].Amount = n
	}
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	res, err := h.svc.Classify(r.Context(), userID(r), items)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	respondResults(w, res)
}

// ---- jobs and settings ----

// JobResource is a job as the API shows it.
type JobResource struct {
	ID          string  `json:"id"`
	State       string  `json:"state"`
	From        *string `json:"from"`
	To          *string `json:"to"`
	Total       int64   `json:"total"`
	Done        int64   `json:"done"`
	Categorized int64   `json:"categorized"`
	Error       *string `json:"error,omitempty"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func jobResource(j classifier.Job) JobResource {
	out := JobResource{ID: j.ID, State: j.State, Total: j.Total, Done: j.Done, Categorized: j.Categorized,
		CreatedAt: rfc3339(j.CreatedAt), UpdatedAt: rfc3339(j.UpdatedAt)}
	if !j.From.IsZero() {
		s := rfc3339(j.From)
		out.From = &s
	}
	if !j.To.IsZero() {
		s := rfc3339(j.To)
		out.To = &s
	}
	if j.Error != "" {
		out.Error = &j.Error
	}
	return out
}

func (h *handler) startJob(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	if r.ContentLength != 0 {
		if err := web.Decode(w, r, &in); err != nil {
			web.Error(w, r, h.log, err)
			return
		}
	}
	j, err := h.svc.StartJob(r.Context(), userID(r), in.From, in.To)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/classifier/jobs/"+j.ID)
	web.Respond(w, http.StatusAccepted, jobResource(j))
}

func (h *handler) getJob(w http.ResponseWriter, r *http.Request) {
	j, err := h.svc.Job(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, jobResource(j))
}

type settingsResource struct {
	AutoOnCreate bool    `json:"auto_on_create"`
	Threshold    float64 `json:"threshold"`
}

func (h *handler) getSettings(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Settings(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, settingsResource{AutoOnCreate: s.AutoOnCreate, Threshold: float64(s.Threshold) / 10000})
}

func (h *handler) updateSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AutoOnCreate *bool    `json:"auto_on_create"`
		Threshold    *float64 `json:"threshold"`
	}
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	s, err := h.svc.UpdateSettings(r.Context(), userID(r), in.AutoOnCreate, in.Threshold)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, settingsResource{AutoOnCreate: s.AutoOnCreate, Threshold: float64(s.Threshold) / 10000})
}

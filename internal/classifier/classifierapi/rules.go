package classifierapi

import (
	"net/http"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

// RuleResource is a rule as the API shows it.
type RuleResource struct {
	ID         string                 `json:"id"`
	Name       string                 `json:"name"`
	Position   int                    `json:"position"`
	Conditions []classifier.Condition `json:"conditions"`
	CategoryID string                 `json:"category_id"`
	Enabled    bool                   `json:"enabled"`
	CreatedAt  string                 `json:"created_at"`
	UpdatedAt  string                 `json:"updated_at"`
	Version    int64                  `json:"version"`
}

func ruleResource(r classifier.Rule) RuleResource {
	return RuleResource{ID: r.ID, Name: r.Name, Position: r.Position, Conditions: r.Conditions, CategoryID: r.CategoryID,
		Enabled: r.Enabled, CreatedAt: rfc3339(r.CreatedAt), UpdatedAt: rfc3339(r.UpdatedAt), Version: r.Version}
}

type ruleInput struct {
	Name       *string                 `json:"name"`
	Position   *int                    `json:"position"`
	Conditions *[]classifier.Condition `json:"conditions"`
	CategoryID *string                 `json:"category_id"`
	Enabled    *bool                   `json:"enabled"`
}

func (in ruleInput) draft() classifier.RuleDraft {
	return classifier.RuleDraft{Name: in.Name, Position: in.Position, Conditions: in.Conditions, CategoryID: in.CategoryID, Enabled: in.Enabled}
}

func (h *handler) listRules(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	if web.Query(r, &v); v.Err() != nil { // no parameters: a misspelt filter is a 400
		web.Error(w, r, h.log, &v)
		return
	}
	rules, err := h.svc.Rules(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := make([]RuleResource, len(rules))
	for i, x := range rules {
		out[i] = ruleResource(x)
	}
	web.Respond(w, http.StatusOK, map[string]any{"items": out})
}

func (h *handler) createRule(w http.ResponseWriter, r *http.Request) {
	var in ruleInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	x, err := h.svc.CreateRule(r.Context(), userID(r), in.draft())
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rules/"+x.ID)
	w.Header().Set("ETag", web.ETag(x.Version))
	web.Respond(w, http.StatusCreated, ruleResource(x))
}

func (h *handler) getRule(w http.ResponseWriter, r *http.Request) {
	x, err := h.svc.Rule(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(x.Version))
	web.Respond(w, http.StatusOK, ruleResource(x))
}

func (h *handler) updateRule(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var in ruleInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	x, err := h.svc.UpdateRule(r.Context(), userID(r), r.PathValue("id"), in.draft(), ifVersion)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", web.ETag(x.Version))
	web.Respond(w, http.StatusOK, ruleResource(x))
}

func (h *handler) deleteRule(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteRule(r.Context(), userID(r), r.PathValue("id")); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type ruleChange struct {
	Transaction transaction.Resource `json:"transaction"`
	From        *string              `json:"from_category_id"`
	To          string               `json:"to_category_id"`
}

func runResource(run classifier.RuleRun) map[string]any {
	items := make([]ruleChange, len(run.Changes))
	for i, c := range run.Changes {
		items[i] = ruleChange{Transaction: transaction.NewResource(c.Transaction), To: c.To}
		if c.From != "" {
			from := c.From
			items[i].From = &from
		}
	}
	return map[string]any{"total": run.Total, "items": items}
}

func (h *handler) dryRun(w http.ResponseWriter, r *http.Request) {
	run, err := h.svc.DryRun(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, runResource(run))
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	run, err := h.svc.Apply(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, runResource(run))
}

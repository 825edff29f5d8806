package classifierapi

import (
	"net/http"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/web"
)

// SuggestionResource is a proposed rule as the API shows it.
type SuggestionResource struct {
	ID         string                 `json:"id"`
	Merchant   string                 `json:"merchant"`
	CategoryID string                 `json:"category_id"`
	Count      int                    `json:"count"`
	Of         int                    `json:"of"`
	Examples   []string               `json:"examples"`
	Name       string                 `json:"name"`
	Conditions []classifier.Condition `json:"conditions"`
	DryRun     map[string]any         `json:"dry_run"`
}

func suggestionResource(s classifier.Suggestion) SuggestionResource {
	return SuggestionResource{ID: s.ID, Merchant: s.Merchant, CategoryID: s.CategoryID, Count: s.Count, Of: s.Of, Examples: s.Examples,
		Name: *s.Rule.Name, Conditions: *s.Rule.Conditions, DryRun: runResource(s.DryRun)}
}

func (h *handler) listSuggestions(w http.ResponseWriter, r *http.Request) {
	sgs, err := h.svc.RuleSuggestions(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := make([]SuggestionResource, len(sgs))
	for i, s := range sgs {
		out[i] = suggestionResource(s)
	}
	web.Respond(w, http.StatusOK, map[string]any{"items": out})
}

func (h *handler) acceptSuggestion(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Apply bool `json:"apply"`
	}
	if r.ContentLength != 0 {
		if err := web.Decode(w, r, &in); err != nil {
			web.Error(w, r, h.log, err)
			return
		}
	}
	x, run, err := h.svc.AcceptSuggestion(r.Context(), userID(r), r.PathValue("id"), in.Apply)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rules/"+x.ID)
	w.Header().Set("ETag", web.ETag(x.Version))
	out := map[string]any{"rule": ruleResource(x)}
	if in.Apply {
		out["applied"] = runResource(run)
	}
	web.Respond(w, http.StatusCreated, out)
}

func (h *handler) retrain(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.RetrainNow(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, map[string]any{"examples": n})
}

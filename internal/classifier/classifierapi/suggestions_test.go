package classifierapi_test

import (
	"fmt"
	"testing"

	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestRuleSuggestions: three manual categorizations of one merchant
// propose a rule, with a dry run of what it would change; accepting it
// creates (and applies) the rule, after which nothing is proposed; another
// user sees nothing of it.
func TestRuleSuggestions(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			var list struct {
				Items []classifierapi.SuggestionResource `json:"items"`
			}
			e.must(200, e.alice, "GET", "/api/v1/rules/suggestions", nil, &list)
			if len(list.Items) != 0 {
				t.Fatalf("suggestions with no history: %s", mustJSON(list))
			}
			for i := range 3 {
				e.createTx(e.alice, fmt.Sprintf("SUPERCUTS #%d AUSTIN TX", 1000+i), "-22.00", "category_id", "personal_care")
			}
			e.createTx(e.alice, "GREGGS 1", "-3.00", "category_id", "food_and_drink")
			open1 := e.createTx(e.alice, "SUPERCUTS #2001 DALLAS TX", "-24.00")
			open2 := e.createTx(e.alice, "POS SUPERCUTS 77", "-20.00")
			e.must(200, e.alice, "GET", "/api/v1/rules/suggestions", nil, &list)
			if len(list.Items) != 1 {
				t.Fatalf("suggestions: %s", mustJSON(list))
			}
			sg := list.Items[0]
			if sg.Merchant != "supercuts" || sg.CategoryID != "personal_care" || sg.Count != 3 || sg.Of != 3 || len(sg.Examples) != 3 ||
				len(sg.Conditions) != 1 || sg.Conditions[0].Op != "contains" || sg.Conditions[0].Value != "supercuts" {
				t.Fatalf("suggestion: %s", mustJSON(sg))
			}
			if total := sg.DryRun["total"]; total != float64(2) {
				t.Fatalf("dry run: %s", mustJSON(sg.DryRun))
			}
			e.must(200, e.bob, "GET", "/api/v1/rules/suggestions", nil, &list)
			if len(list.Items) != 0 {
				t.Fatalf("bob's suggestions: %s", mustJSON(list))
			}
			e.must(404, e.bob, "POST", "/api/v1/rules/suggestions/"+sg.ID+"/accept", nil, nil)
			var accepted struct {
				Rule    classifierapi.RuleResource `json:"rule"`
				Applied struct {
					Total int `json:"total"`
				} `json:"applied"`
			}
			e.must(201, e.alice, "POST", "/api/v1/rules/suggestions/"+sg.ID+"/accept", map[string]any{"apply": true}, &accepted)
			if accepted.Rule.CategoryID != "personal_care" || accepted.Applied.Total != 2 {
				t.Fatalf("accepted: %s", mustJSON(accepted))
			}
			for _, id := range []string{open1.ID, open2.ID} {
				if got := e.getTx(e.alice, id); str(got.CategoryID) != "personal_care" || str(got.CategorySource) != "rule" {
					t.Fatalf("after accepting: %s", mustJSON(got))
				}
			}
			e.must(200, e.alice, "GET", "/api/v1/rules/suggestions", nil, &list)
			if len(list.Items) != 0 {
				t.Fatalf("suggested again once covered: %s", mustJSON(list))
			}
			e.must(404, e.alice, "POST", "/api/v1/rules/suggestions/"+sg.ID+"/accept", nil, nil)
		})
	}
}

// TestRetrain: the retrain endpoint rebuilds the examples from the manual
// categorizations, memory included.
func TestRetrain(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			for i := range 4 {
				e.createTx(e.alice, fmt.Sprintf("ZOOPLA PROPERTY %d", i), "-900.00", "category_id", "rent_and_utilities")
			}
			e.createTx(e.alice, "not mine to learn", "-1.00")
			var out struct {
				Examples int `json:"examples"`
			}
			e.must(200, e.alice, "POST", "/api/v1/classifier/retrain", nil, &out)
			if out.Examples != 4 {
				t.Fatalf("retrained on %d examples", out.Examples)
			}
			var res struct {
				Items []classifierapi.ResultResource `json:"items"`
			}
			e.must(200, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
				{"description": "ZOOPLA PROPERTY 99", "amount": "-900.00", "currency": "EUR"}}}, &res)
			if str(res.Items[0].CategoryID) != "rent_and_utilities" || str(res.Items[0].Source) != "merchant" {
				t.Fatalf("after retrain: %s", mustJSON(res))
			}
			e.must(200, e.bob, "POST", "/api/v1/classifier/retrain", nil, &out)
			if out.Examples != 0 {
				t.Fatalf("bob retrained on %d", out.Examples)
			}
		})
	}
}

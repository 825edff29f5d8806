package classifierapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/classifier"
	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestRuleCacheAcrossReplicas: two trx processes on one database; each
// compiles a user's rules once and keeps them, and a change made through
// one is what the other decides with on its next request.
func TestRuleCacheAcrossReplicas(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			a := newEnv(t, d)
			srv, _ := a.replica()
			b := a.on(srv)
			classify := func(e *apiEnv) classifierapi.ResultResource {
				var res struct {
					Items []classifierapi.ResultResource `json:"items"`
				}
				e.must(200, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
					{"description": "SQ *BLUE BOTTLE COFFEE 0042", "amount": "-4.50", "currency": "USD"}}}, &res)
				return res.Items[0]
			}
			var rule classifierapi.RuleResource
			a.must(201, a.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "food_and_drink",
				"conditions": []map[string]any{{"field": "description", "op": "regex", "value": `blue\s+bottle`}}}, &rule)
			if got := classify(b); str(got.CategoryID) != "food_and_drink" || str(got.RuleID) != rule.ID {
				t.Fatalf("replica b before the change: %s", mustJSON(got))
			}
			a.must(200, a.alice, "PATCH", "/api/v1/rules/"+rule.ID, map[string]any{"category_id": "entertainment"}, nil)
			if got := classify(b); str(got.CategoryID) != "entertainment" {
				t.Fatalf("replica b after a change on a: %s", mustJSON(got))
			}
			// Deleting the category the rule sets moves the rule: a change too.
			var own classifierapi.CategoryResource
			b.must(201, b.alice, "POST", "/api/v1/categories", map[string]any{"name": "Coffee"}, &own)
			b.must(200, b.alice, "PATCH", "/api/v1/rules/"+rule.ID, map[string]any{"category_id": own.ID}, nil)
			if got := classify(a); str(got.CategoryID) != own.ID {
				t.Fatalf("replica a after a change on b: %s", mustJSON(got))
			}
			b.must(204, b.alice, "DELETE", "/api/v1/categories/"+own.ID+"?reassign_to=travel", nil, nil)
			if got := classify(a); str(got.CategoryID) != "travel" {
				t.Fatalf("replica a after b deleted the category: %s", mustJSON(got))
			}
			a.must(200, a.alice, "PATCH", "/api/v1/rules/"+rule.ID, map[string]any{"enabled": false}, nil)
			if got := classify(b); got.RuleID != nil {
				t.Fatalf("replica b after a disabled the rule: %s", mustJSON(got))
			}
			a.must(200, a.alice, "PATCH", "/api/v1/rules/"+rule.ID, map[string]any{"enabled": true}, nil)
			if got := classify(b); str(got.RuleID) != rule.ID {
				t.Fatalf("replica b after a enabled it again: %s", mustJSON(got))
			}
			a.must(204, a.alice, "DELETE", "/api/v1/rules/"+rule.ID, nil, nil)
			if got := classify(b); got.RuleID != nil {
				t.Fatalf("replica b after a deleted the rule: %s", mustJSON(got))
			}
			// Bob's rules are his own, on either replica.
			var res struct {
				Items []classifierapi.ResultResource `json:"items"`
			}
			b.must(200, b.bob, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
				{"description": "blue bottle", "amount": "-4.50", "currency": "USD"}}}, &res)
			if res.Items[0].RuleID != nil {
				t.Fatalf("bob got alice's rule: %s", mustJSON(res))
			}
		})
	}
}

// TestRegexCaps: a pattern past the caps is a 400 naming the condition and
// the cap; a user's regex conditions are capped in total (409).
func TestRegexCaps(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			for _, tc := range []struct{ pattern, rule string }{
				{`\w{1,1000}`, "regex_repeat"},
				{`(\w{1,20}x){1,20}`, "regex_size"},
				{strings.Repeat(`[\p{L}]{0,40}`, 10), "regex_size"},
			} {
				r := e.do(e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "travel", "conditions": []map[string]any{
					{"field": "direction", "op": "equals", "value": "debit"},
					{"field": "description", "op": "regex", "value": tc.pattern}}})
				if r.Status != 400 {
					t.Fatalf("%q: status %d: %s", tc.pattern, r.Status, r.Body)
				}
				if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "conditions[1].value" || p.Errors[0].Rule != tc.rule {
					t.Fatalf("%q: errors %+v, want conditions[1].value %s", tc.pattern, p.Errors, tc.rule)
				}
			}
			conds := func(n int) []map[string]any {
				out := make([]map[string]any, n)
				for i := range out {
					out[i] = map[string]any{"field": "description", "op": "regex", "value": fmt.Sprintf(`^shop%d\b`, i)}
				}
				return out
			}
			for range classifier.MaxRegexConditions / classifier.MaxConditions {
				e.must(201, e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "travel", "conditions": conds(classifier.MaxConditions)}, nil)
			}
			e.must(409, e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "travel", "conditions": conds(1)}, nil).Problem(t)
			// Text conditions cost nothing; another user has a budget of their own.
			e.must(201, e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "travel", "conditions": []map[string]any{
				{"field": "description", "op": "contains", "value": "ryanair"}}}, nil)
			e.must(201, e.bob, "POST", "/api/v1/rules", map[string]any{"category_id": "travel", "conditions": conds(1)}, nil)
		})
	}
}

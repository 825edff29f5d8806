package classifierapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
)

type list[T any] struct {
	Items []T `json:"items"`
}

func TestCategories(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			var all list[classifierapi.CategoryResource]
			e.must(200, e.alice, "GET", "/api/v1/categories", nil, &all)
			if len(all.Items) != 16 || all.Items[0].ID != "income" || !all.Items[0].Builtin {
				t.Fatalf("built-in taxonomy: %+v", all.Items)
			}
			var pets, vet classifierapi.CategoryResource
			e.must(201, e.alice, "POST", "/api/v1/categories", map[string]any{"name": "  Pets "}, &pets)
			e.must(201, e.alice, "POST", "/api/v1/categories", map[string]any{"name": "Vet", "parent_id": pets.ID}, &vet)
			if pets.Name != "Pets" || str(vet.ParentID) != pets.ID {
				t.Fatalf("created %+v %+v", pets, vet)
			}
			for _, tc := range []struct {
				name   string
				body   map[string]any
				status int
			}{
				{"duplicate name, other case", map[string]any{"name": "PETS"}, 409},
				{"blank", map[string]any{"name": " "}, 400},
				{"unknown parent", map[string]any{"name": "x", "parent_id": "food_and_drinks"}, 422},
				{"too deep", map[string]any{"name": "x", "parent_id": vet.ID}, 400},
				{"unknown field", map[string]any{"name": "x", "colour": "red"}, 400},
			} {
				if r := e.do(e.alice, "POST", "/api/v1/categories", tc.body); r.Status != tc.status {
					t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
				} else {
					r.Problem(t)
				}
			}
			// Bob may use the name; he cannot see or touch Alice's.
			e.must(201, e.bob, "POST", "/api/v1/categories", map[string]any{"name": "Pets"}, nil)
			for _, m := range []string{"GET", "PATCH", "DELETE"} {
				var body any
				if m == "PATCH" {
					body = map[string]any{"name": "mine"}
				}
				if r := e.do(e.bob, m, "/api/v1/categories/"+pets.ID, body); r.Status != 404 {
					t.Errorf("bob %s alice's category: %d", m, r.Status)
				}
			}
			// Rename; built-ins are read-only.
			e.must(200, e.alice, "PATCH", "/api/v1/categories/"+pets.ID, map[string]any{"name": "Animals"}, &pets)
			if pets.Name != "Animals" {
				t.Fatalf("renamed: %+v", pets)
			}
			e.must(409, e.alice, "PATCH", "/api/v1/categories/travel", map[string]any{"name": "Trips"}, nil)
			e.must(409, e.alice, "DELETE", "/api/v1/categories/travel", nil, nil)

			// Delete in use: 409, unless reassigned.
			tx := e.createTx(e.alice, "Dog food", "-20.00", "category_id", vet.ID)
			r := e.must(409, e.alice, "DELETE", "/api/v1/categories/"+vet.ID, nil, nil)
			r.Problem(t)
			e.must(422, e.alice, "DELETE", "/api/v1/categories/"+vet.ID+"?reassign_to=nope", nil, nil)
			e.must(204, e.alice, "DELETE", "/api/v1/categories/"+vet.ID+"?reassign_to="+pets.ID, nil, nil)
			if got := e.getTx(e.alice, tx.ID); str(got.CategoryID) != pets.ID || str(got.CategorySource) != "manual" {
				t.Fatalf("after reassign: %+v", got)
			}
			e.must(409, e.alice, "DELETE", "/api/v1/categories/"+pets.ID, nil, nil)
			e.must(204, e.alice, "DELETE", "/api/v1/categories/"+pets.ID+"?reassign_to=", nil, nil)
			if got := e.getTx(e.alice, tx.ID); got.CategoryID != nil {
				t.Fatalf("after reassign to uncategorized: %+v", got)
			}
			e.must(404, e.alice, "GET", "/api/v1/categories/"+pets.ID, nil, nil)
		})
	}
}

func TestManualCategorization(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			a := e.createTx(e.alice, "Starbucks 1234 Seattle", "-4.50")
			b := e.createTx(e.bob, "Starbucks", "-4.50")
			var bobCat classifierapi.CategoryResource
			e.must(201, e.bob, "POST", "/api/v1/categories", map[string]any{"name": "Coffee"}, &bobCat)

			path := "/api/v1/transactions/" + a.ID + "/category"
			var got transactionapi.Resource
			e.must(200, e.alice, "PUT", path, map[string]any{"category_id": "food_and_drink"}, &got, "If-Match", `"1"`)
			if str(got.CategoryID) != "food_and_drink" || str(got.CategorySource) != "manual" || got.Version != 2 || got.CategoryConfidence != nil {
				t.Fatalf("after PUT: %+v", got)
			}
			for _, tc := range []struct {
				name, key, path string
				body            any
				status          int
			}{
				{"stale If-Match", e.alice, path, map[string]any{"category_id": "travel"}, 412},
				{"unknown category", e.alice, path, map[string]any{"category_id": "no_such"}, 422},
				{"another user's category", e.alice, path, map[string]any{"category_id": bobCat.ID}, 422},
				{"another user's transaction", e.alice, "/api/v1/transactions/" + b.ID + "/category", map[string]any{"category_id": "travel"}, 404},
				{"no such transaction", e.alice, "/api/v1/transactions/0197a3c0-0000-7000-8000-000000000000/category", map[string]any{"category_id": "travel"}, 404},
				{"missing category_id", e.alice, path, map[string]any{}, 400},
				{"bad category_id", e.alice, path, map[string]any{"category_id": "a b"}, 400},
			} {
				var hdr []string
				if tc.status == 412 {
					hdr = []string{"If-Match", `"1"`}
				}
				if r := e.do(tc.key, "PUT", tc.path, tc.body, hdr...); r.Status != tc.status {
					t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
				} else {
					r.Problem(t)
				}
			}

			// Automation never overwrites it: not a rule applied to existing
			// transactions, not auto-categorize, not the model.
			var rule classifierapi.RuleResource
			e.must(201, e.alice, "POST", "/api/v1/rules", map[string]any{"name": "coffee", "category_id": "travel",
				"conditions": []map[string]any{{"field": "description", "op": "contains", "value": "starbucks"}}}, &rule)
			var run struct {
				Total int `json:"total"`
			}
			e.must(200, e.alice, "POST", "/api/v1/rules/"+rule.ID+"/apply", nil, &run)
			e.must(409, e.alice, "POST", "/api/v1/transactions/"+a.ID+"/auto-categorize", nil, nil)
			if got := e.getTx(e.alice, a.ID); run.Total != 0 || str(got.CategoryID) != "food_and_drink" || str(got.CategorySource) != "manual" {
				t.Fatalf("manual choice overwritten: run %+v, %+v", run, got)
			}

			// A PATCH through the transactions API counts as manual too.
			c := e.createTx(e.alice, "Starbucks again", "-3.00")
			e.must(200, e.alice, "POST", "/api/v1/rules/"+rule.ID+"/apply", nil, &run)
			if got := e.getTx(e.alice, c.ID); run.Total != 1 || str(got.CategorySource) != "rule" || str(got.CategoryRuleID) != rule.ID ||
				got.CategoryConfidence == nil || *got.CategoryConfidence != 1 {
				t.Fatalf("rule applied: run %+v, %+v", run, got)
			}
			e.must(200, e.alice, "PATCH", "/api/v1/transactions/"+c.ID, map[string]any{"category_id": "food_and_drink"}, &got)
			if str(got.CategorySource) != "manual" {
				t.Fatalf("PATCH category_id: %+v", got)
			}
			e.must(422, e.alice, "PATCH", "/api/v1/transactions/"+c.ID, map[string]any{"category_id": "nope"}, nil)

			// Clearing by hand is a manual choice as well.
			e.must(200, e.alice, "DELETE", path, nil, &got)
			if got.CategoryID != nil || str(got.CategorySource) != "manual" {
				t.Fatalf("cleared: %+v", got)
			}
			e.must(200, e.alice, "POST", "/api/v1/rules/"+rule.ID+"/apply", nil, &run)
			if got := e.getTx(e.alice, a.ID); run.Total != 0 || got.CategoryID != nil {
				t.Fatalf("cleared transaction recategorized: %+v", got)
			}
		})
	}
}

func TestBulkCategorization(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			var ids []string
			for i := range 5 {
				ids = append(ids, e.createTx(e.alice, fmt.Sprintf("Rent %d", i), "-900.00").ID)
			}
			bobs := e.createTx(e.bob, "bob's", "-1.00").ID
			var out struct {
				Changed []string `json:"changed"`
			}
			e.must(404, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": append(ids[:2:2], bobs), "category_id": "rent_and_utilities"}, nil)
			if got := e.getTx(e.alice, ids[0]); got.CategoryID != nil {
				t.Fatalf("a refused bulk request changed a row: %+v", got)
			}
			e.must(422, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": ids, "category_id": "nope"}, nil)
			e.must(400, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": []string{}, "category_id": "travel"}, nil)
			e.must(400, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": []string{ids[0], ids[0]}, "category_id": "travel"}, nil)
			many := make([]string, 1001)
			for i := range many {
				many[i] = ids[0]
			}
			e.must(400, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": many, "category_id": "travel"}, nil)
			e.must(200, e.alice, "POST", "/api/v1/transactions/category", map[string]any{"ids": ids, "category_id": "rent_and_utilities"}, &out)
			if len(out.Changed) != 5 {
				t.Fatalf("changed %v", out.Changed)
			}
			for _, id := range ids {
				if got := e.getTx(e.alice, id); str(got.CategoryID) != "rent_and_utilities" || str(got.CategorySource) != "manual" || got.Version != 2 {
					t.Fatalf("bulk: %+v", got)
				}
			}
		})
	}
}

func TestRules(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			uber := e.createTx(e.alice, "UBER *TRIP HELP.UBER.COM", "-12.40")
			eats := e.createTx(e.alice, "UBER *EATS PENDING", "-25.00")
			salary := e.createTx(e.alice, "ACME Corp salary", "2500.00")
			mk := func(body map[string]any) classifierapi.RuleResource {
				var r classifierapi.RuleResource
				e.must(201, e.alice, "POST", "/api/v1/rules", body, &r)
				return r
			}
			general := mk(map[string]any{"name": "uber", "category_id": "transportation",
				"conditions": []map[string]any{{"field": "description", "op": "starts_with", "value": "uber"}}})
			// A more specific rule inserted before it wins.
			specific := mk(map[string]any{"name": "uber eats", "category_id": "food_and_drink", "position": 1,
				"conditions": []map[string]any{{"field": "description", "op": "regex", "value": `^uber \*eats\b`},
					{"field": "direction", "op": "equals", "value": "debit"}, {"field": "amount", "op": "between", "max": "100"}}})
			var rules list[classifierapi.RuleResource]
			e.must(200, e.alice, "GET", "/api/v1/rules", nil, &rules)
			if len(rules.Items) != 2 || rules.Items[0].ID != specific.ID || rules.Items[0].Position != 1 || rules.Items[1].ID != general.ID || rules.Items[1].Position != 2 {
				t.Fatalf("order: %+v", rules.Items)
			}
			var res struct {
				Items []classifierapi.ResultResource `json:"items"`
			}
			e.must(200, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
				{"description": "UBER *EATS PENDING", "amount": "-25.00", "currency": "EUR"},
				{"description": "UBER *EATS PENDING", "amount": "-250.00", "currency": "EUR"},
				{"description": "Uber trip", "amount": "-9", "currency": "USD"},
			}}, &res)
			if str(res.Items[0].CategoryID) != "food_and_drink" || str(res.Items[0].RuleID) != specific.ID ||
				str(res.Items[1].CategoryID) != "transportation" || str(res.Items[2].Source) != "rule" {
				t.Fatalf("classify with rules: %s", mustJSON(res))
			}

			// Dry run lists exactly what apply then changes.
			type run struct {
				Total int `json:"total"`
				Items []struct {
					Transaction transactionapi.Resource `json:"transaction"`
					To          string                  `json:"to_category_id"`
				} `json:"items"`
			}
			var dry, applied run
			e.must(200, e.alice, "POST", "/api/v1/rules/"+general.ID+"/dry-run", nil, &dry)
			if dry.Total != 2 || len(dry.Items) != 2 {
				t.Fatalf("dry run: %+v", dry)
			}
			if got := e.getTx(e.alice, uber.ID); got.CategoryID != nil || got.Version != 1 {
				t.Fatalf("dry run changed a transaction: %+v", got)
			}
			e.must(200, e.alice, "POST", "/api/v1/rules/"+general.ID+"/apply", nil, &applied)
			if mustJSON(ids(dry.Items)) != mustJSON(ids(applied.Items)) || applied.Total != dry.Total {
				t.Fatalf("apply %+v differs from dry run %+v", applied, dry)
			}
			for _, id := range []string{uber.ID, eats.ID} {
				if got := e.getTx(e.alice, id); str(got.CategoryID) != "transportation" || str(got.CategorySource) != "rule" {
					t.Fatalf("applied: %+v", got)
				}
			}
			if got := e.getTx(e.alice, salary.ID); got.CategoryID != nil {
				t.Fatalf("salary matched: %+v", got)
			}
			// Applying again changes nothing.
			e.must(200, e.alice, "POST", "/api/v1/rules/"+general.ID+"/dry-run", nil, &dry)
			if dry.Total != 0 {
				t.Fatalf("second dry run: %+v", dry)
			}

			// Update with If-Match, move, disable, delete.
			var upd classifierapi.RuleResource
			e.must(412, e.alice, "PATCH", "/api/v1/rules/"+general.ID, map[string]any{"enabled": false}, nil, "If-Match", `"7"`)
			e.must(200, e.alice, "PATCH", "/api/v1/rules/"+general.ID, map[string]any{"position": 1}, &upd, "If-Match", `"1"`)
			e.must(200, e.alice, "GET", "/api/v1/rules", nil, &rules)
			if upd.Version != 2 || rules.Items[0].ID != general.ID || rules.Items[1].Position != 2 {
				t.Fatalf("moved: %+v", rules.Items)
			}
			e.must(404, e.bob, "GET", "/api/v1/rules/"+general.ID, nil, nil)
			e.must(404, e.bob, "POST", "/api/v1/rules/"+general.ID+"/apply", nil, nil)
			e.must(404, e.bob, "DELETE", "/api/v1/rules/"+general.ID, nil, nil)
			e.must(204, e.alice, "DELETE", "/api/v1/rules/"+general.ID, nil, nil)
			e.must(200, e.alice, "GET", "/api/v1/rules", nil, &rules)
			if len(rules.Items) != 1 || rules.Items[0].Position != 1 {
				t.Fatalf("after delete: %+v", rules.Items)
			}

			// Bad rules name the field and the rule broken.
			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"no conditions", map[string]any{"category_id": "travel", "conditions": []any{}}, "conditions"},
				{"bad regex", map[string]any{"category_id": "travel", "conditions": []map[string]any{{"field": "description", "op": "regex", "value": "(("}}}, "conditions[0].value"},
				{"long regex", map[string]any{"category_id": "travel", "conditions": []map[string]any{{"field": "description", "op": "regex", "value": string(make([]byte, 201))}}}, "conditions[0].value"},
				{"bad op", map[string]any{"category_id": "travel", "conditions": []map[string]any{{"field": "amount", "op": "contains", "value": "1"}}}, "conditions[0].op"},
				{"negative bound", map[string]any{"category_id": "travel", "conditions": []map[string]any{{"field": "amount", "op": "between", "min": "-1"}}}, "conditions[0].min"},
				{"bad currency", map[string]any{"category_id": "travel", "conditions": []map[string]any{{"field": "currency", "op": "equals", "value": "EURO"}}}, "conditions[0].value"},
				{"no category", map[string]any{"conditions": []map[string]any{{"field": "direction", "op": "equals", "value": "credit"}}}, "category_id"},
			} {
				r := e.do(e.alice, "POST", "/api/v1/rules", tc.body)
				if r.Status != 400 {
					t.Errorf("%s: status %d: %s", tc.name, r.Status, r.Body)
					continue
				}
				if p := r.Problem(t); len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
					t.Errorf("%s: errors %+v, want field %s", tc.name, p.Errors, tc.field)
				}
			}
			e.must(422, e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "nope",
				"conditions": []map[string]any{{"field": "direction", "op": "equals", "value": "credit"}}}, nil)
		})
	}
}

func ids[T any](items []T) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprint(it))
	}
	return out
}

func TestClassifyLimits(t *testing.T) {
	e := newEnv(t, "sqlite")
	item := map[string]any{"description": "Coffee", "amount": "-3.50", "currency": "EUR"}
	items := make([]map[string]any, 1000)
	for i := range items {
		items[i] = item
	}
	var res struct {
		Items []classifierapi.ResultResource `json:"items"`
	}
	e.must(200, e.alice, "POST", "/api/v1/classify", map[string]any{"items": items}, &res)
	if len(res.Items) != 1000 {
		t.Fatalf("%d results", len(res.Items))
	}
	items = append(items, item)
	if r := e.must(400, e.alice, "POST", "/api/v1/classify", map[string]any{"items": items}, nil); r.Problem(t).Errors[0].Rule != "max_items" {
		t.Fatalf("1,001 items: %s", r.Body)
	}
	e.must(400, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []any{}}, nil)
	r := e.must(400, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{{"description": "x", "amount": "1.001", "currency": "EUR"}}}, nil)
	if p := r.Problem(t); p.Errors[0].Field != "items[0].amount" {
		t.Fatalf("bad amount: %+v", p)
	}
}

// TestLearning: with no built-in model, one manual categorization of a
// merchant decides its next transaction, whatever the descriptor's store
// number, city or card prefix; a later correction replaces it at once; and
// what the user takes back (a deleted transaction, a cleared category) is
// unlearned.
func TestLearning(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			classify := func(desc string) classifierapi.ResultResource {
				var res struct {
					Items []classifierapi.ResultResource `json:"items"`
				}
				e.must(200, e.alice, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
					{"description": desc, "amount": "-30.00", "currency": "EUR"}}}, &res)
				return res.Items[0]
			}
			seed := map[string]string{"Tesco Stores 2231": "food_and_drink", "Shell Oil 5521": "transportation",
				"Netflix.com": "entertainment", "Boots Pharmacy": "medical", "Ryanair": "travel", "Vodafone bill": "rent_and_utilities"}
			for desc, cat := range seed {
				e.createTx(e.alice, desc, "-30.00", "category_id", cat)
			}
			tx := e.createTx(e.alice, "SUPERCUTS #1234", "-30.00")
			e.must(200, e.alice, "PUT", "/api/v1/transactions/"+tx.ID+"/category", map[string]any{"category_id": "personal_care"}, nil)
			for _, desc := range []string{"SUPERCUTS #9876 AUSTIN TX", "POS PURCHASE SUPERCUTS 0042", "SQ *SUPERCUTS"} {
				got := classify(desc)
				if str(got.CategoryID) != "personal_care" || str(got.Source) != "merchant" || str(got.LearnedFrom) != tx.ID ||
					!strings.Contains(got.Reason, tx.ID) {
					t.Fatalf("%q after one categorization: %s", desc, mustJSON(got))
				}
			}
			// Bob's merchants are his own.
			var res struct {
				Items []classifierapi.ResultResource `json:"items"`
			}
			e.must(200, e.bob, "POST", "/api/v1/classify", map[string]any{"items": []map[string]any{
				{"description": "SUPERCUTS #9876", "amount": "-30.00", "currency": "EUR"}}}, &res)
			if str(res.Items[0].Source) == "merchant" {
				t.Fatalf("bob got alice's memory: %s", mustJSON(res))
			}
			// A correction of an automatic result replaces it at once.
			auto := e.createTx(e.alice, "SUPERCUTS #5555 DALLAS TX", "-30.00")
			var ac struct {
				Transaction transactionapi.Resource      `json:"transaction"`
				Result      classifierapi.ResultResource `json:"result"`
			}
			e.must(200, e.alice, "POST", "/api/v1/transactions/"+auto.ID+"/auto-categorize", nil, &ac)
			if str(ac.Transaction.CategorySource) != "merchant" || str(ac.Transaction.CategoryID) != "personal_care" {
				t.Fatalf("auto-categorized: %s", mustJSON(ac))
			}
			e.must(200, e.alice, "PUT", "/api/v1/transactions/"+auto.ID+"/category", map[string]any{"category_id": "medical"}, nil)
			if got := classify("SUPERCUTS #1"); str(got.CategoryID) != "medical" || str(got.LearnedFrom) != auto.ID {
				t.Fatalf("after the correction: %s", mustJSON(got))
			}
			// Deleting the correction's transaction unlearns it.
			e.must(204, e.alice, "DELETE", "/api/v1/transactions/"+auto.ID, nil, nil)
			if got := classify("SUPERCUTS #1"); str(got.CategoryID) != "personal_care" || str(got.LearnedFrom) != tx.ID {
				t.Fatalf("after deleting the correction: %s", mustJSON(got))
			}
			// Clearing the category by hand unlearns it too.
			e.must(200, e.alice, "DELETE", "/api/v1/transactions/"+tx.ID+"/category", nil, nil)
			if got := classify("SUPERCUTS #1"); str(got.Source) == "merchant" {
				t.Fatalf("after clearing the last one: %s", mustJSON(got))
			}
			// Re-categorizing replaces what it taught, in the model too.
			e.must(200, e.alice, "PUT", "/api/v1/transactions/"+tx.ID+"/category", map[string]any{"category_id": "travel"}, nil)
			e.must(200, e.alice, "PUT", "/api/v1/transactions/"+tx.ID+"/category", map[string]any{"category_id": "personal_care"}, nil)
			if got := classify("SUPERCUTS #1"); str(got.CategoryID) != "personal_care" || got.Suggestions[0].Category != "personal_care" ||
				len(got.Suggestions) != 1 {
				t.Fatalf("after re-categorizing: %s", mustJSON(got))
			}
		})
	}
}

// TestJob: a job over many transactions reports progress and finishes; a
// second job while one runs is refused; auto on create follows the setting.
func TestJob(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			e.must(201, e.alice, "POST", "/api/v1/rules", map[string]any{"category_id": "food_and_drink",
				"conditions": []map[string]any{{"field": "description", "op": "contains", "value": "coffee"}}}, nil)
			items := make([]map[string]any, 1000)
			for i := range items {
				desc := fmt.Sprintf("coffee shop %d", i)
				if i%4 == 0 {
					desc = fmt.Sprintf("unknown thing %d", i)
				}
				items[i] = map[string]any{"amount": "-1.00", "currency": "EUR", "description": desc, "booked_at": fmt.Sprintf("2026-01-%02dT10:00:00Z", 1+i%28)}
			}
			e.must(201, e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": items}, nil)
			e.must(201, e.alice, "POST", "/api/v1/transactions/batch", map[string]any{"items": items[:200]}, nil)
			var job classifierapi.JobResource
			r := e.must(202, e.alice, "POST", "/api/v1/classifier/jobs", map[string]any{}, &job)
			second := e.do(e.alice, "POST", "/api/v1/classifier/jobs", map[string]any{})
			if second.Status != 409 && second.Status != 202 {
				t.Fatalf("second job: %d %s", second.Status, second.Body)
			}
			deadline := time.Now().Add(60 * time.Second)
			sawRunning := second.Status == 409
			for job.State == "running" {
				if time.Now().After(deadline) {
					t.Fatalf("job still running: %+v", job)
				}
				time.Sleep(20 * time.Millisecond)
				e.must(200, e.alice, "GET", r.Header.Get("Location"), nil, &job)
				if job.State == "running" {
					sawRunning = true
					if job.Done > job.Total && job.Total > 0 {
						t.Fatalf("progress past total: %+v", job)
					}
				}
			}
			if job.State != "done" || job.Total != 1200 || job.Done != 1200 || job.Categorized != 900 {
				t.Fatalf("finished job: %+v (saw running: %v)", job, sawRunning)
			}
			e.must(404, e.bob, "GET", r.Header.Get("Location"), nil, nil)
			// Now that the first is done, another may start.
			e.must(202, e.alice, "POST", "/api/v1/classifier/jobs", map[string]any{"from": "2026-01-01", "to": "2026-01-02"}, &job)

			// Auto-categorize on create: off by default, on when asked.
			if got := e.createTx(e.alice, "coffee to go", "-2.00"); got.CategoryID != nil {
				t.Fatalf("auto without the setting: %+v", got)
			}
			e.must(200, e.alice, "PATCH", "/api/v1/classifier/settings", map[string]any{"auto_on_create": true}, nil)
			e.must(400, e.alice, "PATCH", "/api/v1/classifier/settings", map[string]any{"threshold": 1.5}, nil)
			got := e.createTx(e.alice, "coffee to go", "-2.00")
			if str(got.CategoryID) != "food_and_drink" || str(got.CategorySource) != "rule" {
				t.Fatalf("auto on create: %+v", got)
			}
			if got := e.createTx(e.alice, "coffee to go", "-2.00", "category_id", "travel"); str(got.CategoryID) != "travel" || str(got.CategorySource) != "manual" {
				t.Fatalf("a category given on create was replaced: %+v", got)
			}
		})
	}
}

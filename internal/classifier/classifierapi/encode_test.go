package classifierapi

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/classifier"
)

// reflectResults is the classify response as web.Respond encoded it
// before respondResults.
func reflectResults(t testing.TB, res []classifier.Result) []byte {
	t.Helper()
	out := make([]ResultResource, len(res))
	for i, x := range res {
		out[i] = resultResource(x)
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(map[string]any{"items": out}) // a non-finite confidence writes nothing, as before
	return b.Bytes()
}

var encodeStrings = []string{
	"", "food_and_drink", "the built-in model", `merchant "SUPERCUTS": you put transaction tx1 ("SUPERCUTS #1") in hair`,
	`back\slash`, "H&M", "<script>", "a>b", "tab\there", "new\nline", "nul\x00", "\x7f", "café", "\u2028", "\u2029", "\xff", "\xe2\x80", "\b\f\r\x01\x1f", "Marks & Spencer", "日本",
	"the merchant dictionary: Tesco (Wikidata Q487494, OpenStreetMap shop=supermarket, from the name-suggestion-index)",
}

var encodeFloats = []float64{0, 1, 0.5, 0.123456789012345, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e-100, 1e20, 1e21, 123456789, -0.25, 0.9999999999999999, math.SmallestNonzeroFloat64}

// TestAppendResultsMatchesEncodingJSON: the classify response is byte for
// byte what encoding/json wrote, for every mix of set and unset fields,
// awkward strings and confidences; where appendResults declines (a
// non-finite confidence), respondResults writes what web.Respond wrote.
func TestAppendResultsMatchesEncodingJSON(t *testing.T) {
	var cases [][]classifier.Result
	cases = append(cases, nil, []classifier.Result{{}})
	for i, s := range encodeStrings {
		f := encodeFloats[i%len(encodeFloats)]
		r := classifier.Result{CategoryID: s, Confidence: f, Source: encodeStrings[(i+1)%len(encodeStrings)],
			RuleID: encodeStrings[(i+2)%len(encodeStrings)], LearnedFrom: encodeStrings[(i+3)%len(encodeStrings)],
			Reason: encodeStrings[(i+4)%len(encodeStrings)]}
		for j := range i % 4 {
			r.Suggestions = append(r.Suggestions, classifier.Scored{Category: encodeStrings[(i+j)%len(encodeStrings)], P: encodeFloats[(i+j)%len(encodeFloats)]})
		}
		cases = append(cases, []classifier.Result{r}, []classifier.Result{r, {Reason: s, Suggestions: []classifier.Scored{}}, r})
	}
	for _, f := range encodeFloats {
		cases = append(cases, []classifier.Result{{CategoryID: "travel", Source: "builtin", Confidence: f, Suggestions: []classifier.Scored{{Category: "travel", P: f}}}})
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		cases = append(cases, []classifier.Result{{CategoryID: "travel", Source: "builtin", Confidence: 0.5}, {Confidence: f}})
	}
	declined := 0
	for _, res := range cases {
		want := reflectResults(t, res)
		if got, ok := appendResults(nil, res); !ok {
			declined++
		} else if !bytes.Equal(got, want) {
			t.Errorf("appendResults\n got %s\nwant %s", got, want)
		}
		w := httptest.NewRecorder()
		respondResults(w, res)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("respondResults: %d %q\n got %s\nwant %s", w.Code, w.Header().Get("Content-Type"), w.Body.Bytes(), want)
		}
	}
	if declined != 2 {
		t.Errorf("appendResults declined %d cases, want the 2 with a non-finite confidence", declined)
	}
}

func FuzzAppendResults(f *testing.F) {
	for i, s := range encodeStrings {
		f.Add(s, encodeStrings[(i+4)%len(encodeStrings)], encodeFloats[i%len(encodeFloats)])
	}
	f.Fuzz(func(t *testing.T, cat, reason string, p float64) {
		res := []classifier.Result{{CategoryID: cat, Source: "builtin", Confidence: p, Reason: reason,
			Suggestions: []classifier.Scored{{Category: cat, P: p}, {Category: reason, P: p / 3}}}}
		got, ok := appendResults(nil, res)
		if ok != (!math.IsNaN(p) && !math.IsInf(p, 0)) {
			t.Fatalf("appendResults ok %v for confidence %v", ok, p)
		}
		if want := reflectResults(t, res); ok && !bytes.Equal(got, want) {
			t.Fatalf("appendResults\n got %s\nwant %s", got, want)
		}
	})
}

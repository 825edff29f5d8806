package main

import (
	"testing"

	"github.com/trx-platform/trx/internal/statement"
)

// TestStatementCSV: the generated statement reads with the preset the
// benchmark names, every line good and none a duplicate of another.
func TestStatementCSV(t *testing.T) {
	var m *statement.Mapping
	for _, p := range statement.BuiltinPresets() {
		if p.Name == "za-bank-statements" {
			m = &p.Mapping
		}
	}
	st, err := statement.Parse(statementCSV(5000, 1), statement.Options{Currency: "EUR", Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 5000 || len(st.Entries) != 5000 || st.Rejected != 0 {
		t.Fatalf("rows %d, entries %d, rejected %d: %+v", st.Rows, len(st.Entries), st.Rejected, st.Problems[:min(3, len(st.Problems))])
	}
	statement.Keys("a", st.Entries)
	seen := map[string]bool{}
	for _, e := range st.Entries {
		if seen[e.Key] {
			t.Fatalf("line %d repeats a key", e.Line)
		}
		seen[e.Key] = true
	}
}

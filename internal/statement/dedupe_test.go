package statement_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/transaction"
)

func keys(es []statement.Entry) []string {
	statement.Keys("acct-1", es)
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	return out
}

func TestKeys(t *testing.T) {
	coffee := statement.Entry{BookedAt: day("2024-02-01"), Amount: -350, Description: "Coffee  Corner"}
	same := coffee
	same.Description = "coffee corner" // case and spaces do not make another line
	k := keys([]statement.Entry{coffee, same, {BookedAt: day("2024-02-02"), Amount: -350, Description: "Coffee Corner"}})
	if k[0] == k[1] || k[0] == k[2] || k[1] == k[2] {
		t.Fatalf("two identical same-day purchases and another day's must have three keys: %q", k)
	}
	// The same two purchases in an overlapping statement have the same keys.
	again := keys([]statement.Entry{{BookedAt: day("2024-01-31"), Amount: -100, Description: "Bread"}, coffee, same})
	if again[1] != k[0] || again[2] != k[1] {
		t.Errorf("overlapping statement: keys %q, want %q %q", again[1:], k[0], k[1])
	}
	// A statement cut after the first purchase has only the first key.
	if cut := keys([]statement.Entry{coffee}); cut[0] != k[0] {
		t.Errorf("cut statement: %q, want %q", cut[0], k[0])
	}
	// Another account: other fingerprints.
	other := []statement.Entry{coffee}
	statement.Keys("acct-2", other)
	if other[0].Key == k[0] {
		t.Error("fingerprints do not depend on the account")
	}
	// The bank's ids win; one reused inside a file is made unique.
	refs := keys([]statement.Entry{
		{Reference: "F1", BookedAt: day("2024-02-01"), Amount: -1},
		{Reference: "R", BookedAt: day("2024-02-01"), Amount: -2},
		{Reference: "R", BookedAt: day("2024-02-01"), Amount: -3},
		{Reference: strings.Repeat("x", 300), BookedAt: day("2024-02-01"), Amount: -4},
		{Reference: "Überweisung 7", BookedAt: day("2024-02-01"), Amount: -5},
	})
	if refs[0] != "ref:F1" || refs[1] == refs[2] || !strings.HasPrefix(refs[1], "ref:R|") || len(refs[3]) > 160 || !strings.HasPrefix(refs[4], "ref#") {
		t.Errorf("reference keys %q", refs)
	}
}

// TestExportReadsBack: what the writers write, the parsers read back as the
// same transactions (the API suite checks the same through a real import).
func TestExportReadsBack(t *testing.T) {
	at := time.Date(2024, 3, 4, 10, 30, 15, 123456000, time.UTC)
	txs := []transaction.Transaction{
		{ID: "01a2e3f4-0000-7000-8000-000000000001", Amount: -1250, Currency: "EUR", Description: "Groceries at a shop with a rather long name",
			BookedAt: at, CategoryID: "food_and_drink", AccountID: "a"},
		{ID: "01a2e3f4-0000-7000-8000-000000000002", Amount: 300000, Currency: "EUR", Description: "Salary, March \"bonus\"",
			Counterparty: "Employer & Co", BookedAt: at.Add(-time.Hour)},
		{ID: "01a2e3f4-0000-7000-8000-000000000003", Amount: -99, Currency: "EUR", Description: "Tea", BookedAt: at.Add(-2 * time.Hour)},
	}
	var csvOut, ofxOut bytes.Buffer
	cw := statement.NewCSVWriter(&csvOut)
	ow := statement.NewOFXWriter(&ofxOut, statement.OFXAccount{ID: "a", Kind: "checking", Currency: "EUR", Start: at.AddDate(0, -1, 0), End: at})
	for _, tx := range txs {
		if err := cw.Write(tx); err != nil {
			t.Fatal(err)
		}
		if err := ow.Write(tx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(298651, at); err != nil {
		t.Fatal(err)
	}
	var trxCSV *statement.Mapping
	for _, p := range statement.BuiltinPresets() {
		if p.Name == "trx-csv" {
			trxCSV = &p.Mapping
		}
	}
	fromCSV := mustParse(t, csvOut.Bytes(), statement.Options{Currency: "EUR", Mapping: trxCSV})
	fromOFX := mustParse(t, ofxOut.Bytes(), statement.Options{Currency: "EUR"})
	for name, st := range map[string]*statement.Statement{"csv": fromCSV, "ofx": fromOFX} {
		if len(st.Entries) != len(txs) || len(st.Problems) > 0 {
			t.Fatalf("%s: %d entries, problems %+v", name, len(st.Entries), st.Problems)
		}
		for i, e := range st.Entries {
			tx := txs[i]
			if !e.BookedAt.Equal(tx.BookedAt) || e.Amount != tx.Amount || e.Description != tx.Description ||
				e.Counterparty != tx.Counterparty || e.Reference != tx.ID {
				t.Errorf("%s line %d: %+v, want %+v", name, i, e, tx)
			}
		}
	}
	if fromCSV.Entries[0].CategoryID != "food_and_drink" {
		t.Errorf("csv category %q", fromCSV.Entries[0].CategoryID)
	}
}

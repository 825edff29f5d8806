package classifier

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMerchantKey(t *testing.T) {
	for _, tc := range []struct{ desc, cp, want string }{
		{"SUPERCUTS #1234", "", "supercuts"},
		{"SUPERCUTS #9876 AUSTIN TX", "", "supercuts"},
		{"POS PURCHASE SUPERCUTS 0042 07 OCT", "", "supercuts"},
		{"SQ *BLUE BOTTLE COFFEE 0042", "", "blue bottle coffee"},
		{"PAYPAL *NETFLIX.COM", "", "netflix"},
		{"PAYPAL*SPOTIFYAB", "", "spotifyab"},
		{"GOOGLE *YouTube Premium", "", "youtube premium"},
		{"STARBUCKS SEATTLE WA", "", "starbucks seattle"},
		{"SPROUTS FARMERS MAR PHOENIX AZ", "", "sprouts farmers"}, // MAR is a month
		{"SQ *BLUE BOTTLE COFFEE SAN FRANCISCO CA", "", "blue bottle coffee"},
		{"DOORDASH*BURGERFI SAN FRANCISCO CA", "", "doordash burgerfi"},
		{"UBER *TRIP HELP.UBER.COM", "", "uber trip help uber"},
		{"UBER *EATS PENDING", "", "uber eats pending"},
		{"AMZN Mktp US*2K4LM0", "", "amzn mktp us"},
		{"BP#9876543 CHICAGO IL", "", "bp"},
		{"Magtape Debit Discinsure4002840983-", "", "magtape discinsure"},
		{"7-ELEVEN 12345", "", "eleven"},
		{"POS Purchase 14.99 Apple.Com/Bil  * 18 Sep", "", "apple bil"},
		{"H&M 0567 BERLIN", "", "h&m"},
		{"AT&T *PAYMENT", "", "at&t payment"},
		{"card payment", "Supercuts Inc", "supercuts"},
		{"VISA DEBIT 1234", "", ""},
	} {
		if got := MerchantKey(Item{Description: tc.desc, Counterparty: tc.cp}); got != tc.want {
			t.Errorf("MerchantKey(%q, %q) = %q, want %q", tc.desc, tc.cp, got, tc.want)
		}
	}
}

func TestWordsKeepAmpersandBrands(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"H&M HENNES", "h&m hennes"},
		{"AT&T BILL PAYMENT", "at&t bill payment"},
		{"B&Q 1234 CROYDON", "b&q croydon"},
		{"PG&E WEB ONLINE", "pg&e web online"},
		{"M&S SIMPLY FOOD", "m&s simply food"},
		{"Marks & Spencer", "marks spencer"},
		{"Fish & Chips&", "fish chips"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func learned(i int, desc, cat string) Learned {
	return Learned{TxID: fmt.Sprintf("tx%03d", i), Example: Example{Item: Item{Description: desc, Amount: -1000, Exponent: 2}, Category: cat},
		At: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
}

// TestMemoryOneCorrection: one categorization of a merchant decides its
// next transaction, whatever the store number, city or card prefix, and
// names the transaction it learned from.
func TestMemoryOneCorrection(t *testing.T) {
	m := NewMemory([]Learned{learned(1, "SUPERCUTS #1234", "personal_care"), learned(2, "TESCO STORES 3341 LEEDS", "food_and_drink")})
	for _, desc := range []string{"SUPERCUTS #9876 AUSTIN TX", "POS PURCHASE SUPERCUTS 55", "Supercuts", "SQ *SUPERCUTS 12"} {
		r, ok := m.Lookup(Item{Description: desc})
		if !ok || r.From.Category != "personal_care" || r.From.TxID != "tx001" || r.Confidence < DefaultThreshold {
			t.Errorf("%q: %+v %v", desc, r, ok)
		}
		if !strings.Contains(r.Reason(), "tx001") {
			t.Errorf("%q: reason %q does not name the transaction", desc, r.Reason())
		}
	}
	for _, desc := range []string{"TESCO STORES 12 YORK", "TESCO STORES"} {
		if r, ok := m.Lookup(Item{Description: desc}); !ok || r.From.Category != "food_and_drink" {
			t.Errorf("%q: %+v %v", desc, r, ok)
		}
	}
	for _, desc := range []string{"SUPERDRUG 12", "TESCOMA SHOP", "STARBUCKS 1", "SUPER CUTS"} {
		if r, ok := m.Lookup(Item{Description: desc}); ok {
			t.Errorf("%q matched %+v", desc, r)
		}
	}
}

// TestMemoryPrefixes: keys that extend one another match; keys that share
// only a first word do not.
func TestMemoryPrefixes(t *testing.T) {
	m := NewMemory([]Learned{learned(1, "STARBUCKS SEATTLE WA", "food_and_drink"), learned(2, "HOME DEPOT #6512", "home_improvement")})
	if r, ok := m.Lookup(Item{Description: "STARBUCKS 5678"}); !ok || r.Key != "starbucks seattle" {
		t.Errorf("a shorter key: %+v %v", r, ok)
	}
	for _, desc := range []string{"STARBUCKS PORTLAND OR", "HOME GOODS 12"} {
		if r, ok := m.Lookup(Item{Description: desc}); ok {
			t.Errorf("%q matched %+v", desc, r)
		}
	}
}

// TestMemoryConflicts: a later categorization replaces an earlier one at
// once; a history that disagrees with itself is less sure, and explained.
func TestMemoryConflicts(t *testing.T) {
	m := NewMemory([]Learned{learned(1, "AMAZON MKTPLACE 1", "general_merchandise")})
	m.Put(learned(2, "AMAZON MKTPLACE 2", "entertainment"))
	r, _ := m.Lookup(Item{Description: "AMAZON MKTPLACE 3"})
	if r.From.Category != "entertainment" || r.Confidence < DefaultThreshold || len(r.Scores) != 2 {
		t.Fatalf("after a correction: %+v", r)
	}
	for i := 3; i < 8; i++ {
		m.Put(learned(i, fmt.Sprintf("AMAZON MKTPLACE %d", i), "general_merchandise"))
	}
	m.Put(learned(9, "AMAZON MKTPLACE 9", "travel"))
	r, _ = m.Lookup(Item{Description: "AMAZON MKTPLACE"})
	if r.From.Category != "travel" || r.Confidence >= DefaultThreshold || r.Scores[1].Category != "general_merchandise" || r.Count != 8 || r.Agree != 1 {
		t.Fatalf("one choice against five: %+v", r)
	}
	if !strings.Contains(r.Reason(), "1 of its 8") {
		t.Fatalf("reason %q", r.Reason())
	}
	// Re-categorizing a transaction replaces what it taught.
	m.Put(learned(9, "AMAZON MKTPLACE 9", "general_merchandise"))
	if r, _ := m.Lookup(Item{Description: "AMAZON MKTPLACE"}); r.From.Category != "general_merchandise" || r.Count != 8 || r.Agree != 7 {
		t.Fatalf("re-categorized: %+v", r)
	}
}

// TestMemoryForget: a forgotten categorization no longer counts; with the
// last one gone the merchant is unknown again; the consistency follows.
func TestMemoryForget(t *testing.T) {
	m := NewMemory([]Learned{learned(1, "SUPERCUTS #1", "personal_care"), learned(2, "SUPERCUTS #2", "medical")})
	c := m.Consistency()
	m.Forget("tx002")
	if r, ok := m.Lookup(Item{Description: "SUPERCUTS"}); !ok || r.From.Category != "personal_care" || r.Count != 1 {
		t.Fatalf("after forgetting the latest: %+v", r)
	}
	if m.Consistency() <= c {
		t.Fatalf("consistency %v after forgetting a disagreement, was %v", m.Consistency(), c)
	}
	m.Forget("tx001")
	m.Forget("tx001")
	if r, ok := m.Lookup(Item{Description: "SUPERCUTS"}); ok || m.Len() != 0 {
		t.Fatalf("after forgetting all: %+v, %d", r, m.Len())
	}
	if !reflect.DeepEqual(m.byFirst, map[string][]string{}) || len(m.keys) != 0 || m.pairs != 0 {
		t.Fatalf("left over: %+v %+v %d", m.byFirst, m.keys, m.pairs)
	}
}

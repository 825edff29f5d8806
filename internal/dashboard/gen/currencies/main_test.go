package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/trx-platform/trx/internal/money"
)

const shipped = "../../assets/js/currencies.js"

// TestShippedIsCurrent: the committed JavaScript table is what the
// generator writes from internal/money now (edit the Go table without
// regenerating and this fails).
func TestShippedIsCurrent(t *testing.T) {
	b, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, Render()) {
		t.Fatalf("%s is out of date: run go generate ./internal/dashboard", shipped)
	}
}

// TestShippedMatchesGo reads the entries back out of the JavaScript, on its
// own terms, and compares each with money.Exponent: a check that does not
// trust Render.
func TestShippedMatchesGo(t *testing.T) {
	b, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range regexp.MustCompile(`\b([A-Z]{3}): (\d),`).FindAllSubmatch(b, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		if _, dup := got[string(m[1])]; dup {
			t.Errorf("%s appears twice", m[1])
		}
		got[string(m[1])] = n
	}
	codes := money.Currencies()
	if len(got) != len(codes) {
		t.Errorf("the JavaScript table has %d codes, internal/money %d", len(got), len(codes))
	}
	for _, c := range codes {
		want, _ := money.Exponent(c)
		if e, ok := got[c]; !ok || e != want {
			t.Errorf("%s: JavaScript has %d (present %v), Go %d", c, e, ok, want)
		}
	}
	for _, c := range []string{"JPY", "EUR", "BHD", "CLF"} {
		if _, ok := got[c]; !ok {
			t.Errorf("%s is missing", c)
		}
	}
}

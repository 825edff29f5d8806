package statement_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/trx-platform/trx/internal/statement"
)

// FuzzParse: no file makes a parser panic, and every entry it accepts is
// one a transaction can be stored from.
func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("description,amount,date\nx,1,2024-01-01\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := statement.Mapping{Date: "date", Amount: "amount", Description: []string{"description"}}
		st, err := statement.Parse(data, statement.Options{Currency: "EUR", Mapping: &m})
		if err != nil {
			return
		}
		if st.Rejected+len(st.Entries) > st.Rows {
			t.Fatalf("rows %d, rejected %d, entries %d", st.Rows, st.Rejected, len(st.Entries))
		}
		for _, e := range st.Entries {
			if e.Description == "" || e.BookedAt.IsZero() || e.BookedAt.Year() < 1900 {
				t.Fatalf("entry %+v cannot be stored", e)
			}
		}
	})
}

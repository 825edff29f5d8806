package statement_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/statement"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// entry is the part of an Entry the tests compare.
type entry struct {
	Line         int
	BookedAt     time.Time
	Amount       int64
	Description  string
	Counterparty string
	Reference    string
}

func entries(st *statement.Statement) []entry {
	out := make([]entry, len(st.Entries))
	for i, e := range st.Entries {
		out[i] = entry{e.Line, e.BookedAt, e.Amount, e.Description, e.Counterparty, e.Reference}
	}
	return out
}

func mustParse(t *testing.T, data []byte, o statement.Options) *statement.Statement {
	t.Helper()
	st, err := statement.Parse(data, o)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return st
}

func TestOFX1SGML(t *testing.T) {
	st := mustParse(t, read(t, "bank-v102.ofx"), statement.Options{Currency: "USD"})
	want := []entry{
		{39, instant("2024-01-03T17:00:00Z"), -4217, "POS PURCHASE CARD 1234", "WHOLE FOODS MARKET", "202401030001"},
		{47, day("2024-01-05"), 250000, "ACME CORP PAYROLL", "", "202401050001"},
		{54, day("2024-01-10"), -12000, "Check 1042", "", "202401100001"},
		{63, day("2024-01-12"), -450, "Café & Bakery", "", "202401120001"},
	}
	if d := cmp.Diff(want, entries(st)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	if st.Format != statement.FormatOFX || st.Rows != 4 || st.Rejected != 0 {
		t.Errorf("format %s rows %d rejected %d", st.Format, st.Rows, st.Rejected)
	}
}

func TestOFX2XMLCreditCard(t *testing.T) {
	st := mustParse(t, read(t, "creditcard-v211.ofx"), statement.Options{Currency: "EUR", Format: "ofx"})
	want := []entry{
		{21, day("2024-01-15"), -1999, "Premium subscription", "Spotify", "CC-0001"},
		{29, instant("2024-01-20T09:15:00.25Z"), 1999, "Refund Spotify", "", "CC-0002"},
	}
	if d := cmp.Diff(want, entries(st)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}

func TestOFXRefusals(t *testing.T) {
	cases := []struct {
		name, file, currency string
		kind                 fault.Kind
		want                 string
	}{
		{"another currency", "bank-v102.ofx", "EUR", fault.Unprocessable, "the statement is in USD"},
		{"not OFX", "bank.qif", "USD", fault.Invalid, "the file is a QIF file, not OFX"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := statement.Parse(read(t, c.file), statement.Options{Currency: c.currency, Format: "ofx"})
			if err == nil || fault.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v (kind %v), want kind %v with %q", err, fault.KindOf(err), c.kind, c.want)
			}
		})
	}
	broken := strings.Replace(string(read(t, "bank-v102.ofx")), "<TRNAMT>-42.17", "<TRNAMT>-42.175", 1)
	st := mustParse(t, []byte(broken), statement.Options{Currency: "USD"})
	if st.Rejected != 1 || len(st.Problems) != 1 || st.Problems[0].Line != 42 || st.Problems[0].Rule != "scale" {
		t.Fatalf("problems = %+v, want one scale problem at line 42", st.Problems)
	}
}

func TestQIF(t *testing.T) {
	st := mustParse(t, read(t, "bank.qif"), statement.Options{Currency: "USD"})
	want := []entry{
		{2, day("2024-01-15"), -123456, "January rent", "LANDLORD LLC", ""},
		{9, day("2024-01-16"), -350, "Coffee Corner", "", ""},
		{13, day("2024-01-16"), -350, "Coffee Corner", "", ""},
		{17, day("2024-01-31"), 200000, "Salary", "EMPLOYER INC", ""},
	}
	if d := cmp.Diff(want, entries(st)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	if st.Skipped != 1 {
		t.Errorf("skipped %d, want the investment record", st.Skipped)
	}
}

func TestQIFDayFirstLatin1(t *testing.T) {
	st := mustParse(t, read(t, "ccard-latin1.qif"), statement.Options{Currency: "EUR",
		QIF: statement.QIFOptions{DateFormat: "DD.MM.YYYY", Number: statement.Number{Decimal: ","}}})
	want := []entry{
		{2, day("2024-01-15"), -4590, "Supermarkt Müller", "", ""},
		{6, day("2024-01-16"), 1200, "Gutschrift", "", ""},
	}
	if d := cmp.Diff(want, entries(st)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
}

func TestCAMT053(t *testing.T) {
	st := mustParse(t, read(t, "statement.camt053.xml"), statement.Options{Currency: "EUR"})
	want := []entry{
		{10, day("2024-01-04"), -8990, "Strom Januar Kunde 4711", "Stadtwerke München", "2024010400001"},
		{24, day("2024-01-25"), 320000, "Gehalt Januar", "Beispiel GmbH", "2024012500007"},
		{42, instant("2024-01-28T13:03:00Z"), -420, "KARTENZAHLUNG BÄCKEREI", "", ""},
	}
	if d := cmp.Diff(want, entries(st)); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	if st.Skipped != 1 || st.Rows != 3 {
		t.Errorf("skipped %d rows %d, want the pending entry skipped", st.Skipped, st.Rows)
	}
	_, err := statement.Parse(read(t, "statement.camt053.xml"), statement.Options{Currency: "USD"})
	if fault.KindOf(err) != fault.Unprocessable {
		t.Errorf("a EUR statement into a USD account: %v", err)
	}
	other := strings.Replace(string(read(t, "statement.camt053.xml")), "BkToCstmrStmt", "BkToCstmrAcctRpt", -1)
	other = strings.Replace(other, "camt.053.001.02", "camt.052.001.02", 1)
	if _, err := statement.Parse([]byte(other), statement.Options{Currency: "EUR"}); err == nil || !strings.Contains(err.Error(), "camt.052") {
		t.Errorf("a camt.052 report: %v", err)
	}
}

var zaPreset = statement.Mapping{Date: "date", DateFormat: "YYYY-MM-DD", Amount: "amount", Description: []string{"description"}}

func TestCSV(t *testing.T) {
	cases := []struct {
		name     string
		data     string
		m        statement.Mapping
		currency string
		want     []entry
	}{
		{"UTF-8 BOM, header", string(read(t, "bom.csv")), zaPreset, "ZAR", []entry{
			{2, day("2024-02-01"), -350, "Coffee", "", ""}, {3, day("2024-02-01"), -350, "Coffee", "", ""},
			{4, day("2024-02-02"), 150000, "Salary", "", ""}}},
		{"Latin-1, semicolons, decimal comma, debit and credit", string(read(t, "giro-latin1.csv")), statement.Mapping{
			Encoding: "latin-1", Date: "Datum", DateFormat: "DD.MM.YYYY", Debit: "Soll", Credit: "Haben", Balance: "Saldo",
			Description: []string{"Buchungstext"}, Counterparty: "Empfänger", Number: statement.Number{Decimal: ",", Thousands: "."}},
			"EUR", []entry{{2, day("2024-01-03"), -123456, "Lastschrift", "Stadtwerke München", ""},
				{3, day("2024-01-05"), 300000, "Gutschrift", "Arbeitgeber AG", ""}}},
		{"no header, columns by number, positive is spent", "1/2/2024,\"Card, shop\",12.50\n\n3/2/2024,Refund,-2\n", statement.Mapping{
			Date: "#1", DateFormat: "D/M/YYYY", Amount: "#3", Description: []string{"#2"}, Number: statement.Number{PositiveSpent: true}},
			"GBP", []entry{{1, day("2024-02-01"), -1250, "Card, shop", "", ""}, {3, day("2024-02-03"), 200, "Refund", "", ""}}},
		{"sign conventions and symbols", "when,what,amount,ref\n2024-03-01,a,(1 234.50),r1\n2024-03-02,b,12.00-,r2\n2024-03-03,c,R 5.00 DR,r3\n2024-03-04,d,+7 CR,r4\n",
			statement.Mapping{Date: "when", Amount: "amount", Description: []string{"what"}, Reference: "ref", Number: statement.Number{Thousands: " "}},
			"ZAR", []entry{{2, day("2024-03-01"), -123450, "a", "", "r1"}, {3, day("2024-03-02"), -1200, "b", "", "r2"},
				{4, day("2024-03-03"), -500, "c", "", "r3"}, {5, day("2024-03-04"), 700, "d", "", "r4"}}},
		{"tabs, a preamble, a yen amount", "Bank statement\nAccount 123\nDate\tText\tAmount\n2024-01-05\tRamen\t-1200\n", statement.Mapping{
			SkipLines: 2, Date: "date", Amount: "amount", Description: []string{"text"}}, "JPY",
			[]entry{{4, day("2024-01-05"), -1200, "Ramen", "", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			st := mustParse(t, []byte(c.data), statement.Options{Currency: c.currency, Mapping: &m})
			if len(st.Problems) > 0 {
				t.Fatalf("problems: %+v", st.Problems)
			}
			if d := cmp.Diff(c.want, entries(st)); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
		})
	}
}

func TestCSVProblems(t *testing.T) {
	m := zaPreset
	data := "description,amount,date\nok,1.00,2024-01-01\ntoo fine,1.001,2024-01-02\nnot money,abc,2024-01-03\nbad day,1,2024-02-30\n"
	st := mustParse(t, []byte(data), statement.Options{Currency: "EUR", Mapping: &m})
	want := []statement.Problem{
		{Line: 3, Field: "amount", Column: "amount", Rule: "scale"},
		{Line: 4, Field: "amount", Column: "amount", Rule: "format"},
		{Line: 5, Field: "date", Column: "date", Rule: "format"},
	}
	if d := cmp.Diff(want, st.Problems, cmpopts.IgnoreFields(statement.Problem{}, "Detail")); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if st.Rejected != 3 || len(st.Entries) != 1 || st.Rows != 4 {
		t.Errorf("rejected %d entries %d rows %d", st.Rejected, len(st.Entries), st.Rows)
	}
	err := statement.ProblemsError(st.Problems, st.Rejected)
	var v *fault.Validation
	if !errors.As(err, &v) || v.Fields[0].Field != "line 3: amount" || !strings.Contains(v.Fields[0].Detail, "than EUR allows (2)") {
		t.Errorf("problems error = %v", err)
	}
}

func TestCSVFileErrors(t *testing.T) {
	cases := []struct {
		name, data string
		m          statement.Mapping
		want       string
	}{
		{"another bank's columns", "Datum;Betrag;Text\n01.01.2024;1,00;x\n", zaPreset, `no column "date", "amount", "description"`},
		{"invalid UTF-8", "description,amount,date\ncaf\xe9,1,2024-01-01\n", zaPreset, "line 2: encoding"},
		{"bad quotes", "description,amount,date\n\"open,1,2024-01-01\n", zaPreset, "line 2: csv"},
		{"bad mapping", "a\n", statement.Mapping{Date: "d"}, "name an amount column"},
		{"empty", "\n\n", zaPreset, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.m
			_, err := statement.Parse([]byte(c.data), statement.Options{Currency: "EUR", Mapping: &m})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if k := fault.KindOf(err); k != fault.Invalid {
				t.Errorf("kind %v, want Invalid (400)", k)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		file, want string
	}{{"bank-v102.ofx", "ofx"}, {"creditcard-v211.ofx", "ofx"}, {"bank.qif", "qif"}, {"statement.camt053.xml", "camt"}, {"bom.csv", "csv"}}
	for _, c := range cases {
		if got, err := statement.Detect(read(t, c.file)); got != c.want || err != nil {
			t.Errorf("%s: %q %v, want %q", c.file, got, err, c.want)
		}
	}
	for _, bad := range []string{"%PDF-1.4 ...", "PK\x03\x04zip", "<html></html>", ""} {
		if _, err := statement.Detect([]byte(bad)); err == nil {
			t.Errorf("%q detected as a statement", bad)
		}
	}
}

func TestSharedDataPresets(t *testing.T) {
	for _, c := range []struct {
		preset, file, currency string
		rows, rejected         int
		firstAmount            int64
	}{
		{"za-bank-statements", "za-bank-statements.csv", "ZAR", 451, 1, 2285}, // 22.85 received; one line has no amount
		{"birmingham-pcard", "birmingham-pcard.csv", "GBP", 5948, 0, -8000},   // 80.0 spent
	} {
		t.Run(c.preset, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", c.file))
			if err != nil {
				t.Skipf("the shared data files are beside the repository (../shared/data): %v", err)
			}
			var m *statement.Mapping
			for _, p := range statement.BuiltinPresets() {
				if p.Name == c.preset {
					m = &p.Mapping
				}
			}
			if m == nil {
				t.Fatalf("no built-in preset %q", c.preset)
			}
			st := mustParse(t, data, statement.Options{Currency: c.currency, Mapping: m})
			if st.Rows != c.rows || st.Rejected != c.rejected || len(st.Entries) != c.rows-c.rejected {
				t.Fatalf("rows %d rejected %d entries %d; problems %+v", st.Rows, st.Rejected, len(st.Entries), st.Problems)
			}
			if st.Entries[0].Amount != c.firstAmount {
				t.Errorf("first amount %d, want %d", st.Entries[0].Amount, c.firstAmount)
			}
		})
	}
}

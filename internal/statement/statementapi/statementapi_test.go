package statementapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/statement/statementapi"
	"github.com/trx-platform/trx/internal/transaction"
)

func engines(t *testing.T, f func(t *testing.T, d sqldb.Dialect)) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) { f(t, d) })
	}
}

const bankCSV = "date,description,amount\n2024-02-01,Coffee Corner,-3.50\n2024-02-01,Coffee Corner,-3.50\n2024-02-02,Salary,1500.00\n"

// overlap repeats the 2nd of February and adds the 3rd.
const overlapCSV = "date,description,amount\n2024-02-02,Salary,1500.00\n2024-02-03,Bakery,-2.20\n"

func TestAccounts(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		r := e.must(http.StatusCreated, e.alice, "POST", "/api/v1/accounts", map[string]any{"name": "Cheque", "kind": "checking",
			"currency": "ZAR", "opening_balance": "100.50", "opening_date": "2024-01-01", "institution": "FNB", "number": "62001234567"}, nil)
		var a accountapi.Resource
		r.Decode(t, &a)
		if r.Header.Get("ETag") != `"1"` || a.Balance != "100.50" || *a.Number != "62001234567" || a.Closed {
			t.Fatalf("created %+v (ETag %s)", a, r.Header.Get("ETag"))
		}
		for _, c := range []struct {
			body   map[string]any
			status int
			field  string
		}{
			{map[string]any{"name": "cheque", "kind": "savings", "currency": "ZAR"}, http.StatusConflict, ""},
			{map[string]any{"name": "X", "kind": "wallet", "currency": "ZAR"}, http.StatusBadRequest, "kind"},
			{map[string]any{"name": "X", "kind": "cash", "currency": "ZZZ"}, http.StatusBadRequest, "currency"},
			{map[string]any{"name": "X", "kind": "cash", "currency": "EUR", "opening_balance": "1.001"}, http.StatusBadRequest, "opening_balance"},
			{map[string]any{"name": "", "kind": "cash", "currency": "EUR"}, http.StatusBadRequest, "name"},
		} {
			r := e.do(e.alice, "POST", "/api/v1/accounts", c.body)
			p := r.Problem(t)
			if r.Status != c.status || (c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field)) {
				t.Errorf("%v: %d %s, want %d on %q", c.body, r.Status, r.Body, c.status, c.field)
			}
		}
		var list struct{ Items []accountapi.Resource }
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts", nil, &list)
		if len(list.Items) != 1 || *list.Items[0].Number != "•••••••4567" {
			t.Fatalf("list %+v", list.Items)
		}
		e.must(http.StatusNotFound, e.bob, "GET", "/api/v1/accounts/"+a.ID, nil, nil)
		e.must(http.StatusNotFound, e.bob, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"name": "mine"}, nil)
		var changed accountapi.Resource
		e.must(http.StatusOK, e.alice, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"name": "Everyday", "number": nil}, &changed, "If-Match", `"1"`)
		if changed.Name != "Everyday" || changed.Number != nil || changed.Version != 2 {
			t.Fatalf("patched %+v", changed)
		}
		e.must(http.StatusPreconditionFailed, e.alice, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"closed": true}, nil, "If-Match", `"1"`)
		e.must(http.StatusBadRequest, e.alice, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"currency": "EUR"}, nil)
		e.must(http.StatusOK, e.alice, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"closed": true}, nil)
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts", nil, &list)
		if len(list.Items) != 0 {
			t.Errorf("a closed account is listed without include_closed: %+v", list.Items)
		}
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts?include_closed=true", nil, &list)
		if len(list.Items) != 1 {
			t.Errorf("include_closed: %+v", list.Items)
		}
		// A closed account takes no transaction; reopened it does, and then
		// it cannot be deleted.
		tx := map[string]any{"amount": "-1.00", "currency": "ZAR", "description": "x", "booked_at": "2024-02-01", "account_id": a.ID}
		e.must(http.StatusConflict, e.alice, "POST", "/api/v1/transactions", tx, nil)
		e.must(http.StatusOK, e.alice, "PATCH", "/api/v1/accounts/"+a.ID, map[string]any{"closed": false}, nil)
		e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", tx, nil)
		e.must(http.StatusConflict, e.alice, "DELETE", "/api/v1/accounts/"+a.ID, nil, nil)
		empty := e.account(e.alice, "Empty", "EUR")
		e.must(http.StatusNoContent, e.alice, "DELETE", "/api/v1/accounts/"+empty.ID, nil, nil)
		e.must(http.StatusNotFound, e.alice, "GET", "/api/v1/accounts/"+empty.ID, nil, nil)
	})
}

func TestTransactionsInAccounts(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		zar := e.account(e.alice, "Cheque", "ZAR")
		bobs := e.account(e.bob, "Bob's", "ZAR")
		base := func(account any, currency string) map[string]any {
			return map[string]any{"amount": "-1.00", "currency": currency, "description": "x", "booked_at": "2024-02-01", "account_id": account}
		}
		for _, c := range []struct {
			body   map[string]any
			status int
		}{
			{base(bobs.ID, "ZAR"), http.StatusUnprocessableEntity},                                // another user's account
			{base(zar.ID, "EUR"), http.StatusUnprocessableEntity},                                 // another currency
			{base("not-an-id", "ZAR"), http.StatusBadRequest},                                     // not an id
			{base("01a23362-5bb3-705d-bedc-6a206ecd6f31", "ZAR"), http.StatusUnprocessableEntity}, // no such account
		} {
			if r := e.do(e.alice, "POST", "/api/v1/transactions", c.body); r.Status != c.status {
				t.Errorf("%v: %d %s, want %d", c.body, r.Status, r.Body, c.status)
			}
		}
		var in, out transaction.Resource
		e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", base(zar.ID, "ZAR"), &in)
		e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", base(nil, "ZAR"), &out)
		if in.AccountID == nil || *in.AccountID != zar.ID || out.AccountID != nil {
			t.Fatalf("account ids %v %v", in.AccountID, out.AccountID)
		}
		// PUT without account_id keeps the account; PATCH null takes it out.
		put := base(nil, "ZAR")
		delete(put, "account_id")
		put["description"] = "y"
		var kept transaction.Resource
		e.must(http.StatusOK, e.alice, "PUT", "/api/v1/transactions/"+in.ID, put, &kept)
		if kept.AccountID == nil || *kept.AccountID != zar.ID {
			t.Errorf("PUT without account_id: %v", kept.AccountID)
		}
		if got := e.transactions(e.alice, zar.ID); len(got) != 1 || got[0].ID != in.ID {
			t.Errorf("listing by account: %+v", got)
		}
		e.must(http.StatusUnprocessableEntity, e.alice, "PATCH", "/api/v1/transactions/"+in.ID, map[string]any{"currency": "EUR", "amount": "1"}, nil)
		e.must(http.StatusOK, e.alice, "PATCH", "/api/v1/transactions/"+in.ID, map[string]any{"account_id": nil}, &kept)
		if kept.AccountID != nil || len(e.transactions(e.alice, zar.ID)) != 0 {
			t.Errorf("PATCH account_id null: %v", kept.AccountID)
		}
	})
}

// TestBalances: exact, from the opening date, at the end of a day, and
// equal to the opening balance plus the report function's net.
func TestBalances(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		zar := e.account(e.alice, "Cheque", "ZAR", "opening_balance", "1000.00", "opening_date", "2024-01-01")
		eur := e.account(e.alice, "Euro", "EUR")
		for _, tx := range []struct{ account, amount, currency, day string }{
			{zar.ID, "-0.01", "ZAR", "2023-12-31"}, // before the opening date: in the opening balance already
			{zar.ID, "-250.25", "ZAR", "2024-01-15"},
			{zar.ID, "9999999.99", "ZAR", "2024-01-31T23:59:59.999999Z"},
			{zar.ID, "-0.99", "ZAR", "2024-02-01"},
			{eur.ID, "10.10", "EUR", "2024-01-10"},
		} {
			e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", map[string]any{"amount": tx.amount, "currency": tx.currency,
				"description": "t", "booked_at": tx.day, "account_id": tx.account}, nil)
		}
		var a accountapi.Resource
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts/"+zar.ID, nil, &a)
		if a.Balance != "10000748.75" || a.Transactions != 3 {
			t.Errorf("balance %s over %d transactions, want 10000748.75 over 3", a.Balance, a.Transactions)
		}
		var b accountapi.BalanceResource
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts/"+zar.ID+"/balance?as_of=2024-01-31", nil, &b)
		if b.Balance != "10000749.74" || b.Transactions != 2 || *b.AsOf != "2024-01-31" {
			t.Errorf("balance at the end of January %+v", b)
		}
		e.must(http.StatusBadRequest, e.alice, "GET", "/api/v1/accounts/"+zar.ID+"/balance?as_of=2023-12-01", nil, nil)
		e.must(http.StatusBadRequest, e.alice, "GET", "/api/v1/accounts/"+zar.ID+"/balance?at=2024-01-01", nil, nil)
		// The report function over the same period gives the same net.
		var rep struct {
			Currencies []struct{ Currency, Net string }
		}
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/report?from=2024-01-01", nil, &rep)
		nets := map[string]string{}
		for _, c := range rep.Currencies {
			nets[c.Currency] = c.Net
		}
		if nets["ZAR"] != "9999748.75" || nets["EUR"] != "10.10" {
			t.Errorf("report nets %v; the ZAR balance less its opening is 9999748.75", nets)
		}
		var eb accountapi.Resource
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/accounts/"+eur.ID, nil, &eb)
		if eb.Balance != nets["EUR"] {
			t.Errorf("EUR balance %s, report net %s", eb.Balance, nets["EUR"])
		}
	})
}

func TestImportCSVDedupeAndUndo(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		acct := e.account(e.alice, "Cheque", "ZAR")
		q := "account_id=" + acct.ID + "&preset=za-bank-statements"

		// A dry run shows the lines and stores nothing.
		var pv statementapi.PreviewResource
		e.must(http.StatusOK, e.alice, "POST", "/api/v1/imports?"+q+"&dry_run=true", []byte(bankCSV), &pv, "Content-Type", "text/csv")
		if pv.Rows != 3 || pv.New != 3 || len(pv.Items) != 3 || pv.Items[0].Amount != "-3.50" || pv.Items[2].Currency != "ZAR" {
			t.Fatalf("preview %+v", pv)
		}
		if n := len(e.transactions(e.alice, acct.ID)); n != 0 {
			t.Fatalf("a dry run stored %d transactions", n)
		}

		first := e.importFile(e.alice, q+"&filename=feb.csv", []byte(bankCSV))
		if first.State != "done" || first.Created != 3 || first.Duplicates != 0 || first.Rows != 3 || *first.Filename != "feb.csv" {
			t.Fatalf("first import %+v", first)
		}
		txs := e.transactions(e.alice, acct.ID)
		coffees := 0
		for _, tx := range txs {
			if tx.Description == "Coffee Corner" {
				coffees++
			}
		}
		if len(txs) != 3 || coffees != 2 {
			t.Fatalf("stored %d transactions with %d coffees; the two same-day purchases are both real", len(txs), coffees)
		}

		// The same file again adds nothing; an overlapping one only its new line.
		again := e.importFile(e.alice, q, []byte(bankCSV))
		if again.Created != 0 || again.Duplicates != 3 || again.State != "done" {
			t.Fatalf("same file again %+v", again)
		}
		over := e.importFile(e.alice, q, []byte(overlapCSV))
		if over.Created != 1 || over.Duplicates != 1 {
			t.Fatalf("overlapping file %+v", over)
		}
		if n := len(e.transactions(e.alice, acct.ID)); n != 4 {
			t.Fatalf("%d transactions after the overlap, want 4", n)
		}

		// Undo removes exactly the first import's transactions.
		e.must(http.StatusNotFound, e.bob, "DELETE", "/api/v1/imports/"+first.ID, nil, nil)
		var undone statementapi.ImportResource
		e.must(http.StatusOK, e.alice, "DELETE", "/api/v1/imports/"+first.ID, nil, &undone)
		if undone.State != "undone" || undone.Removed != 3 {
			t.Fatalf("undo %+v", undone)
		}
		left := e.transactions(e.alice, acct.ID)
		if len(left) != 1 || left[0].Description != "Bakery" {
			t.Fatalf("after the undo: %+v", left)
		}
		e.must(http.StatusConflict, e.alice, "DELETE", "/api/v1/imports/"+first.ID, nil, nil)
		// Once undone, the lines import again.
		if redo := e.importFile(e.alice, q, []byte(bankCSV)); redo.Created != 3 {
			t.Fatalf("import after undo %+v", redo)
		}
		var list struct{ Items []statementapi.ImportResource }
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/imports?account_id="+acct.ID+"&limit=2", nil, &list)
		if len(list.Items) != 2 {
			t.Errorf("listed %d imports, want 2 (limit)", len(list.Items))
		}
		e.must(http.StatusOK, e.bob, "GET", "/api/v1/imports", nil, &list)
		if len(list.Items) != 0 {
			t.Errorf("bob sees alice's imports: %+v", list.Items)
		}
		e.must(http.StatusNotFound, e.bob, "GET", "/api/v1/imports/"+first.ID, nil, nil)
	})
}

func TestImportFormats(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		for _, c := range []struct {
			file, currency, query string
			created, skipped      int
		}{
			{"bank-v102.ofx", "USD", "format=ofx", 4, 0},
			{"creditcard-v211.ofx", "EUR", "", 2, 0},
			{"bank.qif", "USD", "format=qif", 4, 1},
			{"statement.camt053.xml", "EUR", "format=camt", 3, 1},
		} {
			t.Run(c.file, func(t *testing.T) {
				acct := e.account(e.alice, c.file, c.currency)
				q := "account_id=" + acct.ID + "&" + c.query
				// multipart, as a browser's form sends it
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				fw, _ := mw.CreateFormFile("file", c.file)
				fw.Write(fixture(t, c.file))
				mw.Close()
				r := e.upload(e.alice, q, body.Bytes(), mw.FormDataContentType())
				if r.Status != http.StatusAccepted {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				var imp statementapi.ImportResource
				r.Decode(t, &imp)
				imp = e.finish(e.alice, imp.ID)
				if imp.State != "done" || imp.Created != c.created || imp.Skipped != c.skipped || *imp.Filename != c.file {
					t.Fatalf("import %+v", imp)
				}
				// Raw, the second time: every line is a duplicate (FITIDs,
				// entry references, or fingerprints).
				again := e.importFile(e.alice, q, fixture(t, c.file))
				if again.Created != 0 || again.Duplicates != c.created {
					t.Errorf("again %+v", again)
				}
			})
		}
	})
}

func TestImportRefusals(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		acct := e.account(e.alice, "Cheque", "ZAR")
		bobs := e.account(e.bob, "Bob's", "ZAR")
		closed := e.account(e.alice, "Old", "ZAR", "closed", true)
		ok := "account_id=" + acct.ID + "&preset=za-bank-statements"
		big := bytes.Repeat([]byte("x"), 20<<20+1)
		for _, c := range []struct {
			name, query, body string
			status            int
			field             string
		}{
			{"too many decimals", ok, "date,description,amount\n2024-01-01,a,1.00\n2024-01-02,b,1.005\n", http.StatusBadRequest, "line 3: amount"},
			{"invalid UTF-8", ok, "date,description,amount\n2024-01-01,caf\xe9,1\n", http.StatusBadRequest, "line 2: encoding"},
			{"another bank's columns", ok, "Datum;Text;Betrag\n01.01.2024;a;1\n", http.StatusBadRequest, "mapping"},
			{"another format", ok + "&format=ofx", bankCSV, http.StatusBadRequest, "format"},
			{"no mapping", "account_id=" + acct.ID, bankCSV, http.StatusBadRequest, "preset"},
			{"unknown preset", "account_id=" + acct.ID + "&preset=nope", bankCSV, http.StatusNotFound, ""},
			{"a PDF", ok, "%PDF-1.7 binary", http.StatusUnprocessableEntity, ""},
			{"another user's account", "account_id=" + bobs.ID + "&preset=za-bank-statements", bankCSV, http.StatusUnprocessableEntity, "account_id"},
			{"a closed account", "account_id=" + closed.ID + "&preset=za-bank-statements", bankCSV, http.StatusConflict, ""},
			{"no account", "preset=za-bank-statements", bankCSV, http.StatusBadRequest, ""},
			{"unknown parameter", ok + "&dryrun=1", bankCSV, http.StatusBadRequest, "dryrun"},
			{"a statement in another currency", "account_id=" + acct.ID, string(fixture(t, "bank-v102.ofx")), http.StatusUnprocessableEntity, ""},
			{"over 20 MiB", ok, string(big), http.StatusRequestEntityTooLarge, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.upload(e.alice, c.query, []byte(c.body), "text/csv")
				p := r.Problem(t)
				if r.Status != c.status {
					t.Fatalf("%d %s, want %d", r.Status, r.Body, c.status)
				}
				if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
					t.Errorf("errors %+v, want the field %q", p.Errors, c.field)
				}
			})
		}
		var list struct{ Items []statementapi.ImportResource }
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/imports", nil, &list)
		if len(list.Items) != 0 || len(e.transactions(e.alice, acct.ID)) != 0 {
			t.Errorf("a refused file left %d imports and some transactions", len(list.Items))
		}
		// on_error=skip imports the good lines and lists the bad one.
		imp := e.importFile(e.alice, ok+"&on_error=skip", []byte("date,description,amount\n2024-01-01,a,1.00\n2024-01-02,b,1.005\n"))
		if imp.Created != 1 || imp.Rejected != 1 || len(imp.Problems) != 1 || imp.Problems[0].Line != 3 || imp.Problems[0].Rule != "scale" {
			t.Errorf("skip %+v", imp)
		}
	})
}

func TestPresets(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		var list struct{ Items []statementapi.PresetResource }
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/import-presets", nil, &list)
		names := []string{}
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != "za-bank-statements,birmingham-pcard,trx-csv" {
			t.Fatalf("presets %v", names)
		}
		giro := map[string]any{"delimiter": ";", "encoding": "latin-1", "date": "Datum", "date_format": "DD.MM.YYYY",
			"debit": "Soll", "credit": "Haben", "description": []string{"Buchungstext"}, "counterparty": "Empfänger",
			"decimal_separator": ",", "thousands_separator": "."}
		r := e.must(http.StatusCreated, e.alice, "PUT", "/api/v1/import-presets/My Giro", giro, nil)
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		e.must(http.StatusOK, e.alice, "PUT", "/api/v1/import-presets/my giro", giro, nil, "If-Match", `"1"`)
		e.must(http.StatusPreconditionFailed, e.alice, "PUT", "/api/v1/import-presets/My Giro", giro, nil, "If-Match", `"1"`)
		e.must(http.StatusConflict, e.alice, "PUT", "/api/v1/import-presets/trx-csv", giro, nil)
		e.must(http.StatusBadRequest, e.alice, "PUT", "/api/v1/import-presets/bad", map[string]any{"date": "d"}, nil)
		e.must(http.StatusBadRequest, e.alice, "PUT", "/api/v1/import-presets/bad", map[string]any{"dat": "d"}, nil)
		e.must(http.StatusNotFound, e.bob, "GET", "/api/v1/import-presets/My Giro", nil, nil)

		acct := e.account(e.alice, "Giro", "EUR")
		imp := e.importFile(e.alice, "account_id="+acct.ID+"&preset=My%20Giro", fixture(t, "giro-latin1.csv"))
		if imp.Created != 2 || *imp.Preset != "My Giro" {
			t.Fatalf("import with a saved preset %+v", imp)
		}
		txs := e.transactions(e.alice, acct.ID)
		if len(txs) != 2 || txs[1].Amount != "-1234.56" || *txs[1].Counterparty != "Stadtwerke München" {
			t.Errorf("imported %+v", txs)
		}
		e.must(http.StatusNoContent, e.alice, "DELETE", "/api/v1/import-presets/My Giro", nil, nil)
		e.must(http.StatusNotFound, e.alice, "DELETE", "/api/v1/import-presets/My Giro", nil, nil)
		e.must(http.StatusConflict, e.alice, "DELETE", "/api/v1/import-presets/za-bank-statements", nil, nil)
	})
}

// TestExportRoundTrip: an account exported as CSV or OFX and imported into
// a fresh account gives back the same transactions.
func TestExportRoundTrip(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		src := e.account(e.alice, "Source", "EUR")
		for i := 0; i < 620; i++ { // more than one page of the listing
			body := map[string]any{"amount": fmt.Sprintf("-%d.%02d", i, i%100), "currency": "EUR", "description": fmt.Sprintf("Purchase %d, \"quoted\" & <tagged>", i),
				"booked_at": fmt.Sprintf("2024-01-%02dT%02d:%02d:00.123456Z", 1+i%28, i%24, i%60), "account_id": src.ID}
			if i%3 == 0 {
				body["counterparty"] = fmt.Sprintf("Shop %d", i)
			}
			e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", body, nil)
		}
		want := e.transactions(e.alice, src.ID)
		for _, format := range []string{"csv", "ofx"} {
			t.Run(format, func(t *testing.T) {
				r := e.must(http.StatusOK, e.alice, "GET", "/api/v1/transactions/export?format="+format+"&account_id="+src.ID, nil, nil)
				dst := e.account(e.alice, "Copy "+format, "EUR")
				q := "account_id=" + dst.ID
				if format == "csv" {
					q += "&preset=trx-csv"
				}
				imp := e.importFile(e.alice, q, r.Body)
				if imp.Created != len(want) {
					t.Fatalf("imported %+v, want %d", imp, len(want))
				}
				got := e.transactions(e.alice, dst.ID)
				if len(got) != len(want) {
					t.Fatalf("%d transactions, want %d", len(got), len(want))
				}
				for i := range want {
					w, g := want[i], got[i]
					if w.Amount != g.Amount || w.Currency != g.Currency || w.Description != g.Description || w.BookedAt != g.BookedAt ||
						str(w.Counterparty) != str(g.Counterparty) {
						t.Fatalf("transaction %d: got %+v, want %+v", i, g, w)
					}
				}
				if again := e.importFile(e.alice, q, r.Body); again.Created != 0 {
					t.Errorf("the export imported twice: %+v", again)
				}
			})
		}
		e.must(http.StatusBadRequest, e.alice, "GET", "/api/v1/transactions/export?format=ofx", nil, nil)
		e.must(http.StatusBadRequest, e.alice, "GET", "/api/v1/transactions/export?format=xls", nil, nil)
		e.must(http.StatusBadRequest, e.alice, "GET", "/api/v1/transactions/export?colour=red", nil, nil)
		r := e.must(http.StatusOK, e.bob, "GET", "/api/v1/transactions/export", nil, nil)
		if strings.TrimSpace(string(r.Body)) != "id,booked_at,amount,currency,description,counterparty,category_id,account_id" {
			t.Errorf("bob's export %q", r.Body)
		}
	})
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestImportInlineMapping: a mapping sent with the file (multipart part
// "mapping"), and bank references that are not ASCII, stored and deduped
// on both engines.
func TestImportInlineMapping(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		acct := e.account(e.alice, "Giro", "EUR")
		file := "Tag;Text;Betrag;Referenz\n01.02.2024;Miete;-850,00;Überweisung 7\n02.02.2024;Bäckerei;-3,20;Kartenzahlung ä1\n"
		send := func() statementapi.ImportResource {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mp, _ := mw.CreateFormField("mapping")
			mp.Write([]byte(`{"date":"Tag","date_format":"DD.MM.YYYY","amount":"Betrag","description":["Text"],"reference":"Referenz","decimal_separator":","}`))
			fw, _ := mw.CreateFormFile("file", "giro.csv")
			fw.Write([]byte(file))
			mw.Close()
			r := e.upload(e.alice, "account_id="+acct.ID, body.Bytes(), mw.FormDataContentType())
			if r.Status != http.StatusAccepted {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			var imp statementapi.ImportResource
			r.Decode(t, &imp)
			return e.finish(e.alice, imp.ID)
		}
		if imp := send(); imp.State != "done" || imp.Created != 2 || imp.Preset != nil {
			t.Fatalf("first %+v", imp)
		}
		if imp := send(); imp.Created != 0 || imp.Duplicates != 2 {
			t.Fatalf("again %+v", imp)
		}
		txs := e.transactions(e.alice, acct.ID)
		if len(txs) != 2 || txs[0].Description != "Bäckerei" || txs[1].Amount != "-850.00" {
			t.Errorf("stored %+v", txs)
		}
	})
}

// TestUndoUnlinksTransfers: undoing an import whose transaction was linked
// into a transfer removes that leg and leaves the other one an ordinary
// transaction (no dangling leg).
func TestUndoUnlinksTransfers(t *testing.T) {
	engines(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnv(t, d)
		cheque, savings := e.account(e.alice, "Cheque", "ZAR"), e.account(e.alice, "Savings", "ZAR")
		imp := e.importFile(e.alice, "account_id="+cheque.ID+"&preset=za-bank-statements",
			[]byte("date,description,amount\n2024-02-05,To savings,-200.00\n2024-02-06,Bakery,-2.20\n"))
		var out transaction.Resource
		for _, tx := range e.transactions(e.alice, cheque.ID) {
			if tx.Description == "To savings" {
				out = tx
			}
		}
		var in transaction.Resource
		e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transactions", map[string]any{"amount": "200.00", "currency": "ZAR",
			"description": "From cheque", "booked_at": "2024-02-05", "account_id": savings.ID}, &in)
		var tr struct {
			ID string `json:"id"`
		}
		e.must(http.StatusCreated, e.alice, "POST", "/api/v1/transfers/link", map[string]any{"from_transaction_id": out.ID, "to_transaction_id": in.ID}, &tr)
		e.must(http.StatusOK, e.alice, "DELETE", "/api/v1/imports/"+imp.ID, nil, nil)
		var left transaction.Resource
		e.must(http.StatusOK, e.alice, "GET", "/api/v1/transactions/"+in.ID, nil, &left)
		if left.TransferID != nil || left.Version != in.Version+2 {
			t.Fatalf("the other leg after the undo: transfer %v, version %d; want none, %d", left.TransferID, left.Version, in.Version+2)
		}
		e.must(http.StatusNotFound, e.alice, "GET", "/api/v1/transfers/"+tr.ID, nil, nil)
		e.must(http.StatusNoContent, e.alice, "DELETE", "/api/v1/transactions/"+in.ID, nil, nil)
	})
}

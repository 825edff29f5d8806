package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/cli"
	"github.com/trx-platform/trx/internal/statement/statementapi"
	"github.com/trx-platform/trx/internal/transaction"
)

// client runs trx client commands against a server.
type client struct {
	t         *testing.T
	url, key  string
	dir       string
	lastError error
}

// run runs trx with args (and --server/--key) and returns stdout and the
// exit code main would use.
func (c *client) run(args ...string) (string, int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	args = append(args, "--server", c.url, "--key", c.key)
	err := run(context.Background(), args, testEnv(nil, &out, &errb))
	c.lastError = err
	if err != nil {
		return out.String(), cli.ExitCode(err)
	}
	return out.String(), 0
}

func (c *client) must(want int, args ...string) string {
	c.t.Helper()
	out, code := c.run(args...)
	if code != want {
		c.t.Fatalf("trx %s: exit %d (%v), want %d\n%s", strings.Join(args, " "), code, c.lastError, want, out)
	}
	return out
}

func sharedData(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the shared data files are beside the repository (../shared/data): %v", err)
	}
	return p
}

// TestClientCommands runs the client command line against a real trx
// serve (in-process, SQLite, every component: imports are categorized by
// the classifier).
func TestClientCommands(t *testing.T) {
	addr, key, _ := startServe(t, t.TempDir())
	c := &client{t: t, url: "http://" + addr, key: key, dir: t.TempDir()}

	c.must(0, "accounts", "add", "FNB Cheque", "--kind", "checking", "--currency", "ZAR", "--number", "62001234567")
	c.must(0, "accounts", "add", "PCard", "--kind", "credit_card", "--currency", "GBP", "--quiet")
	if _, code := c.run("accounts", "add", "fnb cheque", "--currency", "ZAR"); code != cli.ExitFailed || !strings.Contains(c.lastError.Error(), "already have an account") {
		t.Errorf("a duplicate name: exit %d, %v", code, c.lastError)
	}

	za := sharedData(t, "za-bank-statements.csv")
	out := c.must(0, "import", za, "--account", "FNB Cheque", "--preset", "za-bank-statements", "--dry-run")
	if !strings.Contains(out, "451 lines: 450 new, 0 duplicates, 1 rejected") || !strings.Contains(out, "line 227: amount") {
		t.Errorf("dry run:\n%s", out)
	}
	// One line of the file has no amount: the import is refused whole (exit
	// 1), or stores the others with --on-error skip (exit 3).
	if _, code := c.run("import", za, "--account", "fnb cheque", "--preset", "za-bank-statements"); code != cli.ExitFailed ||
		!strings.Contains(c.lastError.Error(), "line 227: amount") {
		t.Fatalf("refused import: exit %d, %v", code, c.lastError)
	}
	var imp statementapi.ImportResource
	out = c.must(cli.ExitPartial, "import", za, "--account", "fnb cheque", "--preset", "za-bank-statements", "--on-error", "skip", "--json")
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Created != 450 || imp.Rejected != 1 || imp.Duplicates != 0 {
		t.Fatalf("import --json: %v %+v", err, imp)
	}
	out = c.must(cli.ExitPartial, "import", za, "--account", "FNB Cheque", "--preset", "za-bank-statements", "--on-error", "skip", "--json")
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Created != 0 || imp.Duplicates != 450 {
		t.Fatalf("the same file again: %v %+v", err, imp)
	}
	bham := sharedData(t, "birmingham-pcard.csv")
	c.must(0, "import", bham, "--account", "PCard", "--preset", "birmingham-pcard", "--quiet")

	var accounts []accountapi.Resource
	if err := json.Unmarshal([]byte(c.must(0, "accounts", "--json")), &accounts); err != nil || len(accounts) != 2 {
		t.Fatalf("accounts --json: %v %+v", err, accounts)
	}
	if accounts[0].Balance != "-206858.84" || accounts[0].Transactions != 450 || *accounts[0].Number != "•••••••4567" {
		t.Errorf("FNB Cheque: %+v", accounts[0])
	}
	if accounts[1].Transactions != 5948 || !strings.HasPrefix(accounts[1].Balance, "-") {
		t.Errorf("PCard (positive amounts are money spent): %+v", accounts[1])
	}
	if table := c.must(0, "accounts"); !strings.Contains(table, "FNB Cheque") || !strings.Contains(table, "-206858.84") {
		t.Errorf("accounts table:\n%s", table)
	}

	// Imported transactions went through the classifier pipeline.
	var txs []transaction.Resource
	if err := json.Unmarshal([]byte(c.must(0, "tx", "list", "--account", "PCard", "--limit", "500", "--json")), &txs); err != nil || len(txs) != 500 {
		t.Fatalf("tx list: %v, %d", err, len(txs))
	}
	categorized := 0
	for _, tx := range txs {
		if tx.CategorySource != nil {
			categorized++
		}
	}
	if categorized == 0 {
		t.Error("no imported transaction was categorized")
	}

	var added transaction.Resource
	if err := json.Unmarshal([]byte(c.must(0, "tx", "add", "--account", "FNB Cheque", "--amount", "-12.50", "--description", "Biltong",
		"--date", "2024-01-02", "--json")), &added); err != nil || added.Currency != "ZAR" || added.AccountID == nil {
		t.Fatalf("tx add: %v %+v", err, added)
	}

	// Export, and import into a fresh account: the same transactions.
	file := filepath.Join(c.dir, "fnb.csv")
	c.must(0, "export", "--account", "FNB Cheque", "--format", "csv", "--out", file)
	c.must(0, "accounts", "add", "Copy", "--currency", "ZAR", "--quiet")
	out = c.must(0, "import", file, "--account", "Copy", "--preset", "trx-csv", "--json")
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Created != 451 {
		t.Fatalf("round trip: %v %+v", err, imp)
	}
	ofx := filepath.Join(c.dir, "pcard.ofx")
	c.must(0, "export", "--account", "PCard", "--format", "ofx", "--out", ofx)
	c.must(0, "accounts", "add", "Card copy", "--kind", "credit_card", "--currency", "GBP", "--quiet")
	out = c.must(0, "import", ofx, "--account", "Card copy", "--json")
	if err := json.Unmarshal([]byte(out), &imp); err != nil || imp.Created != 5948 || imp.Format != "ofx" {
		t.Fatalf("OFX round trip: %v %+v", err, imp)
	}

	// Errors in plain words, with codes scripts can use.
	if _, code := c.run("import", za, "--account", "Savings"); code != cli.ExitFailed || !strings.Contains(c.lastError.Error(), `no account "Savings"; yours are`) {
		t.Errorf("unknown account: exit %d, %v", code, c.lastError)
	}
	if _, code := c.run("tx", "frobnicate"); code != cli.ExitUsage {
		t.Errorf("tx frobnicate: exit %d", code)
	}
	var out2 bytes.Buffer
	if err := run(context.Background(), []string{"accounts", "--server", c.url}, testEnv(nil, &out2, &out2)); cli.ExitCode(err) != cli.ExitUsage {
		t.Errorf("no key: %v", err)
	}
	if _, code := (&client{t: t, url: "http://127.0.0.1:1", key: key}).run("accounts"); code != cli.ExitNoServer {
		t.Errorf("no server: exit %d", code)
	}
	if _, code := (&client{t: t, url: c.url, key: "trx_wrong"}).run("accounts"); code != cli.ExitFailed {
		t.Errorf("a wrong key: exit %d", code)
	}
}

// Package layers_test guards the direction of imports between trx's
// packages. The rules are written once, here, with a sentence each; see
// docs/ARCHITECTURE.md for the map they protect.
package layers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/trx-platform/trx/"

// pkg is what `go list -json` says of a package (its non-test imports).
type pkg struct {
	ImportPath string
	Imports    []string
}

// The kinds of package, by where they sit.
var (
	// domains are the features' own packages: types, rules, services and
	// the small interfaces they consume. No I/O of their own.
	domains = set("auth", "classifier", "report", "stock", "transaction")
	// foundation packages serve everyone and know no feature.
	foundation = set("money", "fault", "web", "sqldb", "event", "metrics", "envflag", "timestamp", "uid")
	// httpPkgs speak HTTP: a feature's API, and the front door's parts.
	httpPkgs = func(rel string) bool {
		last := rel[strings.LastIndex(rel, "/")+1:]
		return (strings.HasSuffix(last, "api") && strings.Count(rel, "/") == 2) ||
			rel == "internal/gateway" || rel == "internal/proxy" || rel == "internal/notify" || rel == "internal/dashboard"
	}
	// commands are trx's subcommands moved out of cmd/trx's main
	// (internal/cli's subpackages): each parses its flags and wires the
	// features it drives, as cmd does.
	commands = func(rel string) bool { return strings.HasPrefix(rel, "internal/cli/") }
	// cliKit is internal/cli and its subpackages: the commands and what
	// they share.
	cliKit = func(rel string) bool { return rel == "internal/cli" || commands(rel) }
	// stores are a feature's Store on SQL.
	stores = func(rel string) bool { return strings.Count(rel, "/") == 2 && strings.HasSuffix(rel, "sql") }
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m["internal/"+n] = true
	}
	return m
}

// feature is the top-level internal package that rel belongs to
// ("internal/transaction" for internal/transaction/transactionapi).
func feature(rel string) string {
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) < 2 || parts[0] != "internal" {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

func testHelper(rel string) bool { return strings.HasSuffix(rel, "test") }

type rule struct {
	why   string
	check func(from, to string) bool // true: from may not import to
}

var rules = []rule{
	{"a domain package holds rules, not transport or storage: it imports no net/http, no store and no HTTP package",
		func(from, to string) bool {
			return domains[from] && (to == "net/http" || stores(to) || httpPkgs(to))
		}},
	{"web is the HTTP toolkit every API uses, so it knows no feature (it may use fault, the error kinds)",
		func(from, to string) bool {
			return from == "internal/web" && strings.HasPrefix(to, "internal/") && to != "internal/fault"
		}},
	{"foundation packages serve every feature, so they import no feature package",
		func(from, to string) bool {
			return foundation[from] && feature(to) != "" && !foundation[feature(to)]
		}},
	{"an HTTP package does not import another HTTP package: what two of them share goes lower down (web, or a domain)",
		func(from, to string) bool {
			return httpPkgs(from) && httpPkgs(to) && from != to
		}},
	{"a feature's subpackages (its API, its store, its adapters) are its internals: only the feature itself and cmd wire them",
		func(from, to string) bool {
			f := feature(to)
			return f != "" && to != f && !testHelper(to) && feature(from) != f && strings.HasPrefix(from, "internal/") && !commands(from)
		}},
	{"production code never imports a test helper",
		func(from, to string) bool { return testHelper(to) && !testHelper(from) }},
	{"the commands and their kit (internal/cli) serve cmd only: no feature or foundation package imports them",
		func(from, to string) bool { return cliKit(to) && !cliKit(from) && !strings.HasPrefix(from, "cmd/") }},
}

func TestImportRules(t *testing.T) {
	pkgs := list(t)
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages; want the whole module", len(pkgs))
	}
	checked := 0
	for _, p := range pkgs {
		from := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			to := imp
			if strings.HasPrefix(imp, module) {
				to = strings.TrimPrefix(imp, module)
			} else if imp != "net/http" {
				continue
			}
			checked++
			for _, r := range rules {
				if r.check(from, to) {
					t.Errorf("%s imports %s: %s", from, to, r.why)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no import between trx packages was checked")
	}
}

// TestRulesBite makes sure each rule fires on an import it forbids, so that
// a rule broken by an edit cannot pass in silence.
func TestRulesBite(t *testing.T) {
	bad := []struct{ from, to string }{
		{"internal/transaction", "net/http"},
		{"internal/web", "internal/transaction"},
		{"internal/money", "internal/classifier"},
		{"internal/classifier/classifierapi", "internal/transaction/transactionapi"},
		{"internal/report/reportapi", "internal/transaction/transactionsql"},
		{"internal/report/reportapi", "internal/sqldb/sqldbtest"},
		{"internal/transaction", "internal/cli"},
	}
	for i, b := range bad {
		if !rules[i].check(b.from, b.to) {
			t.Errorf("rule %d (%s) lets %s import %s", i, rules[i].why, b.from, b.to)
		}
	}
	ok := []struct{ from, to string }{
		{"internal/classifier/classifierapi", "internal/web"},
		{"internal/classifier", "internal/transaction"},
		{"cmd/trx", "internal/transaction/transactionsql"},
		{"internal/transaction/transactionapi", "internal/transaction"},
		{"internal/cli/clientcli", "internal/account/accountapi"},
		{"internal/cli/admincli", "internal/cli"},
		{"cmd/trx", "internal/cli/admincli"},
	}
	for _, o := range ok {
		for i, r := range rules {
			if r.check(o.from, o.to) {
				t.Errorf("rule %d (%s) forbids %s importing %s", i, r.why, o.from, o.to)
			}
		}
	}
}

func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "github.com/trx-platform/trx/...")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errOut.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

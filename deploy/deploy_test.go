// Package deploy_test checks the deployment files in deploy/ offline: no
// Docker engine, no cluster and no network. The Kubernetes manifests are
// decoded strictly into the official API types (k8s_test.go), the compose
// file is loaded by the Compose Specification's reference loader, which
// validates it against the specification's JSON schema, and decoded strictly
// into a struct of the fields trx uses (compose_test.go), and the Dockerfile
// is checked against the module it builds (dockerfile_test.go). Every TRX_*
// variable and --flag that these files give trx must be a flag of the
// command that they run, read from the source of cmd/trx and internal/cli.
package deploy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// root is the repository root, relative to this package's directory (the
// working directory of its tests).
const root = ".."

// components are the values of `trx serve --components`.
var components = []string{"gateway", "transactions", "classifier", "report", "notifier"}

// envName is cmd/trx's rule: --name-x has the twin TRX_NAME_X.
func envName(flag string) string {
	return "TRX_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// flagSet is the flags of one trx subcommand.
type flagSet struct {
	cmd   string
	names map[string]bool
}

func (fs flagSet) hasFlag(name string) bool { return fs.names[name] }

func (fs flagSet) hasEnv(env string) bool {
	for n := range fs.names {
		if envName(n) == env {
			return true
		}
	}
	return false
}

// checkEnv reports TRX_* names in env that are no flag of fs.
func (fs flagSet) checkEnv(t *testing.T, where string, env []string) {
	t.Helper()
	for _, e := range env {
		if strings.HasPrefix(e, "TRX_") && !fs.hasEnv(e) {
			t.Errorf("%s: %s is the twin of no flag of `trx %s` (flags: %s)", where, e, fs.cmd, fs.list())
		}
	}
}

// checkArgs reports --flags in args that are no flag of fs.
func (fs flagSet) checkArgs(t *testing.T, where string, args []string) {
	t.Helper()
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !fs.hasFlag(name) {
			t.Errorf("%s: %s is no flag of `trx %s` (flags: %s)", where, a, fs.cmd, fs.list())
		}
	}
}

func (fs flagSet) list() string {
	var out []string
	for n := range fs.names {
		out = append(out, "--"+n)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// subcommands maps the first argument of trx to the function that runs it
// (cmd/trx/main.go's commands table: serve in cmd/trx, the operator's
// commands in internal/cli/admincli).
var subcommands = map[string]string{"serve": "runServe", "migrate": "Migrate", "users": "Users"}

// trxSources are the directories whose non-test sources define the flags
// of those subcommands: cmd/trx, the commands' shared kit (the database
// flags) and the operator's commands.
var trxSources = []string{filepath.Join("cmd", "trx"), filepath.Join("internal", "cli"), filepath.Join("internal", "cli", "admincli")}

// trxFlags reads, from the trxSources, the flags that a subcommand
// defines: the first string argument of every flag-defining call
// (fs.StringVar(&v, "name", …), fs.Func, …) in the functions reachable from
// the subcommand's run function. Reachability follows calls by name across
// those packages (pkg.F and x.M alike), which over-approximates a little
// (two functions or methods of one name) but never misses a flag defined in
// a helper such as cli.DBFlags.
func trxFlags(t *testing.T, cmd string) flagSet {
	t.Helper()
	start, ok := subcommands[cmd]
	if !ok {
		t.Fatalf("trx %s: no such subcommand known to this test", cmd)
	}
	fset := token.NewFileSet()
	var files []string
	for _, d := range trxSources {
		entries, err := os.ReadDir(filepath.Join(root, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				files = append(files, filepath.Join(root, d, n))
			}
		}
	}
	funcs := map[string][]*ast.FuncDecl{} // "f:name" for functions, "m:name" for methods
	consts := map[string]string{}
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				key := "f:" + d.Name.Name
				if d.Recv != nil {
					key = "m:" + d.Name.Name
				}
				funcs[key] = append(funcs[key], d)
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							if v, ok := stringLit(vs.Values[i], nil); ok {
								consts[name.Name] = v
							}
						}
					}
				}
			}
		}
	}
	if len(funcs["f:"+start]) == 0 {
		t.Fatalf("%v: no function %s (the run function of `trx %s`)", trxSources, start, cmd)
	}
	names := map[string]bool{}
	seen := map[string]bool{}
	queue := []string{"f:" + start}
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, fd := range funcs[key] {
			if fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					queue = append(queue, "f:"+fn.Name)
				case *ast.SelectorExpr:
					queue = append(queue, "m:"+fn.Sel.Name, "f:"+fn.Sel.Name) // a method, or a function of another package
					if definesFlag(fn.Sel.Name) {
						for _, a := range call.Args {
							if v, ok := stringLit(a, consts); ok {
								names[v] = true
								break
							}
						}
					}
				}
				return true
			})
		}
	}
	return flagSet{cmd: cmd, names: names}
}

// definesFlag tells whether a method of that name defines a flag: the
// standard library's (String, StringVar, Func, Var, …) and envflag's
// (BytesVar, RateVar, …).
func definesFlag(method string) bool {
	if strings.HasSuffix(strings.ToLower(method), "var") {
		return true
	}
	return slices.Contains([]string{"String", "Bool", "Int", "Int64", "Uint", "Uint64", "Float64",
		"Duration", "Func", "BoolFunc"}, method)
}

func stringLit(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	}
	return "", false
}

// TestTrxFlags guards the flag reader itself: if cmd/trx changes how it
// defines flags so that this test no longer finds the known ones, every
// other check here would pass or fail for the wrong reason.
func TestTrxFlags(t *testing.T) {
	for cmd, want := range map[string][]string{
		"serve": {"addr", "data", "db", "db-max-open", "migrate", "log-format", "nats", "nats-stream", "node", "event-retention",
			"components", "upstream", "internal-secret"},
		"migrate": {"db", "data"},
		"users":   {"db", "scopes"},
	} {
		fs := trxFlags(t, cmd)
		for _, w := range want {
			if !fs.names[w] {
				t.Errorf("trx %s: flag --%s not found in %v (found: %s)", cmd, w, trxSources, fs.list())
			}
		}
	}
	if fs := trxFlags(t, "migrate"); fs.names["nats"] {
		t.Errorf("trx migrate: found --nats, a serve flag: the reader follows too much")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

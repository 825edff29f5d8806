package reportcli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcli"
	"github.com/trx-platform/trx/internal/web"
)

func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = reportcli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFixture checks the shared fixture through every way of giving the CLI
// its input: the JSON output must equal fixture_expected.json, byte for byte.
func TestFixture(t *testing.T) {
	want := readFile(t, "../testdata/fixture_expected.json")
	jsonIn := readFile(t, "../testdata/fixture_input.json")
	csvIn := readFile(t, "../testdata/fixture_input.csv")
	noExt := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(noExt, []byte(csvIn), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"json file", "", []string{"../testdata/fixture_input.json", "--json", "--group-by", "category,month"}},
		{"flags first", "", []string{"--json", "--group-by=category,month", "../testdata/fixture_input.json"}},
		{"csv file", "", []string{"--json", "--group-by", "month,category", "../testdata/fixture_input.csv"}},
		{"csv sniffed from content", "", []string{"--json", "--group-by", "category,month", noExt}},
		{"json on stdin", jsonIn, []string{"--json", "--group-by", "category,month"}},
		{"json on stdin with -", jsonIn, []string{"-", "--json", "--group-by", "category,month"}},
		{"csv on stdin", csvIn, []string{"--json", "--group-by", "category,month"}},
		{"csv on stdin with --format", csvIn, []string{"--format", "csv", "--json", "--group-by", "category,month"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := run(t, tt.stdin, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("output differs from fixture_expected.json (-want +got):\n%s", diff)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestTable checks the table output against testdata/*.golden.
func TestTable(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"table.golden", []string{"../testdata/fixture_input.json"}},
		{"table_grouped.golden", []string{"../testdata/fixture_input.json", "--group-by", "category,month"}},
		{"table_month.golden", []string{"../testdata/fixture_input.csv", "--group-by", "month"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, _, err := run(t, "", tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(readFile(t, path), out); diff != "" {
				t.Errorf("table differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	out, _, err := run(t, "[]")
	if err != nil || !strings.Contains(out, "(no transactions)") {
		t.Errorf("table = %q, %v", out, err)
	}
	out, _, err = run(t, "amount,currency\n", "--json")
	if err != nil || out != "{\n  \"count\": 0,\n  \"currencies\": []\n}\n" {
		t.Errorf("json = %q, %v", out, err)
	}
}

func TestErrors(t *testing.T) {
	bad := `[{"amount":"12.345","currency":"EUR"},{"amount":"1","currency":"EUR"},{"amount":"1","currency":"eur"}]`
	tests := []struct {
		name  string
		stdin string
		args  []string
		msg   string // substring of the error
		is    error
	}{
		{"bad items are listed", bad, nil,
			"report: standard input: 2 transactions are invalid; see errors\n  item 0: amount: \"12.345\" has 3 decimal places, EUR allows 2\n  item 2: currency: unknown currency \"eur\"", nil},
		{"one bad item", `[{"amount":"1.5","currency":"JPY"}]`, nil, `item 0: amount: "1.5" has 1 decimal places, JPY allows 0`, nil},
		{"syntax", `[{]`, nil, "not valid JSON at byte", report.ErrInvalidInput},
		{"csv without header", "1,EUR\n", nil, "no header row", report.ErrInvalidInput},
		{"missing file", "", []string{"does-not-exist.json"}, "does-not-exist.json", os.ErrNotExist},
		{"two files", "", []string{"a.json", "b.json"}, "one input at a time", nil},
		{"bad group-by", "[]", []string{"--group-by", "week"}, `unknown grouping "week"`, report.ErrInvalidInput},
		{"bad format", "[]", []string{"--format", "xml"}, `--format "xml"`, nil},
		{"unknown flag", "[]", []string{"--csv"}, "flag provided but not defined", nil},
		{"help", "", []string{"-h"}, "help requested", flag.ErrHelp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := run(t, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestJSONProblem(t *testing.T) {
	out, _, err := run(t, `[{"amount":"1","currency":"EUR"},{"amount":"x","currency":"EUR"}]`, "--json")
	var ve *report.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a ValidationError", err)
	}
	var p web.Problem
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("stdout is not a problem: %v: %s", err, out)
	}
	if p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "transactions[1].amount" || p.Errors[0].Rule != "format" {
		t.Errorf("problem = %+v", p)
	}
}

func TestHelp(t *testing.T) {
	_, stderr, _ := run(t, "", "--help")
	for _, s := range []string{"Usage: trx report [FILE|-]", "-json", "-format", "-group-by category,month"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("help does not mention %q:\n%s", s, stderr)
		}
	}
}

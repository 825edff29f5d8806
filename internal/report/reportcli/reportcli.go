// Package reportcli is the command-line adapter of the report function:
// `trx report [FILE|-] [flags]` reads transactions as JSON or CSV from a file
// or standard input and prints their totals per currency as a table or JSON.
package reportcli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportjson"
	"github.com/trx-platform/trx/internal/web"
)

const usage = `Usage: trx report [FILE|-] [flags]

Totals money spent and received, per currency, of the transactions in FILE
(or standard input when FILE is "-" or absent). Amounts are exact decimal
strings in their currency's ISO 4217 scale; nothing is rounded, currencies
are never added together.

Input is JSON, an array of transactions or {"transactions": [...]}, each
{"amount": "-12.50", "currency": "EUR", "booked_at": "2025-01-31",
"category": "food"}; or CSV with a header row naming the columns
amount,currency[,booked_at,category] in any order. The format is taken from
--format, else from FILE's extension, else from the first non-space byte
('[' or '{' is JSON).

Flags:
`

// Run runs `trx report` with args (the arguments after "report"). It reads
// standard input from stdin, writes the report to stdout and the help text
// to stderr. Bad input is an error that lists the bad transactions (the
// first 20) with their index and field; with --json the RFC 9457 problem is
// also written to stdout, as the HTTP and Lambda adapters would return it.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	format := fs.String("format", "", "input format: json or csv (default: from the file extension or content)")
	groupBy := fs.String("group-by", "", "break totals down by `category,month` (either or both)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	// Flags may come before or after FILE.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) > 1 {
		fs.Usage()
		return fmt.Errorf("report: one input at a time, got %q", files)
	}
	g, err := report.ParseGroupBy(*groupBy)
	if err != nil {
		return fmt.Errorf("report: --group-by: %w", err)
	}
	switch *format {
	case "", "json", "csv":
	default:
		return fmt.Errorf("report: --format %q: use json or csv", *format)
	}

	name := "-"
	if len(files) == 1 {
		name = files[0]
	}
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		defer f.Close()
		in = f
		if *format == "" {
			switch strings.ToLower(filepath.Ext(name)) {
			case ".json":
				*format = "json"
			case ".csv":
				*format = "csv"
			}
		}
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if *format == "" {
		*format = sniff(br)
	}
	var src report.Source
	if *format == "json" {
		src = reportjson.NewDecoder(br)
	} else {
		src = reportcsv.NewReader(br)
	}
	res, err := report.Run(ctx, src, report.Options{GroupBy: g})
	if err != nil {
		return fail(err, name, *asJSON, stdout)
	}
	if *asJSON {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	return writeTable(stdout, res, g)
}

// sniff tells JSON from CSV by the first byte that is not white space or a
// byte order mark.
func sniff(br *bufio.Reader) string {
	for n := 64; ; n *= 2 {
		b, err := br.Peek(n)
		b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\uFEFF")), " \t\r\n")
		if len(b) > 0 {
			if b[0] == '[' || b[0] == '{' {
				return "json"
			}
			return "csv"
		}
		if err != nil || n >= br.Size() {
			return "json" // empty: let the JSON decoder say so
		}
	}
}

// fail turns err into the command's error, writing the problem JSON first
// when asJSON.
func fail(err error, name string, asJSON bool, stdout io.Writer) error {
	if name == "-" {
		name = "standard input"
	}
	p := web.ProblemOf(err)
	if p.Status >= 500 {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	if asJSON {
		if b, merr := json.MarshalIndent(p, "", "  "); merr == nil {
			_, _ = stdout.Write(append(b, '\n'))
		}
	}
	var ve *report.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("report: %s: %w", name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "report: %s: %s", name, p.Detail)
	if len(ve.Problems) > 1 {
		for _, e := range ve.Problems {
			fmt.Fprintf(&b, "\n  %s", e.Error())
		}
		if ve.Total > len(ve.Problems) {
			fmt.Fprintf(&b, "\n  … and %d more", ve.Total-len(ve.Problems))
		}
	}
	return &cliError{msg: b.String(), err: err}
}

// cliError is a multi-line error message that still unwraps to the cause.
type cliError struct {
	msg string
	err error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// writeTable prints res as an aligned table: one row per currency, or per
// group followed by the currency's total row when grouping.
func writeTable(w io.Writer, res *report.Result, g report.GroupBy) error {
	head := []string{"CURRENCY"}
	if g.Category {
		head = append(head, "CATEGORY")
	}
	if g.Month {
		head = append(head, "MONTH")
	}
	rows := [][]string{head}
	nums := func(t report.Totals) []string {
		return []string{t.Spent, t.Received, t.Net, strconv.FormatInt(t.Count, 10), strconv.FormatInt(t.Debits, 10), strconv.FormatInt(t.Credits, 10)}
	}
	for _, c := range res.Currencies {
		for _, gr := range c.Groups {
			row := []string{c.Currency}
			if gr.Category != nil {
				row = append(row, or(*gr.Category, "(none)"))
			}
			if gr.Month != nil {
				row = append(row, or(*gr.Month, "(no date)"))
			}
			rows = append(rows, append(row, nums(gr.Totals)...))
		}
		row := []string{c.Currency}
		for i := 1; i < len(head); i++ {
			if i == 1 {
				row = append(row, "(total)")
			} else {
				row = append(row, "")
			}
		}
		rows = append(rows, append(row, nums(c.Totals)...))
	}
	rows[0] = append(rows[0], "SPENT", "RECEIVED", "NET", "COUNT", "DEBITS", "CREDITS")

	// Text columns are padded here so that they read left-aligned in a
	// table whose number columns the tabwriter aligns right.
	textCols := len(head)
	for col := range textCols {
		width := 0
		for _, r := range rows {
			width = max(width, len([]rune(r[col])))
		}
		for _, r := range rows {
			r[col] += strings.Repeat(" ", width-len([]rune(r[col])))
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// AlignRight pads every cell on the left, the first one too.
	var out bytes.Buffer
	for line := range bytes.Lines(buf.Bytes()) {
		out.Write(bytes.TrimPrefix(line, []byte("  ")))
	}
	if len(res.Currencies) == 0 {
		out.WriteString("(no transactions)\n")
	}
	_, err := w.Write(out.Bytes())
	return err
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package clientcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/schollz/progressbar/v3"

	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/statement/statementapi"
)

type importOptions struct {
	account, preset, format, encoding, dateFormat, decimal, thousands, onError string
	dryRun                                                                     bool
}

// Import is `trx import FILE --account NAME`: a bank statement
// into one of your accounts, through a running trx.
func Import(ctx context.Context, e cli.Env, args []string) error {
	var (
		c clientConfig
		o importOptions
	)
	fs := cli.NewFlagSet("import", "import FILE --account NAME [--preset P] [--format csv|ofx|qif|camt] [--dry-run] [flags]\n\n"+
		"Imports a bank statement (CSV, OFX/QFX, QIF or CAMT.053; - for stdin) into one of your accounts on a running trx.\n"+
		"Lines already in the account are skipped; a bad line refuses the whole file unless --on-error skip. Exit codes:\n"+
		"0 imported, 1 refused or failed (nothing stored), 2 usage, 3 imported with rejected lines, 4 no server.\n"+
		"(trx import --all FILE is the administrator's: an export file into an empty installation.)", e)
	clientFlags(fs, e, &c)
	fs.StringVar(&o.account, "account", "", "the account's name (required; trx accounts lists them)")
	fs.StringVar(&o.preset, "preset", "", "the CSV preset: za-bank-statements, birmingham-pcard, trx-csv or one of yours")
	fs.StringVar(&o.format, "format", "", "csv, ofx, qif or camt (default: what the file is)")
	fs.StringVar(&o.encoding, "encoding", "", "a text file's encoding: utf-8 (default), latin-1, windows-1252 or auto")
	fs.StringVar(&o.dateFormat, "date-format", "", "how dates are written, such as DD/MM/YYYY (overrides the preset)")
	fs.StringVar(&o.decimal, "decimal-separator", "", ". or , (overrides the preset)")
	fs.StringVar(&o.thousands, "thousands-separator", "", "none, ',', '.', ' ' or \"'\" (overrides the preset)")
	fs.StringVar(&o.onError, "on-error", "fail", "fail: a bad line refuses the file; skip: import the good lines")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show what would be imported, store nothing")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || o.account == "" {
		return cli.UsageError("import: name one file and the account: trx import FILE --account NAME")
	}
	data, name, err := readStatement(fs.Arg(0), e.Stdin)
	if err != nil {
		return err
	}
	a := newAPI(&c)
	acct, err := a.accountByName(ctx, o.account)
	if err != nil {
		return err
	}
	q := o.query(acct.ID, name)
	if o.dryRun {
		return dryRun(ctx, a, q, data)
	}
	imp, err := upload(ctx, a, q, data)
	if err != nil {
		return err
	}
	if imp, err = waitImport(ctx, a, imp); err != nil {
		return err
	}
	return reportImport(&c, acct.Name, imp)
}

func (o importOptions) query(accountID, filename string) url.Values {
	q := url.Values{"account_id": {accountID}}
	for k, v := range map[string]string{"preset": o.preset, "format": o.format, "encoding": o.encoding, "date_format": o.dateFormat,
		"decimal_separator": o.decimal, "thousands_separator": o.thousands, "on_error": o.onError, "filename": filename} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func readStatement(path string, stdin io.Reader) ([]byte, string, error) {
	var r io.Reader = stdin
	name := ""
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", cli.UsageError("import: %v", err)
		}
		defer f.Close()
		r, name = f, filepath.Base(path)
	}
	// The server's limit is its own (--max-import-file, 20 MiB by default):
	// it answers 413 past it. Here only a bound on what is held in memory.
	const maxUpload = 1 << 30
	data, err := io.ReadAll(io.LimitReader(r, maxUpload+1))
	if err != nil {
		return nil, "", cli.UsageError("import: %v", err)
	}
	if len(data) > maxUpload {
		return nil, "", cli.UsageError("import: the file is larger than 1 GiB; split it")
	}
	return data, name, nil
}

// upload sends the file, with a progress bar on a terminal.
func upload(ctx context.Context, a *api, q url.Values, data []byte) (statementapi.ImportResource, error) {
	var body io.Reader = bytes.NewReader(data)
	var bar *progressbar.ProgressBar
	if a.c.stderrIsTerm && !a.c.quiet && !a.c.json {
		bar = progressbar.NewOptions64(int64(len(data)), progressbar.OptionSetWriter(a.c.stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("uploading"), progressbar.OptionClearOnFinish())
		r := progressbar.NewReader(body, bar)
		body = &r
	} else if !a.c.quiet {
		fmt.Fprintf(a.c.stderr, "uploading %s (%d bytes)\n", q.Get("filename"), len(data))
	}
	var imp statementapi.ImportResource
	res, err := a.request(ctx, "POST", "/api/v1/imports?"+q.Encode(), body, "application/octet-stream")
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return imp, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&imp); err != nil {
		return imp, fmt.Errorf("the server's answer cannot be read: %v", err)
	}
	return imp, nil
}

// waitImport polls the import until it is no longer running, with a
// spinner on a terminal and one plain line otherwise.
func waitImport(ctx context.Context, a *api, imp statementapi.ImportResource) (statementapi.ImportResource, error) {
	if imp.State != statement.StateRunning {
		return imp, nil
	}
	var bar *progressbar.ProgressBar
	todo := imp.Rows - imp.Duplicates - imp.Rejected - imp.Skipped
	switch {
	case a.c.quiet || a.c.json:
	case a.c.stderrIsTerm:
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(a.c.stderr), progressbar.OptionSpinnerType(14),
			progressbar.OptionSetDescription(fmt.Sprintf("storing %d transactions", todo)))
		defer func() { _ = bar.Finish() }()
	default:
		fmt.Fprintf(a.c.stderr, "storing %d transactions (%d lines already in the account)\n", todo, imp.Duplicates)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for imp.State == statement.StateRunning {
		select {
		case <-ctx.Done():
			return imp, fmt.Errorf("stopped waiting; the import %s goes on on the server (GET /api/v1/imports/%s)", imp.ID, imp.ID)
		case <-tick.C:
		}
		if bar != nil {
			_ = bar.Add(1)
		}
		if err := a.call(ctx, "GET", "/api/v1/imports/"+imp.ID, nil, &imp); err != nil {
			return imp, err
		}
	}
	return imp, nil
}

// reportImport prints the outcome and returns the error (and exit code)
// it calls for.
func reportImport(c *clientConfig, account string, imp statementapi.ImportResource) error {
	if c.json {
		if err := cli.PrintJSON(c.stdout, imp); err != nil {
			return err
		}
	} else if !c.quiet {
		fmt.Fprintf(c.stdout, "%s into %q: %d created, %d duplicates, %d rejected, %d skipped (of %d lines); import %s\n",
			imp.State, account, imp.Created, imp.Duplicates, imp.Rejected, imp.Skipped, imp.Rows, imp.ID)
		for _, p := range imp.Problems {
			fmt.Fprintf(c.stdout, "  line %d: %s: %s\n", p.Line, p.Field, p.Detail)
		}
	}
	switch {
	case imp.State == statement.StateFailed:
		return cli.Exit(cli.ExitFailed, fmt.Errorf("the import failed: %s", deref(imp.Error)))
	case imp.Rejected > 0:
		return cli.Exit(cli.ExitPartial, fmt.Errorf("%d lines were rejected (listed above); the others were imported", imp.Rejected))
	}
	return nil
}

// dryRun prints what an import would store.
func dryRun(ctx context.Context, a *api, q url.Values, data []byte) error {
	q.Set("dry_run", "true")
	res, err := a.request(ctx, "POST", "/api/v1/imports?"+q.Encode(), bytes.NewReader(data), "application/octet-stream")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var p statementapi.PreviewResource
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		return fmt.Errorf("the server's answer cannot be read: %v", err)
	}
	switch {
	case a.c.quiet:
		return nil
	case a.c.json:
		return cli.PrintJSON(a.c.stdout, p)
	}
	fmt.Fprintf(a.c.stdout, "%s file, %d lines: %d new, %d duplicates, %d rejected, %d skipped; nothing stored\n",
		p.Format, p.Rows, p.New, p.Duplicates, p.Rejected, p.Skipped)
	rows := make([][]string, len(p.Items))
	for i, it := range p.Items {
		dup := ""
		if it.Duplicate {
			dup = "duplicate"
		}
		rows[i] = []string{strconv.Itoa(it.Line), it.BookedAt[:10], it.Amount, it.Currency, it.Description, deref(it.Counterparty), dup}
	}
	if err := cli.Table(a.c.stdout, []string{"LINE", "DATE", "AMOUNT", "CURRENCY", "DESCRIPTION", "COUNTERPARTY", ""}, rows); err != nil {
		return err
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(a.c.stdout, "  line %d: %s: %s\n", pr.Line, pr.Field, pr.Detail)
	}
	return nil
}

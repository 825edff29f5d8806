package clientcli

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/trx-platform/trx/internal/cli"
)

// Export is `trx export --account NAME --format csv|ofx`: the
// account's transactions (filtered like a listing) from a running trx,
// streamed to stdout or a file.
func Export(ctx context.Context, e cli.Env, args []string) error {
	var (
		c                          clientConfig
		account, format, out, from string
		to, text, category, cur    string
	)
	fs := cli.NewFlagSet("export", "export --account NAME [--format csv|ofx] [--out FILE] [--from DATE] [--to DATE] [flags]\n\n"+
		"Writes your transactions (one account's, or all of them as CSV) as CSV or OFX, streamed; trx import FILE --account\n"+
		"NAME --preset trx-csv (or the OFX as it is) reads them back. (trx export --all is the administrator's full export.)", e)
	clientFlags(fs, e, &c)
	fs.StringVar(&account, "account", "", "the account (by name); required for OFX")
	fs.StringVar(&format, "format", "csv", "csv or ofx")
	fs.StringVar(&out, "out", "-", "the file to write; - for stdout")
	fs.StringVar(&from, "from", "", "booked on or after (a date or RFC 3339 time)")
	fs.StringVar(&to, "to", "", "booked before")
	fs.StringVar(&text, "q", "", "text in the description")
	fs.StringVar(&category, "category", "", "a category id")
	fs.StringVar(&cur, "currency", "", "ISO 4217 code")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.UsageError("export: unexpected arguments %q", fs.Args())
	}
	a := newAPI(&c)
	q := url.Values{"format": {format}}
	for k, v := range map[string]string{"from": from, "to": to, "q": text, "category_id": category, "currency": cur} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if account != "" {
		acct, err := a.accountByName(ctx, account)
		if err != nil {
			return err
		}
		q.Set("account_id", acct.ID)
	}
	res, err := a.request(ctx, "GET", "/api/v1/transactions/export?"+q.Encode(), nil, "")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	w, done, err := cli.CreateOutput(out, c.stdout)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, res.Body)
	return done(err)
}

func nowRFC3339() string { return time.Now().UTC().Format(time.RFC3339) }

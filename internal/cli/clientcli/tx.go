package clientcli

import (
	"context"
	"net/url"
	"strconv"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/transaction"
)

// Tx is `trx tx list` and `trx tx add`.
func Tx(ctx context.Context, e cli.Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "list":
			return runTxList(ctx, e, args[1:])
		case "add":
			return runTxAdd(ctx, e, args[1:])
		}
	}
	return cli.UsageError("tx: say list or add: trx tx list [--account NAME], trx tx add --account NAME --amount -3.50 --description Coffee")
}

func runTxList(ctx context.Context, e cli.Env, args []string) error {
	var (
		c       clientConfig
		account string
		limit   int
		f       = map[string]*string{}
	)
	fs := cli.NewFlagSet("tx list", "tx list [--account NAME] [--from DATE] [--to DATE] [--q TEXT] [--category ID] [--limit N] [--json]\n\n"+
		"Lists your transactions, newest booked first.", e)
	clientFlags(fs, e, &c)
	fs.StringVar(&account, "account", "", "only this account's (by name)")
	for _, n := range []struct{ flag, param, usage string }{
		{"from", "from", "booked on or after (a date or RFC 3339 time)"}, {"to", "to", "booked before"},
		{"q", "q", "text in the description"}, {"category", "category_id", "a category id"}, {"currency", "currency", "ISO 4217 code"},
	} {
		f[n.param] = new(string)
		fs.StringVar(f[n.param], n.flag, "", n.usage)
	}
	fs.IntVar(&limit, "limit", 50, "how many (1–500)")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	a := newAPI(&c)
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	for k, v := range f {
		if *v != "" {
			q.Set(k, *v)
		}
	}
	if account != "" {
		acct, err := a.accountByName(ctx, account)
		if err != nil {
			return err
		}
		q.Set("account_id", acct.ID)
	}
	var page struct {
		Items []transaction.Resource `json:"items"`
	}
	if err := a.call(ctx, "GET", "/api/v1/transactions?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	switch {
	case c.quiet:
		return nil
	case c.json:
		return cli.PrintJSON(c.stdout, page.Items)
	}
	rows := make([][]string, len(page.Items))
	for i, t := range page.Items {
		rows[i] = []string{t.BookedAt[:10], t.Amount, t.Currency, t.Description, deref(t.Counterparty), deref(t.CategoryID), t.ID}
	}
	return cli.Table(c.stdout, []string{"DATE", "AMOUNT", "CURRENCY", "DESCRIPTION", "COUNTERPARTY", "CATEGORY", "ID"}, rows)
}

func runTxAdd(ctx context.Context, e cli.Env, args []string) error {
	var (
		c       clientConfig
		account string
		in      struct {
			Amount       string  `json:"amount"`
			Currency     string  `json:"currency"`
			Description  string  `json:"description"`
			Counterparty *string `json:"counterparty,omitempty"`
			BookedAt     string  `json:"booked_at"`
			CategoryID   *string `json:"category_id,omitempty"`
			AccountID    *string `json:"account_id,omitempty"`
		}
		counterparty, category string
	)
	fs := cli.NewFlagSet("tx add", "tx add --amount -3.50 --description TEXT [--account NAME] [--currency CODE] [--date DATE] [flags]\n\n"+
		"Adds a transaction (negative = spent); in an account, its currency is the account's.", e)
	clientFlags(fs, e, &c)
	fs.StringVar(&account, "account", "", "the account it belongs to (by name)")
	fs.StringVar(&in.Amount, "amount", "", "a decimal such as -3.50 (negative = spent; required)")
	fs.StringVar(&in.Currency, "currency", "", "ISO 4217 code (default: the account's)")
	fs.StringVar(&in.Description, "description", "", "what it was (required)")
	fs.StringVar(&counterparty, "counterparty", "", "who it was with")
	fs.StringVar(&category, "category", "", "a category id (GET /api/v1/categories)")
	fs.StringVar(&in.BookedAt, "date", "", "a date or RFC 3339 time (default: now)")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	if in.Amount == "" || in.Description == "" || fs.NArg() > 0 {
		return cli.UsageError("tx add: give --amount and --description (and no other arguments)")
	}
	a := newAPI(&c)
	if account != "" {
		acct, err := a.accountByName(ctx, account)
		if err != nil {
			return err
		}
		in.AccountID = &acct.ID
		if in.Currency == "" {
			in.Currency = acct.Currency
		}
	}
	if counterparty != "" {
		in.Counterparty = &counterparty
	}
	if category != "" {
		in.CategoryID = &category
	}
	if in.BookedAt == "" {
		in.BookedAt = nowRFC3339()
	}
	var t transaction.Resource
	if err := a.call(ctx, "POST", "/api/v1/transactions", in, &t); err != nil {
		return err
	}
	switch {
	case c.quiet:
		return nil
	case c.json:
		return cli.PrintJSON(c.stdout, t)
	}
	return cli.Table(c.stdout, []string{"DATE", "AMOUNT", "CURRENCY", "DESCRIPTION", "CATEGORY", "ID"},
		[][]string{{t.BookedAt[:10], t.Amount, t.Currency, t.Description, deref(t.CategoryID), t.ID}})
}

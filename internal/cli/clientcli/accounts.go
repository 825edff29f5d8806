package clientcli

import (
	"context"
	"strconv"

	"github.com/trx-platform/trx/internal/cli"

	"github.com/trx-platform/trx/internal/account/accountapi"
)

// Accounts is `trx accounts` (the list with balances) and `trx accounts
// add NAME`.
func Accounts(ctx context.Context, e cli.Env, args []string) error {
	if len(args) > 0 && args[0] == "add" {
		return runAccountsAdd(ctx, e, args[1:])
	}
	var (
		c      clientConfig
		closed bool
	)
	fs := cli.NewFlagSet("accounts", "accounts [--closed] [--json] [--server URL] [--key KEY]\n\n"+
		"Lists your accounts with their balances, from a running trx. trx accounts add NAME creates one.", e)
	clientFlags(fs, e, &c)
	fs.BoolVar(&closed, "closed", false, "list closed accounts too")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.UsageError("accounts: unexpected arguments %q (did you mean trx accounts add NAME?)", fs.Args())
	}
	var list struct {
		Items []accountapi.Resource `json:"items"`
	}
	if err := newAPI(&c).call(ctx, "GET", "/api/v1/accounts?include_closed="+strconv.FormatBool(closed), nil, &list); err != nil {
		return err
	}
	switch {
	case c.quiet:
		return nil
	case c.json:
		return cli.PrintJSON(c.stdout, list.Items)
	}
	rows := make([][]string, len(list.Items))
	for i, a := range list.Items {
		state := ""
		if a.Closed {
			state = "closed"
		}
		rows[i] = []string{a.Name, a.Kind, a.Currency, a.Balance, strconv.FormatInt(a.Transactions, 10), deref(a.Number), state}
	}
	return cli.Table(c.stdout, []string{"NAME", "KIND", "CURRENCY", "BALANCE", "TRANSACTIONS", "NUMBER", ""}, rows)
}

func runAccountsAdd(ctx context.Context, e cli.Env, args []string) error {
	var (
		c  clientConfig
		in struct {
			Name           string `json:"name"`
			Kind           string `json:"kind"`
			Currency       string `json:"currency"`
			OpeningBalance string `json:"opening_balance,omitempty"`
			OpeningDate    string `json:"opening_date,omitempty"`
			Institution    string `json:"institution,omitempty"`
			Number         string `json:"number,omitempty"`
		}
	)
	fs := cli.NewFlagSet("accounts add", "accounts add NAME --kind KIND --currency CODE [flags]\n\n"+
		"Creates an account: kind checking, savings, credit_card, cash, loan or investment; an ISO 4217 currency.", e)
	clientFlags(fs, e, &c)
	fs.StringVar(&in.Kind, "kind", "checking", "checking, savings, credit_card, cash, loan or investment")
	fs.StringVar(&in.Currency, "currency", "", "the account's ISO 4217 currency, such as EUR (required)")
	fs.StringVar(&in.OpeningBalance, "opening-balance", "", "the balance before its first transaction, such as 1250.00")
	fs.StringVar(&in.OpeningDate, "opening-date", "", "the day the opening balance applies from (YYYY-MM-DD)")
	fs.StringVar(&in.Institution, "institution", "", "the bank")
	fs.StringVar(&in.Number, "number", "", "the account number (lists show its last four characters)")
	if err := parseClient(fs, &c, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.UsageError("accounts add: name the account: trx accounts add NAME --kind checking --currency EUR")
	}
	if in.Currency == "" {
		return cli.UsageError("accounts add: --currency is required (an ISO 4217 code such as EUR)")
	}
	in.Name = fs.Arg(0)
	var a accountapi.Resource
	if err := newAPI(&c).call(ctx, "POST", "/api/v1/accounts", in, &a); err != nil {
		return err
	}
	switch {
	case c.quiet:
		return nil
	case c.json:
		return cli.PrintJSON(c.stdout, a)
	}
	return cli.Table(c.stdout, []string{"NAME", "KIND", "CURRENCY", "BALANCE", "ID"}, [][]string{{a.Name, a.Kind, a.Currency, a.Balance, a.ID}})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

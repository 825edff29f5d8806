package main

import (
	"context"
	"net/http"

	"github.com/trx-platform/trx/internal/account/accountapi"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/statement/statementapi"
	"github.com/trx-platform/trx/internal/statement/statementsql"
)

// Accounts, statement imports and exports are part of the transactions
// component rather than a component of their own: imports are stored
// through the transaction service and accounts decide what a transaction
// may belong to, so wherever transactions are written these must be too;
// and a split deployment forwards them with the transactions upstream,
// with no new upstream to name. withAccounts and withRemoteAccounts wrap
// the transactions row of componentTable.

// withAccounts adds accounts and imports to the component newComp builds:
// their routes, the import jobs' runner, and its start (imports of a
// process that died are settled before the component counts as started).
func withAccounts(newComp func(ctx context.Context, sh *shared) (component, error)) func(ctx context.Context, sh *shared) (component, error) {
	return func(ctx context.Context, sh *shared) (component, error) {
		c, err := newComp(ctx, sh)
		if err != nil {
			return c, err
		}
		accounts := sh.accounts // built with the transaction service (buildServices)
		file := sh.cfg.Limits.ImportLimit()
		_, _, capImports := sh.cfg.Limits.RowCaps()
		imports := statement.NewService(statementsql.New(sh.db, statementsql.WithRowCap(capImports)), accounts, sh.txs, statement.Config{
			SingleProcess:   sh.db.Dialect == sqldb.SQLite, // one trx serve per SQLite database
			IsDuplicate:     sqldb.IsDuplicate,
			MaxFileSize:     file.Bytes,
			MaxFileSizeName: file.Name,
		}, sh.log)
		routes := c.routes
		c.routes = func(mux *http.ServeMux, wrap middleware) {
			routes(mux, wrap)
			accountapi.Routes(mux, accounts, wrap, sh.log)
			statementapi.Routes(mux, imports, wrap, sh.log)
		}
		c.jobs = append(c.jobs, job{"imports", imports.Run})
		c.started = allClosed(c.started, imports.Ready())
		return c, nil
	}
}

// withRemoteAccounts adds the account and import routes to what a gateway
// forwards to the transactions upstream.
func withRemoteAccounts(remote func(sh *shared) component) func(sh *shared) component {
	return func(sh *shared) component {
		c := remote(sh)
		routes := c.routes
		c.routes = func(mux *http.ServeMux, wrap middleware) {
			routes(mux, wrap)
			accountapi.Routes(mux, nil, wrap, sh.log)
			statementapi.Routes(mux, nil, wrap, sh.log)
		}
		return c
	}
}

// allClosed is closed once every one of chs (nil ones count as closed) is.
func allClosed(chs ...<-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, ch := range chs {
			if ch != nil {
				<-ch
			}
		}
	}()
	return done
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/trx-platform/trx/internal/classifier/classifierapi"
	"github.com/trx-platform/trx/internal/export/exportsql"
	"github.com/trx-platform/trx/internal/report/reportapi"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/transaction/transactionapi"
	"github.com/trx-platform/trx/internal/transaction/transactionsql"
)

// The components a trx process can run.
const (
	compGateway      = "gateway"
	compTransactions = "transactions"
	compClassifier   = "classifier"
	compReport       = "report"
	compNotifier     = "notifier"
)

// middleware wraps a route's handler: authentication for a component that
// runs here, authentication then forwarding for one a gateway forwards.
type middleware = func(http.Handler) http.Handler

// component is what one part of trx adds to a process: its HTTP routes, the
// work it does in the background, and how it tells that it is ready.
type component struct {
	// name is the component's name in the table (set by build).
	name string
	// routes registers the component's routes on mux, each handler wrapped.
	routes func(mux *http.ServeMux, wrap middleware)
	// jobs run in the server's errgroup until it shuts down.
	jobs []job
	// ready reports why the component cannot serve now (nil: it can). A
	// fault.Unavailable error's message is shown to /readyz callers; any
	// other error only as "not ready" (the error goes to the log).
	ready func(ctx context.Context) error
	// started is closed once the component has finished starting (nil:
	// at once); tests and the readiness probe wait on it.
	started <-chan struct{}
	// stop runs after the jobs have stopped, before the database closes.
	stop func()
	// wrap, of the gateway only, puts the front door around the process's
	// whole handler.
	wrap middleware
	// warn reports a problem that /readyz shows in its "warnings" without
	// failing (nil: none), such as a failed backup: for people and alerts,
	// not a reason to take the process out of service.
	warn func() error
}

// job is a named piece of background work.
type job struct {
	name string
	run  func(ctx context.Context) error
}

// componentTable is every component, in the order serve builds them: each
// builds from the shared pieces (built before any component, only those
// that the components chosen need) and returns what it adds. A gateway
// component goes last because it wraps what the others registered.
//
// To add a component: a constant above, a row here, and a constructor that
// takes what it needs from shared.
var componentTable = []struct {
	name string
	// local builds the component to run in this process.
	local func(ctx context.Context, sh *shared) (component, error)
	// remote is the component's routes as a gateway forwards them to an
	// upstream that runs it (nil: a gateway cannot forward it).
	remote func(sh *shared) component
}{
	{compTransactions, withAccounts(newTransactions), withRemoteAccounts(remoteTransactions)},
	{compClassifier, newClassifier, remoteClassifier},
	{compReport, newReport, remoteReport},
	{compNotifier, newNotifier, remoteNotifier},
	{compBackup, newBackup, nil},
	{compGateway, newGateway, nil},
}

// allComponents names the components, in table order.
func allComponents() []string {
	out := make([]string, len(componentTable))
	for i, c := range componentTable {
		out[i] = c.name
	}
	return out
}

// components is the set of components this process runs.
type components map[string]bool

func (c components) has(name string) bool { return c[name] }

func (c components) any(names ...string) bool {
	for _, n := range names {
		if c[n] {
			return true
		}
	}
	return false
}

func (c components) String() string {
	var out []string
	for n := range c {
		out = append(out, n)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Set parses a comma-separated list ("all" for every component).
func (c *components) Set(s string) error {
	out := components{}
	all := allComponents()
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "all":
			for _, a := range all {
				out[a] = true
			}
		case n == "":
		case contains(all, n):
			out[n] = true
		default:
			return fmt.Errorf("unknown component %q; want a list of %s, or all", n, strings.Join(all, ", "))
		}
	}
	if len(out) == 0 {
		return fmt.Errorf("name at least one component")
	}
	*c = out
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---- transactions ----

func newTransactions(ctx context.Context, sh *shared) (component, error) {
	txs := sh.txs
	return component{
		routes: func(mux *http.ServeMux, wrap middleware) {
			maxBatch, _ := sh.cfg.Limits.Batch()
			transactionapi.RoutesWith(mux, txs, wrap, sh.log, transactionapi.Config{MaxBatch: maxBatch, MaxBatchName: "--max-batch"})
			exportRoutes(mux, exportsql.New(sh.db), wrap, sh.log)
		},
		jobs: []job{{"idempotency_purge", func(ctx context.Context) error { return purgeIdempotency(ctx, txs, sh.log) }}},
	}, nil
}

func remoteTransactions(sh *shared) component {
	return component{routes: func(mux *http.ServeMux, wrap middleware) {
		transactionapi.Routes(mux, nil, wrap, sh.log)
		exportRoutes(mux, nil, wrap, sh.log)
	}}
}

// ---- classifier ----

func newClassifier(ctx context.Context, sh *shared) (component, error) {
	cls := sh.cls
	return component{
		routes: func(mux *http.ServeMux, wrap middleware) { classifierapi.Routes(mux, cls, wrap, sh.log) },
		stop:   cls.Wait, // background jobs stop with ctx; wait before the database closes
	}, nil
}

func remoteClassifier(sh *shared) component {
	return component{routes: func(mux *http.ServeMux, wrap middleware) { classifierapi.Routes(mux, nil, wrap, sh.log) }}
}

// ---- report ----

func newReport(ctx context.Context, sh *shared) (component, error) {
	src := transactionsql.New(sh.db)
	return component{routes: func(mux *http.ServeMux, wrap middleware) {
		lim := sh.cfg.Limits.ReportLimit()
		reportapi.Routes(mux, src, wrap, sh.log, reportapi.Config{MaxBody: lim.Bytes, MaxBodyName: lim.Name})
	}}, nil
}

func remoteReport(sh *shared) component {
	return component{routes: func(mux *http.ServeMux, wrap middleware) {
		reportapi.Routes(mux, nil, wrap, sh.log, reportapi.Config{})
	}}
}

// purgeIdempotency drops expired idempotency keys, hourly, until ctx ends.
func purgeIdempotency(ctx context.Context, txs *transaction.Service, log *slog.Logger) error {
	return every(ctx, hour, func() {
		if n, err := txs.PurgeIdempotency(ctx); err != nil && ctx.Err() == nil {
			log.Warn("idempotency_purge_failed", "err", err)
		} else if n > 0 {
			log.Info("idempotency_keys_purged", "count", n)
		}
	})
}

// Package servecli holds the parts of `trx serve`'s configuration that
// are more than wiring: the limits on each request's work, their flags and
// defaults, and the handler that applies them.
package servecli

import (
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/account"
	"github.com/trx-platform/trx/internal/envflag"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

// Limits is the part of the serve configuration that bounds each request's work:
// how long a statement and a request may run, and how large a body may be.
// Its zero value is usable (tests build it so): no time limits, the default
// sizes.
type Limits struct {
	// StatementTimeout bounds each database statement of a request, and
	// JobStatementTimeout each of a background job (imports, backups, the
	// relay, classifier jobs) and of a streamed export; zero: no limit.
	StatementTimeout    time.Duration
	JobStatementTimeout time.Duration
	// RequestTimeout bounds each request (WebSockets and streamed exports
	// excepted); zero: no bound but the server's --write-timeout.
	RequestTimeout time.Duration
	// JSONBody and ReportBody are the largest JSON request body and report
	// body, in bytes; zero: the defaults.
	JSONBody   int64
	ReportBody int64
	// ImportFile is the largest statement file of POST /api/v1/imports,
	// in bytes; zero: statement.MaxFileSize.
	ImportFile int64
	// MaxBatch is the most items of POST /api/v1/transactions/batch;
	// zero: transaction.MaxBatch.
	MaxBatch int
	// UserTransactions, UserAccounts and UserImports are the most rows of
	// each kind one user may have (counted in each insert's own database
	// transaction; past one, a 409 naming its flag); zero or less: no cap.
	UserTransactions, UserAccounts, UserImports int
}

// The defaults of the limits.
const (
	DefStatementTimeout    = 5 * time.Second
	DefJobStatementTimeout = 10 * time.Minute
	DefRequestTimeout      = 30 * time.Second
	DefJSONBody            = web.MaxBody
	DefReportBody          = report.DefaultMaxBody
	DefMaxBatch            = transaction.MaxBatch
	DefImportFile          = statement.MaxFileSize
	DefUserTransactions    = 1_000_000
	DefUserAccounts        = account.MaxAccounts
	DefUserImports         = 10_000
)

// LimitFlags defines the limits' flags on fs, into cfg.
func LimitFlags(fs *envflag.FlagSet, cfg *Limits) {
	fs.DurationVar(&cfg.StatementTimeout, "db-statement-timeout", DefStatementTimeout,
		"longest a database statement of an API request may run; past it the statement is stopped on the server and the request answers 504 (0: no limit)")
	fs.DurationVar(&cfg.JobStatementTimeout, "db-job-statement-timeout", DefJobStatementTimeout,
		"longest a database statement of a background job (imports, backups, relay, classifier jobs) or a streamed export may run (0: no limit)")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", DefRequestTimeout,
		"longest an API request may take: past it its statements and outbound calls stop and it answers 504 (WebSockets and streamed exports exempt; 0: only --write-timeout)")
	fs.BytesVar(&cfg.JSONBody, "max-json-body", DefJSONBody, "largest JSON request body (e.g. 1MiB, 4MiB); larger: 413")
	fs.BytesVar(&cfg.ImportFile, "max-import-file", DefImportFile, "largest statement file of POST /api/v1/imports (held in memory while it is read; e.g. 20MiB, 64MiB); larger: 413")
	fs.IntVar(&cfg.MaxBatch, "max-batch", DefMaxBatch, "most transactions in one POST /api/v1/transactions/batch; more: 413 (the JSON body limit applies too)")
	fs.BytesVar(&cfg.ReportBody, "max-report-body", DefReportBody, "largest body of POST /api/v1/report (JSON or CSV, streamed; e.g. 100MiB, 1GiB); larger: 413")
	fs.IntVar(&cfg.UserTransactions, "max-user-transactions", DefUserTransactions,
		"most transactions one user may have; a create or import past it answers 409 (0: no cap; counted near the cap, and at most once a minute per user and process far below it)")
	fs.IntVar(&cfg.UserAccounts, "max-user-accounts", DefUserAccounts, "most accounts one user may have; past it: 409 (0: no cap)")
	fs.IntVar(&cfg.UserImports, "max-user-imports", DefUserImports, "most statement imports one user may have (undone ones count); past it: 409 (0: no cap)")
}

// RowCaps are the per-user row caps, named by their flags.
func (c Limits) RowCaps() (txs, accounts, imports sqldb.RowCap) {
	return sqldb.RowCap{Max: int64(c.UserTransactions), What: "transactions", Name: "--max-user-transactions", Hint: "delete some"},
		sqldb.RowCap{Max: int64(c.UserAccounts), What: "accounts", Name: "--max-user-accounts", Hint: "delete accounts you no longer use (those without transactions)"},
		sqldb.RowCap{Max: int64(c.UserImports), What: "imports", Name: "--max-user-imports"}
}

// JSONLimit is the largest JSON request body, named by its flag.
func (c Limits) JSONLimit() web.SizeLimit {
	if c.JSONBody <= 0 {
		return web.SizeLimit{Bytes: DefJSONBody, Name: "--max-json-body"}
	}
	return web.SizeLimit{Bytes: c.JSONBody, Name: "--max-json-body"}
}

// ReportLimit is the largest report body, named by its flag.
func (c Limits) ReportLimit() web.SizeLimit {
	if c.ReportBody <= 0 {
		return web.SizeLimit{Bytes: DefReportBody, Name: "--max-report-body"}
	}
	return web.SizeLimit{Bytes: c.ReportBody, Name: "--max-report-body"}
}

// ImportLimit is the largest statement file, named by its flag.
func (c Limits) ImportLimit() web.SizeLimit {
	if c.ImportFile <= 0 {
		return web.SizeLimit{Bytes: DefImportFile, Name: "--max-import-file"}
	}
	return web.SizeLimit{Bytes: c.ImportFile, Name: "--max-import-file"}
}

// Batch is the most items of a batch request, and the service's limit,
// which the background jobs (paging under transaction.MaxBatch) need at
// least that high.
func (c Limits) Batch() (api, service int) {
	api = c.MaxBatch
	if api <= 0 {
		api = DefMaxBatch
	}
	return api, max(api, transaction.MaxBatch)
}

// StatementLimits are the database's statement limits, named by their flags.
func (c Limits) StatementLimits() (request, job sqldb.StatementLimit) {
	return sqldb.StatementLimit{Timeout: c.StatementTimeout, Name: "--db-statement-timeout"},
		sqldb.StatementLimit{Timeout: c.JobStatementTimeout, Name: "--db-job-statement-timeout"}
}

// streamed reports whether r is one that may rightly outlive
// --request-timeout: a WebSocket, or a download streamed for as long as
// its client reads (the exports move their write deadline on as they go).
// Their statements run under the job limit.
func streamed(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return true
	}
	return r.Method == http.MethodGet && (r.URL.Path == "/api/v1/export" || r.URL.Path == "/api/v1/transactions/export")
}

// longStatements reports whether r reads a whole range in one statement
// (the report of stored transactions streams every row of the range):
// its statements run under the job limit, the request under its deadline.
func longStatements(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/api/v1/report"
}

// Bounded puts the request limits around h: the JSON body limit, the
// request deadline (not for streamed requests) and, for streamed and
// long-statement requests, the job statement limit.
func (c Limits) Bounded(h http.Handler) http.Handler {
	h = web.Deadline(c.RequestTimeout, "--request-timeout", streamed)(h)
	h = web.WithJSONLimit(c.JSONLimit())(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if export := streamed(r) && r.Header.Get("Upgrade") == ""; export || longStatements(r) {
			web.WithContext(h, w, r, sqldb.Job(r.Context()))
			return
		}
		h.ServeHTTP(w, r)
	})
}

package main

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

// limitsConfig is the part of serveConfig that bounds each request's work:
// how long a statement and a request may run, and how large a body may be.
// Its zero value is usable (tests build it so): no time limits, the default
// sizes.
type limitsConfig struct {
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
	defStatementTimeout    = 5 * time.Second
	defJobStatementTimeout = 10 * time.Minute
	defRequestTimeout      = 30 * time.Second
	defJSONBody            = web.MaxBody
	defReportBody          = report.DefaultMaxBody
	defMaxBatch            = transaction.MaxBatch
	defImportFile          = statement.MaxFileSize
	defUserTransactions    = 1_000_000
	defUserAccounts        = account.MaxAccounts
	defUserImports         = 10_000
)

func limitFlags(fs *envflag.FlagSet, cfg *limitsConfig) {
	fs.DurationVar(&cfg.StatementTimeout, "db-statement-timeout", defStatementTimeout,
		"longest a database statement of an API request may run; past it the statement is stopped on the server and the request answers 504 (0: no limit)")
	fs.DurationVar(&cfg.JobStatementTimeout, "db-job-statement-timeout", defJobStatementTimeout,
		"longest a database statement of a background job (imports, backups, relay, classifier jobs) or a streamed export may run (0: no limit)")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", defRequestTimeout,
		"longest an API request may take: past it its statements and outbound calls stop and it answers 504 (WebSockets and streamed exports exempt; 0: only --write-timeout)")
	fs.BytesVar(&cfg.JSONBody, "max-json-body", defJSONBody, "largest JSON request body (e.g. 1MiB, 4MiB); larger: 413")
	fs.BytesVar(&cfg.ImportFile, "max-import-file", defImportFile, "largest statement file of POST /api/v1/imports (held in memory while it is read; e.g. 20MiB, 64MiB); larger: 413")
	fs.IntVar(&cfg.MaxBatch, "max-batch", defMaxBatch, "most transactions in one POST /api/v1/transactions/batch; more: 413 (the JSON body limit applies too)")
	fs.BytesVar(&cfg.ReportBody, "max-report-body", defReportBody, "largest body of POST /api/v1/report (JSON or CSV, streamed; e.g. 100MiB, 1GiB); larger: 413")
	fs.IntVar(&cfg.UserTransactions, "max-user-transactions", defUserTransactions,
		"most transactions one user may have; a create or import past it answers 409 (0: no cap; counted near the cap, and at most once a minute per user and process far below it)")
	fs.IntVar(&cfg.UserAccounts, "max-user-accounts", defUserAccounts, "most accounts one user may have; past it: 409 (0: no cap)")
	fs.IntVar(&cfg.UserImports, "max-user-imports", defUserImports, "most statement imports one user may have (undone ones count); past it: 409 (0: no cap)")
}

// rowCaps are the per-user row caps, named by their flags.
func (c limitsConfig) rowCaps() (txs, accounts, imports sqldb.RowCap) {
	return sqldb.RowCap{Max: int64(c.UserTransactions), What: "transactions", Name: "--max-user-transactions", Hint: "delete some"},
		sqldb.RowCap{Max: int64(c.UserAccounts), What: "accounts", Name: "--max-user-accounts", Hint: "delete accounts you no longer use (those without transactions)"},
		sqldb.RowCap{Max: int64(c.UserImports), What: "imports", Name: "--max-user-imports"}
}

func (c limitsConfig) jsonBody() web.SizeLimit {
	if c.JSONBody <= 0 {
		return web.SizeLimit{Bytes: defJSONBody, Name: "--max-json-body"}
	}
	return web.SizeLimit{Bytes: c.JSONBody, Name: "--max-json-body"}
}

func (c limitsConfig) reportBody() web.SizeLimit {
	if c.ReportBody <= 0 {
		return web.SizeLimit{Bytes: defReportBody, Name: "--max-report-body"}
	}
	return web.SizeLimit{Bytes: c.ReportBody, Name: "--max-report-body"}
}

func (c limitsConfig) importFile() web.SizeLimit {
	if c.ImportFile <= 0 {
		return web.SizeLimit{Bytes: defImportFile, Name: "--max-import-file"}
	}
	return web.SizeLimit{Bytes: c.ImportFile, Name: "--max-import-file"}
}

// batch is the most items of a batch request, and the service's limit,
// which the background jobs (paging under transaction.MaxBatch) need at
// least that high.
func (c limitsConfig) batch() (api, service int) {
	api = c.MaxBatch
	if api <= 0 {
		api = defMaxBatch
	}
	return api, max(api, transaction.MaxBatch)
}

// statementLimits are the database's statement limits, named by their flags.
func (c limitsConfig) statementLimits() (request, job sqldb.StatementLimit) {
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

// bounded puts the request limits around h: the JSON body limit, the
// request deadline (not for streamed requests) and, for streamed and
// long-statement requests, the job statement limit.
func (c limitsConfig) bounded(h http.Handler) http.Handler {
	h = web.Deadline(c.RequestTimeout, "--request-timeout", streamed)(h)
	h = web.WithJSONLimit(c.jsonBody())(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if export := streamed(r) && r.Header.Get("Upgrade") == ""; export || longStatements(r) {
			web.WithContext(h, w, r, sqldb.Job(r.Context()))
			return
		}
		h.ServeHTTP(w, r)
	})
}

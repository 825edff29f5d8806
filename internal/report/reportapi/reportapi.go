// Package reportapi is the HTTP adapter of the report function, under
// /api/v1/report:
//
//   - POST totals the transactions in the request body: a JSON array,
//     {"transactions": [...]} (optionally with "group_by" before
//     "transactions"), or CSV with Content-Type text/csv. The body is decoded
//     as a stream (package reportjson or reportcsv) under a size limit
//     (Config.MaxBody, 100 MiB by default; past it, 413 naming the limit
//     and Config.MaxBodyName, what sets it), so it never sits
//     in memory whole. The answer is the same report, and for bad input the
//     same RFC 9457 problem (web.ProblemOf: "errors" lists the first 20 bad
//     items as transactions[3].amount), as the AWS Lambda and the CLI give.
//   - GET totals the caller's stored transactions booked in [from, to),
//     streamed from the database through a StoredSource one row at a time.
//     The legs of transfers between the caller's accounts are left out
//     (a transfer is neither spending nor income) unless transfers=include.
//
// Both take group_by=category,month (either or both) in the query string.
package reportapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportjson"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

// StoredSource reads a user's stored transactions for GET /api/v1/report.
// transactionsql.Store is one.
type StoredSource interface {
	// Each calls fn for each transaction of userID booked in [sp.From,
	// sp.To) (a zero bound is open), with the legs of transfers only when
	// sp.Transfers is set, one at a time, without holding them all. Only
	// ID, Amount, Currency, BookedAt and CategoryID are used. An error
	// from fn stops it and is returned.
	Each(ctx context.Context, userID string, sp transaction.Span, fn func(transaction.Transaction) error) error
}

// Config configures the report routes.
type Config struct {
	// MaxBody is the largest POST body accepted, in bytes; zero means
	// report.DefaultMaxBody (100 MiB).
	MaxBody int64
	// MaxBodyName says what sets MaxBody (trx serve's --max-report-body);
	// a 413 names it. Empty: the 413 is the Lambda's and the CLI's.
	MaxBodyName string
}

type handler struct {
	src     StoredSource
	maxBody web.SizeLimit
	log     *slog.Logger
}

// Routes registers POST and GET /api/v1/report on mux, each behind authn.
func Routes(mux *http.ServeMux, src StoredSource, authn func(http.Handler) http.Handler, log *slog.Logger, cfg Config) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = report.DefaultMaxBody
	}
	h := &handler{src: src, maxBody: web.SizeLimit{Bytes: cfg.MaxBody, Name: cfg.MaxBodyName}, log: log}
	mux.Handle("POST /api/v1/report", authn(http.HandlerFunc(h.post)))
	mux.Handle("GET /api/v1/report", authn(http.HandlerFunc(h.get)))
}

func groupBy(v *fault.Validation, s string) report.GroupBy {
	g, err := report.ParseGroupBy(s)
	if err != nil {
		v.Addf("group_by", "format", "%q: use category, month or both (\"category,month\")", s)
	}
	return g
}

// post totals the transactions in the body.
func (h *handler) post(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "group_by")
	_, hasGroupBy := q["group_by"]
	g := groupBy(&v, q["group_by"])
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if r.ContentLength > h.maxBody.Bytes {
		h.fail(w, r, h.tooLarge())
		return
	}
	mt, err := web.MediaType(r.Header.Get("Content-Type"), web.JSON, "text/csv")
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	body := h.maxBody.Body(w, r)
	var src report.Source
	switch mt {
	case web.JSON:
		dec := reportjson.NewDecoder(body)
		if err := dec.Start(); err != nil {
			h.fail(w, r, err)
			return
		}
		if s, ok := dec.GroupBy(); ok && !hasGroupBy {
			if g, err = report.ParseGroupBy(s); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		src = dec
	default:
		src = reportcsv.NewReader(body)
	}
	res, err := report.Run(r.Context(), src, report.Options{GroupBy: g})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	web.Respond(w, http.StatusOK, res)
}

// fail answers a POST whose input could not be totalled, as the Lambda
// would: the caller's fault as its problem, an error of ours as a 500
// (unless the caller went away: then nobody is there to answer; past the
// request's deadline, web.Error answers 504).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = h.tooLarge()
	}
	if fault.KindOf(err) == fault.Internal && errors.Is(r.Context().Err(), context.Canceled) {
		return
	}
	web.Error(w, r, h.log, err)
}

// tooLarge is the 413 of a body past the limit: the Lambda's and the
// CLI's, unless the limit has a name; then it names it (and its size in
// units people read).
func (h *handler) tooLarge() error {
	if h.maxBody.Name == "" {
		return report.TooLarge(h.maxBody.Bytes)
	}
	return &fault.Error{Kind: fault.TooLarge, Msg: fault.Message(h.maxBody.Err("the body")), Err: report.ErrTooLarge}
}

// errStop ends a scan of stored transactions early.
var errStop = errors.New("stop")

// get totals the caller's stored transactions.
func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "from", "to", "group_by", "transfers")
	g := groupBy(&v, q["group_by"])
	var from, to time.Time
	transfers := false
	switch q["transfers"] {
	case "", "exclude":
	case "include":
		transfers = true
	default:
		v.Addf("transfers", "enum", "%q: use exclude (the default: a transfer between your accounts is neither spending nor income) or include", q["transfers"])
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := q[p.name]; s != "" {
			t, err := transaction.ParseTime(s)
			if err != nil {
				v.Addf(p.name, "format", "%q %s", s, err.Error())
			}
			*p.t = t
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		v.Add("to", "range", "must be after from")
	}
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	p, _ := auth.FromContext(r.Context())
	agg := report.NewAggregator(report.Options{GroupBy: g})
	var bad error
	err := h.src.Each(r.Context(), p.UserID, transaction.Span{From: from, To: to, Transfers: transfers}, func(t transaction.Transaction) error {
		if err := agg.Add(report.Item{Minor: t.Amount, HasMinor: true, Currency: t.Currency, BookedAt: t.BookedAt, Category: t.CategoryID}); err != nil {
			detail := err.Error()
			if ie := (*report.ItemError)(nil); errors.As(err, &ie) {
				detail = ie.Detail
			}
			bad = fault.Errorf(fault.Unprocessable, "transaction %s cannot be totalled: %s; narrow from and to, or group by less", t.ID, detail)
			return errStop
		}
		return nil
	})
	switch {
	case bad != nil:
		web.Error(w, r, h.log, bad)
		return
	case err != nil && errors.Is(r.Context().Err(), context.Canceled):
		return // the caller went away
	case err != nil:
		web.Error(w, r, h.log, err)
		return
	}
	res, err := agg.Result()
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, res)
}

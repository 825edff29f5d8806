// Package reportlambda is the AWS Lambda adapter of the report function: the
// seed's "scoring" Lambda, deployable where the seed ran it.
//
// One Handler takes three kinds of invocation and tells them apart by the
// shape of the raw JSON payload:
//
//   - an API Gateway REST API (v1) proxy event, events.APIGatewayProxyRequest
//     (it has "httpMethod" and "requestContext");
//   - an API Gateway HTTP API (v2) event, events.APIGatewayV2HTTPRequest
//     ("version": "2.0" and "requestContext");
//   - anything else is a direct invocation whose payload is the report input
//     itself: a JSON array of transactions or {"transactions": [...]},
//     optionally with "group_by" before "transactions".
//
// Proxy events are answered with a proxy response: 200 and the report JSON,
// or an RFC 9457 application/problem+json body with status 400 (bad input;
// "errors" names the bad items as transactions[3].amount), 405, 413 (over
// Config.MaxBody), 415 or 500. Their body is JSON, or CSV when the
// Content-Type is text/csv; group_by comes from the query string, or else
// from the JSON body. A direct invocation returns the report JSON, or fails
// with a *web.Problem whose message is the problem JSON (errorType
// "Problem"). Every problem is web.ProblemOf's, as the HTTP adapter's.
package reportlambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/report"
	"github.com/trx-platform/trx/internal/report/reportcsv"
	"github.com/trx-platform/trx/internal/report/reportjson"
	"github.com/trx-platform/trx/internal/web"
)

// Config configures a Handler.
type Config struct {
	// MaxBody is the largest input accepted, in bytes; zero means
	// report.DefaultMaxBody. (Lambda itself caps synchronous payloads at
	// 6 MB.)
	MaxBody int64
	// Log receives internal errors; nil discards them.
	Log *slog.Logger
}

// Handler is the Lambda handler. It implements the lambda.Handler interface
// of github.com/aws/aws-lambda-go, so lambda.Start(h) hands it the raw
// payload.
type Handler struct {
	maxBody int64
	log     *slog.Logger
}

// NewHandler returns a Handler.
func NewHandler(cfg Config) *Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = report.DefaultMaxBody
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{maxBody: cfg.MaxBody, log: cfg.Log}
}

// probe holds what tells the kinds of payload apart. Unknown members are
// ignored while probing, and skip keeps large members from being copied.
type probe struct {
	Version        string `json:"version"`
	HTTPMethod     skip   `json:"httpMethod"`
	RequestContext skip   `json:"requestContext"`
	Transactions   skip   `json:"transactions"`
}

type skip struct{ present bool }

func (s *skip) UnmarshalJSON([]byte) error { s.present = true; return nil }

// Invoke handles one invocation.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if trimmed := bytes.TrimLeft(payload, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return h.direct(ctx, payload)
	}
	var p probe
	if err := json.Unmarshal(payload, &p); err != nil {
		return h.direct(ctx, payload) // the decoder reports the error clearly
	}
	switch {
	case p.Transactions.present:
		return h.direct(ctx, payload)
	case p.Version == "2.0" && p.RequestContext.present:
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("reportlambda: HTTP API event: %w", err)
		}
		resp := h.serve(ctx, request{
			method:  ev.RequestContext.HTTP.Method,
			headers: ev.Headers,
			query:   ev.QueryStringParameters,
			body:    ev.Body,
			base64:  ev.IsBase64Encoded,
		})
		return json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: resp.status, Headers: resp.headers, Body: resp.body})
	case p.HTTPMethod.present && p.RequestContext.present:
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("reportlambda: REST API event: %w", err)
		}
		resp := h.serve(ctx, request{
			method:  ev.HTTPMethod,
			headers: ev.Headers,
			query:   ev.QueryStringParameters,
			body:    ev.Body,
			base64:  ev.IsBase64Encoded,
		})
		return json.Marshal(events.APIGatewayProxyResponse{StatusCode: resp.status, Headers: resp.headers, Body: resp.body})
	}
	return h.direct(ctx, payload)
}

// direct handles a direct invocation: the payload is the input.
func (h *Handler) direct(ctx context.Context, payload []byte) ([]byte, error) {
	if int64(len(payload)) > h.maxBody {
		p := web.ProblemOf(report.TooLarge(h.maxBody))
		return nil, &p
	}
	res, err := compute(ctx, "", "", bytes.NewReader(payload))
	if err != nil {
		p := web.ProblemOf(err)
		if p.Status >= 500 {
			h.log.ErrorContext(ctx, "report_failed", "err", err)
			return nil, errors.New("internal error")
		}
		return nil, &p
	}
	return json.Marshal(res)
}

// request is what the handler needs from either kind of proxy event.
type request struct {
	method  string
	headers map[string]string
	query   map[string]string
	body    string
	base64  bool
}

// header returns the value of a header, whatever the case of its name
// (REST API events keep the client's case, HTTP API events lower it).
func (r request) header(name string) string {
	if v, ok := r.headers[name]; ok {
		return v
	}
	for k, v := range r.headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

type response struct {
	status  int
	headers map[string]string
	body    string
}

func (h *Handler) serve(ctx context.Context, r request) response {
	if r.method != http.MethodPost {
		resp := problem(web.NewProblem(http.StatusMethodNotAllowed,
			fmt.Sprintf("%s is not allowed: POST the transactions (a JSON array, {\"transactions\": [...]} or CSV) to get their report", r.method)))
		resp.headers["Allow"] = http.MethodPost
		return resp
	}
	var body io.Reader = strings.NewReader(r.body)
	size := int64(len(r.body))
	if r.base64 {
		body = base64Reader{base64.NewDecoder(base64.StdEncoding, body)}
		size = size / 4 * 3
	}
	if size > h.maxBody {
		return problem(web.ProblemOf(report.TooLarge(h.maxBody)))
	}
	res, err := compute(ctx, r.header("Content-Type"), r.query["group_by"], body)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(res); err == nil {
			return response{status: http.StatusOK, headers: map[string]string{"Content-Type": "application/json"}, body: string(b)}
		}
	}
	p := web.ProblemOf(err)
	if p.Status >= 500 {
		h.log.ErrorContext(ctx, "report_failed", "err", err)
	}
	return problem(p)
}

// problem renders p as a problem+json response.
func problem(p web.Problem) response {
	b, _ := json.Marshal(p) // a Problem always marshals
	return response{status: p.Status, headers: map[string]string{"Content-Type": "application/problem+json"}, body: string(b)}
}

var errBase64 = fault.New(fault.Invalid, "the body is marked isBase64Encoded but is not valid base64")

// base64Reader reports a malformed base64 body as errBase64: the base64
// decoder reports a truncated quantum as io.ErrUnexpectedEOF, which the
// decoders would take for truncated JSON or CSV.
type base64Reader struct{ r io.Reader }

func (b base64Reader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var ce base64.CorruptInputError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ce) {
		err = errBase64
	}
	return n, err
}

// compute decodes body per its content type (JSON when empty) and returns
// its report. group_by is the query parameter; when empty, a JSON body's
// "group_by" applies.
func compute(ctx context.Context, contentType, groupBy string, body io.Reader) (*report.Result, error) {
	mt, err := web.MediaType(contentType, web.JSON, "text/csv")
	if err != nil {
		return nil, err
	}
	var src report.Source
	switch mt {
	case web.JSON:
		dec := reportjson.NewDecoder(body)
		if err := dec.Start(); err != nil {
			return nil, err
		}
		if g, ok := dec.GroupBy(); ok && groupBy == "" {
			groupBy = g
		}
		src = dec
	default:
		src = reportcsv.NewReader(body)
	}
	g, err := report.ParseGroupBy(groupBy)
	if err != nil {
		return nil, err
	}
	return report.Run(ctx, src, report.Options{GroupBy: g})
}

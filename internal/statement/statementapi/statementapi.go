// Package statementapi is the HTTP API of statement imports and exports:
// /api/v1/imports (a file into an account, its progress, its undo),
// /api/v1/import-presets (saved CSV mappings) and
// /api/v1/transactions/export (CSV or OFX of a filtered listing, streamed).
package statementapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/money"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/transaction"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *statement.Service
	log *slog.Logger
}

// Routes registers the import and export routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *statement.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &handler{svc: svc, log: log}
	handle := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	handle("POST /api/v1/imports", h.create)
	handle("GET /api/v1/imports", h.list)
	handle("GET /api/v1/imports/{id}", h.get)
	handle("DELETE /api/v1/imports/{id}", h.undo)
	handle("GET /api/v1/import-presets", h.presets)
	handle("GET /api/v1/import-presets/{name}", h.preset)
	handle("PUT /api/v1/import-presets/{name}", h.putPreset)
	handle("DELETE /api/v1/import-presets/{name}", h.deletePreset)
	handle("GET /api/v1/transactions/export", h.export)
}

func userID(r *http.Request) string {
	p, _ := auth.FromContext(r.Context())
	return p.UserID
}

// ImportResource is an import as the API shows it.
type ImportResource struct {
	ID         string              `json:"id"`
	AccountID  string              `json:"account_id"`
	State      string              `json:"state"`
	Format     string              `json:"format"`
	Preset     *string             `json:"preset"`
	Filename   *string             `json:"filename"`
	Rows       int                 `json:"rows"`
	Created    int                 `json:"created"`
	Duplicates int                 `json:"duplicates"`
	Rejected   int                 `json:"rejected"`
	Skipped    int                 `json:"skipped"`
	Removed    int                 `json:"removed"`
	Problems   []statement.Problem `json:"problems"`
	Error      *string             `json:"error"`
	CreatedAt  string              `json:"created_at"`
	UpdatedAt  string              `json:"updated_at"`
}

// NewImportResource renders imp.
func NewImportResource(imp statement.Import) ImportResource {
	ps := imp.Problems
	if ps == nil {
		ps = []statement.Problem{}
	}
	return ImportResource{ID: imp.ID, AccountID: imp.AccountID, State: imp.State, Format: imp.Format, Preset: optional(imp.Preset),
		Filename: optional(imp.Filename), Rows: imp.Rows, Created: imp.Created, Duplicates: imp.Duplicates, Rejected: imp.Rejected,
		Skipped: imp.Skipped, Removed: imp.Removed, Problems: ps, Error: optional(imp.Error),
		CreatedAt: imp.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: imp.UpdatedAt.UTC().Format(time.RFC3339Nano)}
}

// PreviewResource is what a dry run answers.
type PreviewResource struct {
	DryRun     bool                `json:"dry_run"`
	Format     string              `json:"format"`
	Preset     *string             `json:"preset"`
	Rows       int                 `json:"rows"`
	New        int                 `json:"new"`
	Duplicates int                 `json:"duplicates"`
	Rejected   int                 `json:"rejected"`
	Skipped    int                 `json:"skipped"`
	Problems   []statement.Problem `json:"problems"`
	Items      []PreviewItem       `json:"items"`
}

// PreviewItem is a line as it would be stored.
type PreviewItem struct {
	Line         int     `json:"line"`
	BookedAt     string  `json:"booked_at"`
	Amount       string  `json:"amount"`
	Currency     string  `json:"currency"`
	Description  string  `json:"description"`
	Counterparty *string `json:"counterparty"`
	Reference    *string `json:"reference"`
	CategoryID   *string `json:"category_id"`
	Duplicate    bool    `json:"duplicate"`
}

func newPreview(p *statement.Preview) PreviewResource {
	out := PreviewResource{DryRun: true, Format: p.Format, Preset: optional(p.Preset), Rows: p.Rows, New: p.New,
		Duplicates: p.Duplicates, Rejected: p.Rejected, Skipped: p.Skipped, Problems: p.Problems, Items: []PreviewItem{}}
	if out.Problems == nil {
		out.Problems = []statement.Problem{}
	}
	for _, it := range p.Items {
		out.Items = append(out.Items, PreviewItem{Line: it.Line, BookedAt: it.BookedAt.UTC().Format(time.RFC3339Nano),
			Amount: money.Format(it.Amount, p.Currency), Currency: p.Currency, Description: it.Description,
			Counterparty: optional(it.Counterparty), Reference: optional(it.Reference), CategoryID: optional(it.CategoryID),
			Duplicate: it.Duplicate})
	}
	return out
}

// importParams are the query parameters of POST /api/v1/imports.
var importParams = []string{"account_id", "format", "preset", "encoding", "date_format", "decimal_separator",
	"thousands_separator", "dry_run", "on_error", "filename"}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	req, err := importRequest(r)
	if err == nil {
		err = readFile(w, r, &req, h.svc)
	}
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	imp, preview, err := h.svc.Start(r.Context(), userID(r), req)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if preview != nil {
		web.Respond(w, http.StatusOK, newPreview(preview))
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+imp.ID)
	web.Respond(w, http.StatusAccepted, NewImportResource(imp))
}

// importRequest reads the query parameters of an import.
func importRequest(r *http.Request) (statement.Request, error) {
	var v fault.Validation
	q := web.Query(r, &v, importParams...)
	req := statement.Request{AccountID: q["account_id"], Format: q["format"], Preset: q["preset"],
		Encoding: q["encoding"], DateFormat: q["date_format"], Decimal: q["decimal_separator"],
		Thousands: q["thousands_separator"], Filename: q["filename"]}
	if s, ok := q["dry_run"]; ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("dry_run", "format", "must be true or false")
		}
		req.DryRun = b
	}
	switch q["on_error"] {
	case "", "fail":
	case "skip":
		req.SkipInvalid = true
	default:
		v.Add("on_error", "enum", "must be fail (refuse the whole file if a line is bad) or skip (import the good lines)")
	}
	return req, v.Err()
}

// readFile reads the statement: the body as it is, or the part "file" of a
// multipart/form-data body (with, optionally, a part "mapping": a CSV
// mapping as JSON). Past the service's file limit (statement.MaxFileSize
// unless configured) it is a 413 naming it.
func readFile(w http.ResponseWriter, r *http.Request, req *statement.Request, svc *statement.Service) error {
	limit, name := svc.FileLimit()
	tooLarge := func() error { return statement.FileTooLarge(limit, name) }
	body := http.MaxBytesReader(w, r.Body, limit+64<<10)
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		data, err := readAll(body, limit, tooLarge)
		req.Data = data
		return err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tooLargeOr(err, "the multipart body cannot be read", tooLarge)
		}
		switch part.FormName() {
		case "file":
			if req.Data, err = readAll(part, limit, tooLarge); err != nil {
				return err
			}
			if req.Filename == "" {
				req.Filename = part.FileName()
			}
		case "mapping":
			raw, err := readAll(part, 64<<10, tooLarge)
			if err != nil {
				return err
			}
			var m statement.Mapping
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				return fault.Errorf(fault.Invalid, "the mapping part is not a CSV mapping: %v", err)
			}
			req.Mapping = &m
		default:
			return fault.Errorf(fault.Invalid, "the multipart body has a part %q; send the statement as \"file\" (and a CSV mapping as \"mapping\")", part.FormName())
		}
	}
	if req.Data == nil {
		return fault.New(fault.Invalid, "the multipart body has no part named \"file\"")
	}
	return nil
}

func readAll(r io.Reader, limit int64, tooLarge func() error) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, tooLargeOr(err, "the body cannot be read", tooLarge)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge()
	}
	return data, nil
}

func tooLargeOr(err error, what string, tooLarge func() error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return tooLarge()
	}
	return fault.Errorf(fault.Invalid, "%s: %v", what, err)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "account_id", "limit")
	limit := web.Limit(&v, q["limit"], 50, 100)
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	imps, err := h.svc.List(r.Context(), userID(r), q["account_id"], limit)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := struct {
		Items []ImportResource `json:"items"`
	}{Items: make([]ImportResource, len(imps))}
	for i, imp := range imps {
		out.Items[i] = NewImportResource(imp)
	}
	web.Respond(w, http.StatusOK, out)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	imp, err := h.svc.Get(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewImportResource(imp))
}

func (h *handler) undo(w http.ResponseWriter, r *http.Request) {
	imp, err := h.svc.Undo(r.Context(), userID(r), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewImportResource(imp))
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// exportParams are the query parameters of an export: the listing's
// filters and the format.
var exportParams = []string{"format", "account_id", "from", "to", "category_id", "uncategorized", "currency", "amount_min", "amount_max", "q"}

func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, exportParams...)
	f := transaction.Filter{AccountID: q["account_id"], From: q["from"], To: q["to"], CategoryID: q["category_id"],
		Currency: q["currency"], AmountMin: q["amount_min"], AmountMax: q["amount_max"], Text: q["q"]}
	if s, ok := q["uncategorized"]; ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("uncategorized", "format", "must be true or false")
		}
		f.Uncategorized = b
	}
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	started := false
	err := h.svc.Export(r.Context(), userID(r), statement.ExportRequest{Format: q["format"], Filter: f},
		func(contentType, filename string) io.Writer {
			started = true
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
			return w
		})
	switch {
	case err == nil:
	case !started:
		web.Error(w, r, h.log, err)
	default:
		// The status is sent: the output is cut short, which a client sees
		// as a body that does not end as its format says.
		h.log.WarnContext(r.Context(), "export_interrupted", "err", err, "request_id", web.RequestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// Package exportapi serves the data export over HTTP: GET /api/v1/export
// streams an export file (application/x-ndjson) of the caller's own data,
// or, for an admin, of every user's and the stocks: the file that
// trx import --all reads.
package exportapi

import (
	"bufio"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// Config configures the route.
type Config struct {
	// TrxVersion goes into the file's header.
	TrxVersion string
	// Stall is how long a client may take to read each 64 KiB of the file
	// (default 2 minutes): the server's write timeout does not cut a long
	// export short, but a client that stops reading is dropped.
	Stall time.Duration
}

// Routes registers GET /api/v1/export on mux, each handler wrapped by
// authn (which authenticates and checks the read scope). src may be nil
// when authn forwards the request elsewhere.
func Routes(mux *http.ServeMux, src export.Source, authn func(http.Handler) http.Handler, log *slog.Logger, cfg Config) {
	if cfg.Stall <= 0 {
		cfg.Stall = 2 * time.Minute
	}
	h := &handler{src: src, log: log, cfg: cfg}
	mux.Handle("GET /api/v1/export", authn(http.HandlerFunc(h.export)))
}

type handler struct {
	src export.Source
	log *slog.Logger
	cfg Config
}

func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		web.Error(w, r, h.log, auth.ErrUnauthenticated)
		return
	}
	if len(r.URL.Query()) > 0 {
		web.Error(w, r, h.log, fault.New(fault.Invalid, "GET /api/v1/export takes no query parameters"))
		return
	}
	userID := p.UserID
	if p.Has(auth.ScopeAdmin) {
		userID = "" // everyone's
	}
	out := &stream{w: w, rc: http.NewResponseController(w), stall: h.cfg.Stall}
	bw := bufio.NewWriterSize(out, 64<<10)
	name := "trx-export-" + time.Now().UTC().Format("20060102T150405Z") + ".ndjson"
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := export.Export(r.Context(), bw, h.src, userID, export.Options{TrxVersion: h.cfg.TrxVersion})
	if err == nil {
		err = bw.Flush()
	}
	switch {
	case err == nil:
	case !out.started:
		// Nothing has reached the client yet: it gets a problem instead.
		for _, k := range []string{"Content-Disposition", "Cache-Control"} {
			w.Header().Del(k)
		}
		web.Error(w, r, h.log, err)
	case r.Context().Err() == nil && !errors.Is(err, errWrite):
		// Part of the file is out: cut the response short, so that the
		// client sees a failed download (the file lacks its end line,
		// which an import refuses anyway).
		h.log.ErrorContext(r.Context(), "export_failed", "err", err, "request_id", web.RequestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// errWrite marks a failure to write to the client (gone, or too slow):
// nothing to report to it.
var errWrite = errors.New("exportapi: write to the client")

// stream writes to the client, moving the write deadline on before each
// chunk so that only a client that stops reading is cut off.
type stream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	stall   time.Duration
	started bool
}

func (s *stream) Write(p []byte) (int, error) {
	s.started = true
	_ = s.rc.SetWriteDeadline(time.Now().Add(s.stall)) // unsupported by a writer: the server's timeout stands
	n, err := s.w.Write(p)
	if err != nil {
		return n, errors.Join(errWrite, err)
	}
	return n, nil
}

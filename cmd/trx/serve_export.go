package main

import (
	"log/slog"
	"net/http"

	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/export/exportapi"
)

// exportRoutes registers GET /api/v1/export, part of the transactions
// component (the users' data service): src is nil where a gateway
// forwards the route to it.
func exportRoutes(mux *http.ServeMux, src export.Source, wrap middleware, log *slog.Logger) {
	exportapi.Routes(mux, src, wrap, log, exportapi.Config{TrxVersion: version})
}

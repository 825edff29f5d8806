// Package stockapi is the HTTP API of stocks under /api/v1/stocks. Reading
// needs the read scope; changing stocks needs the admin scope (prices are
// shared by every user).
package stockapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/stock"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *stock.Service
	log *slog.Logger
}

// Routes registers the stock routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *stock.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &handler{svc: svc, log: log}
	read := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	admin := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(requireAdmin(f, log))) }
	read("GET /api/v1/stocks", h.list)
	read("GET /api/v1/stocks/{symbol}", h.get)
	admin("POST /api/v1/stocks", h.create)
	admin("PUT /api/v1/stocks/{symbol}", h.replace)
	admin("PATCH /api/v1/stocks/{symbol}", h.patch)
	admin("DELETE /api/v1/stocks/{symbol}", h.delete)
	admin("POST /api/v1/stocks/prices", h.setPrices)
}

func requireAdmin(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.CheckAdmin(r.Context(), "changing stocks"); err != nil {
			web.Error(w, r, log, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Resource is a stock as the API shows it.
type Resource struct {
	Symbol    string `json:"symbol"`
	Name      string `json:"name"`
	Price     string `json:"price"`
	Currency  string `json:"currency"`
	UpdatedAt string `json:"updated_at"`
	// PreviousPrice and ChangePercent describe the latest price change
	// (null until there is one), so that a list loaded after a change
	// still shows it.
	PreviousPrice *string `json:"previous_price"`
	ChangePercent *string `json:"change_percent"`
}

// NewResource renders s for the API.
func NewResource(s stock.Stock) Resource {
	r := Resource{Symbol: s.Symbol, Name: s.Name, Price: stock.FormatPrice(s.Price, s.Currency), Currency: s.Currency,
		UpdatedAt: s.UpdatedAt.UTC().Format(time.RFC3339Nano)}
	if s.PreviousPrice != nil {
		p := stock.FormatPrice(*s.PreviousPrice, s.Currency)
		r.PreviousPrice = &p
		if pct, ok := s.ChangePercent(); ok {
			r.ChangePercent = &pct
		}
	}
	return r
}

type input struct {
	Symbol   string `json:"symbol"`
	Name     string `json:"name"`
	Price    string `json:"price"`
	Currency string `json:"currency"`
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in input
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	st, err := h.svc.Create(r.Context(), stock.Draft(in))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/stocks/"+st.Symbol)
	web.Respond(w, http.StatusCreated, NewResource(st))
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.Get(r.Context(), r.PathValue("symbol"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewResource(st))
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "after", "limit")
	limit := web.Limit(&v, q["limit"], 0, 1000)
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	sts, err := h.svc.List(r.Context(), q["after"], limit)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := struct {
		Items []Resource `json:"items"`
	}{Items: make([]Resource, len(sts))}
	for i, st := range sts {
		out.Items[i] = NewResource(st)
	}
	web.Respond(w, http.StatusOK, out)
}

func (h *handler) replace(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Price    string `json:"price"`
		Currency string `json:"currency"`
	}
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	st, err := h.svc.Replace(r.Context(), stock.Draft{Symbol: r.PathValue("symbol"), Name: in.Name, Price: in.Price, Currency: in.Currency})
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewResource(st))
}

func (h *handler) patch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Price string `json:"price"`
	}
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	st, err := h.svc.SetPrice(r.Context(), r.PathValue("symbol"), in.Price)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewResource(st))
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Delete(r.Context(), r.PathValue("symbol")); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) setPrices(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Prices []struct {
			Symbol string `json:"symbol"`
			Price  string `json:"price"`
		} `json:"prices"`
	}
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	ups := make([]stock.PriceUpdate, len(in.Prices))
	for i, p := range in.Prices {
		ups[i] = stock.PriceUpdate{Symbol: p.Symbol, Price: p.Price}
	}
	if err := h.svc.SetPrices(r.Context(), ups); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, map[string]int{"updated": len(ups)})
}

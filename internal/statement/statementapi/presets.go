package statementapi

import (
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/statement"
	"github.com/trx-platform/trx/internal/web"
)

// PresetResource is a preset as the API shows it.
type PresetResource struct {
	Name      string            `json:"name"`
	Builtin   bool              `json:"builtin"`
	Mapping   statement.Mapping `json:"mapping"`
	Version   int64             `json:"version"`
	UpdatedAt *string           `json:"updated_at"`
}

func newPreset(p statement.Preset) PresetResource {
	out := PresetResource{Name: p.Name, Builtin: p.Builtin(), Mapping: p.Mapping, Version: p.Version}
	if out.Mapping.Description == nil {
		out.Mapping.Description = []string{}
	}
	if !p.Builtin() {
		s := p.UpdatedAt.UTC().Format(time.RFC3339Nano)
		out.UpdatedAt = &s
	} else {
		out.Version = 1
	}
	return out
}

func (h *handler) presets(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	if web.Query(r, &v); v.Err() != nil {
		web.Error(w, r, h.log, v.Err())
		return
	}
	ps, err := h.svc.Presets(r.Context(), userID(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := struct {
		Items []PresetResource `json:"items"`
	}{Items: make([]PresetResource, len(ps))}
	for i, p := range ps {
		out.Items[i] = newPreset(p)
	}
	web.Respond(w, http.StatusOK, out)
}

func (h *handler) preset(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Preset(r.Context(), userID(r), r.PathValue("name"))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", etag(p))
	web.Respond(w, http.StatusOK, newPreset(p))
}

func (h *handler) putPreset(w http.ResponseWriter, r *http.Request) {
	ifVersion, err := web.IfMatch(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var m statement.Mapping
	if err := web.Decode(w, r, &m); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	p, created, err := h.svc.PutPreset(r.Context(), userID(r), r.PathValue("name"), m, ifVersion)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("ETag", etag(p))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/import-presets/"+p.Name)
	}
	web.Respond(w, status, newPreset(p))
}

func (h *handler) deletePreset(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeletePreset(r.Context(), userID(r), r.PathValue("name")); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func etag(p statement.Preset) string {
	if p.Builtin() {
		return web.ETag(1)
	}
	return web.ETag(p.Version)
}

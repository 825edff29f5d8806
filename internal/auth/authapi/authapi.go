// Package authapi is the HTTP API of API keys under /api/v1/keys: a user
// creates, lists and revokes their own keys; an admin key may manage any
// user's. A key never grants more than its creator holds.
package authapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/uid"
	"github.com/trx-platform/trx/internal/web"
)

type handler struct {
	svc *auth.Service
	log *slog.Logger
}

// Routes registers the key routes on mux, each behind authn.
func Routes(mux *http.ServeMux, svc *auth.Service, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &handler{svc: svc, log: log}
	handle := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, authn(f)) }
	handle("GET /api/v1/keys", h.list)
	handle("POST /api/v1/keys", h.create)
	handle("GET /api/v1/keys/{id}", h.get)
	handle("DELETE /api/v1/keys/{id}", h.revoke)
	// A ticket is for /ws, which needs the read scope: so does asking for one.
	read := require(svc, log, nil, func(*http.Request) string { return auth.ScopeRead })
	mux.Handle("POST /api/v1/ws-ticket", read(http.HandlerFunc(h.ticket)))
}

// ticket answers a short-lived, single-use ticket for /ws?ticket=, so
// that a browser never puts a long-lived key in a URL.
func (h *handler) ticket(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	if web.Query(r, &v); v.Err() != nil {
		web.Error(w, r, h.log, &v)
		return
	}
	t, expires, err := h.svc.IssueTicket(r.Context(), principal(r))
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusCreated, map[string]any{"ticket": t, "expires_at": expires.UTC().Format(time.RFC3339Nano),
		"expires_in": int(auth.TicketTTL / time.Second)})
}

// Resource is a key as the API shows it: never its secret.
type Resource struct {
	ID         string   `json:"id"`
	User       string   `json:"user"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	Label      string   `json:"label"`
	RateLimit  *float64 `json:"rate_limit,omitempty"`
	RateBurst  *int     `json:"rate_burst,omitempty"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt *string  `json:"last_used_at"`
	RevokedAt  *string  `json:"revoked_at"`
	ExpiresAt  *string  `json:"expires_at"`
}

// Created is a new key with its secret.
type Created struct {
	Resource
	Key string `json:"key"`
}

// NewResource renders k of the user called user.
func NewResource(k auth.Key, user string) Resource {
	r := Resource{ID: k.ID, User: user, Prefix: k.Prefix, Scopes: k.Scopes, Label: k.Label,
		CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano), LastUsedAt: optTime(k.LastUsedAt), RevokedAt: optTime(k.RevokedAt),
		ExpiresAt: optTime(k.ExpiresAt)}
	if k.RateLimit > 0 {
		r.RateLimit = &k.RateLimit
	}
	if k.RateBurst > 0 {
		r.RateBurst = &k.RateBurst
	}
	return r
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func principal(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// owner returns the user a request acts on: the caller, or with a user
// name another one, which needs the admin scope.
func (h *handler) owner(ctx context.Context, p auth.Principal, name string) (auth.User, error) {
	if name == "" || name == p.UserName {
		return auth.User{ID: p.UserID, Name: p.UserName}, nil
	}
	if !p.Has(auth.ScopeAdmin) {
		return auth.User{}, fault.New(fault.Forbidden, "managing another user's keys needs the admin scope")
	}
	u, err := h.svc.UserByName(ctx, name)
	if errors.Is(err, auth.ErrUserNotFound) {
		return u, fault.Errorf(fault.NotFound, "no user named %q", name)
	}
	return u, err
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "user")
	if err := v.Err(); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	u, err := h.owner(r.Context(), principal(r), q["user"])
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	keys, err := h.svc.Keys(r.Context(), u.ID)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := make([]Resource, len(keys))
	for i, k := range keys {
		out[i] = NewResource(k, u.Name)
	}
	web.Respond(w, http.StatusOK, map[string]any{"items": out})
}

type createInput struct {
	Scopes    []string `json:"scopes"`
	Label     string   `json:"label"`
	User      string   `json:"user"`
	RateLimit float64  `json:"rate_limit"`
	RateBurst int      `json:"rate_burst"`
	ExpiresAt *string  `json:"expires_at"`
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	var in createInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	p := principal(r)
	u, err := h.owner(r.Context(), p, in.User)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if (in.RateLimit != 0 || in.RateBurst != 0) && !p.Has(auth.ScopeAdmin) {
		web.Error(w, r, h.log, fault.New(fault.Forbidden, "setting a key's rate_limit or rate_burst needs the admin scope"))
		return
	}
	scopes := in.Scopes
	if scopes == nil {
		scopes = []string{auth.ScopeRead, auth.ScopeWrite}
	}
	for _, s := range scopes {
		if auth.ValidScope(s) && !p.Has(s) {
			web.Error(w, r, h.log, fault.Errorf(fault.Forbidden, "a key cannot grant the %q scope, which the caller lacks", s))
			return
		}
	}
	var expires time.Time
	if in.ExpiresAt != nil {
		if expires, err = time.Parse(time.RFC3339, *in.ExpiresAt); err != nil {
			var v fault.Validation
			v.Add("expires_at", "format", "must be an RFC 3339 time, such as 2027-01-31T00:00:00Z")
			web.Error(w, r, h.log, &v)
			return
		}
	}
	k, secret, err := h.svc.CreateKey(r.Context(), u.ID, auth.KeyOptions{Scopes: scopes, Label: in.Label, RateLimit: in.RateLimit,
		RateBurst: in.RateBurst, ExpiresAt: expires, By: p})
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/keys/"+k.ID)
	web.Respond(w, http.StatusCreated, Created{Resource: NewResource(k, u.Name), Key: secret})
}

// find returns the key the path names if the caller may see it: their
// own, or anyone's for an admin; any other is a 404, as if it did not
// exist.
func (h *handler) find(r *http.Request) (auth.Key, string, error) {
	p := principal(r)
	if !uid.Valid(r.PathValue("id")) {
		return auth.Key{}, "", auth.ErrKeyNotFound
	}
	k, err := h.svc.Key(r.Context(), r.PathValue("id"))
	if err != nil {
		return k, "", err
	}
	if k.UserID == p.UserID {
		return k, p.UserName, nil
	}
	if !p.Has(auth.ScopeAdmin) {
		return auth.Key{}, "", auth.ErrKeyNotFound
	}
	u, err := h.svc.UserByID(r.Context(), k.UserID)
	return k, u.Name, err
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	k, owner, err := h.find(r)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, NewResource(k, owner))
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	k, _, err := h.find(r)
	if err == nil {
		err = h.svc.RevokeKey(r.Context(), k.ID)
	}
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

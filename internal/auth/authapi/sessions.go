package authapi

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// SessionOptions configures the session routes.
type SessionOptions struct {
	// Secure reports whether r reached trx over HTTPS (TLS here, or a
	// trusted proxy's X-Forwarded-Proto: https): the cookie is then
	// Secure. Nil: whether r itself came over TLS.
	Secure func(r *http.Request) bool
	// ClientIP is the address whose failed sign-ins are counted (nil: the
	// peer's address).
	ClientIP func(r *http.Request) string
}

type sessionHandler struct {
	svc  *auth.Service
	log  *slog.Logger
	opts SessionOptions
}

// SessionRoutes registers password sign-in and the session routes under
// /api/v1/sessions on mux. Signing in needs no credential; the others go
// through authn, which accepts the session cookie as well as a bearer
// credential (Require).
func SessionRoutes(mux *http.ServeMux, svc *auth.Service, authn func(http.Handler) http.Handler, opts SessionOptions, log *slog.Logger) {
	if opts.Secure == nil {
		opts.Secure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if opts.ClientIP == nil {
		opts.ClientIP = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
	h := &sessionHandler{svc: svc, log: log, opts: opts}
	mux.HandleFunc("POST /api/v1/sessions", h.signIn)
	mux.Handle("GET /api/v1/sessions", authn(http.HandlerFunc(h.list)))
	mux.Handle("GET /api/v1/sessions/current", authn(http.HandlerFunc(h.current)))
	mux.Handle("DELETE /api/v1/sessions/current", authn(http.HandlerFunc(h.signOut)))
	mux.Handle("DELETE /api/v1/sessions/{id}", authn(http.HandlerFunc(h.revoke)))
}

// SessionResource is a session as the sign-in and /sessions/current show
// it: with the CSRF token every change made with the cookie must carry.
type SessionResource struct {
	ID        string   `json:"id"`
	User      string   `json:"user"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
	ExpiresAt string   `json:"expires_at"`
	CSRFToken string   `json:"csrf_token"`
}

// SessionItem is a session in the list of a user's sessions.
type SessionItem struct {
	ID         string `json:"id"`
	CreatedAt  string `json:"created_at"`
	LastSeenAt string `json:"last_seen_at"`
	ExpiresAt  string `json:"expires_at"`
	UserAgent  string `json:"user_agent"`
	Current    bool   `json:"current"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (h *sessionHandler) resource(p auth.Principal, ses auth.Session, secret string) SessionResource {
	return SessionResource{ID: ses.ID, User: p.UserName, Scopes: p.Scopes, CreatedAt: rfc3339(ses.CreatedAt),
		ExpiresAt: rfc3339(h.svc.SessionExpiry(ses)), CSRFToken: auth.CSRFToken(secret)}
}

type signInInput struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (h *sessionHandler) signIn(w http.ResponseWriter, r *http.Request) {
	var in signInInput
	if err := web.Decode(w, r, &in); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	var old string
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		old = c.Value
	}
	secret, ses, p, err := h.svc.SignIn(r.Context(), auth.SignIn{Name: in.Name, Password: in.Password,
		ClientIP: h.opts.ClientIP(r), UserAgent: r.UserAgent(), Replaces: old})
	var wait *auth.BackoffError
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", strconv.Itoa(wait.Seconds()))
		web.WriteProblem(w, r, web.Problem{Status: http.StatusTooManyRequests, Detail: wait.Error()})
		return
	}
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	h.setCookie(w, r, secret, int(ses.ExpiresAt.Sub(ses.CreatedAt)/time.Second))
	web.Respond(w, http.StatusCreated, h.resource(p, ses, secret))
}

// setCookie sets (maxAge > 0) or clears (maxAge 0) the session cookie.
func (h *sessionHandler) setCookie(w http.ResponseWriter, r *http.Request, secret string, maxAge int) {
	c := &http.Cookie{Name: auth.SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: h.opts.Secure(r), MaxAge: maxAge}
	if maxAge <= 0 {
		c.MaxAge = -1 // written as Max-Age=0: the browser drops it
	}
	http.SetCookie(w, c)
}

// ErrNotSession answers a session route asked with a bearer credential.
var ErrNotSession = fault.New(fault.NotFound, "this request authenticated with a bearer credential, not a session cookie: there is no current session")

// current returns the caller's session, or 401 without one.
func (h *sessionHandler) current(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	c, err := r.Cookie(auth.SessionCookie)
	if p.SessionID == "" || err != nil {
		web.Error(w, r, h.log, ErrNotSession)
		return
	}
	ses, err := h.svc.Session(r.Context(), p)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	web.Respond(w, http.StatusOK, h.resource(p, ses, c.Value))
}

func (h *sessionHandler) signOut(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if p.SessionID == "" {
		web.Error(w, r, h.log, ErrNotSession)
		return
	}
	if err := h.svc.RevokeSession(r.Context(), p.UserID, p.SessionID); err != nil && !errors.Is(err, auth.ErrSessionNotFound) {
		web.Error(w, r, h.log, err)
		return
	}
	h.setCookie(w, r, "", 0)
	w.WriteHeader(http.StatusNoContent)
}

func (h *sessionHandler) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	if web.Query(r, &v); v.Err() != nil {
		web.Error(w, r, h.log, &v)
		return
	}
	p := principal(r)
	list, err := h.svc.Sessions(r.Context(), p.UserID)
	if err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	out := make([]SessionItem, len(list))
	for i, ses := range list {
		out[i] = SessionItem{ID: ses.ID, CreatedAt: rfc3339(ses.CreatedAt), LastSeenAt: rfc3339(ses.LastSeenAt),
			ExpiresAt: rfc3339(h.svc.SessionExpiry(ses)), UserAgent: ses.UserAgent, Current: ses.ID == p.SessionID}
	}
	web.Respond(w, http.StatusOK, map[string]any{"items": out})
}

func (h *sessionHandler) revoke(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if err := h.svc.RevokeSession(r.Context(), p.UserID, r.PathValue("id")); err != nil {
		web.Error(w, r, h.log, err)
		return
	}
	if r.PathValue("id") == p.SessionID {
		h.setCookie(w, r, "", 0)
	}
	w.WriteHeader(http.StatusNoContent)
}

package gateway

import (
	"net/http"
	"slices"
	"strings"
)

// CORS says which browser origins may call the API from their pages. The
// API authenticates with bearer credentials, never cookies, so credentials
// are not "allowed" (Access-Control-Allow-Credentials is never sent).
type CORS struct {
	Origins []string // exact origins such as https://app.example.com, or "*"
	MaxAge  int      // seconds a preflight may be cached (default 600)
}

var (
	corsAllowHeaders  = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-ID"
	corsExposeHeaders = "ETag, Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, X-Request-ID"
)

// ParseOrigins reads a comma-separated list of origins.
func ParseOrigins(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimRight(strings.TrimSpace(f), "/"); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (c CORS) allowed(origin string) (string, bool) {
	if origin == "" || len(c.Origins) == 0 {
		return "", false
	}
	if slices.Contains(c.Origins, "*") {
		return "*", true
	}
	if slices.ContainsFunc(c.Origins, func(o string) bool { return strings.EqualFold(o, origin) }) {
		return origin, true
	}
	return "", false
}

// headers adds the CORS headers of an actual (not preflight) request.
func (c CORS) headers(w http.ResponseWriter, r *http.Request) {
	if len(c.Origins) == 0 {
		return
	}
	w.Header().Add("Vary", "Origin")
	if allow, ok := c.allowed(r.Header.Get("Origin")); ok {
		w.Header().Set("Access-Control-Allow-Origin", allow)
		w.Header().Set("Access-Control-Expose-Headers", corsExposeHeaders)
	}
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a preflight for a path whose documented methods are
// allowed: 204 with the CORS headers when the origin and method are
// allowed, 403 otherwise.
func (c CORS) preflight(w http.ResponseWriter, r *http.Request, allowed []string) bool {
	origin, ok := c.allowed(r.Header.Get("Origin"))
	want := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	w.Header().Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	if !ok || !slices.Contains(allowed, want) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(allowed, ", "))
	h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = 600
	}
	h.Set("Access-Control-Max-Age", itoa(maxAge))
	w.WriteHeader(http.StatusNoContent)
	return true
}

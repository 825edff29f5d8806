package web

import (
	"bytes"
	"net/http"
)

// Problems serves requests through mux, and answers those that match none
// of its patterns with problem+json instead of the ServeMux's plain text:
// 404 for an unknown path, 405 with the mux's Allow header for a method
// that the path does not take. Other answers of the mux for unmatched
// requests (the redirect of an unclean path) pass unchanged.
func Problems(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var rec captured
		h.ServeHTTP(&rec, r)
		switch rec.status {
		case http.StatusNotFound:
			Problemf(w, r, http.StatusNotFound, "no API route "+r.Method+" "+r.URL.Path)
		case http.StatusMethodNotAllowed:
			allow := rec.Header().Get("Allow")
			w.Header().Set("Allow", allow)
			Problemf(w, r, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+allow)
		default:
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes())
		}
	})
}

// captured is the answer of the ServeMux's own handlers for unmatched
// requests (short plain text or a redirect), kept to be rewritten.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}

func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

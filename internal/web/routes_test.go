package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/web"
)

func TestProblems(t *testing.T) {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("route " + r.Pattern + " id=" + r.PathValue("id")))
	}
	mux.HandleFunc("GET /api/v1/things/{id}", ok)
	mux.HandleFunc("DELETE /api/v1/things/{id}", ok)
	mux.HandleFunc("POST /api/v1/report", ok)
	mux.HandleFunc("GET /ui/", ok)
	h := web.Problems(mux)
	tests := []struct {
		name, method, path string
		status             int
		allow              string // the Allow header
		problem            string // the problem's detail; "" when not a problem
		body               string // the body when not a problem
		location           string
	}{
		{"matched", "GET", "/api/v1/things/7", 200, "", "", "route GET /api/v1/things/{id} id=7", ""},
		{"matched other method", "DELETE", "/api/v1/things/7", 200, "", "", "route DELETE /api/v1/things/{id} id=7", ""},
		{"HEAD of a GET route", "HEAD", "/api/v1/things/7", 200, "", "", "", ""},
		{"unknown path", "GET", "/api/v1/nothing", 404, "", "no API route GET /api/v1/nothing", "", ""},
		{"unknown path outside the API", "GET", "/favicon.ico", 404, "", "no API route GET /favicon.ico", "", ""},
		{"wrong method", "PUT", "/api/v1/things/7", 405, "DELETE, GET, HEAD",
			"PUT is not allowed on /api/v1/things/7; allowed: DELETE, GET, HEAD", "", ""},
		{"wrong method, one allowed", "GET", "/api/v1/report", 405, "POST",
			"GET is not allowed on /api/v1/report; allowed: POST", "", ""},
		{"subtree redirect passes", "GET", "/ui", 307, "", "", "", "/ui/"},
		{"unclean path redirect passes", "GET", "/api/v1//things/7", 307, "", "", "", "/api/v1/things/7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.problem == "" {
				if tt.body != "" && w.Body.String() != tt.body {
					t.Errorf("body %q, want %q", w.Body, tt.body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q: %s", ct, w.Body)
			}
			var p web.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.status || p.Detail != tt.problem || p.Instance != tt.path || p.Type == "" || p.Title != http.StatusText(tt.status) {
				t.Errorf("problem %+v, want status %d detail %q", p, tt.status, tt.problem)
			}
		})
	}
}

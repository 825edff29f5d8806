//go:build !no_ui

package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/dashboard"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	dashboard.Routes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestServes(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name, path string
		status     int
		ctype      string
		contains   string
	}{
		{"page", "/", 200, "text/html; charset=utf-8", `<script type="module" src="/ui/js/main.js">`},
		{"module", "/ui/js/main.js", 200, "text/javascript; charset=utf-8", "LiveFeed"},
		{"nested module", "/ui/js/pages/stocks.js", 200, "text/javascript; charset=utf-8", "export function mount"},
		{"style", "/ui/app.css", 200, "text/css; charset=utf-8", ":root"},
		{"icon", "/ui/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"unknown asset", "/ui/nope.js", 404, "", ""},
		{"directory", "/ui/", 404, "", ""},
		{"index under /ui is not a second page", "/ui/index.html", 404, "", ""},
		{"traversal", "/ui/../dashboard.go", 404, "", ""},
		{"other paths are not the dashboard's", "/other", 404, "", ""},
		{"the API keeps its routes", "/api/v1/x", http.StatusTeapot, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, srv, tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s: %d, want %d", tc.path, res.StatusCode, tc.status)
			}
			if tc.ctype != "" && res.Header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tc.ctype)
			}
			if !strings.Contains(body, tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/", "/ui/js/main.js", "/ui/missing"} {
		res, _ := get(t, srv, path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "style-src 'self';", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		// Connections (the API, the WebSocket) go to the server itself only.
		if !strings.Contains(csp, "connect-src 'self';") {
			t.Errorf("%s: CSP connect-src is not 'self' alone: %q", path, csp)
		}
		if strings.Contains(csp, "unsafe-") {
			t.Errorf("%s: CSP allows unsafe sources: %q", path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", path, k, h.Get(k), v)
			}
		}
	}
}

func TestETag(t *testing.T) {
	srv := newServer(t)
	res, _ := get(t, srv, "/ui/app.css")
	etag := res.Header.Get("ETag")
	if etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, res.Header.Get("Cache-Control"))
	}
	res, body := get(t, srv, "/ui/app.css", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("revalidation: %d %q", res.StatusCode, body)
	}
}

// TestNoInlineCode: the CSP forbids inline scripts, styles and handlers, so
// none may be in the markup, and no module may build one.
func TestNoInlineCode(t *testing.T) {
	inline := []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]`),
		regexp.MustCompile(`(?i)<style`),
		regexp.MustCompile(`(?i)\sstyle\s*=`),
		regexp.MustCompile(`(?i)\son[a-z]+\s*=\s*["']`),
	}
	inJS := []*regexp.Regexp{
		regexp.MustCompile(`\.innerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(`),
		regexp.MustCompile(`setAttribute\(\s*['"]style['"]|['"]style['"]\s*:`),
	}
	err := filepath.Walk("assets", func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checks := inline
		if strings.HasSuffix(p, ".js") {
			checks = inJS
		}
		for _, re := range checks {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: %q is not allowed under the CSP", p, b[loc[0]:min(loc[1]+20, len(b))])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportsResolve: every module a module imports is served, so the page
// never fails on a missing file.
func TestImportsResolve(t *testing.T) {
	srv := newServer(t)
	imp := regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]+\s+from\s+)?['"]([^'"]+)['"]`)
	seen := map[string]bool{}
	var visit func(path string)
	visit = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		res, body := get(t, srv, path)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
			return
		}
		for _, m := range imp.FindAllStringSubmatch(body, -1) {
			dir := path[:strings.LastIndex(path, "/")+1]
			visit(cleanURL(dir + m[1]))
		}
	}
	visit("/ui/js/main.js")
	if len(seen) < 10 {
		t.Fatalf("only %d modules reached from main.js: %v", len(seen), seen)
	}
}

func cleanURL(p string) string {
	var out []string
	for _, part := range strings.Split(p, "/") {
		switch part {
		case ".":
		case "..":
			out = out[:len(out)-1]
		default:
			out = append(out, part)
		}
	}
	return strings.Join(out, "/")
}

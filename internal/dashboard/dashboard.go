// Package dashboard serves trx's browser dashboard: plain HTML, CSS and
// JavaScript modules embedded in the binary (no CDN, no build step), which
// call the same public API as any other client. Built with the no_ui tag,
// it serves a short page saying the dashboard was left out.
package dashboard

//go:generate go run ./gen/currencies -out assets/js/currencies.js

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the path under which the dashboard's assets are served.
const Prefix = "/ui/"

// ContentSecurityPolicy is the policy of every dashboard response: scripts,
// styles, images and fonts only from the server itself (no inline script or
// style, no eval), API calls and the WebSocket to the server only (CSP 3's
// 'self' covers ws: and wss: on the page's own host; "ws: wss:" would let an
// injected script open a WebSocket to any host), and no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'"

// Routes registers the dashboard on mux: its page at GET / and its assets
// under GET /ui/.
func Routes(mux *http.ServeMux) {
	h := Handler()
	mux.Handle("GET /{$}", h)
	mux.Handle("GET "+Prefix, h)
}

// Handler serves the dashboard page at / and its assets under /ui/, with
// security headers, an ETag per file and "Cache-Control: no-cache" (the
// browser revalidates, so a new binary's assets are picked up at once).
func Handler() http.Handler {
	fsys, ok := assets()
	if !ok {
		return http.HandlerFunc(serveNone)
	}
	files, err := load(fsys)
	if err != nil {
		// The assets are compiled in: this is a broken build, not a request's fault.
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "dashboard: cannot read the embedded assets: "+err.Error(), http.StatusInternalServerError)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header())
		name := "index.html"
		if r.URL.Path != "/" {
			rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
			if !ok || rest == "" || rest == "index.html" {
				http.NotFound(w, r)
				return
			}
			name = rest
		}
		f, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("ETag", f.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
	})
}

type file struct {
	data        []byte
	etag        string
	contentType string
}

// load reads every asset once, with its ETag and Content-Type.
func load(fsys fs.FS) (map[string]file, error) {
	files := map[string]file{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files[p] = file{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, contentType: contentType(p)}
		return nil
	})
	return files, err
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cache-Control", "no-cache")
}

// nonePage is what a binary built with the no_ui tag serves at /.
const nonePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trx</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>trx</h1>
<p>This trx binary was built without the dashboard (the <code>no_ui</code> build tag).
The API is at <code>/api/v1/</code>, metrics at <code>/metrics</code>.</p>
<p>Build without <code>-tags no_ui</code> to get the dashboard.</p>
</body></html>
`

func serveNone(w http.ResponseWriter, r *http.Request) {
	setHeaders(w.Header())
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(nonePage))
}

//go:build no_ui

package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/dashboard"
)

// TestNoUI: built with -tags no_ui, / says the dashboard was left out.
func TestNoUI(t *testing.T) {
	mux := http.NewServeMux()
	dashboard.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]int{"/": 200, "/ui/js/main.js": 404} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
		if path == "/" && !strings.Contains(string(b), "built without the dashboard") {
			t.Fatalf("GET /: %s", b)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET %s: no CSP", path)
		}
	}
}

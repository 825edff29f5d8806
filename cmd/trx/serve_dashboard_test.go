package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeDashboard: trx serve serves the dashboard at / with its CSP, and
// the metrics digest its charts read, behind the API key.
func TestServeDashboard(t *testing.T) {
	addr, key, _ := startServe(t, t.TempDir())
	base := "http://" + addr

	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(string(body), "/ui/js/main.js") {
		t.Fatalf("GET /: %d, CSP %q, body %.200s", res.StatusCode, res.Header.Get("Content-Security-Policy"), body)
	}

	res, err = http.Get(base + "/api/v1/metrics/summary")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("summary without a key: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/metrics/summary", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var s struct {
		HTTP struct {
			RequestsTotal float64 `json:"requests_total"`
		} `json:"http"`
		DB []struct {
			Name string `json:"name"`
		} `json:"db"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil || res.StatusCode != 200 {
		t.Fatalf("summary: %d %v", res.StatusCode, err)
	}
	if s.HTTP.RequestsTotal < 2 || len(s.DB) == 0 {
		t.Fatalf("summary: %+v", s)
	}
}

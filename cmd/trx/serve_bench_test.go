package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// BenchmarkRequest runs a create and a get of a transaction through the
// whole handler of `trx serve` (its defaults, on each engine of
// sqldbtest.Engines in a fresh database, the embedded NATS), without the network: what a request
// costs trx itself, the part of `trx-bench crud` that trx can make
// cheaper. The bodies are the ones trx-bench sends.
func BenchmarkRequest(b *testing.B) {
	for _, d := range sqldbtest.Engines() {
		b.Run(string(d), func(b *testing.B) { benchRequest(b, sqldbtest.URL(b, d)) })
	}
}

func benchRequest(b *testing.B, db string) {
	cfg, err := parseServe(testEnv(nil, io.Discard, io.Discard), []string{"--data", b.TempDir(), "--db", db})
	if err != nil {
		b.Fatal(err)
	}
	s, key, _ := startServer(b, cfg)
	h := s.http.Handler
	do := func(b *testing.B, method, path string, body []byte, want int) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w
	}
	body := func(n int) []byte {
		data, err := json.Marshal(map[string]string{
			"amount": "-" + strconv.Itoa(n%999+1) + ".25", "currency": "EUR", "description": "bench transaction " + strconv.Itoa(n),
			"counterparty": "Bench Store", "booked_at": time.Now().UTC().Truncate(time.Second).Format(time.RFC3339),
		})
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	var ids []string
	create := func(b *testing.B, n int) {
		var out struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(do(b, http.MethodPost, "/api/v1/transactions", body(n), http.StatusCreated).Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, out.ID)
	}
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			create(b, n)
		}
	})
	for len(ids) < 100 {
		create(b, len(ids))
	}
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			do(b, http.MethodGet, "/api/v1/transactions/"+ids[n%len(ids)], nil, http.StatusOK)
		}
	})
}

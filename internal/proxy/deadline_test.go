package proxy_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trx-platform/trx/internal/proxy"
	"github.com/trx-platform/trx/internal/web"
)

// TestDeadlineReachesUpstream: the gateway's request deadline bounds the
// forwarded request: when it passes, the upstream's request ends (its
// statements stop with it) and the client is answered 504 naming the
// limit. The upstream answers only once its request has ended, so the
// outcome does not depend on timing.
func TestDeadlineReachesUpstream(t *testing.T) {
	ended := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the gateway's deadline, carried by the closed connection
		close(ended)
	}))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	p := proxy.New(proxy.Config{Upstreams: map[string][]*url.URL{"transactions": {u}}}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	h := web.Deadline(50*time.Millisecond, "--request-timeout", nil)(p.To("transactions"))
	w := get(t, h, "GET")
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the upstream's request did not end with the gateway's deadline")
	}
	if w.Code != http.StatusGatewayTimeout {
		t.Fatalf("status %d, want 504: %s", w.Code, w.Body)
	}
	var pr web.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Type != "urn:trx:problem:timeout" || !strings.Contains(pr.Detail, "set by --request-timeout") {
		t.Errorf("problem %+v: want the request deadline named", pr)
	}
}

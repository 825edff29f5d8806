package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/proxy"
)

// TestSplitSignedPrincipal runs a gateway in front of a service process
// (in-process, on one SQLite database) and checks the signed principal:
// requests through the gateway work (a client's own X-Trx-Principal is
// dropped there), and the service trusts a signed principal without any
// credential (no second authentication), once, and refuses a forged one.
func TestSplitSignedPrincipal(t *testing.T) {
	dir := t.TempDir()
	const secret = "signed-Hq7vTz2Lr0Yt5WmZa7Kc3Nf9Hd1Ps6"
	var backend serveConfig
	backend.DataDir, backend.InternalSecret, backend.BootstrapAdmin = dir, secret, true
	if err := backend.Components.Set("transactions,classifier,report,notifier"); err != nil {
		t.Fatal(err)
	}
	baddr, key, _ := startServeWith(t, backend)
	var front serveConfig
	front.DataDir, front.InternalSecret = dir, secret
	front.Upstreams = fmt.Sprintf("transactions=http://%[1]s,classifier=http://%[1]s,report=http://%[1]s,notifier=http://%[1]s", baddr)
	if err := front.Components.Set("gateway"); err != nil {
		t.Fatal(err)
	}
	gaddr, _, _ := startServeWith(t, front)

	call := func(addr, method, path, body string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Add(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// Through the gateway, with a forged principal of the client's own
	// that the gateway drops.
	forged := auth.NewSigner(secret+"-not-it", nil).Sign(auth.Principal{UserID: "someone", Scopes: []string{"admin"}}, auth.Binding{})
	if code, b := call(gaddr, "POST", "/api/v1/transactions", `{"amount":"-3.50","currency":"EUR","description":"Coffee","booked_at":"2026-11-27"}`,
		"Authorization", "Bearer "+key, proxy.PrincipalHeader, forged); code != 201 {
		t.Fatalf("create through the gateway: %d %s", code, b)
	}
	if code, b := call(gaddr, "GET", "/api/v1/transactions", "", "Authorization", "Bearer "+key); code != 200 || !strings.Contains(b, "Coffee") {
		t.Fatalf("list through the gateway: %d %s", code, b)
	}
	ws, _, err := dialWS(t, gaddr, key, "")
	if err != nil {
		t.Fatalf("WebSocket through the gateway: %v", err)
	}
	ws.conn.CloseNow()

	// Straight to the service, as the gateway would send it, but with no
	// credential at all: the signed principal alone authenticates.
	signer := auth.NewSigner(secret, nil)
	const rid = "signed-test-request-1"
	user := auth.Principal{UserID: "0190a0b0-0000-7000-8000-000000000001", UserName: "nobody", Scopes: []string{"read"}, Method: auth.MethodKey}
	tok := signer.Sign(user, auth.Binding{RequestID: rid, Method: "GET", Path: "/api/v1/transactions"})
	hdr := []string{proxy.SecretHeader, secret, "X-Request-ID", rid, proxy.PrincipalHeader, tok}
	if code, b := call(baddr, "GET", "/api/v1/transactions", "", hdr...); code != 200 || strings.Contains(b, "Coffee") {
		t.Fatalf("signed principal alone: %d %s (want 200 and none of admin's rows)", code, b)
	}
	if code, b := call(baddr, "GET", "/api/v1/transactions", "", hdr...); code != 401 || !strings.Contains(b, "used before") {
		t.Fatalf("replayed: %d %s", code, b)
	}
	if code, b := call(baddr, "GET", "/api/v1/transactions", "", proxy.SecretHeader, secret, proxy.PrincipalHeader, forged); code != 401 || !strings.Contains(b, "does not verify") {
		t.Fatalf("forged: %d %s", code, b)
	}
	if code, b := call(baddr, "GET", "/api/v1/transactions", "", proxy.SecretHeader, secret); code != 401 {
		t.Fatalf("neither credential nor principal: %d %s", code, b)
	}
}

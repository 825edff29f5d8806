package authapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/web"
)

func TestKeysAPI(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) { testKeysAPI(t, d) })
	}
}

func testKeysAPI(t *testing.T, d sqldb.Dialect) {
	ctx := context.Background()
	svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)))
	_, alice, _ := svc.AddUser(ctx, "alice", nil)
	_, bob, _ := svc.AddUser(ctx, "bob", nil)
	_, root, _ := svc.AddUser(ctx, "root", []string{auth.ScopeAdmin})
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	authapi.Routes(mux, svc, authapi.Require(svc, log), log)
	srv := httptest.NewServer(web.WithRequestID(gatewaytest.Observe(t, mux)))
	t.Cleanup(srv.Close)

	call := func(key, method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if out != nil && res.StatusCode < 300 {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %s", method, path, b)
			}
		}
		return res.StatusCode
	}

	var created authapi.Created
	if code := call(alice, "POST", "/api/v1/keys", `{"scopes":["read"],"label":"dashboard"}`, &created); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if created.User != "alice" || created.Label != "dashboard" || created.LastUsedAt != nil || !strings.HasPrefix(created.Key, created.Prefix) {
		t.Fatalf("created %+v", created)
	}
	if code := call(created.Key, "GET", "/api/v1/keys", "", nil); code != 200 {
		t.Fatalf("the new key works: %d", code)
	}
	// No escalation: a read+write key cannot mint admin, nor set limits,
	// nor act for another user.
	for _, body := range []string{`{"scopes":["admin"]}`, `{"rate_limit":100}`, `{"user":"bob"}`} {
		if code := call(alice, "POST", "/api/v1/keys", body, nil); code != 403 {
			t.Errorf("%s: %d, want 403", body, code)
		}
	}
	// A read-only key cannot create keys at all.
	if code := call(created.Key, "POST", "/api/v1/keys", `{}`, nil); code != 403 {
		t.Errorf("read key creating: %d", code)
	}
	var list struct{ Items []authapi.Resource }
	svc.Flush() // the last-used times are written beside the requests
	if call(alice, "GET", "/api/v1/keys", "", &list); len(list.Items) != 2 || list.Items[1].LastUsedAt == nil {
		t.Fatalf("alice's keys: %+v", list.Items)
	}
	// Bob cannot see, nor revoke, alice's key: 404 as if it did not exist.
	if code := call(bob, "GET", "/api/v1/keys/"+created.ID, "", nil); code != 404 {
		t.Errorf("bob reads alice's key: %d", code)
	}
	if code := call(bob, "DELETE", "/api/v1/keys/"+created.ID, "", nil); code != 404 {
		t.Errorf("bob revokes alice's key: %d", code)
	}
	if code := call(bob, "GET", "/api/v1/keys?user=alice", "", nil); code != 403 {
		t.Errorf("bob lists alice's keys: %d", code)
	}
	// The admin can do all of it.
	if call(root, "GET", "/api/v1/keys?user=alice", "", &list); len(list.Items) != 2 {
		t.Fatalf("admin lists alice's keys: %+v", list.Items)
	}
	var forBob authapi.Created
	if code := call(root, "POST", "/api/v1/keys", `{"user":"bob","scopes":["read"],"rate_limit":5,"rate_burst":10}`, &forBob); code != 201 ||
		forBob.User != "bob" || *forBob.RateLimit != 5 || *forBob.RateBurst != 10 {
		t.Fatalf("admin creates for bob: %d %+v", code, forBob)
	}
	if code := call(root, "GET", "/api/v1/keys?user=nobody", "", nil); code != 404 {
		t.Errorf("unknown user: %d", code)
	}
	// Revoking works at once and is idempotent.
	if code := call(alice, "DELETE", "/api/v1/keys/"+created.ID, "", nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code := call(created.Key, "GET", "/api/v1/keys", "", nil); code != 401 {
		t.Fatalf("revoked key: %d", code)
	}
	if code := call(root, "DELETE", "/api/v1/keys/"+created.ID, "", nil); code != 204 {
		t.Fatalf("revoke again: %d", code)
	}
	var got authapi.Resource
	if call(alice, "GET", "/api/v1/keys/"+created.ID, "", &got); got.RevokedAt == nil {
		t.Fatalf("revoked_at not shown: %+v", got)
	}
	for _, id := range []string{"not-a-uuid", "é", "01900000-0000-7000-8000-000000000000"} {
		if code := call(alice, "GET", "/api/v1/keys/"+id, "", nil); code != 404 {
			t.Errorf("key %q: %d", id, code)
		}
	}
	if code := call(alice, "GET", "/api/v1/keys?colour=red", "", nil); code != 400 {
		t.Errorf("unknown parameter: %d", code)
	}
}

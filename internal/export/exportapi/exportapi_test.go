package exportapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/auth/authtest"
	"github.com/trx-platform/trx/internal/export"
	"github.com/trx-platform/trx/internal/export/exportapi"
	"github.com/trx-platform/trx/internal/export/exportsql"
	"github.com/trx-platform/trx/internal/gateway"
	"github.com/trx-platform/trx/internal/gateway/gatewaytest"
	"github.com/trx-platform/trx/internal/sqldb"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
	"github.com/trx-platform/trx/internal/web"
	"github.com/trx-platform/trx/internal/web/webtest"
)

// validated fails the test for a request that the gateway would refuse or
// does not know (the export's body is NDJSON, which gatewaytest.Observe
// cannot check as JSON, so only the request is checked here).
func validated(t *testing.T, h http.Handler) http.Handler {
	spec := gatewaytest.Spec(t)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := spec.Route(r)
		if op == nil {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.URL)
		} else if err := gateway.ValidateRequest(r.Clone(r.Context()), op); err != nil && r.URL.RawQuery == "" {
			t.Errorf("%s %s: the gateway would refuse it: %v", r.Method, r.URL, err)
		}
		h.ServeHTTP(w, r)
	})
}

func TestExport(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) { testExport(t, d) })
	}
}

func testExport(t *testing.T, d sqldb.Dialect) {
	ctx := context.Background()
	db := sqldbtest.Open(t, d)
	users, keys := authtest.Users(t, db, "alice", "bob")
	admin, err := users.AddKey(ctx, "alice", []string{auth.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	writeOnly, err := users.AddKey(ctx, "bob", []string{auth.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	exportapi.Routes(mux, exportsql.New(db), authtest.Require(users, log), log, exportapi.Config{TrxVersion: "test"})
	srv := httptest.NewServer(web.WithRequestID(validated(t, mux)))
	t.Cleanup(srv.Close)
	get := func(key, path string) webtest.Response {
		return webtest.Do(t, srv.Client(), srv.URL, key, "GET", path, nil)
	}

	read := func(body []byte) (export.Header, export.Counts) {
		t.Helper()
		rd, err := export.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for {
			_, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return rd.Header(), rd.Counts()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	r := get(keys[1], "/api/v1/export") // bob: his own data only
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/x-ndjson" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="trx-export-`) {
		t.Fatalf("bob's export: %d %v %s", r.Status, r.Header, r.Body)
	}
	h, c := read(r.Body)
	bob, _ := users.UserByName(ctx, "bob")
	if h.Scope != export.ScopeUser || h.UserID != bob.ID || c["user"] != 1 || c["api_key"] != 2 {
		t.Errorf("bob's export: header %+v, counts %v", h, c)
	}
	if bytes.Contains(r.Body, []byte(`"alice"`)) {
		t.Errorf("bob's export holds alice's data:\n%s", r.Body)
	}

	r = get(admin, "/api/v1/export") // an admin: everyone's
	h, c = read(r.Body)
	if r.Status != 200 || h.Scope != export.ScopeAll || c["user"] != 2 || c["api_key"] != 4 {
		t.Errorf("admin's export: %d, header %+v, counts %v", r.Status, h, c)
	}
	// It imports into an empty installation, whose keys then work.
	dst := sqldbtest.Open(t, d)
	if _, _, err := export.Import(ctx, bytes.NewReader(r.Body), exportsql.New(dst)); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewService(authsql.New(dst)).Authenticate(ctx, keys[0]); err != nil {
		t.Errorf("alice's key after the import: %v", err)
	}

	for _, tt := range []struct {
		name, key, path string
		status          int
	}{
		{"no key", "", "/api/v1/export", 401},
		{"no read scope", writeOnly, "/api/v1/export", 403},
		{"a query parameter", keys[1], "/api/v1/export?user=alice", 400},
	} {
		r := get(tt.key, tt.path)
		if r.Status != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.name, r.Status, tt.status, r.Body)
			continue
		}
		r.Problem(t)
	}
}

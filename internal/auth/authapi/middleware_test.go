package authapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authapi"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

func TestRequireTrustsAnEarlierPrincipal(t *testing.T) {
	svc := auth.NewService(authsql.New(sqldbtest.Open(t, "sqlite")))
	h := authapi.Require(svc, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		w.Header().Set("X-User", p.UserID)
	}))
	for _, c := range []struct {
		method string
		scopes []string
		want   int
	}{
		{"GET", []string{"read"}, 200},
		{"POST", []string{"read"}, 403},
		{"POST", []string{"admin"}, 200},
	} {
		r := httptest.NewRequest(c.method, "/x", nil)
		r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{UserID: "u1", Scopes: c.scopes}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want || (c.want == 200 && w.Header().Get("X-User") != "u1") {
			t.Fatalf("%s %v: %d", c.method, c.scopes, w.Code)
		}
	}
}

package classifierapi_test

import (
	"net/http"
	"testing"

	"github.com/trx-platform/trx/internal/sqldb"
)

// TestListsRefuseUnknownParameters: GET /categories and /rules take no
// parameters, so a misspelt filter (or a malformed query) is a 400, not
// every row (issue 12).
func TestListsRefuseUnknownParameters(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	for _, path := range []string{"/api/v1/categories?parent=food", "/api/v1/rules?enabled=true", "/api/v1/rules?q=100%"} {
		if r := e.do(e.alice, http.MethodGet, path, nil); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s, want 400", path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/api/v1/categories", "/api/v1/rules"} {
		e.must(http.StatusOK, e.alice, http.MethodGet, path, nil, nil)
	}
}

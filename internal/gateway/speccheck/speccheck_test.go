// Package speccheck_test checks that the gateway's OpenAPI document is a
// valid OpenAPI 3.1 document, with kin-openapi's validator, the reference
// that the gateway's own loader does not replace. It is a module of its
// own, so that kin-openapi stays out of the root module: run it with
// (cd internal/gateway/speccheck && go test ./...), as .ci/run does.
package speccheck_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/trx-platform/trx/internal/gateway"
)

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	s, err := gateway.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(s.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

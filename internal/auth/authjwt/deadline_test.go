package authjwt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trx-platform/trx/internal/auth/authjwt"
	"github.com/trx-platform/trx/internal/fault"
)

// TestJWKSFetchFollowsCaller: the JWKS fetch runs under the request's
// context: when the caller goes away mid-fetch, the fetch stops, the
// caller is not told its token is invalid, and the cut-short fetch is not
// remembered as the provider's failure (the next token fetches at once,
// not after MinRefetch).
func TestJWKSFetchFollowsCaller(t *testing.T) {
	p := newIDP(t)
	var hold atomic.Bool
	hold.Store(true)
	started := make(chan struct{}, 1)
	keys := p.srv.Config.Handler
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold.Load() {
			started <- struct{}{}
			<-r.Context().Done() // held until the caller gives up
			return
		}
		keys.ServeHTTP(w, r)
	}))
	defer slow.Close()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	v, err := authjwt.New(authjwt.Config{JWKSURL: slow.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, jwt.SigningMethodRS256, p.rsa, "r1", jwt.MapClaims{"sub": "bob", "exp": now.Add(time.Hour).Unix()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, tok); done <- err }()
	<-started
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) || fault.KindOf(err) == fault.Unauthenticated {
		t.Fatalf("a fetch cut short by its caller: %v (kind %v), want the caller's context.Canceled, not invalid", err, fault.KindOf(err))
	}
	hold.Store(false)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("the next token, within MinRefetch of the cut-short fetch: %v", err)
	}
}

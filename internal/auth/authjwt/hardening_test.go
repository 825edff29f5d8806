package authjwt_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trx-platform/trx/internal/auth/authjwt"
	"github.com/trx-platform/trx/internal/fault"
)

// TestCrit: a token with a crit header names extensions the recipient must
// understand; trx understands none, so it is refused (it was accepted).
func TestCrit(t *testing.T) {
	v, err := authjwt.New(authjwt.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "bob", "exp": time.Now().Add(time.Hour).Unix()})
	tok.Header["crit"] = []string{"exp"}
	s, err := tok.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), s); fault.KindOf(err) != fault.Unauthenticated {
		t.Fatalf("crit: %v, want 401", err)
	}
}

// TestClaims: Verify returns the identity (iss, sub), the user claim's
// name and the expiry; MaxLifetime refuses long-lived tokens, and an iat
// in the future is refused.
func TestClaims(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v, err := authjwt.New(authjwt.Config{Secret: secret, UserClaim: "preferred_username", MaxLifetime: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	hs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, secret, "", c) }
	c, err := v.Verify(ctx, hs(jwt.MapClaims{"iss": "https://idp", "sub": "00u1", "preferred_username": "bob",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}))
	if err != nil || c.Issuer != "https://idp" || c.Subject != "00u1" || c.Name != "bob" || !c.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("claims %+v %v", c, err)
	}
	for name, claims := range map[string]jwt.MapClaims{
		"lives 2h (iat)":    {"sub": "x", "preferred_username": "bob", "iat": now.Unix(), "exp": now.Add(2 * time.Hour).Unix()},
		"lives 2h (no iat)": {"sub": "x", "preferred_username": "bob", "exp": now.Add(2 * time.Hour).Unix()},
		"iat in the future": {"sub": "x", "preferred_username": "bob", "iat": now.Add(time.Hour).Unix(), "exp": now.Add(time.Hour).Unix()},
		"empty sub":         {"sub": "", "preferred_username": "bob", "exp": now.Add(time.Minute).Unix()},
	} {
		if _, err := v.Verify(ctx, hs(claims)); fault.KindOf(err) != fault.Unauthenticated {
			t.Errorf("%s: %v, want 401", name, err)
		}
	}
}

// TestJWKSHardening: the key set is fetched from its own origin only (a
// redirect elsewhere is refused, one on the same origin followed), a key
// set with no usable key does not replace the keys held, and a failure is
// a generic 503 whose cause is logged once per attempt, not shown.
func TestJWKSHardening(t *testing.T) {
	p := newIDP(t)
	evil := httptest.NewServer(p.srv.Config.Handler) // serves the same keys, from elsewhere
	t.Cleanup(evil.Close)
	var target, mode string
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/keys" && mode == "empty":
			_, _ = w.Write([]byte(`{"keys":[]}`))
		case r.URL.Path == "/keys" && mode == "junk":
			_, _ = w.Write([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
		case r.URL.Path == "/keys":
			http.Redirect(w, r, target, http.StatusFound)
		default: // the same origin's own copy
			p.srv.Config.Handler.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(front.Close)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var logs bytes.Buffer
	v, err := authjwt.New(authjwt.Config{JWKSURL: front.URL + "/keys", Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	claims := jwt.MapClaims{"sub": "bob", "exp": now.Add(24 * time.Hour).Unix()}
	r1 := sign(t, jwt.SigningMethodRS256, p.rsa, "r1", claims)

	target = evil.URL + "/jwks.json"
	_, err = v.Verify(ctx, r1)
	if fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("cross-origin redirect: %v, want 503", err)
	}
	if msg := err.Error(); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "redirect") {
		t.Fatalf("the 503 shows the cause: %q", msg)
	}
	if n := strings.Count(logs.String(), "jwks_fetch_failed"); n != 1 || !strings.Contains(logs.String(), "another origin") {
		t.Fatalf("log (%d lines): %s", n, logs.String())
	}
	for range 3 { // within MinRefetch: no new attempt, nothing logged again
		_, _ = v.Verify(ctx, r1)
	}
	if n := strings.Count(logs.String(), "jwks_fetch_failed"); n != 1 {
		t.Fatalf("logged %d times within MinRefetch", n)
	}

	now = now.Add(time.Minute)
	target = front.URL + "/same-origin.json"
	if _, err := v.Verify(ctx, r1); err != nil {
		t.Fatalf("same-origin redirect: %v", err)
	}

	// After Refresh, an empty (or useless) key set keeps the keys held.
	for _, m := range []string{"empty", "junk"} {
		mode = m
		now = now.Add(11 * time.Minute)
		if _, err := v.Verify(ctx, r1); err != nil {
			t.Fatalf("%s key set replaced the cached keys: %v", m, err)
		}
	}
}

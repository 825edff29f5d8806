package authjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trx-platform/trx/internal/auth/authjwt"
	"github.com/trx-platform/trx/internal/fault"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// idp is an identity provider: keys and a JWKS endpoint.
type idp struct {
	rsa     *rsa.PrivateKey
	ec      *ecdsa.PrivateKey
	srv     *httptest.Server
	fetches atomic.Int32
	kids    atomic.Value // []string: which keys the JWKS shows
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{rsa: rk, ec: ek}
	p.kids.Store([]string{"r1", "e1"})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p.fetches.Add(1)
		var keys []map[string]string
		for _, kid := range p.kids.Load().([]string) {
			switch kid {
			case "r1":
				keys = append(keys, map[string]string{"kty": "RSA", "kid": "r1", "use": "sig", "alg": "RS256",
					"n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())})
			case "e1":
				x, y := make([]byte, 32), make([]byte, 32)
				raw, _ := ek.PublicKey.Bytes()
				copy(x, raw[1:33])
				copy(y, raw[33:])
				keys = append(keys, map[string]string{"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64(x), "y": b64(y)})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func sign(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	p := newIDP(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v, err := authjwt.New(authjwt.Config{Secret: secret, JWKSURL: p.srv.URL, Issuer: "https://idp.example", Audience: "trx", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ok := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "alice", "iss": "https://idp.example", "aud": "trx", "exp": now.Add(time.Hour).Unix(),
			"scope": "openid trx:read write other"}
	}
	with := func(k string, val any) jwt.MapClaims {
		c := ok()
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	cases := []struct {
		name  string
		token string
		want  []string // scopes; nil = rejected
	}{
		{"HS256", sign(t, jwt.SigningMethodHS256, secret, "", ok()), []string{"read", "write"}},
		{"RS256 via JWKS", sign(t, jwt.SigningMethodRS256, p.rsa, "r1", ok()), []string{"read", "write"}},
		{"ES256 via JWKS", sign(t, jwt.SigningMethodES256, p.ec, "e1", with("scp", []any{"admin"})), []string{"read", "write", "admin"}},
		{"no scopes", sign(t, jwt.SigningMethodHS256, secret, "", with("scope", nil)), []string{}},
		{"expired", sign(t, jwt.SigningMethodHS256, secret, "", with("exp", now.Add(-time.Minute).Unix())), nil},
		{"no exp", sign(t, jwt.SigningMethodHS256, secret, "", with("exp", nil)), nil},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, secret, "", with("nbf", now.Add(time.Minute).Unix())), nil},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, secret, "", with("iss", "https://evil.example")), nil},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, secret, "", with("aud", "other")), nil},
		{"no subject", sign(t, jwt.SigningMethodHS256, secret, "", with("sub", nil)), nil},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two byte"), "", ok()), nil},
		{"unknown RSA key", sign(t, jwt.SigningMethodRS256, otherRSA, "r1", ok()), nil},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", ok()), nil},
		{"RS key used as ES", sign(t, jwt.SigningMethodES256, p.ec, "r1", ok()), nil},
		{"malformed", "eyJhbGciOi.x.y", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), c.token)
			if c.want == nil {
				if err == nil || fault.KindOf(err) != fault.Unauthenticated {
					t.Fatalf("accepted or wrong error: %+v %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got.Scopes)
			slices.Sort(c.want)
			if got.Subject != "alice" || !slices.Equal(got.Scopes, c.want) {
				t.Fatalf("claims %+v, want scopes %v", got, c.want)
			}
		})
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want once (cached)", n)
	}
	if !v.Looks(cases[0].token) || v.Looks("trx_abc") {
		t.Fatal("Looks")
	}
}

func TestJWKSRefresh(t *testing.T) {
	p := newIDP(t)
	p.kids.Store([]string{"r1"})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	v, err := authjwt.New(authjwt.Config{JWKSURL: p.srv.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"sub": "bob", "exp": now.Add(24 * time.Hour).Unix()}
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, p.rsa, "r1", claims)); err != nil {
		t.Fatal(err)
	}
	// A new key appears: a token with its kid triggers a fetch, but not
	// more than once per MinRefetch.
	p.kids.Store([]string{"r1", "e1"})
	es := sign(t, jwt.SigningMethodES256, p.ec, "e1", claims)
	if _, err := v.Verify(ctx, es); err == nil {
		t.Fatal("a new kid was fetched within MinRefetch of the last fetch")
	}
	now = now.Add(31 * time.Second)
	if _, err := v.Verify(ctx, es); err != nil {
		t.Fatalf("unknown kid did not refetch: %v", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2", n)
	}
	p.kids.Store([]string{"r1"}) // e1 rotated out
	for range 5 {
		_, _ = v.Verify(ctx, sign(t, jwt.SigningMethodES256, p.ec, "e9", claims))
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d within MinRefetch, want 2", n)
	}
	// After Refresh, the keys are fetched again and e1 is gone.
	now = now.Add(11 * time.Minute)
	if _, err := v.Verify(ctx, es); err == nil {
		t.Fatal("a rotated-out key still verifies after the refresh")
	}
	if n := p.fetches.Load(); n != 3 {
		t.Fatalf("fetches %d after Refresh, want 3", n)
	}
	// The provider down: known keys keep working; unknown ones are 503.
	p.srv.Close()
	now = now.Add(11 * time.Minute)
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, p.rsa, "r1", claims)); err != nil {
		t.Fatalf("cached key with the JWKS down: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := v.Verify(ctx, es); fault.KindOf(err) != fault.Unavailable || strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("unknown kid with the JWKS down: %v", err)
	}
}

func TestConfig(t *testing.T) {
	if _, err := authjwt.New(authjwt.Config{}); err == nil {
		t.Fatal("no secret nor JWKS accepted")
	}
	if _, err := authjwt.New(authjwt.Config{Secret: []byte("short")}); err == nil {
		t.Fatal("short secret accepted")
	}
}

// Package authjwt verifies JWT bearer tokens for trx, so that trx can sit
// behind a company's identity provider: HS256 with a shared secret, and
// RS256/384/512 and ES256/384/512 with the public keys of a JWKS URL
// (fetched, cached and refreshed). A Verifier is an auth.TokenVerifier.
//
// Claims: the signature, exp (required), nbf, iat (not in the future;
// with MaxLifetime, exp - iat at most that), and iss and aud when
// configured are checked; a "crit" header is refused. The identity is
// (iss, sub); the user claim ("sub" by default) names the trx user on
// first use; "scope" (space-separated) or "scp" (a list or a space-separated
// string) grant trx scopes: read, write and admin, also written with a
// "trx:" or "trx." prefix. Other scopes are ignored.
package authjwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
)

// Config configures a Verifier. Secret, JWKSURL or both must be set.
type Config struct {
	Secret    []byte // HS256 shared secret (at least 32 bytes)
	JWKSURL   string // where the identity provider publishes its public keys
	Issuer    string // required iss, if set
	Audience  string // required aud (one of), if set
	UserClaim string // claim naming the trx user; default "sub"
	Leeway    time.Duration
	// MaxLifetime, when positive, refuses tokens that live longer: exp
	// minus iat (minus now when the token has no iat) past it.
	MaxLifetime time.Duration
	// Refresh is how long fetched keys are used before they are fetched
	// again (default 10 minutes). A token with an unknown kid fetches them
	// at once, at most every MinRefetch (default 30 seconds).
	Refresh    time.Duration
	MinRefetch time.Duration
	Client     *http.Client     // default: a client with a 5-second timeout (redirects: same origin only, always)
	Now        func() time.Time // default time.Now
	Log        *slog.Logger     // a failed JWKS fetch is logged here, once per attempt (default: discarded)
}

// MinSecret is the shortest HS256 secret accepted: 256 bits.
const MinSecret = 32

// Verifier checks JWTs.
type Verifier struct {
	cfg     Config
	methods []string
	parser  *jwt.Parser

	fetchMu sync.Mutex // one JWKS fetch at a time
	mu      sync.Mutex
	keys    map[string]jwk // by kid
	fetched time.Time      // last successful fetch
	tried   time.Time      // last attempt
	lastErr error          // of the last attempt
}

type jwk struct {
	key crypto.PublicKey
	alg string // "" when the JWK does not say
}

var _ auth.TokenVerifier = (*Verifier)(nil)

// New returns a Verifier for cfg.
func New(cfg Config) (*Verifier, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("authjwt: set a secret (HS256), a JWKS URL, or both")
	}
	if len(cfg.Secret) > 0 && len(cfg.Secret) < MinSecret {
		return nil, fmt.Errorf("authjwt: the HS256 secret must have at least %d bytes", MinSecret)
	}
	if cfg.UserClaim == "" {
		cfg.UserClaim = "sub"
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 10 * time.Minute
	}
	if cfg.MinRefetch <= 0 {
		cfg.MinRefetch = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	// The keys come from the configured origin only: a redirect elsewhere
	// (a compromised or misconfigured provider, an open redirect) is refused.
	client := *cfg.Client
	client.CheckRedirect = sameOrigin
	cfg.Client = &client
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{cfg: cfg}
	if len(cfg.Secret) > 0 {
		v.methods = append(v.methods, "HS256")
	}
	if cfg.JWKSURL != "" {
		v.methods = append(v.methods, "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// Looks reports whether token has the shape of a JWS compact
// serialization: three base64url parts, the first a JSON object.
func (v *Verifier) Looks(token string) bool {
	return strings.Count(token, ".") == 2 && strings.HasPrefix(token, "eyJ") && len(token) < 16<<10
}

// Verify checks token and returns its subject and trx scopes.
func (v *Verifier) Verify(ctx context.Context, token string) (auth.TokenClaims, error) {
	var keyErr error
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if err := checkHeader(t); err != nil {
			return nil, err
		}
		alg := t.Method.Alg()
		if alg == "HS256" {
			return v.cfg.Secret, nil
		}
		kid, _ := t.Header["kid"].(string)
		k, err := v.key(ctx, kid, alg)
		keyErr = err
		return k, err
	})
	if err != nil {
		if keyErr != nil && (fault.KindOf(keyErr) == fault.Unavailable || ctx.Err() != nil) {
			return auth.TokenClaims{}, keyErr // not the token's fault: the keys could not be had (in time)
		}
		return auth.TokenClaims{}, fault.Errorf(fault.Unauthenticated, "invalid token: %s", reason(err))
	}
	name, _ := claims[v.cfg.UserClaim].(string)
	if strings.TrimSpace(name) == "" {
		return auth.TokenClaims{}, fault.Errorf(fault.Unauthenticated, "invalid token: the %q claim, which names the trx user, is missing or not a string", v.cfg.UserClaim)
	}
	// The identity is the issuer and the subject, which providers keep for
	// the account's life; the user claim (a username, which can change
	// hands) only names a user on first use.
	sub := name
	if _, ok := claims["sub"]; ok {
		if sub, _ = claims["sub"].(string); sub == "" {
			return auth.TokenClaims{}, fault.New(fault.Unauthenticated, "invalid token: the sub claim is empty or not a string")
		}
	}
	iss, _ := claims["iss"].(string)
	exp, _ := claims.GetExpirationTime() // required: the parser checked it
	if err := v.checkLifetime(claims, exp.Time); err != nil {
		return auth.TokenClaims{}, err
	}
	return auth.TokenClaims{Issuer: iss, Subject: sub, Name: name, Scopes: scopes(claims), Expires: exp.Time}, nil
}

// checkLifetime refuses a token that lives longer than MaxLifetime.
func (v *Verifier) checkLifetime(claims jwt.MapClaims, exp time.Time) error {
	if v.cfg.MaxLifetime <= 0 {
		return nil
	}
	from := v.cfg.Now()
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil {
		from = iat.Time
	}
	if exp.Sub(from) > v.cfg.MaxLifetime+v.cfg.Leeway {
		return fault.Errorf(fault.Unauthenticated, "invalid token: it lives longer than the %s this server accepts (exp - iat)", v.cfg.MaxLifetime)
	}
	return nil
}

// checkHeader refuses what this verifier does not understand: a "crit"
// header names extensions the recipient must process or reject (RFC 7515
// 4.1.11), and trx processes none.
func checkHeader(t *jwt.Token) error {
	if _, ok := t.Header["crit"]; ok {
		return errors.New("the token has a crit header, and no extension it could name is supported")
	}
	return nil
}

// sameOrigin refuses a redirect to another scheme, host or port than the
// request it follows, and more than 3 redirects.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("redirect to another origin (%s://%s) refused", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// reason is the caller-facing part of a jwt error.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "it is not valid yet (nbf or iat)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim (exp) is missing"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the signature cannot be verified"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	}
	return "rejected"
}

// scopes reads the trx scopes of "scope" and "scp".
func scopes(c jwt.MapClaims) []string {
	var raw []string
	for _, name := range []string{"scope", "scp"} {
		switch x := c[name].(type) {
		case string:
			raw = append(raw, strings.Fields(x)...)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					raw = append(raw, s)
				}
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range raw {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "trx:"), "trx.")
		if auth.ValidScope(s) && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// key returns the public key for kid, fetching the JWKS when the cache is
// old or does not know kid.
func (v *Verifier) key(ctx context.Context, kid, alg string) (crypto.PublicKey, error) {
	if v.cfg.JWKSURL == "" {
		return nil, errors.New("no JWKS configured")
	}
	now := v.cfg.Now()
	v.mu.Lock()
	k, ok := pick(v.keys, kid)
	stale := v.fetched.IsZero() || now.Sub(v.fetched) >= v.cfg.Refresh
	v.mu.Unlock()
	if !ok || stale {
		err := v.refresh(ctx, now)
		v.mu.Lock()
		k, ok = pick(v.keys, kid)
		v.mu.Unlock()
		if err != nil && !ok {
			return nil, err
		}
	}
	if !ok {
		return nil, fmt.Errorf("no key %q in the JWKS", kid)
	}
	if k.alg != "" && k.alg != alg {
		return nil, fmt.Errorf("key %q is for %s, not %s", kid, k.alg, alg)
	}
	return k.key, nil
}

// pick finds kid, or the only key when the token names none.
func pick(keys map[string]jwk, kid string) (jwk, bool) {
	if kid == "" && len(keys) == 1 {
		for _, k := range keys {
			return k, true
		}
	}
	k, ok := keys[kid]
	return k, ok
}

// refresh fetches the JWKS, at most once per MinRefetch (a failure is
// remembered for that long). A failed fetch keeps the keys it had.
func (v *Verifier) refresh(ctx context.Context, now time.Time) error {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	v.mu.Lock()
	if !v.tried.IsZero() && now.Sub(v.tried) < v.cfg.MinRefetch {
		err := v.lastErr
		v.mu.Unlock()
		return err
	}
	prev := v.tried
	v.tried = now
	v.mu.Unlock()
	keys, err := v.fetch(ctx) // under the request's deadline: it goes when its caller does
	if err == nil && len(keys) == 0 {
		err = errors.New("the key set holds no usable signature key")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		// The caller went away or ran out of time: not the provider's
		// failure, so not remembered for MinRefetch (the next token
		// fetches again); the caller gets its own context's end.
		v.tried = prev
		return fmt.Errorf("jwks: %w", context.Cause(ctx))
	}
	if err != nil {
		// The cause may name internal hosts: it goes to the log, once per
		// attempt; callers get a generic 503. The keys held stay in use.
		v.cfg.Log.Error("jwks_fetch_failed", "err", err, "keys_kept", len(v.keys))
		v.lastErr = ErrKeysUnavailable
		return v.lastErr
	}
	v.keys, v.fetched, v.lastErr = keys, now, nil
	return nil
}

// ErrKeysUnavailable is the answer to a token whose key cannot be had now
// (the identity provider's key set could not be fetched).
var ErrKeysUnavailable = fault.New(fault.Unavailable, "the identity provider's signing keys cannot be fetched now; retry shortly")

func (v *Verifier) fetch(ctx context.Context) (map[string]jwk, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := v.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the JWKS URL answered %s", res.Status)
	}
	return parseJWKS(io.LimitReader(res.Body, 1<<20))
}

// parseJWKS reads a JSON Web Key Set; it keeps the RSA and EC signature
// keys it understands and skips the others.
func parseJWKS(r io.Reader) (map[string]jwk, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("JWKS is not valid JSON: %w", err)
	}
	out := map[string]jwk{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		var pub crypto.PublicKey
		switch k.Kty {
		case "RSA":
			n, err1 := b64int(k.N)
			e, err2 := b64int(k.E)
			if err1 != nil || err2 != nil || !e.IsInt64() || e.Int64() < 3 || n.BitLen() < 2048 {
				continue
			}
			pub = &rsa.PublicKey{N: n, E: int(e.Int64())}
		case "EC":
			var curve elliptic.Curve
			switch k.Crv {
			case "P-256":
				curve = elliptic.P256()
			case "P-384":
				curve = elliptic.P384()
			case "P-521":
				curve = elliptic.P521()
			default:
				continue
			}
			x, err1 := base64.RawURLEncoding.DecodeString(k.X)
			y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
			size := (curve.Params().BitSize + 7) / 8
			if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
				continue
			}
			p, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
			if err != nil {
				continue
			}
			pub = p
		default:
			continue
		}
		out[k.Kid] = jwk{key: pub, alg: k.Alg}
	}
	return out, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

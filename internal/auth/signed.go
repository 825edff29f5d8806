package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// A signed principal is how a gateway tells a service behind it who a
// request acts for, so that the service does not authenticate the
// request again (no database read, no JWT check): the principal the
// gateway authenticated, with the request it was made for (request id,
// method, path), a random nonce, and a short expiry, under an
// HMAC-SHA256 with a key derived from the internal secret. A service
// refuses one that is forged (bad MAC), expired, made for another request
// or seen before (its nonce, within the window it could still be
// accepted in).
const (
	// SignedTTL is how long a signed principal is valid after the gateway
	// made it; it is checked when the service receives the request's
	// headers, which follow at once.
	SignedTTL = 15 * time.Second
	// SignedSkew is the clock difference allowed between a gateway and a
	// service (keep their clocks in sync with NTP).
	SignedSkew = 5 * time.Second
	// MaxSeenPrincipals bounds the nonces a Signer remembers per window
	// of SignedTTL + 2×SignedSkew (two windows are kept): beyond it,
	// requests are refused (503) until the window turns, rather than
	// replays let through. At 524,288 that is about 20,000 forwarded
	// requests a second per service replica.
	MaxSeenPrincipals = 1 << 19
)

// Errors of signed principals. All are Unauthenticated (401) but the
// full seen-set, which is Unavailable (503).
var (
	ErrSignedForged   = fault.New(fault.Unauthenticated, "the gateway's signed principal does not verify (is --internal-secret the same on the gateway and this service?)")
	ErrSignedExpired  = fault.New(fault.Unauthenticated, "the gateway's signed principal expired or is from the future (are the clocks of the gateway and this service in sync?)")
	ErrSignedMismatch = fault.New(fault.Unauthenticated, "the gateway's signed principal was made for another request")
	ErrSignedReplayed = fault.New(fault.Unauthenticated, "the gateway's signed principal was used before")
	ErrSignedBusy     = fault.New(fault.Unavailable, "too many forwarded requests to check for replays; retry in a few seconds")
)

// Binding is the request a signed principal is made for: it verifies only
// on that request.
type Binding struct {
	RequestID string // X-Request-ID, as the gateway forwards it
	Method    string // the HTTP method
	Path      string // the escaped path, as the service receives it
}

// signedClaims is the payload of a signed principal (short JSON names:
// it travels in a header of every forwarded request).
type signedClaims struct {
	UserID    string   `json:"uid"`
	UserName  string   `json:"un"`
	KeyID     string   `json:"kid,omitempty"`
	Scopes    []string `json:"sc"`
	Method    string   `json:"am"`
	RateLimit float64  `json:"rl,omitempty"`
	RateBurst int      `json:"rb,omitempty"`
	CredExp   int64    `json:"cx,omitempty"` // Principal.ExpiresAt, Unix ms (0: never)
	IssuedAt  int64    `json:"iat"`          // Unix ms
	Expires   int64    `json:"exp"`          // Unix ms
	RequestID string   `json:"rid"`
	HTTP      string   `json:"hm"`
	Path      string   `json:"p"`
	Nonce     string   `json:"n"`
}

// signedPrefix starts every signed principal (the format's version).
const signedPrefix = "v1."

// Signer makes and checks signed principals with one internal secret.
// It is safe for concurrent use.
type Signer struct {
	key []byte
	now func() time.Time
	max int // nonces per window

	mu      sync.Mutex
	cur     map[string]struct{}
	prev    map[string]struct{}
	rotated time.Time
}

// NewSigner returns a Signer for the internal secret (its MAC key is
// derived from the secret, so that it differs from the secret the
// gateway also sends). now is the clock (nil: time.Now).
func NewSigner(secret string, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("trx signed principal v1"))
	return &Signer{key: m.Sum(nil), now: now, max: MaxSeenPrincipals, cur: map[string]struct{}{}, prev: map[string]struct{}{}}
}

// Sign returns the signed principal of p for the request b.
func (s *Signer) Sign(p Principal, b Binding) string {
	var n [16]byte
	_, _ = rand.Read(n[:])
	now := s.now()
	c := signedClaims{UserID: p.UserID, UserName: p.UserName, KeyID: p.KeyID, Scopes: p.Scopes, Method: p.Method,
		RateLimit: p.RateLimit, RateBurst: p.RateBurst, IssuedAt: now.UnixMilli(), Expires: now.Add(SignedTTL).UnixMilli(),
		RequestID: b.RequestID, HTTP: b.Method, Path: b.Path, Nonce: hex.EncodeToString(n[:])}
	if !p.ExpiresAt.IsZero() {
		c.CredExp = p.ExpiresAt.UnixMilli()
	}
	data, _ := json.Marshal(c) // strings and numbers only: never fails
	body := signedPrefix + base64.RawURLEncoding.EncodeToString(data)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(body))
}

func (s *Signer) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Verify checks a signed principal made for the request b and returns its
// principal: ErrSignedForged, ErrSignedExpired, ErrSignedMismatch or
// ErrSignedReplayed if it is not to be trusted, ErrSignedBusy if the
// nonces of the window fill the room.
func (s *Signer) Verify(token string, b Binding) (Principal, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 8<<10 || !strings.HasPrefix(token, signedPrefix) {
		return Principal{}, ErrSignedForged
	}
	body, sig := token[:i], token[i+1:]
	if len(body) <= len(signedPrefix) {
		return Principal{}, ErrSignedForged
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, s.mac(body)) {
		return Principal{}, ErrSignedForged
	}
	data, err := base64.RawURLEncoding.DecodeString(body[len(signedPrefix):])
	var c signedClaims
	if err != nil || json.Unmarshal(data, &c) != nil || len(c.Nonce) != 32 {
		return Principal{}, ErrSignedForged // signed by us, so never: a bug, refused all the same
	}
	now := s.now()
	if !now.Before(time.UnixMilli(c.Expires).Add(SignedSkew)) || now.Add(SignedSkew).Before(time.UnixMilli(c.IssuedAt)) ||
		c.Expires-c.IssuedAt > SignedTTL.Milliseconds() {
		return Principal{}, ErrSignedExpired
	}
	if c.RequestID != b.RequestID || c.HTTP != b.Method || c.Path != b.Path {
		return Principal{}, ErrSignedMismatch
	}
	if err := s.see(c.Nonce, now); err != nil {
		return Principal{}, err
	}
	p := Principal{UserID: c.UserID, UserName: c.UserName, KeyID: c.KeyID, Scopes: c.Scopes, Method: c.Method,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst}
	if c.CredExp != 0 {
		p.ExpiresAt = time.UnixMilli(c.CredExp)
	}
	return p, nil
}

// see records a nonce, or refuses one recorded before. Nonces are kept in
// two generations of one window each (SignedTTL + 2×SignedSkew, longer
// than any principal can be accepted for), so that one is remembered for
// at least a window after it was first seen; the older generation is
// dropped whole when the window turns.
func (s *Signer) see(nonce string, now time.Time) error {
	window := SignedTTL + 2*SignedSkew
	s.mu.Lock()
	defer s.mu.Unlock()
	switch d := now.Sub(s.rotated); {
	case d < 0: // the clock went back: start the window again, forgetting nothing
		s.rotated = now
	case d >= window:
		s.prev, s.cur = s.cur, make(map[string]struct{}, len(s.cur))
		if d >= 2*window {
			s.prev = map[string]struct{}{} // idle for two windows: all of it is stale
		}
		s.rotated = now
	}
	if _, ok := s.cur[nonce]; ok {
		return ErrSignedReplayed
	}
	if _, ok := s.prev[nonce]; ok {
		return ErrSignedReplayed
	}
	if len(s.cur) >= s.max {
		return ErrSignedBusy
	}
	s.cur[nonce] = struct{}{}
	return nil
}

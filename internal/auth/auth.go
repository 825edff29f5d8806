// Package auth holds trx's users and API keys. Keys are long random secrets
// shown once; only their SHA-256 digest is stored and looked up, so checking
// a key costs one hash and one indexed read (DESIGN.md: slow password hashes
// are for low-entropy passwords, not for 256-bit keys).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/uid"
)

// Errors callers can check with errors.Is.
var (
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "missing or unknown API key; send Authorization: Bearer <key>")
	ErrUserExists      = fault.New(fault.Conflict, "a user with that name exists")
	ErrUserNotFound    = fault.New(fault.NotFound, "user not found")
	ErrKeyNotFound     = fault.New(fault.NotFound, "API key not found")
)

// Scopes a key may hold.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// KeyPrefix starts every trx API key, so that secret scanners and people
// can recognise one.
const KeyPrefix = "trx_"

// User owns transactions.
type User struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Key is a stored API key: its digest, never the key itself.
type Key struct {
	ID        string
	UserID    string
	Digest    string // hex SHA-256 of the key
	Prefix    string // the first characters, to tell keys apart in lists
	Scopes    []string
	CreatedAt time.Time
	Label     string // the owner's note, to tell keys apart ("" when none)
	// RateLimit and RateBurst override the gateway's per-key throttling
	// (requests per second, bucket size); zero keeps its defaults.
	RateLimit  float64
	RateBurst  int
	LastUsedAt time.Time // zero when never used (updated at most once a minute)
	RevokedAt  time.Time // zero while the key is live
}

// Principal is who a request acts for.
type Principal struct {
	UserID   string
	UserName string
	KeyID    string // the API key's id; empty for a JWT
	Scopes   []string
	// Method is how the caller authenticated: MethodKey or MethodJWT.
	Method string
	// RateLimit and RateBurst are the key's throttling override (zero: the
	// gateway's defaults).
	RateLimit float64
	RateBurst int
}

// Authentication methods, as Principal.Method holds them.
const (
	MethodKey = "key"
	MethodJWT = "jwt"
)

// Subject names the principal for throttling and logs: the key's id, or
// "jwt:" and the user's id for a bearer token.
func (p Principal) Subject() string {
	if p.KeyID != "" {
		return p.KeyID
	}
	return "jwt:" + p.UserID
}

// Has reports whether p holds scope (admin implies every scope).
func (p Principal) Has(scope string) bool {
	for _, s := range p.Scopes {
		if s == scope || s == ScopeAdmin {
			return true
		}
	}
	return false
}

// Store keeps users and keys.
type Store interface {
	// CreateUser stores u and its first key together (no key when k.ID is
	// empty); ErrUserExists if the name is taken.
	CreateUser(ctx context.Context, u User, k Key) error
	CreateKey(ctx context.Context, k Key) error
	// PrincipalByDigest finds the live key with that digest, or returns
	// ErrUnauthenticated.
	PrincipalByDigest(ctx context.Context, digest string) (Principal, error)
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	CountUsers(ctx context.Context) (int, error)
	// Keys lists a user's keys, revoked ones too, oldest first.
	Keys(ctx context.Context, userID string) ([]Key, error)
	// Key finds a key by id, or returns ErrKeyNotFound.
	Key(ctx context.Context, id string) (Key, error)
	// RevokeKey marks a key revoked at at (a revoked key stays revoked,
	// with its first revocation time); ErrKeyNotFound if there is none.
	RevokeKey(ctx context.Context, id string, at time.Time) error
	// TouchKey sets a key's last_used_at.
	TouchKey(ctx context.Context, id string, at time.Time) error
}

// TokenClaims is what a verified bearer token (a JWT) says about its
// holder: the subject, which names a trx user, and the trx scopes granted.
type TokenClaims struct {
	Subject string
	Scopes  []string
}

// TokenVerifier checks bearer tokens that are not trx API keys (JWTs).
type TokenVerifier interface {
	// Looks reports whether token is of the verifier's kind at all.
	Looks(token string) bool
	// Verify checks the token's signature and claims.
	Verify(ctx context.Context, token string) (TokenClaims, error)
}

// TokenOptions says how token subjects map to users.
type TokenOptions struct {
	// AutoCreate creates a user (without API keys) named after a token's
	// subject the first time a valid token names an unknown one; otherwise
	// such a token is refused (401).
	AutoCreate bool
}

// TouchEvery is how often, at most, a key's last-used time is written.
const TouchEvery = time.Minute

// Service manages users and keys.
type Service struct {
	store Store
	now   func() time.Time

	tokens    TokenVerifier
	tokenOpts TokenOptions

	mu      sync.Mutex
	touched map[string]time.Time // key id -> last written last_used_at
}

// NewService returns a Service over store.
func NewService(store Store) *Service {
	return &Service{store: store, now: time.Now, touched: map[string]time.Time{}}
}

// SetClock replaces the clock (for tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetTokenVerifier makes Authenticate accept the tokens v verifies (JWTs)
// besides API keys. Call it before serving.
func (s *Service) SetTokenVerifier(v TokenVerifier, opts TokenOptions) {
	s.tokens, s.tokenOpts = v, opts
}

// AddUser creates a user with one key of the given scopes and returns the
// key: the only time it is ever available.
func (s *Service) AddUser(ctx context.Context, name string, scopes []string) (User, string, error) {
	name = strings.TrimSpace(name)
	var v fault.Validation
	switch {
	case name == "":
		v.Add("name", "required", "is required")
	case utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name):
		v.Add("name", "max_length", "must be valid UTF-8 of at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return User{}, "", err
	}
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: time.Now().UTC()}
	secret, k := newKey(u.ID, scopes)
	if err := s.store.CreateUser(ctx, u, k); err != nil {
		return User{}, "", err
	}
	return u, secret, nil
}

// AddKey creates another key for the user called name.
func (s *Service) AddKey(ctx context.Context, name string, scopes []string) (string, error) {
	u, err := s.store.UserByName(ctx, name)
	if err != nil {
		return "", err
	}
	_, secret, err := s.CreateKey(ctx, u.ID, KeyOptions{Scopes: scopes})
	return secret, err
}

// KeyOptions describes a new API key.
type KeyOptions struct {
	Scopes    []string // read, write, admin; empty means read and write
	Label     string   // at most 100 characters
	RateLimit float64  // requests per second; 0 keeps the gateway's default
	RateBurst int      // bucket size; 0 keeps the gateway's default
}

// Limits of key options.
const (
	MaxLabel     = 100
	MaxRateLimit = 1e6
	MaxRateBurst = 1e6
)

// ValidScope reports whether s names a scope.
func ValidScope(s string) bool { return s == ScopeRead || s == ScopeWrite || s == ScopeAdmin }

// CreateKey creates a key for the user with that id and returns it with
// its secret: the only time the secret is ever available.
func (s *Service) CreateKey(ctx context.Context, userID string, o KeyOptions) (Key, string, error) {
	var v fault.Validation
	seen := map[string]bool{}
	var scopes []string
	for i, sc := range o.Scopes {
		switch {
		case !ValidScope(sc):
			v.Addf("scopes["+strconv.Itoa(i)+"]", "enum", "%q is not a scope; want read, write or admin", sc)
		case !seen[sc]:
			seen[sc] = true
			scopes = append(scopes, sc)
		}
	}
	if o.Scopes != nil && len(o.Scopes) == 0 {
		v.Add("scopes", "min_items", "must name at least one scope")
	}
	if utf8.RuneCountInString(o.Label) > MaxLabel || !utf8.ValidString(o.Label) {
		v.Addf("label", "max_length", "must be valid UTF-8 of at most %d characters", MaxLabel)
	}
	if o.RateLimit < 0 || o.RateLimit > MaxRateLimit {
		v.Addf("rate_limit", "range", "must be between 0 and %g requests per second", float64(MaxRateLimit))
	}
	if o.RateBurst < 0 || o.RateBurst > MaxRateBurst {
		v.Addf("rate_burst", "range", "must be between 0 and %d", int(MaxRateBurst))
	}
	if err := v.Err(); err != nil {
		return Key{}, "", err
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return Key{}, "", err
	}
	secret, k := newKey(userID, scopes)
	k.Label, k.RateLimit, k.RateBurst = o.Label, o.RateLimit, o.RateBurst
	if err := s.store.CreateKey(ctx, k); err != nil {
		return Key{}, "", err
	}
	return k, secret, nil
}

// Keys lists the keys of the user with that id.
func (s *Service) Keys(ctx context.Context, userID string) ([]Key, error) {
	return s.store.Keys(ctx, userID)
}

// Key returns a key by id.
func (s *Service) Key(ctx context.Context, id string) (Key, error) {
	if !uid.Valid(id) {
		return Key{}, ErrKeyNotFound
	}
	return s.store.Key(ctx, id)
}

// RevokeKey revokes a key: it stops authenticating at once, on every
// replica (keys are looked up on each request).
func (s *Service) RevokeKey(ctx context.Context, id string) error {
	if !uid.Valid(id) {
		return ErrKeyNotFound
	}
	return s.store.RevokeKey(ctx, id, s.now().UTC())
}

// UserByName finds a user by name.
func (s *Service) UserByName(ctx context.Context, name string) (User, error) {
	return s.store.UserByName(ctx, name)
}

// UserByID finds a user by id.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.store.CountUsers(ctx) }

// Authenticate returns the principal of an API key or, when a token
// verifier is set, of a token it verifies.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if strings.HasPrefix(token, KeyPrefix) {
		if len(token) > 200 {
			return Principal{}, ErrUnauthenticated
		}
		p, err := s.store.PrincipalByDigest(ctx, Digest(token))
		if err != nil {
			return p, err
		}
		p.Method = MethodKey
		s.touch(ctx, p.KeyID)
		return p, nil
	}
	if s.tokens != nil && s.tokens.Looks(token) {
		return s.authenticateToken(ctx, token)
	}
	return Principal{}, ErrUnauthenticated
}

func (s *Service) authenticateToken(ctx context.Context, token string) (Principal, error) {
	c, err := s.tokens.Verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	u, err := s.store.UserByName(ctx, c.Subject)
	if errors.Is(err, ErrUserNotFound) && s.tokenOpts.AutoCreate {
		u, err = s.addTokenUser(ctx, c.Subject)
	}
	if errors.Is(err, ErrUserNotFound) {
		return Principal{}, fault.New(fault.Unauthenticated, "the token's subject names no trx user")
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{UserID: u.ID, UserName: u.Name, Scopes: c.Scopes, Method: MethodJWT}, nil
}

// addTokenUser creates the user a token names, without keys; another
// request may create it at the same moment.
func (s *Service) addTokenUser(ctx context.Context, name string) (User, error) {
	if name == "" || utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		return User{}, fault.New(fault.Unauthenticated, "the token's subject cannot name a trx user (empty or longer than 200 characters)")
	}
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: s.now().UTC()}
	err := s.store.CreateUser(ctx, u, Key{})
	if errors.Is(err, ErrUserExists) {
		return s.store.UserByName(ctx, name)
	}
	return u, err
}

// touch records that a key was used, writing at most once per TouchEvery
// per key and process. A failure only delays the next write.
func (s *Service) touch(ctx context.Context, keyID string) {
	now := s.now()
	s.mu.Lock()
	last, ok := s.touched[keyID]
	if ok && now.Sub(last) < TouchEvery {
		s.mu.Unlock()
		return
	}
	s.touched[keyID] = now
	if len(s.touched) > 100_000 { // bound the memory: forget the old ones
		for id, t := range s.touched {
			if now.Sub(t) >= TouchEvery {
				delete(s.touched, id)
			}
		}
	}
	s.mu.Unlock()
	if err := s.store.TouchKey(ctx, keyID, now.UTC()); err != nil {
		s.mu.Lock()
		delete(s.touched, keyID)
		s.mu.Unlock()
	}
}

// Digest returns the hex SHA-256 of a key, as stored.
func Digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func newKey(userID string, scopes []string) (string, Key) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	secret := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	if len(scopes) == 0 {
		scopes = []string{ScopeRead, ScopeWrite}
	}
	return secret, Key{
		ID:        uuid.Must(uuid.NewV7()).String(),
		UserID:    userID,
		Digest:    Digest(secret),
		Prefix:    secret[:len(KeyPrefix)+6],
		Scopes:    scopes,
		CreatedAt: time.Now().UTC(),
	}
}

// Package auth holds trx's users and API keys. Keys are long random secrets
// shown once; only their SHA-256 digest is stored and looked up, so checking
// a key costs one hash and one indexed read (slow password hashes
// are for low-entropy passwords, not for 256-bit keys).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
	Name      string // NFC, trimmed, without control characters (NormalizeName)
	CreatedAt time.Time
	// Identity is the JWT identity bound to the user (zero: none yet). It
	// is set once, on the first valid token that names the user, and never
	// changes: a token authenticates as this user only by this exact pair.
	Identity Identity
	// Scopes are what the user's sessions (password sign-ins) get: those
	// of the first key at creation (read and write when none).
	Scopes []string
}

// Identity is a JWT identity: the token's issuer ("" when the token has
// no iss) and subject, compared byte for byte on every engine.
type Identity struct {
	Issuer  string
	Subject string
}

// IsZero reports whether id names no identity.
func (id Identity) IsZero() bool { return id.Subject == "" }

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
	ExpiresAt  time.Time // zero: the key never expires
}

// Principal is who a request acts for.
type Principal struct {
	UserID   string
	UserName string
	KeyID    string // the API key's id; empty for a JWT
	// SessionID is the session's id when the caller signed in with a
	// password (Method MethodSession); empty otherwise.
	SessionID string
	Scopes    []string
	// Method is how the caller authenticated: MethodKey, MethodJWT or
	// MethodSession.
	Method string
	// RateLimit and RateBurst are the key's throttling override (zero: the
	// gateway's defaults).
	RateLimit float64
	RateBurst int
	// ExpiresAt is when the credential stops authenticating: the key's
	// expires_at or the token's exp (zero: never). A WebSocket opened
	// with it closes then.
	ExpiresAt time.Time
}

// Authentication methods, as Principal.Method holds them.
const (
	MethodKey = "key"
	MethodJWT = "jwt"
)

// Subject names the principal for throttling and logs: the key's id, or
// "jwt:" (a bearer token) or "session:" (a password sign-in) and the
// user's id.
func (p Principal) Subject() string {
	if p.KeyID != "" {
		return p.KeyID
	}
	if p.Method == MethodSession {
		return "session:" + p.UserID
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
	// CreateKey stores a key; ErrTooManyKeys if the user already holds
	// MaxKeysPerUser unrevoked ones (counted and inserted atomically).
	CreateKey(ctx context.Context, k Key) error
	// PrincipalByDigest finds the unrevoked key with that digest (its
	// ExpiresAt set; the Service checks it), or returns ErrUnauthenticated.
	PrincipalByDigest(ctx context.Context, digest string) (Principal, error)
	// UserByName finds the user with exactly that name (byte for byte, on
	// every engine), or returns ErrUserNotFound.
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	// UserByIdentity finds the user bound to exactly that identity, or
	// returns ErrUserNotFound.
	UserByIdentity(ctx context.Context, id Identity) (User, error)
	// BindIdentity binds id to the user, if the user has no identity yet:
	// ErrIdentityBound if the user has one (another), ErrIdentityTaken if
	// another user has id, ErrUserNotFound if there is no such user.
	BindIdentity(ctx context.Context, userID string, id Identity) error

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
	// LiveKeys returns which of the keys named are neither revoked nor
	// expired at now.
	LiveKeys(ctx context.Context, ids []string, now time.Time) (map[string]bool, error)
	// CreateTicket stores a WebSocket ticket (and drops those expired at
	// now).
	CreateTicket(ctx context.Context, t Ticket, now time.Time) error
	// Ticket finds the ticket with that digest, unexpired at now, and with
	// take deletes it (one caller wins); ErrTicket if there is none.
	Ticket(ctx context.Context, digest string, now time.Time, take bool) (Ticket, error)
}

// TokenClaims is what a verified bearer token (a JWT) says about its
// holder: who issued it about whom (the identity a user is bound to), the
// name it gives the user (to find a user not bound yet, or to create one),
// the trx scopes granted and when it expires.
type TokenClaims struct {
	Issuer  string // iss ("" when absent)
	Subject string // sub: the identity, with Issuer
	Name    string // the user claim (--jwt-user-claim; sub by default)
	Scopes  []string
	Expires time.Time
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
	// user claim the first time a valid token carries an identity that no
	// user has, if no user has that exact name; otherwise such a token is
	// refused (401). A name taken by a user bound to another identity is
	// never shared.
	AutoCreate bool
	// KeyMaxLifetime, when positive, bounds the API keys a JWT principal
	// creates: a key without expires_at gets now + KeyMaxLifetime, a later
	// one is refused. A token cannot mint a key that outlives it forever.
	KeyMaxLifetime time.Duration
}

// TouchEvery is how often, at most, a key's last-used time is written.
const TouchEvery = time.Minute

// MaxKeysPerUser is the most unrevoked API keys a user may hold.
const MaxKeysPerUser = 100

// More errors.
var (
	ErrIdentityBound = fault.New(fault.Conflict, "the user is bound to another token identity")
	ErrIdentityTaken = fault.New(fault.Conflict, "another user is bound to that token identity")
	ErrTooManyKeys   = fault.Errorf(fault.Conflict, "a user holds at most %d unrevoked API keys; revoke one first", MaxKeysPerUser)
)

// Service manages users and keys.
type Service struct {
	store Store
	now   func() time.Time

	tokens    TokenVerifier
	tokenOpts TokenOptions

	mu       sync.Mutex
	touched  map[string]time.Time // key id -> last written last_used_at
	pending  map[string]time.Time // key id -> last_used_at not yet written
	touching bool                 // a writer of pending runs
	touches  sync.WaitGroup       // that writer, for Flush

	cache *cache // nil: every request reads the store
	inv   invalidations
	sess  sessions
}

// Option configures a Service.
type Option func(*Service)

// WithCache keeps principals (of API keys, and the users of token
// identities) for up to ttl in memory, at most max of them (0: 100,000),
// so that a request costs no database read. An invalidation (a revoked
// key, a changed user) drops them at once in this process and, through a
// Broadcaster, in every other; ttl bounds how long a replica that missed
// it keeps a stale one.
func WithCache(ttl time.Duration, max int) Option {
	return func(s *Service) {
		if ttl > 0 {
			s.cache = newCache(ttl, max)
		}
	}
}

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, touched: map[string]time.Time{}, pending: map[string]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	s.initSessions()
	return s
}

// WithClock replaces the clock (default time.Now; for tests). nil keeps
// the default.
func WithClock(now func() time.Time) Option {
	return func(s *Service) {
		if now != nil {
			s.now = now
		}
	}
}

// WithTokenVerifier makes Authenticate accept the tokens v verifies (JWTs)
// besides API keys (default: API keys only; nil v keeps it so).
func WithTokenVerifier(v TokenVerifier, opts TokenOptions) Option {
	return func(s *Service) {
		if v != nil {
			s.tokens, s.tokenOpts = v, opts
		}
	}
}

// TokensConfigured reports whether the service accepts JWTs.
func (s *Service) TokensConfigured() bool { return s.tokens != nil }

// AddUser creates a user with one key of the given scopes and returns the
// key: the only time it is ever available. The name is normalized
// (NormalizeName) and must be free.
func (s *Service) AddUser(ctx context.Context, name string, scopes []string) (User, string, error) {
	name, err := NormalizeName(name)
	if err != nil {
		return User{}, "", err
	}
	u := User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: s.now().UTC()}
	secret, k := newKey(u.ID, scopes, u.CreatedAt)
	u.Scopes = k.Scopes
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
	Scopes    []string  // read, write, admin; empty means read and write
	Label     string    // at most 100 characters, no control characters
	RateLimit float64   // requests per second; 0 keeps the gateway's default
	RateBurst int       // bucket size; 0 keeps the gateway's default
	ExpiresAt time.Time // zero: never (see TokenOptions.KeyMaxLifetime)
	// By is who creates the key (zero: an operator, on the command line):
	// a JWT principal's keys must expire (TokenOptions.KeyMaxLifetime).
	By Principal
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
	now := s.now().UTC()
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
	switch {
	case utf8.RuneCountInString(o.Label) > MaxLabel || !utf8.ValidString(o.Label):
		v.Addf("label", "max_length", "must be valid UTF-8 of at most %d characters", MaxLabel)
	case HasControl(o.Label):
		v.Add("label", "control_characters", "must not contain control characters")
	}
	if o.RateLimit < 0 || o.RateLimit > MaxRateLimit {
		v.Addf("rate_limit", "range", "must be between 0 and %g requests per second", float64(MaxRateLimit))
	}
	if o.RateBurst < 0 || o.RateBurst > MaxRateBurst {
		v.Addf("rate_burst", "range", "must be between 0 and %d", int(MaxRateBurst))
	}
	expires := o.ExpiresAt.UTC()
	if max := s.tokenOpts.KeyMaxLifetime; o.By.Method == MethodJWT && max > 0 {
		switch {
		case expires.IsZero():
			expires = now.Add(max)
		case expires.After(now.Add(max)):
			v.Addf("expires_at", "max_lifetime", "a key made with a token must expire within %s", max)
		}
	}
	if !expires.IsZero() && !expires.After(now) {
		v.Add("expires_at", "future", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return Key{}, "", err
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return Key{}, "", err
	}
	secret, k := newKey(userID, scopes, now)
	k.Label, k.RateLimit, k.RateBurst, k.ExpiresAt = o.Label, o.RateLimit, o.RateBurst, expires.Truncate(time.Microsecond)
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

// RevokeKey revokes a key: it stops authenticating at once in this
// process, and on every other replica as soon as the invalidation reaches
// it (Broadcaster), or within the cache's TTL if it does not; the key's
// WebSockets close (Watch).
func (s *Service) RevokeKey(ctx context.Context, id string) error {
	if !uid.Valid(id) {
		return ErrKeyNotFound
	}
	if err := s.store.RevokeKey(ctx, id, s.now().UTC()); err != nil {
		return err
	}
	s.Invalidate(ctx, Invalidation{KeyID: id})
	return nil
}

// LiveKeys reports which of the keys named are still live (neither
// revoked nor expired), from the store: the notifier checks its
// connections' keys with it after it may have missed invalidations.
func (s *Service) LiveKeys(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.store.LiveKeys(ctx, ids, s.now().UTC())
}

// UserByName finds a user by exact name.
func (s *Service) UserByName(ctx context.Context, name string) (User, error) {
	return s.store.UserByName(ctx, name)
}

// UserByID finds a user by id.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.store.CountUsers(ctx) }

// ErrExpired refuses a credential past its expiry.
var ErrExpired = fault.New(fault.Unauthenticated, "the API key has expired")

// Authenticate returns the principal of an API key or, when a token
// verifier is set, of a token it verifies.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if strings.HasPrefix(token, KeyPrefix) {
		if len(token) > 200 {
			return Principal{}, ErrUnauthenticated
		}
		now := s.now()
		digest := Digest(token)
		p, ok := s.cache.key(digest, now)
		if !ok {
			gen := s.cache.generation()
			var err error
			if p, err = s.store.PrincipalByDigest(ctx, digest); err != nil {
				return p, err
			}
			p.Method = MethodKey
			s.cache.putKey(gen, digest, p, now)
		}
		if !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt) {
			return Principal{}, ErrExpired
		}
		s.touch(ctx, p.KeyID)
		return p, nil
	}
	if s.tokens != nil && s.tokens.Looks(token) {
		return s.authenticateToken(ctx, token)
	}
	return Principal{}, ErrUnauthenticated
}

// touch records that a key was used, writing at most once per TouchEvery
// per key and process.
func (s *Service) touch(ctx context.Context, keyID string) {
	if now := s.now(); s.due(keyID, now) {
		s.enqueue(ctx, keyID, now)
	}
}

// due reports whether what (a key's id, or "session:" and a session's)
// was last written TouchEvery ago or more, and notes now as its last write.
func (s *Service) due(what string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.touched[what]
	if ok && now.Sub(last) < TouchEvery {
		return false
	}
	s.touched[what] = now
	if len(s.touched) > 100_000 { // bound the memory: forget the old ones
		for id, t := range s.touched {
			if now.Sub(t) >= TouchEvery {
				delete(s.touched, id)
			}
		}
	}
	return true
}

// undue forgets a write that failed: the next use tries again.
func (s *Service) undue(what string) {
	s.mu.Lock()
	delete(s.touched, what)
	s.mu.Unlock()
}

// enqueue hands a last-used time to the writer. The write runs beside the
// request: a request never waits for it (on SQLite a long import holds the
// only write lock, and a read must not queue behind it for a timestamp).
func (s *Service) enqueue(ctx context.Context, what string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[what] = at
	if !s.touching {
		s.touching = true
		s.touches.Add(1)
		go s.writeTouches(context.WithoutCancel(ctx))
	}
}

// writeTouches writes the pending last-used times until none is left.
func (s *Service) writeTouches(ctx context.Context) {
	defer s.touches.Done()
	for {
		s.mu.Lock()
		batch := s.pending
		if len(batch) == 0 {
			s.touching = false
			s.mu.Unlock()
			return
		}
		s.pending = map[string]time.Time{}
		s.mu.Unlock()
		for what, at := range batch {
			wctx, cancel := context.WithTimeout(ctx, touchTimeout)
			var err error
			if id, ok := strings.CutPrefix(what, "session:"); ok {
				err = s.sess.store.TouchSession(wctx, id, at.UTC())
			} else {
				err = s.store.TouchKey(wctx, what, at.UTC())
			}
			cancel()
			if err != nil {
				s.undue(what)
			}
		}
	}
}

// touchTimeout bounds one last-used write.
const touchTimeout = 10 * time.Second

// Flush waits until the pending last-used times are written: before the
// database closes, and in tests before they read a key or a session.
func (s *Service) Flush() { s.touches.Wait() }

// Digest returns the hex SHA-256 of a key, as stored.
func Digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func newKey(userID string, scopes []string, now time.Time) (string, Key) {
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
		CreatedAt: now.UTC(),
	}
}

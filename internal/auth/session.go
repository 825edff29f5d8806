package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/uid"
)

// SessionCookie is the name of the cookie that carries a session's secret.
const SessionCookie = "trx_session"

// SessionPrefix starts every session secret (the cookie's value).
const SessionPrefix = "trxs_"

// CSRFHeader carries a session's CSRF token on every state-changing
// request authenticated by the session cookie.
const CSRFHeader = "X-CSRF-Token"

// MethodSession is Principal.Method for a request signed in with a
// session cookie.
const MethodSession = "session"

// Session is a stored sign-in: the digest of its secret, never the secret.
type Session struct {
	ID         string
	UserID     string
	Digest     string // hex SHA-256 of the secret
	UserAgent  string // as the browser sent it at sign-in (at most MaxUserAgent bytes)
	CreatedAt  time.Time
	LastSeenAt time.Time // updated at most once per TouchEvery per process
	ExpiresAt  time.Time // the absolute end, whatever the activity
}

// MaxUserAgent is the most of a User-Agent header a session keeps.
const MaxUserAgent = 300

// SessionStore keeps passwords and sessions; authsql.Store is one. A
// Service whose Store is also a SessionStore signs people in.
type SessionStore interface {
	// Credentials finds the user with exactly that name and its password
	// hash ("" when it has none), or returns ErrUserNotFound.
	Credentials(ctx context.Context, name string) (User, string, error)
	// SetPassword stores a user's password hash and deletes all of the
	// user's sessions, in one transaction; ErrUserNotFound if none.
	SetPassword(ctx context.Context, userID, hash string) error
	// CreateSession stores s (and drops the sessions expired at now).
	CreateSession(ctx context.Context, s Session, now time.Time) error
	// PrincipalBySession finds the live session with that digest: not
	// expired at now, seen after idleSince. The principal holds the
	// user's stored scopes. ErrNoSession if there is none.
	PrincipalBySession(ctx context.Context, digest string, now, idleSince time.Time) (Principal, Session, error)
	// Sessions lists the user's live sessions, newest first.
	Sessions(ctx context.Context, userID string, now, idleSince time.Time) ([]Session, error)
	// DeleteSession deletes the user's session with that id (userID ""
	// deletes it whoever holds it) or, with id "" and a digest, the one
	// with that digest; ErrSessionNotFound if there is none.
	DeleteSession(ctx context.Context, userID, id, digest string) (Session, error)
	// TouchSession sets a session's last_seen_at.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// SessionLive reports whether the session is live at now.
	SessionLive(ctx context.Context, id string, now, idleSince time.Time) (bool, error)
}

// SessionConfig says how long sessions last and how passwords are hashed.
type SessionConfig struct {
	// IdleTTL ends a session unused for that long (default 12h); MaxTTL
	// ends it that long after sign-in whatever its use (default 7 days).
	IdleTTL, MaxTTL time.Duration
	// Password is the cost of new hashes (default DefaultPasswordParams).
	Password PasswordParams
	// MaxHashing bounds the password hashes computed at once (each holds
	// Password.Memory); more sign-ins wait. Default: the number of CPUs.
	MaxHashing int
	Backoff    BackoffConfig // default DefaultBackoff
}

// Session defaults.
const (
	DefaultSessionIdle = 12 * time.Hour
	DefaultSessionMax  = 7 * 24 * time.Hour
)

func (c SessionConfig) withDefaults() SessionConfig {
	if c.IdleTTL <= 0 {
		c.IdleTTL = DefaultSessionIdle
	}
	if c.MaxTTL <= 0 {
		c.MaxTTL = DefaultSessionMax
	}
	if c.Password.Memory == 0 || c.Password.Time == 0 || c.Password.Threads == 0 {
		c.Password = DefaultPasswordParams()
	}
	if c.MaxHashing <= 0 {
		c.MaxHashing = runtime.NumCPU()
	}
	if c.Backoff.Base <= 0 || c.Backoff.Max <= 0 || c.Backoff.Forget <= 0 {
		c.Backoff = DefaultBackoff()
	}
	return c
}

// WithSessions sets how sessions last and passwords are hashed (zero
// fields: the defaults).
func WithSessions(c SessionConfig) Option {
	return func(s *Service) { s.sess.cfg = c.withDefaults() }
}

// sessions is the Service's part for sign-in.
type sessions struct {
	store   SessionStore // nil: the Store cannot keep sessions
	cfg     SessionConfig
	hashing chan struct{}
	backoff *backoff
	dummy   string // a hash to verify against for unknown names
	once    sync.Once
}

func (s *Service) initSessions() {
	s.sess.store, _ = s.store.(SessionStore)
	if s.sess.cfg.IdleTTL == 0 {
		s.sess.cfg = SessionConfig{}.withDefaults()
	}
	s.sess.hashing = make(chan struct{}, s.sess.cfg.MaxHashing)
	s.sess.backoff = newBackoff(s.sess.cfg.Backoff)
}

// Errors of sign-in and sessions.
var (
	ErrSignIn          = fault.New(fault.Unauthenticated, "name or password is wrong")
	ErrNoSession       = fault.New(fault.Unauthenticated, "not signed in, or the session has ended; sign in again")
	ErrSessionNotFound = fault.New(fault.NotFound, "session not found")
	ErrCSRF            = fault.New(fault.Forbidden, "missing or wrong "+CSRFHeader+" header: a change made with the session cookie needs the csrf_token of the session")
	ErrNoSessions      = fault.New(fault.Unavailable, "this store keeps no sessions")
)

// SessionConfigured returns the effective session configuration.
func (s *Service) SessionConfigured() SessionConfig { return s.sess.cfg }

// SignIn is a sign-in attempt.
type SignIn struct {
	Name, Password string
	ClientIP       string // for the backoff per address
	UserAgent      string
	// Replaces is the session secret the request came with, if any: that
	// session is ended, never reused (no session fixation).
	Replaces string
}

// SignIn checks a name and password and starts a session: it returns the
// session's secret (the cookie's value) and its principal. A wrong name
// and a wrong password are the same ErrSignIn, after the same work (an
// unknown name is checked against a dummy hash). After repeated failures
// for the name or the address it returns *BackoffError without checking.
func (s *Service) SignIn(ctx context.Context, in SignIn) (string, Session, Principal, error) {
	ss := s.sess.store
	if ss == nil {
		return "", Session{}, Principal{}, ErrNoSessions
	}
	s.dummyHash() // made on the first sign-in, known name or not: no first-time tell
	name, nerr := NormalizeName(in.Name)
	if nerr != nil {
		name = in.Name
	}
	if len(name) > 4*MaxName {
		name = name[:4*MaxName]
	}
	nameKey, ipKey := "name:"+name, "ip:"+in.ClientIP
	if d := s.sess.backoff.wait(s.now(), nameKey, ipKey); d > 0 {
		return "", Session{}, Principal{}, &BackoffError{RetryAfter: d}
	}
	u, ok, err := s.checkPassword(ctx, name, in.Password, nerr == nil)
	if err != nil {
		return "", Session{}, Principal{}, err
	}
	if !ok {
		s.sess.backoff.fail(s.now(), map[string]int{nameKey: s.sess.cfg.Backoff.NameFree, ipKey: s.sess.cfg.Backoff.IPFree})
		return "", Session{}, Principal{}, ErrSignIn
	}
	s.sess.backoff.clear(nameKey)
	if in.Replaces != "" {
		_ = s.EndSession(ctx, in.Replaces) // whoever's it was; a failure leaves it to expire
	}
	return s.startSession(ctx, u, in.UserAgent)
}

// checkPassword verifies pw for the user called name, doing the same work
// whether or not there is one with a password.
func (s *Service) checkPassword(ctx context.Context, name, pw string, valid bool) (User, bool, error) {
	var (
		u    User
		hash string
		err  error
	)
	if valid {
		u, hash, err = s.sess.store.Credentials(ctx, name)
		if err != nil && !errors.Is(err, ErrUserNotFound) {
			return User{}, false, err
		}
	}
	known := hash != ""
	if !known {
		hash = s.dummyHash()
	}
	if len(pw) > MaxPassword {
		pw = pw[:MaxPassword] // still hashed: the answer takes as long
		known = false
	}
	select {
	case s.sess.hashing <- struct{}{}:
	case <-ctx.Done():
		return User{}, false, fault.Errorf(fault.Unavailable, "sign-in: %w", ctx.Err())
	}
	ok, err := VerifyPassword(pw, hash)
	<-s.sess.hashing
	if err != nil {
		return User{}, false, fault.Errorf(fault.Internal, "sign-in: the stored hash of %q: %w", name, err)
	}
	return u, ok && known, nil
}

func (s *Service) dummyHash() string {
	s.sess.once.Do(func() {
		var b [16]byte
		_, _ = rand.Read(b[:])
		s.sess.dummy = HashPassword(base64.RawURLEncoding.EncodeToString(b[:]), s.sess.cfg.Password)
	})
	return s.sess.dummy
}

func (s *Service) startSession(ctx context.Context, u User, ua string) (string, Session, Principal, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := SessionPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UTC().Truncate(time.Microsecond)
	ses := Session{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Digest: Digest(secret), UserAgent: clipUserAgent(ua),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sess.cfg.MaxTTL)}
	if err := s.sess.store.CreateSession(ctx, ses, now); err != nil {
		return "", Session{}, Principal{}, err
	}
	p := Principal{UserID: u.ID, UserName: u.Name, SessionID: ses.ID, Scopes: u.Scopes, Method: MethodSession, ExpiresAt: ses.ExpiresAt}
	return secret, ses, p, nil
}

// clipUserAgent keeps at most MaxUserAgent bytes of valid UTF-8, without
// control characters.
func clipUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "")
	ua = strings.Map(func(r rune) rune {
		if HasControl(string(r)) {
			return -1
		}
		return r
	}, ua)
	for len(ua) > MaxUserAgent {
		_, n := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-n]
	}
	return ua
}

// AuthenticateSession returns the principal of a session secret (the
// cookie's value). A request whose method changes state (not GET, HEAD or
// OPTIONS) must carry the session's CSRF token (csrf, from CSRFHeader):
// ErrCSRF otherwise.
func (s *Service) AuthenticateSession(ctx context.Context, secret, method, csrf string) (Principal, error) {
	if s.sess.store == nil || !strings.HasPrefix(secret, SessionPrefix) || len(secret) > 100 {
		return Principal{}, ErrNoSession
	}
	now := s.now()
	digest := Digest(secret)
	p, ok := s.cache.session(digest, now)
	if !ok {
		gen := s.cache.generation()
		var err error
		if p, _, err = s.sess.store.PrincipalBySession(ctx, digest, now.UTC(), now.UTC().Add(-s.sess.cfg.IdleTTL)); err != nil {
			return Principal{}, err
		}
		p.Method = MethodSession
		s.cache.putSession(gen, digest, p, now)
	}
	if !now.Before(p.ExpiresAt) {
		return Principal{}, ErrNoSession
	}
	if method != "GET" && method != "HEAD" && method != "OPTIONS" &&
		subtle.ConstantTimeCompare([]byte(csrf), []byte(CSRFToken(secret))) != 1 {
		return Principal{}, ErrCSRF
	}
	s.touchSession(ctx, p.SessionID)
	return p, nil
}

// CSRFToken returns the CSRF token of the session with that secret: an
// HMAC of a fixed label keyed by the secret, so it is known to whoever
// holds the cookie (the server, on every request) and to the page that
// signed in, but not to another site, and it reveals nothing of the
// secret. It needs no storage.
func CSRFToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("trx csrf token v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// touchSession records that a session was used, at most once per
// TouchEvery per session and process.
func (s *Service) touchSession(ctx context.Context, id string) {
	if now := s.now(); s.due("session:"+id, now) {
		s.enqueue(ctx, "session:"+id, now)
	}
}

// Session returns the live session of the principal (one that
// authenticated with a session), with its last use.
func (s *Service) Session(ctx context.Context, p Principal) (Session, error) {
	list, err := s.Sessions(ctx, p.UserID)
	if err != nil {
		return Session{}, err
	}
	for _, ses := range list {
		if ses.ID == p.SessionID {
			return ses, nil
		}
	}
	return Session{}, ErrNoSession
}

// Sessions lists the user's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	if s.sess.store == nil {
		return nil, ErrNoSessions
	}
	now := s.now().UTC()
	return s.sess.store.Sessions(ctx, userID, now, now.Add(-s.sess.cfg.IdleTTL))
}

// SessionExpiry is when a session ends if it is not used again: its idle
// end or its absolute end, whichever comes first.
func (s *Service) SessionExpiry(ses Session) time.Time {
	idle := ses.LastSeenAt.Add(s.sess.cfg.IdleTTL)
	if idle.Before(ses.ExpiresAt) {
		return idle
	}
	return ses.ExpiresAt
}

// RevokeSession ends the user's session with that id (ErrSessionNotFound
// if the user has none such), here at once and on the other replicas as
// soon as the invalidation reaches them.
func (s *Service) RevokeSession(ctx context.Context, userID, id string) error {
	if s.sess.store == nil {
		return ErrNoSessions
	}
	if !uid.Valid(id) || userID == "" {
		return ErrSessionNotFound
	}
	if _, err := s.sess.store.DeleteSession(ctx, userID, id, ""); err != nil {
		return err
	}
	s.Invalidate(ctx, Invalidation{SessionID: id})
	return nil
}

// EndSession ends the session with that secret (signing out).
func (s *Service) EndSession(ctx context.Context, secret string) error {
	if s.sess.store == nil {
		return ErrNoSessions
	}
	ses, err := s.sess.store.DeleteSession(ctx, "", "", Digest(secret))
	if err != nil {
		return err
	}
	s.Invalidate(ctx, Invalidation{SessionID: ses.ID})
	return nil
}

// SetPassword sets the password of the user called name and ends every
// session of that user, on every replica.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	if s.sess.store == nil {
		return ErrNoSessions
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	u, err := s.store.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if err := s.sess.store.SetPassword(ctx, u.ID, HashPassword(password, s.sess.cfg.Password)); err != nil {
		return err
	}
	s.Invalidate(ctx, Invalidation{SessionsOf: u.ID})
	return nil
}

// SessionLive reports whether the session with that id is live (a
// WebSocket ticket made with it checks it).
func (s *Service) SessionLive(ctx context.Context, id string) (bool, error) {
	if s.sess.store == nil {
		return false, nil
	}
	now := s.now().UTC()
	return s.sess.store.SessionLive(ctx, id, now, now.Add(-s.sess.cfg.IdleTTL))
}

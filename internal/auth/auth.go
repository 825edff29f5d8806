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
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
)

// Errors callers can check with errors.Is.
var (
	ErrUnauthenticated = fault.New(fault.Unauthenticated, "missing or unknown API key; send Authorization: Bearer <key>")
	ErrUserExists      = fault.New(fault.Conflict, "a user with that name exists")
	ErrUserNotFound    = fault.New(fault.NotFound, "user not found")
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
}

// Principal is who a request acts for.
type Principal struct {
	UserID   string
	UserName string
	KeyID    string
	Scopes   []string
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
	// CreateUser stores u and its first key together; ErrUserExists if the
	// name is taken.
	CreateUser(ctx context.Context, u User, k Key) error
	CreateKey(ctx context.Context, k Key) error
	// PrincipalByDigest finds the live key with that digest, or returns
	// ErrUnauthenticated.
	PrincipalByDigest(ctx context.Context, digest string) (Principal, error)
	UserByName(ctx context.Context, name string) (User, error)
	CountUsers(ctx context.Context) (int, error)
}

// Service manages users and keys.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(store Store) *Service { return &Service{store: store} }

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
	secret, k := newKey(u.ID, scopes)
	if err := s.store.CreateKey(ctx, k); err != nil {
		return "", err
	}
	return secret, nil
}

// CountUsers returns how many users exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.store.CountUsers(ctx) }

// Authenticate returns the principal of an API key.
func (s *Service) Authenticate(ctx context.Context, key string) (Principal, error) {
	if !strings.HasPrefix(key, KeyPrefix) || len(key) > 200 {
		return Principal{}, ErrUnauthenticated
	}
	return s.store.PrincipalByDigest(ctx, Digest(key))
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

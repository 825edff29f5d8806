package auth

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trx-platform/trx/internal/fault"
)

// MaxIdentity is the longest issuer or subject of a token identity, in
// bytes (the columns hold 1,024).
const MaxIdentity = 1024

// authenticateToken verifies a JWT and finds its user: the one bound to
// the token's exact (issuer, subject). A token whose identity no user has
// yet is bound to the user whose name is exactly the token's user claim
// (byte for byte: "ALICE", "alice " or a full-width "ａｌｉｃｅ" never
// reach alice), if that user has no identity yet; with AutoCreate, a user
// of that name is created when there is none. Any other case is a 401.
func (s *Service) authenticateToken(ctx context.Context, token string) (Principal, error) {
	c, err := s.tokens.Verify(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	id := Identity{Issuer: c.Issuer, Subject: c.Subject}
	if id.Subject == "" || len(id.Subject) > MaxIdentity || len(id.Issuer) > MaxIdentity || !utf8.ValidString(id.Subject) || !utf8.ValidString(id.Issuer) {
		return Principal{}, fault.New(fault.Unauthenticated, "the token's issuer or subject cannot identify a trx user (empty, too long or not UTF-8)")
	}
	name := c.Name
	if name == "" {
		name = c.Subject
	}
	u, err := s.identityUser(ctx, id, name)
	if err != nil {
		return Principal{}, err
	}
	return Principal{UserID: u.ID, UserName: u.Name, Scopes: c.Scopes, Method: MethodJWT, ExpiresAt: c.Expires}, nil
}

// identityUser returns the user of id, binding or creating it on first use.
func (s *Service) identityUser(ctx context.Context, id Identity, name string) (User, error) {
	now := s.now()
	if u, ok := s.cache.identity(id, now); ok {
		return u, nil
	}
	gen := s.cache.generation()
	u, err := s.store.UserByIdentity(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		u, err = s.bindOrCreate(ctx, id, name)
	}
	if err != nil {
		return User{}, err
	}
	s.cache.putIdentity(gen, id, u, now)
	return u, nil
}

var errNoUser = fault.New(fault.Unauthenticated, "the token's subject names no trx user")

func (s *Service) bindOrCreate(ctx context.Context, id Identity, name string) (User, error) {
	for attempt := 0; attempt < 2; attempt++ {
		u, err := s.store.UserByName(ctx, name) // exact: never a near match
		switch {
		case err == nil && u.Identity == id: // bound by a request of the same moment
			return u, nil
		case err == nil:
			if !u.Identity.IsZero() {
				return User{}, fault.New(fault.Unauthenticated, "the token's user is bound to another identity (issuer and subject)")
			}
			err = s.store.BindIdentity(ctx, u.ID, id)
			if errors.Is(err, ErrIdentityBound) || errors.Is(err, ErrIdentityTaken) {
				continue // another request bound it at the same moment: look again
			}
			if err != nil {
				return User{}, err
			}
			u.Identity = id
			return u, nil
		case !errors.Is(err, ErrUserNotFound):
			return User{}, err
		case !s.tokenOpts.AutoCreate:
			return User{}, errNoUser
		}
		// Only a name that is already in normal form is created: a subject
		// "alice " or "ａｌｉｃｅ" would otherwise become (or meet) "alice".
		if n, nerr := NormalizeName(name); nerr != nil || n != name {
			return User{}, fault.New(fault.Unauthenticated, "the token's user claim cannot name a trx user (empty, too long, control characters, surrounding spaces or not in Unicode NFC)")
		}
		u = User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: s.now().UTC(), Identity: id}
		err = s.store.CreateUser(ctx, u, Key{})
		if errors.Is(err, ErrUserExists) || errors.Is(err, ErrIdentityTaken) {
			continue // created at the same moment by another request
		}
		if err != nil {
			return User{}, err
		}
		return u, nil
	}
	// Raced twice: whoever won bound the identity, or took the name.
	u, err := s.store.UserByIdentity(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		return User{}, fault.New(fault.Unauthenticated, "the token's user is bound to another identity (issuer and subject)")
	}
	return u, err
}

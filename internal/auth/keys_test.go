package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestKeyExpiry: a key may expire (expires_at); past it, it is a 401. A
// JWT principal cannot mint a key that never expires: it gets the
// maximum lifetime, and a later expiry is refused.
func TestKeyExpiry(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithClock(func() time.Time { return now }),
				auth.WithTokenVerifier(idTokens{exp: now.Add(time.Hour)}, auth.TokenOptions{KeyMaxLifetime: 30 * 24 * time.Hour}))
			alice, _, err := svc.AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			k, secret, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{ExpiresAt: now.Add(time.Hour)})
			if err != nil || !k.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("create: %+v %v", k, err)
			}
			if got, err := svc.Key(ctx, k.ID); err != nil || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("stored expiry: %+v %v", got, err)
			}
			p, err := svc.Authenticate(ctx, secret)
			if err != nil || !p.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("before expiry: %+v %v", p, err)
			}
			now = now.Add(time.Hour)
			if _, err := svc.Authenticate(ctx, secret); !errors.Is(err, auth.ErrExpired) {
				t.Fatalf("at expiry: %v", err)
			}
			var v *fault.Validation
			if _, _, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{ExpiresAt: now.Add(-time.Second)}); !errors.As(err, &v) {
				t.Fatalf("expiry in the past: %v", err)
			}

			jwtP := auth.Principal{UserID: alice.ID, Method: auth.MethodJWT}
			k, _, err = svc.CreateKey(ctx, alice.ID, auth.KeyOptions{By: jwtP})
			if err != nil || !k.ExpiresAt.Equal(now.Add(30*24*time.Hour)) {
				t.Fatalf("a JWT's key without expiry: %+v %v", k, err)
			}
			if _, _, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{By: jwtP, ExpiresAt: now.Add(31 * 24 * time.Hour)}); !errors.As(err, &v) || v.Fields[0].Rule != "max_lifetime" {
				t.Fatalf("a JWT's key past the maximum: %v", err)
			}
			// An API key's holder (or an operator) may still make one that never expires.
			if k, _, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{By: auth.Principal{Method: auth.MethodKey}}); err != nil || !k.ExpiresAt.IsZero() {
				t.Fatalf("a key's key: %+v %v", k, err)
			}
		})
	}
}

// TestKeyLimit: a user holds at most MaxKeysPerUser unrevoked keys, also
// when many creates race (the count and the insert are atomic).
func TestKeyLimit(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)))
			alice, _, err := svc.AddUser(ctx, "alice", nil) // holds 1
			if err != nil {
				t.Fatal(err)
			}
			for range auth.MaxKeysPerUser - 11 {
				if _, _, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 30)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = svc.CreateKey(ctx, alice.ID, auth.KeyOptions{})
				}()
			}
			wg.Wait()
			made := 0
			for _, err := range errs {
				switch {
				case err == nil:
					made++
				case !errors.Is(err, auth.ErrTooManyKeys):
					t.Fatalf("create: %v", err)
				}
			}
			keys, err := svc.Keys(ctx, alice.ID)
			if err != nil || made != 10 || len(keys) != auth.MaxKeysPerUser {
				t.Fatalf("made %d of 30, %d keys (%v); want 10 and %d", made, len(keys), err, auth.MaxKeysPerUser)
			}
			// A revoked key makes room.
			if err := svc.RevokeKey(ctx, keys[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{}); err != nil {
				t.Fatalf("after a revocation: %v", err)
			}
		})
	}
}

type recorder struct {
	mu   sync.Mutex
	sent []auth.Invalidation
}

func (r *recorder) Broadcast(_ context.Context, inv auth.Invalidation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, inv)
	return nil
}

// TestCache: with a cache, a principal is read from the store once per
// TTL; a revocation drops it at once where it happens, is broadcast, and
// drops it on another replica as soon as that replica applies it, or at
// the latest after the TTL. Watchers hear of every invalidation.
func TestCache(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, "sqlite")
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var sent recorder
	a := auth.NewService(authsql.New(db), auth.WithCache(5*time.Second, 0), auth.WithClock(clock), auth.WithBroadcaster(&sent, nil))
	b := auth.NewService(authsql.New(db), auth.WithCache(5*time.Second, 0), auth.WithClock(clock)) // another replica
	var heard []auth.Invalidation
	stop := b.Watch(func(inv auth.Invalidation) { heard = append(heard, inv) })
	defer stop()

	alice, k1, err := a.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, k2, err := a.CreateKey(ctx, alice.ID, auth.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*auth.Service{a, b} {
		for _, k := range []string{k1, k2} {
			if _, err := svc.Authenticate(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	if a.CacheLen() != 2 || b.CacheLen() != 2 {
		t.Fatalf("cached %d and %d", a.CacheLen(), b.CacheLen())
	}
	p1, _ := b.Authenticate(ctx, k1)
	if err := a.RevokeKey(ctx, p1.KeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, k1); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("revoked key on its own replica: %v", err)
	}
	if len(sent.sent) != 1 || sent.sent[0].KeyID != p1.KeyID {
		t.Fatalf("broadcast %+v", sent.sent)
	}
	// The other replica has not heard yet: its cache still has the key
	// (this is the bound the TTL gives when the broadcast is lost) ...
	if _, err := b.Authenticate(ctx, k1); err != nil {
		t.Fatalf("replica b before the invalidation: %v", err)
	}
	now = now.Add(5 * time.Second)
	if _, err := b.Authenticate(ctx, k1); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("replica b after the TTL: %v", err)
	}
	// ... and the broadcast, applied there, drops it at once.
	_, k3, err := a.CreateKey(ctx, alice.ID, auth.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p3, err := b.Authenticate(ctx, k3)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeKey(ctx, p3.KeyID); err != nil {
		t.Fatal(err)
	}
	b.Apply(sent.sent[1])
	if _, err := b.Authenticate(ctx, k3); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("replica b after the invalidation: %v", err)
	}
	if len(heard) != 1 || heard[0].KeyID != p3.KeyID {
		t.Fatalf("watcher heard %+v", heard)
	}
	// A user's invalidation drops all their keys; All drops everything.
	if _, err := b.Authenticate(ctx, k2); err != nil || b.CacheLen() != 1 {
		t.Fatalf("k2: %v, cached %d", err, b.CacheLen())
	}
	b.Apply(auth.Invalidation{UserID: alice.ID})
	if b.CacheLen() != 0 {
		t.Fatalf("cached %d after the user's invalidation", b.CacheLen())
	}
	_, _ = b.Authenticate(ctx, k2)
	b.Apply(auth.Invalidation{All: true})
	if b.CacheLen() != 0 {
		t.Fatalf("cached %d after All", b.CacheLen())
	}
}

// TestLiveKeys: the notifier's recheck after missed invalidations sees a
// revoked and an expired key as not live, on both engines.
func TestLiveKeys(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithClock(func() time.Time { return now }))
			alice, _, err := svc.AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			live, _, _ := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{})
			revoked, _, _ := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{})
			expiring, _, _ := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{ExpiresAt: now.Add(time.Minute)})
			if err := svc.RevokeKey(ctx, revoked.ID); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Minute)
			got, err := svc.LiveKeys(ctx, []string{live.ID, revoked.ID, expiring.ID, "00000000-0000-7000-8000-000000000000"})
			if err != nil || len(got) != 1 || !got[live.ID] {
				t.Fatalf("live keys %v %v", got, err)
			}
		})
	}
}

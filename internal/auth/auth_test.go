package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// fakeTokens accepts tokens "tok:SUBJECT" with the read scope.
type fakeTokens struct{}

func (fakeTokens) Looks(t string) bool { return len(t) > 4 && t[:4] == "tok:" }
func (fakeTokens) Verify(_ context.Context, t string) (auth.TokenClaims, error) {
	if t == "tok:expired" {
		return auth.TokenClaims{}, fault.New(fault.Unauthenticated, "token expired")
	}
	return auth.TokenClaims{Subject: t[4:], Scopes: []string{auth.ScopeRead}}, nil
}

func TestKeys(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithClock(func() time.Time { return now }))
			alice, first, err := svc.AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			k, secret, err := svc.CreateKey(ctx, alice.ID, auth.KeyOptions{Scopes: []string{"read", "read"}, Label: "ci", RateLimit: 2.5, RateBurst: 5})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(k.Scopes, []string{"read"}) || k.Label != "ci" {
				t.Fatalf("key %+v", k)
			}
			p, err := svc.Authenticate(ctx, secret)
			if err != nil || p.UserID != alice.ID || p.KeyID != k.ID || p.RateLimit != 2.5 || p.RateBurst != 5 || p.Method != auth.MethodKey {
				t.Fatalf("authenticate: %+v %v", p, err)
			}
			if p.Subject() != k.ID {
				t.Fatalf("subject %q", p.Subject())
			}

			// last_used_at is written on first use, then at most once a minute.
			svc.Flush()
			got, err := svc.Key(ctx, k.ID)
			if err != nil || !got.LastUsedAt.Equal(now) {
				t.Fatalf("last used %v (%v), want %v", got.LastUsedAt, err, now)
			}
			first10 := now
			now = now.Add(30 * time.Second)
			if _, err := svc.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			svc.Flush()
			if got, _ := svc.Key(ctx, k.ID); !got.LastUsedAt.Equal(first10) {
				t.Fatalf("last used rewritten within a minute: %v", got.LastUsedAt)
			}
			now = now.Add(31 * time.Second)
			if _, err := svc.Authenticate(ctx, secret); err != nil {
				t.Fatal(err)
			}
			svc.Flush()
			if got, _ := svc.Key(ctx, k.ID); !got.LastUsedAt.Equal(now) {
				t.Fatalf("last used %v after a minute, want %v", got.LastUsedAt, now)
			}

			keys, err := svc.Keys(ctx, alice.ID)
			if err != nil || len(keys) != 2 {
				t.Fatalf("keys: %v %v", keys, err)
			}

			// Revoking stops the key at once and keeps the first time.
			if err := svc.RevokeKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Fatalf("revoked key: %v", err)
			}
			revokedAt := now
			now = now.Add(time.Hour)
			if err := svc.RevokeKey(ctx, k.ID); err != nil {
				t.Fatalf("revoke again: %v", err)
			}
			if got, _ := svc.Key(ctx, k.ID); !got.RevokedAt.Equal(revokedAt) {
				t.Fatalf("revoked at %v, want %v", got.RevokedAt, revokedAt)
			}
			if err := svc.RevokeKey(ctx, "00000000-0000-7000-8000-000000000000"); !errors.Is(err, auth.ErrKeyNotFound) {
				t.Fatalf("revoke unknown: %v", err)
			}
			if _, err := svc.Authenticate(ctx, first); err != nil {
				t.Fatalf("the other key: %v", err)
			}

			// Bad options are field errors.
			_, _, err = svc.CreateKey(ctx, alice.ID, auth.KeyOptions{Scopes: []string{"root"}, RateLimit: -1, RateBurst: -1})
			var v *fault.Validation
			if !errors.As(err, &v) || len(v.Fields) != 3 {
				t.Fatalf("bad options: %v", err)
			}
			if _, _, err := svc.CreateKey(ctx, "nobody", auth.KeyOptions{}); !errors.Is(err, auth.ErrUserNotFound) {
				t.Fatalf("unknown user: %v", err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	for _, auto := range []bool{false, true} {
		svc := auth.NewService(authsql.New(sqldbtest.Open(t, "sqlite")), auth.WithTokenVerifier(fakeTokens{}, auth.TokenOptions{AutoCreate: auto}))
		bob, _, err := svc.AddUser(ctx, "bob", nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.Authenticate(ctx, "tok:bob")
		if err != nil || p.UserID != bob.ID || p.Method != auth.MethodJWT || p.KeyID != "" || p.Subject() != "jwt:"+bob.ID {
			t.Fatalf("token: %+v %v", p, err)
		}
		if _, err := svc.Authenticate(ctx, "tok:expired"); fault.KindOf(err) != fault.Unauthenticated {
			t.Fatalf("expired: %v", err)
		}
		p, err = svc.Authenticate(ctx, "tok:carol")
		if !auto {
			if fault.KindOf(err) != fault.Unauthenticated {
				t.Fatalf("unknown subject: %+v %v", p, err)
			}
			continue
		}
		if err != nil || p.UserName != "carol" {
			t.Fatalf("auto-created: %+v %v", p, err)
		}
		again, err := svc.Authenticate(ctx, "tok:carol")
		if err != nil || again.UserID != p.UserID {
			t.Fatalf("second time: %+v %v", again, err)
		}
		if _, err := svc.Authenticate(ctx, "garbage"); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("garbage: %v", err)
		}
	}
}

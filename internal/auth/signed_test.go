package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trx-platform/trx/internal/auth"
)

const signSecret = "0123456789abcdefghijklmnopqrstuvwxyz-signed"

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func signedPair(t *testing.T) (*auth.Signer, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)}
	return auth.NewSigner(signSecret, c.now), c
}

var bind = auth.Binding{RequestID: "req-1", Method: "POST", Path: "/api/v1/transactions"}

func TestSignedRoundTrip(t *testing.T) {
	s, c := signedPair(t)
	p := auth.Principal{UserID: "u1", UserName: "alice", KeyID: "k1", Scopes: []string{"read", "write"}, Method: auth.MethodKey,
		RateLimit: 5, RateBurst: 10, ExpiresAt: c.t.Add(time.Hour)}
	got, err := s.Verify(s.Sign(p, bind), bind)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, got); d != "" {
		t.Fatalf("principal changed on the way (-sent +got):\n%s", d)
	}
	// A principal without credential expiry comes back without one.
	p.ExpiresAt = time.Time{}
	other := bind
	other.RequestID = "req-2"
	if got, err := s.Verify(s.Sign(p, other), other); err != nil || !got.ExpiresAt.IsZero() {
		t.Fatalf("got %+v, %v; want no expiry", got, err)
	}
}

func TestSignedRefusals(t *testing.T) {
	p := auth.Principal{UserID: "u1", UserName: "alice", Scopes: []string{"read"}, Method: auth.MethodKey}
	tests := []struct {
		name string
		// make returns the token to verify and the binding of the
		// request it arrives on, after moving the clock if it wants.
		make func(s *auth.Signer, c *clock) (string, auth.Binding)
		want error
	}{
		{"another secret", func(_ *auth.Signer, c *clock) (string, auth.Binding) {
			return auth.NewSigner(signSecret+"x", c.now).Sign(p, bind), bind
		}, auth.ErrSignedForged},
		{"payload changed", func(s *auth.Signer, _ *clock) (string, auth.Binding) {
			tok := s.Sign(p, bind)
			i := strings.LastIndexByte(tok, '.')
			admin := s.Sign(auth.Principal{UserID: "u1", Scopes: []string{"admin"}}, bind)
			j := strings.LastIndexByte(admin, '.')
			return admin[:j] + tok[i:], bind // admin's claims, alice's MAC
		}, auth.ErrSignedForged},
		{"garbage", func(*auth.Signer, *clock) (string, auth.Binding) { return "v1.e30.AAAA", bind }, auth.ErrSignedForged},
		{"no dot", func(*auth.Signer, *clock) (string, auth.Binding) { return "v1", bind }, auth.ErrSignedForged},
		{"empty", func(*auth.Signer, *clock) (string, auth.Binding) { return "", bind }, auth.ErrSignedForged},
		{"expired", func(s *auth.Signer, c *clock) (string, auth.Binding) {
			tok := s.Sign(p, bind)
			c.t = c.t.Add(auth.SignedTTL + auth.SignedSkew)
			return tok, bind
		}, auth.ErrSignedExpired},
		{"from the future", func(s *auth.Signer, c *clock) (string, auth.Binding) {
			tok := s.Sign(p, bind)
			c.t = c.t.Add(-auth.SignedSkew - time.Millisecond)
			return tok, bind
		}, auth.ErrSignedExpired},
		{"another request id", func(s *auth.Signer, _ *clock) (string, auth.Binding) {
			b := bind
			b.RequestID = "req-other"
			return s.Sign(p, bind), b
		}, auth.ErrSignedMismatch},
		{"another method", func(s *auth.Signer, _ *clock) (string, auth.Binding) {
			b := bind
			b.Method = "DELETE"
			return s.Sign(p, bind), b
		}, auth.ErrSignedMismatch},
		{"another path", func(s *auth.Signer, _ *clock) (string, auth.Binding) {
			b := bind
			b.Path = "/api/v1/keys"
			return s.Sign(p, bind), b
		}, auth.ErrSignedMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := signedPair(t)
			tok, b := tt.make(s, c)
			if _, err := s.Verify(tok, b); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignedReplay(t *testing.T) {
	s, c := signedPair(t)
	p := auth.Principal{UserID: "u1", Scopes: []string{"read"}}
	tok := s.Sign(p, bind)
	if _, err := s.Verify(tok, bind); err != nil {
		t.Fatal(err)
	}
	// Again at once, and again just before it expires (the seen-set has
	// turned its window meanwhile): refused both times.
	if _, err := s.Verify(tok, bind); !errors.Is(err, auth.ErrSignedReplayed) {
		t.Fatalf("replay: %v, want ErrSignedReplayed", err)
	}
	c.t = c.t.Add(auth.SignedTTL + auth.SignedSkew - time.Millisecond)
	if _, err := s.Verify(s.Sign(p, bind), bind); err != nil { // a fresh one turns the window
		t.Fatal(err)
	}
	if _, err := s.Verify(tok, bind); !errors.Is(err, auth.ErrSignedReplayed) {
		t.Fatalf("late replay: %v, want ErrSignedReplayed", err)
	}
	// Once it could no longer be accepted anyway, it is expired.
	c.t = c.t.Add(time.Millisecond)
	if _, err := s.Verify(tok, bind); !errors.Is(err, auth.ErrSignedExpired) {
		t.Fatalf("after expiry: %v, want ErrSignedExpired", err)
	}
}

func TestSignedSeenSetBounded(t *testing.T) {
	s, c := signedPair(t)
	auth.SetMaxSeen(s, 3)
	p := auth.Principal{UserID: "u1", Scopes: []string{"read"}}
	for i := range 3 {
		if _, err := s.Verify(s.Sign(p, bind), bind); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if _, err := s.Verify(s.Sign(p, bind), bind); !errors.Is(err, auth.ErrSignedBusy) {
		t.Fatalf("over the bound: %v, want ErrSignedBusy", err)
	}
	// When the window turns, there is room again.
	c.t = c.t.Add(auth.SignedTTL + 2*auth.SignedSkew)
	if _, err := s.Verify(s.Sign(p, bind), bind); err != nil {
		t.Fatalf("after the window turned: %v", err)
	}
}

// BenchmarkSignedPrincipal is what a forwarded request costs the gateway
// (Sign) and the service (Verify, with the replay check), in place of a
// key lookup.
func BenchmarkSignedPrincipal(b *testing.B) {
	s := auth.NewSigner(signSecret, nil)
	p := auth.Principal{UserID: "0190a0b0-0000-7000-8000-000000000001", UserName: "alice", KeyID: "0190a0b0-0000-7000-8000-000000000002",
		Scopes: []string{"read", "write"}, Method: auth.MethodKey}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(s.Sign(p, bind), bind); err != nil {
			b.Fatal(err)
		}
	}
}

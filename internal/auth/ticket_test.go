package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// TestTickets: a WebSocket ticket stands for the principal that asked for
// it, can be looked at (the gateway) any number of times, used (the
// notifier) once, for TicketTTL, and not after its key was revoked.
func TestTickets(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithClock(func() time.Time { return now }))
			_, key, err := svc.AddUser(ctx, "alice", []string{auth.ScopeRead})
			if err != nil {
				t.Fatal(err)
			}
			p, err := svc.Authenticate(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			tk, exp, err := svc.IssueTicket(ctx, p)
			if err != nil || !exp.Equal(now.Add(auth.TicketTTL)) || len(tk) < 40 {
				t.Fatalf("issue: %q %v %v", tk, exp, err)
			}
			for range 2 {
				if got, err := svc.PeekTicket(ctx, tk); err != nil || got.UserID != p.UserID || got.KeyID != p.KeyID || got.UserName != "alice" {
					t.Fatalf("peek: %+v %v", got, err)
				}
			}
			// Used once, by one of many at the same moment.
			var wg sync.WaitGroup
			wins := make(chan auth.Principal, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if got, err := svc.RedeemTicket(ctx, tk); err == nil {
						wins <- got
					} else if !errors.Is(err, auth.ErrTicket) {
						t.Errorf("redeem: %v", err)
					}
				}()
			}
			wg.Wait()
			close(wins)
			if n := len(wins); n != 1 {
				t.Fatalf("%d redeems won, want 1", n)
			}
			if w := <-wins; w.KeyID != p.KeyID || len(w.Scopes) != 1 || w.Scopes[0] != auth.ScopeRead {
				t.Fatalf("redeemed %+v", w)
			}
			if _, err := svc.PeekTicket(ctx, tk); !errors.Is(err, auth.ErrTicket) {
				t.Fatalf("peek after use: %v", err)
			}
			// Expired after TicketTTL.
			tk2, _, _ := svc.IssueTicket(ctx, p)
			now = now.Add(auth.TicketTTL)
			if _, err := svc.RedeemTicket(ctx, tk2); !errors.Is(err, auth.ErrTicket) {
				t.Fatalf("redeem at expiry: %v", err)
			}
			// Not for a key revoked since.
			tk3, _, _ := svc.IssueTicket(ctx, p)
			if err := svc.RevokeKey(ctx, p.KeyID); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RedeemTicket(ctx, tk3); !errors.Is(err, auth.ErrTicket) {
				t.Fatalf("redeem after revocation: %v", err)
			}
			for _, bad := range []string{"", "wst_", "trx_x", key} {
				if _, err := svc.RedeemTicket(ctx, bad); !errors.Is(err, auth.ErrTicket) {
					t.Fatalf("redeem %q: %v", bad, err)
				}
			}
		})
	}
}

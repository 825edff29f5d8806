package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

// idTokens accepts tokens "id:ISSUER|SUBJECT|NAME" (NAME defaults to the
// subject), with the read scope, expiring at exp.
type idTokens struct{ exp time.Time }

func (idTokens) Looks(t string) bool { return strings.HasPrefix(t, "id:") }
func (v idTokens) Verify(_ context.Context, t string) (auth.TokenClaims, error) {
	parts := strings.SplitN(strings.TrimPrefix(t, "id:"), "|", 3)
	c := auth.TokenClaims{Issuer: parts[0], Subject: parts[1], Name: parts[1], Scopes: []string{auth.ScopeRead}, Expires: v.exp}
	if len(parts) == 3 {
		c.Name = parts[2]
	}
	return c, nil
}

func tok(iss, sub string, name ...string) string {
	t := "id:" + iss + "|" + sub
	if len(name) > 0 {
		t += "|" + name[0]
	}
	return t
}

// TestTokenNearMatches: on MySQL, users.name was utf8mb4_unicode_ci, so a
// token whose subject was ALICE, àlicé, a full-width ａｌｉｃｅ or
// "alice   " read alice's data. A token reaches a user only by its exact
// (issuer, subject) now, on both engines, and auto-creation never lands on
// alice either.
func TestTokenNearMatches(t *testing.T) {
	near := []string{"ALICE", "Alice", "àlicé", "alicé", "ａｌｉｃｅ", "alice   ", " alice", "alice\u200b", "ａlice", "alıce"}
	for _, d := range sqldbtest.Engines() {
		for _, auto := range []bool{false, true} {
			t.Run(string(d)+"/auto="+map[bool]string{false: "off", true: "on"}[auto], func(t *testing.T) {
				ctx := context.Background()
				svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)),
					auth.WithTokenVerifier(idTokens{exp: time.Now().Add(time.Hour)}, auth.TokenOptions{AutoCreate: auto}))
				alice, _, err := svc.AddUser(ctx, "alice", nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, sub := range near {
					p, err := svc.Authenticate(ctx, tok("https://idp.example", sub))
					if err == nil && p.UserID == alice.ID {
						t.Errorf("a token for %q authenticates as alice", sub)
					}
					if !auto && fault.KindOf(err) != fault.Unauthenticated {
						t.Errorf("%q without auto-create: %+v %v, want 401", sub, p, err)
					}
				}
				// By exact name, an unbound user is bound on first use.
				p, err := svc.Authenticate(ctx, tok("https://idp.example", "alice"))
				if err != nil || p.UserID != alice.ID {
					t.Fatalf("exact subject: %+v %v", p, err)
				}
			})
		}
	}
}

// TestIdentityBinding: the first valid token binds its (issuer, subject)
// to the user it names; from then on only that pair reaches the user,
// whatever name the token gives, and the same subject of another issuer
// does not.
func TestIdentityBinding(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			exp := time.Now().Add(time.Hour).Truncate(time.Second)
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)), auth.WithTokenVerifier(idTokens{exp: exp}, auth.TokenOptions{AutoCreate: true}))
			alice, _, err := svc.AddUser(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			// sub is an opaque id; the name claim names alice on first use.
			p, err := svc.Authenticate(ctx, tok("https://a.example", "00u1", "alice"))
			if err != nil || p.UserID != alice.ID || !p.ExpiresAt.Equal(exp) {
				t.Fatalf("first use: %+v %v", p, err)
			}
			u, err := svc.UserByID(ctx, alice.ID)
			if err != nil || u.Identity != (auth.Identity{Issuer: "https://a.example", Subject: "00u1"}) {
				t.Fatalf("bound identity: %+v %v", u, err)
			}
			// The name claim no longer matters: a renamed account stays alice.
			if p, err := svc.Authenticate(ctx, tok("https://a.example", "00u1", "alice-renamed")); err != nil || p.UserID != alice.ID {
				t.Fatalf("renamed: %+v %v", p, err)
			}
			// Another account claiming the name alice is refused, not merged.
			for _, other := range []string{tok("https://a.example", "00u2", "alice"), tok("https://b.example", "00u1", "alice"), tok("", "00u1", "alice")} {
				if p, err := svc.Authenticate(ctx, other); fault.KindOf(err) != fault.Unauthenticated {
					t.Errorf("%s: %+v %v, want 401", other, p, err)
				}
			}
			// Subject and issuer compare byte for byte.
			if p, err := svc.Authenticate(ctx, tok("https://a.example", "00U1", "x")); err == nil && p.UserID == alice.ID {
				t.Errorf("00U1 reached alice")
			}
			// Auto-create binds the new user; the same subject elsewhere is another identity.
			c1, err := svc.Authenticate(ctx, tok("https://a.example", "carol"))
			if err != nil || c1.UserName != "carol" {
				t.Fatalf("auto-create: %+v %v", c1, err)
			}
			if p, err := svc.Authenticate(ctx, tok("https://b.example", "carol")); fault.KindOf(err) != fault.Unauthenticated {
				t.Fatalf("carol of another issuer: %+v %v, want 401", p, err)
			}
			// A name not in normal form is never created.
			for _, bad := range []string{"dave ", "e\u0301va", "x\x1b[2J"} {
				if p, err := svc.Authenticate(ctx, tok("https://a.example", "s-"+bad, bad)); fault.KindOf(err) != fault.Unauthenticated {
					t.Errorf("name %q: %+v %v, want 401", bad, p, err)
				}
			}
		})
	}
}

// TestConcurrentFirstUse: many first requests of one new identity make one
// user.
func TestConcurrentFirstUse(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)),
				auth.WithTokenVerifier(idTokens{exp: time.Now().Add(time.Hour)}, auth.TokenOptions{AutoCreate: true}))
			var wg sync.WaitGroup
			ids := make([]string, 16)
			errs := make([]error, 16)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := svc.Authenticate(ctx, tok("https://a.example", "erin"))
					ids[i], errs[i] = p.UserID, err
				}()
			}
			wg.Wait()
			for i := range ids {
				if errs[i] != nil || ids[i] != ids[0] {
					t.Fatalf("request %d: %q %v (first %q)", i, ids[i], errs[i], ids[0])
				}
			}
			if n, _ := svc.CountUsers(ctx); n != 1 {
				t.Fatalf("%d users", n)
			}
		})
	}
}

// TestNames: names are NFC and trimmed when created, control characters
// are refused, and names compare exactly on both engines.
func TestNames(t *testing.T) {
	for _, d := range sqldbtest.Engines() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			svc := auth.NewService(authsql.New(sqldbtest.Open(t, d)))
			zoe, _, err := svc.AddUser(ctx, "  Zoe\u0308 ", nil) // decomposed ë
			if err != nil || zoe.Name != "Zo\u00eb" {
				t.Fatalf("normalized: %q %v", zoe.Name, err)
			}
			if _, _, err := svc.AddUser(ctx, "Zo\u00eb", nil); !errors.Is(err, auth.ErrUserExists) {
				t.Fatalf("the same name again: %v", err)
			}
			for _, bad := range []string{"", "   ", "evil\x1b[31m", "a\tb", "bell\a", "rtl\u202eoverride", "zero\u200bwidth", "c1\u0085x", "line\u2028sep", strings.Repeat("x", 201), "bad\xffutf8"} {
				var v *fault.Validation
				if _, _, err := svc.AddUser(ctx, bad, nil); !errors.As(err, &v) {
					t.Errorf("name %q: %v, want a field error", bad, err)
				}
			}
			// Case, accents and width make other names, found only exactly.
			upper, _, err := svc.AddUser(ctx, "ZOË", nil)
			if err != nil {
				t.Fatalf("ZOË: %v", err)
			}
			for name, want := range map[string]string{"Zoë": zoe.ID, "ZOË": upper.ID} {
				if u, err := svc.UserByName(ctx, name); err != nil || u.ID != want {
					t.Errorf("by name %q: %+v %v", name, u, err)
				}
			}
			for _, near := range []string{"zoë", "Zoe", "Zoë ", "Ｚｏë"} {
				if u, err := svc.UserByName(ctx, near); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("by name %q: %+v %v, want not found", near, u, err)
				}
			}
			// Key labels refuse control characters too.
			var v *fault.Validation
			if _, _, err := svc.CreateKey(ctx, zoe.ID, auth.KeyOptions{Label: "ci\x1b]0;pwned\a"}); !errors.As(err, &v) || v.Fields[0].Rule != "control_characters" {
				t.Fatalf("label: %v", err)
			}
		})
	}
}

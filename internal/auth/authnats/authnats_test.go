package authnats_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/auth/authnats"
	"github.com/trx-platform/trx/internal/auth/authsql"
	"github.com/trx-platform/trx/internal/sqldb/sqldbtest"
)

func natsURL(t *testing.T) string {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

type replica struct {
	svc   *auth.Service
	nc    *nats.Conn
	heard chan auth.Invalidation
}

// newReplica builds a replica's auth service over store, with a cache and
// the bridge on a NATS connection of its own.
func newReplica(t *testing.T, ctx context.Context, url string, store auth.Store, opts ...auth.Option) *replica {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b := authnats.New(nc, "trxtest", slog.New(slog.DiscardHandler))
	svc := auth.NewService(store, append([]auth.Option{auth.WithCache(time.Hour, 0), auth.WithBroadcaster(b, b.Failed)}, opts...)...)
	if err := b.Listen(svc); err != nil {
		t.Fatal(err)
	}
	b.Poll = 10 * time.Millisecond
	var wg sync.WaitGroup
	wg.Add(1)
	rctx, cancel := context.WithCancel(ctx)
	go func() { defer wg.Done(); _ = b.Run(rctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	r := &replica{svc: svc, nc: nc, heard: make(chan auth.Invalidation, 16)}
	svc.Watch(func(inv auth.Invalidation) { r.heard <- inv })
	return r
}

func next(t *testing.T, ch chan auth.Invalidation) auth.Invalidation {
	t.Helper()
	select {
	case inv := <-ch:
		return inv
	case <-time.After(30 * time.Second):
		t.Fatal("no invalidation within 30 s")
		return auth.Invalidation{}
	}
}

// TestRevocationReachesEveryReplica: a key revoked on one replica stops
// authenticating on another at once (its cache would have kept it for the
// whole TTL), and that replica's watchers (the notifier) hear of it; a
// replica whose NATS connection comes back drops its whole cache.
func TestRevocationReachesEveryReplica(t *testing.T) {
	ctx := context.Background()
	url := natsURL(t)
	db := sqldbtest.Open(t, "sqlite")
	a := newReplica(t, ctx, url, authsql.New(db))
	b := newReplica(t, ctx, url, authsql.New(db))
	_, key, err := a.svc.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.svc.Authenticate(ctx, key) // now cached on b, for an hour
	if err != nil {
		t.Fatal(err)
	}
	if err := a.svc.RevokeKey(ctx, p.KeyID); err != nil {
		t.Fatal(err)
	}
	if inv := next(t, a.heard); inv.KeyID != p.KeyID { // applied where it happened, once
		t.Fatalf("a heard %+v", inv)
	}
	if inv := next(t, b.heard); inv.KeyID != p.KeyID {
		t.Fatalf("b heard %+v", inv)
	}
	if _, err := b.svc.Authenticate(ctx, key); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("revoked key on the other replica: %v", err)
	}
	select {
	case inv := <-a.heard:
		t.Fatalf("a applied its own invalidation twice: %+v", inv)
	default:
	}

	// b reconnects: it may have missed invalidations, so it drops all.
	_, key2, err := a.svc.CreateKey(ctx, p.UserID, auth.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Authenticate(ctx, key2); err != nil || b.svc.CacheLen() != 1 {
		t.Fatalf("key2: %v, cached %d", err, b.svc.CacheLen())
	}
	if err := b.nc.ForceReconnect(); err != nil {
		t.Fatal(err)
	}
	if inv := next(t, b.heard); !inv.All {
		t.Fatalf("after a reconnection b heard %+v", inv)
	}
	if n := b.svc.CacheLen(); n != 0 {
		t.Fatalf("cached %d after the reconnection", n)
	}
}

// TestSessionEndReachesEveryReplica: a session signed out on one replica,
// and every session of a user whose password changed on another, stop
// authenticating on the others at once, though cached there for an hour.
func TestSessionEndReachesEveryReplica(t *testing.T) {
	ctx := context.Background()
	url := natsURL(t)
	db := sqldbtest.Open(t, "sqlite")
	cfg := auth.WithSessions(auth.SessionConfig{Password: auth.PasswordParams{Memory: 64, Time: 1, Threads: 1}})
	a := newReplica(t, ctx, url, authsql.New(db), cfg)
	b := newReplica(t, ctx, url, authsql.New(db), cfg)
	if _, _, err := a.svc.AddUser(ctx, "alice", nil); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.SetPassword(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	next(t, a.heard)
	next(t, b.heard)
	signIn := func() (string, auth.Principal) {
		t.Helper()
		secret, _, _, err := a.svc.SignIn(ctx, auth.SignIn{Name: "alice", Password: "correct horse battery", ClientIP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.svc.AuthenticateSession(ctx, secret, "GET", "") // cached on both now
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.svc.AuthenticateSession(ctx, secret, "GET", ""); err != nil {
			t.Fatal(err)
		}
		return secret, p
	}
	one, p1 := signIn()
	two, _ := signIn()
	three, _ := signIn()

	if err := a.svc.EndSession(ctx, one); err != nil {
		t.Fatal(err)
	}
	if inv := next(t, b.heard); inv.SessionID != p1.SessionID {
		t.Fatalf("b heard %+v", inv)
	}
	if _, err := b.svc.AuthenticateSession(ctx, one, "GET", ""); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("signed-out session on the other replica: %v", err)
	}
	if _, err := b.svc.AuthenticateSession(ctx, two, "GET", ""); err != nil {
		t.Fatalf("another session: %v", err)
	}
	next(t, a.heard)

	if err := b.svc.SetPassword(ctx, "alice", "another good password"); err != nil {
		t.Fatal(err)
	}
	if inv := next(t, a.heard); inv.SessionsOf != p1.UserID {
		t.Fatalf("a heard %+v", inv)
	}
	for _, secret := range []string{two, three} {
		if _, err := a.svc.AuthenticateSession(ctx, secret, "GET", ""); !errors.Is(err, auth.ErrNoSession) {
			t.Fatalf("a session after the password changed elsewhere: %v", err)
		}
	}
}

// TestEarlierReleasesFormat: during a rolling upgrade a replica of an
// earlier release (its origin in the JSON body, no header) and this one
// understand each other: its invalidations are applied here, and this
// one's decode as its message with no origin, which it applies.
func TestEarlierReleasesFormat(t *testing.T) {
	ctx := context.Background()
	url := natsURL(t)
	db := sqldbtest.Open(t, "sqlite")
	a := newReplica(t, ctx, url, authsql.New(db))
	old, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(old.Close)
	type earlier struct { // the message of the earlier releases
		Origin string `json:"origin"`
		auth.Invalidation
	}
	heard := make(chan *nats.Msg, 4)
	sub, err := old.ChanSubscribe(authnats.Subject("trxtest"), heard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := old.Flush(); err != nil {
		t.Fatal(err)
	}

	_, key, err := a.svc.AddUser(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.svc.Authenticate(ctx, key) // cached for an hour
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(earlier{Origin: "0123456789abcdef", Invalidation: auth.Invalidation{KeyID: p.KeyID}})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Publish(authnats.Subject("trxtest"), data); err != nil {
		t.Fatal(err)
	}
	if inv := next(t, a.heard); inv != (auth.Invalidation{KeyID: p.KeyID}) {
		t.Fatalf("heard %+v from an earlier release", inv)
	}
	<-heard // its own message, which the earlier release ignored by its origin

	if err := a.svc.RevokeKey(ctx, p.KeyID); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-heard:
		var got earlier
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatal(err)
		}
		if want := (earlier{Invalidation: auth.Invalidation{KeyID: p.KeyID}}); got != want {
			t.Fatalf("an earlier release decodes %+v, want %+v", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no invalidation within 30 s")
	}
}

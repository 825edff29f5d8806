package event_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trx-platform/trx/internal/event"
	"github.com/trx-platform/trx/internal/event/eventtest"
)

// stored returns the messages the stream holds, in order, read by
// sequence (no consumer, nothing to wait for).
func stored(t *testing.T, b *event.Bus) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	first, last, err := b.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.JS.Stream(ctx, b.Stream)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := first; seq != 0 && seq <= last; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d of %d..%d: %v", seq, first, last, err)
		}
		out = append(out, m)
	}
	return out
}

func TestSubjects(t *testing.T) {
	b := &event.Bus{Config: event.Config{Prefix: "trx"}}
	for _, tc := range []struct{ name, got, want string }{
		{"stock", b.StockSubject("ACME"), "trx.ev.stock.ACME"},
		{"user", b.UserSubject("u1", "transaction_created"), "trx.ev.user.u1.transaction_created"},
		{"control of every node", b.ControlSubject(""), "trx.ctl.all"},
		{"control of one node", b.ControlSubject("n1"), "trx.ctl.node.n1"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s subject %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestOpenDefaults: an empty Config gets the documented stream, prefix and
// retention, and the stream keeps every event subject of the prefix and
// drops repeats within min(10 minutes, retention).
func TestOpenDefaults(t *testing.T) {
	b := eventtest.NewBus(t)
	if b.Stream != "TRX" || b.Prefix != "trx" || b.Retention != 24*time.Hour || b.Replicas != 1 {
		t.Fatalf("defaults: stream %q prefix %q retention %v replicas %d", b.Stream, b.Prefix, b.Retention, b.Replicas)
	}
	ctx := context.Background()
	s, err := b.JS.Stream(ctx, b.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := info.Config
	if !cmp.Equal(c.Subjects, []string{"trx.ev.>"}) || c.MaxAge != 24*time.Hour || c.Duplicates != 10*time.Minute ||
		c.Storage != jetstream.FileStorage || c.Retention != jetstream.LimitsPolicy {
		t.Fatalf("stream config: subjects %v, max age %v, duplicates %v, storage %v, retention %v",
			c.Subjects, c.MaxAge, c.Duplicates, c.Storage, c.Retention)
	}
	if first, last, err := b.Bounds(ctx); err != nil || first != 0 || last != 0 {
		t.Fatalf("bounds of the empty stream: %d..%d, %v", first, last, err)
	}
}

// TestDuplicateWindowWithinRetention: a retention shorter than 10 minutes
// bounds the duplicate window too (JetStream refuses a window longer than
// the stream's age limit).
func TestDuplicateWindowWithinRetention(t *testing.T) {
	b, err := event.Open(context.Background(), event.Config{DataDir: t.TempDir(), Retention: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	s, err := b.JS.Stream(context.Background(), b.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxAge != time.Minute || info.Config.Duplicates != time.Minute {
		t.Fatalf("max age %v, duplicates %v; want 1m both", info.Config.MaxAge, info.Config.Duplicates)
	}
}

func TestOpenEmbeddedNeedsADataDirectory(t *testing.T) {
	if b, err := event.Open(context.Background(), event.Config{}); err == nil {
		b.Close()
		t.Fatal("opened an embedded server without a data directory")
	}
}

// TestPublishStockDedupes: a stock change published twice (a relay that
// crashed between publishing and marking) is stored once; the same change
// id with another time (a database reset that reuses ids) is a new event.
func TestPublishStockDedupes(t *testing.T) {
	b := eventtest.NewBus(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
	e := event.StockChanged{ChangeID: 7, Symbol: "ACME", Op: "update",
		Old: &event.Image{Name: "Acme", Price: 1_000_000, Currency: "USD"}, New: &event.Image{Name: "Acme", Price: 1_100_000, Currency: "USD"}, ChangedAt: at}
	for range 3 {
		if err := b.PublishStock(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	reset := e
	reset.ChangedAt = at.Add(time.Hour)
	if err := b.PublishStock(ctx, reset); err != nil {
		t.Fatal(err)
	}
	msgs := stored(t, b)
	if len(msgs) != 2 {
		t.Fatalf("the stream holds %d messages, want 2 (one per distinct change)", len(msgs))
	}
	for i, want := range []event.StockChanged{e, reset} {
		m := msgs[i]
		if m.Subject != "trx.ev.stock.ACME" {
			t.Errorf("message %d on %q, want trx.ev.stock.ACME", i, m.Subject)
		}
		var got event.StockChanged
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("message %d (-published +stored):\n%s", i, diff)
		}
	}
}

// TestPublishUserEvent: per-user events from the outbox go to their
// user's subject, one per type (dots in the type become underscores), in
// order, payload intact; a repeat of an outbox row (a relay that crashed
// before marking it) is dropped by its message id.
func TestPublishUserEvent(t *testing.T) {
	b := eventtest.NewBus(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	es := []event.UserEvent{
		{ID: 1, Type: "transaction.created", UserID: "u1", At: at, Data: json.RawMessage(`{"id":"a"}`)},
		{ID: 2, Type: "transaction.categorized", UserID: "u1", At: at.Add(time.Second), Data: json.RawMessage(`{"id":"a","category_id":"travel"}`)},
		{ID: 3, Type: "transaction.created", UserID: "u2", At: at, Data: json.RawMessage(`{"id":"b"}`)},
	}
	for _, e := range append(es, es[0]) {
		if err := b.PublishUserEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	msgs := stored(t, b)
	if len(msgs) != len(es) {
		t.Fatalf("the stream holds %d messages, want %d (the repeat dropped)", len(msgs), len(es))
	}
	subjects := []string{"trx.ev.user.u1.transaction_created", "trx.ev.user.u1.transaction_categorized",
		"trx.ev.user.u2.transaction_created"}
	for i, m := range msgs {
		if m.Subject != subjects[i] {
			t.Errorf("message %d on %q, want %q", i, m.Subject, subjects[i])
		}
		var got event.UserEvent
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != es[i].ID || got.Type != es[i].Type || got.UserID != es[i].UserID || !got.At.Equal(es[i].At) || string(got.Data) != string(es[i].Data) {
			t.Errorf("message %d: %+v, want %+v", i, got, es[i])
		}
	}
}

// TestControlSubjectsAreNotStored: management requests between nodes are
// plain NATS request-reply, outside the stream.
func TestControlSubjectsAreNotStored(t *testing.T) {
	b := eventtest.NewBus(t)
	ctx := context.Background()
	_, err := b.JS.Publish(ctx, b.ControlSubject(""), []byte(`{}`))
	if !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Fatalf("a JetStream publish on the control subject: %v, want no stream to answer", err)
	}
	if msgs := stored(t, b); len(msgs) != 0 {
		t.Fatalf("the stream holds %d messages", len(msgs))
	}
}

// Package eventtest gives tests an event.Bus: on an embedded NATS server
// with JetStream in t.TempDir() (no external service), or on the external
// server named by TRX_TEST_NATS_URL with a stream and subject prefix of its
// own, removed when the test ends.
package eventtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/trx-platform/trx/internal/event"
)

// NATSEnv names the variable with the external NATS URL for tests.
const NATSEnv = "TRX_TEST_NATS_URL"

// NewBus returns a bus on an embedded NATS server.
func NewBus(t testing.TB) *event.Bus {
	t.Helper()
	b, err := event.Open(context.Background(), event.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// ExternalURL returns the external NATS URL, or skips the test (fails it
// under CI=true) when there is none.
func ExternalURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(NATSEnv)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: the external NATS tests must run in CI", NATSEnv)
		}
		t.Skipf("external NATS tests skipped: set %s=nats://127.0.0.1:4222 to run them", NATSEnv)
	}
	return u
}

// Unique returns a stream name and subject prefix no other test uses, and
// deletes the stream when the test ends.
func Unique(t testing.TB, url string) (stream, prefix string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	stream, prefix = "TRXTEST_"+id, "trxtest"+id
	t.Cleanup(func() {
		bus, err := event.Open(context.Background(), event.Config{URL: url, Stream: stream, Prefix: prefix})
		if err != nil {
			return
		}
		defer bus.Close()
		_ = bus.JS.DeleteStream(context.Background(), stream)
	})
	return stream, prefix
}

// NewExternalBus returns a bus on the external NATS server with a stream of
// its own.
func NewExternalBus(t testing.TB) *event.Bus {
	t.Helper()
	url := ExternalURL(t)
	stream, prefix := Unique(t, url)
	b, err := event.Open(context.Background(), event.Config{URL: url, Stream: stream, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

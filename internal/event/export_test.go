package event

import "github.com/nats-io/nats-server/v2/server"

// EmbeddedServer is the running embedded server, for tests that break it.
func (b *Bus) EmbeddedServer() *server.Server { return b.embedded.current() }

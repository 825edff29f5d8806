package notify

import (
	"context"
	"sync"
	"time"
)

// maxRegistryBatch bounds the rows of one registry write.
const maxRegistryBatch = 500

// registryBatcher groups the connections table's writes (group commit): a
// connect or disconnect that comes while a write runs waits for the next
// one, which takes every row that came meanwhile. The writes run on a
// goroutine of the batcher's, started when a row comes and none runs. One connect alone is
// written at once, as before; a thousand connecting together cost a few
// transactions instead of a thousand. Each caller still returns only once
// its row is written, so a connection is listed before its welcome.
type registryBatcher struct {
	reg Registry

	mu      sync.Mutex
	writing bool // the writer goroutine runs
	ops     []registryOp
}

// registryOp is one row to add (rec.ID set) or delete.
type registryOp struct {
	rec    Record
	remove string
	done   chan error
}

// add records r, waiting for its write.
func (b *registryBatcher) add(ctx context.Context, r Record) error {
	return b.do(ctx, registryOp{rec: r})
}

// remove deletes connection id, waiting for its write.
func (b *registryBatcher) remove(ctx context.Context, id string) error {
	return b.do(ctx, registryOp{remove: id})
}

func (b *registryBatcher) do(ctx context.Context, op registryOp) error {
	op.done = make(chan error, 1)
	b.mu.Lock()
	b.ops = append(b.ops, op)
	if !b.writing {
		// No write runs: one starts, on a goroutine of its own that ends
		// when no row waits. The callers only wait on a channel, so that
		// the connections' goroutines, which live as long as their
		// connections, never grow their stacks in the database driver.
		b.writing = true
		go b.writeAll(context.WithoutCancel(ctx))
	}
	b.mu.Unlock()
	return <-op.done
}

// writeAll writes batches until no row waits; b.writing is set.
func (b *registryBatcher) writeAll(ctx context.Context) {
	b.mu.Lock()
	for len(b.ops) > 0 {
		n := min(len(b.ops), maxRegistryBatch)
		batch := b.ops[:n:n]
		b.ops = b.ops[n:]
		if len(b.ops) == 0 {
			b.ops = nil // let the backing array go
		}
		b.mu.Unlock()
		var adds []Record
		var removes []string
		for _, o := range batch {
			if o.remove != "" {
				removes = append(removes, o.remove)
			} else {
				adds = append(adds, o.rec)
			}
		}
		// The rows of many callers ride on this write: it ends with none
		// of their contexts, only within a bound.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := b.reg.Apply(wctx, adds, removes)
		cancel()
		for _, o := range batch {
			o.done <- err
		}
		b.mu.Lock()
	}
	b.writing = false
	b.mu.Unlock()
}

package notify

import (
	"runtime"
	"sync"
)

// writerPool writes the clients' queued frames with a few goroutines,
// taking the clients that have something to write in turn. A goroutine
// per client would make a broadcast to 10,000 clients 10,000 runnable
// goroutines, which the HTTP handlers, the relay and the stream consumer
// would wait behind; with a few, they get their turn, and a client whose
// frames wait a little goes out in one write with the next ones. A write
// that the socket cannot take at once is finished by a goroutine of that
// client's own (see client.writeOnce), so that a slow client never holds a
// pool goroutine.
type writerPool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*client // FIFO; a client is in it at most once (client.writing)
	head    int
	started bool
	stopped bool
	workers int
	wg      sync.WaitGroup
}

func newWriterPool() *writerPool {
	p := &writerPool{workers: max(2, 2*runtime.GOMAXPROCS(0))}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// push queues c for writing; the pool's goroutines start on first use.
func (p *writerPool) push(c *client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started && !p.stopped {
		p.started = true
		for range p.workers {
			p.wg.Add(1)
			go p.work()
		}
	}
	p.ready = append(p.ready, c)
	p.cond.Signal()
}

// stop ends the goroutines once they have written what is queued.
func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *writerPool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for p.head == len(p.ready) && !p.stopped {
			p.cond.Wait()
		}
		if p.head == len(p.ready) {
			p.mu.Unlock()
			return
		}
		c := p.ready[p.head]
		p.ready[p.head] = nil
		p.head++
		if p.head == len(p.ready) {
			p.ready, p.head = p.ready[:0], 0
		} else if p.head > 1024 && p.head*2 > len(p.ready) {
			n := copy(p.ready, p.ready[p.head:])
			clear(p.ready[n:])
			p.ready, p.head = p.ready[:n], 0
		}
		p.mu.Unlock()
		c.writeOnce()
	}
}

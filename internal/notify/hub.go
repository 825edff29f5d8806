package notify

import (
	"sync"
)

// Hub is the set of connected clients of this node. Broadcast hands a
// message to every client that wants it without ever blocking on one: a
// client whose queue is full is closed (it can resume).
type Hub struct {
	mu      sync.RWMutex
	clients map[*client]struct{}
	// seq is the last stream sequence broadcast.
	seq uint64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{clients: map[*client]struct{}{}} }

func (h *Hub) register(c *client) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// Len returns the number of clients connected to this node.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// advance records that the live feed has read through seq.
func (h *Hub) advance(seq uint64) {
	h.mu.Lock()
	if seq > h.seq {
		h.seq = seq
	}
	h.mu.Unlock()
}

// Broadcast offers m to every client subscribed to it.
func (h *Hub) Broadcast(m Message) {
	h.advance(m.Seq)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		c.offer(m)
	}
}

// each calls f for every client (for management operations).
func (h *Hub) each(f func(*client)) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		f(c)
	}
}

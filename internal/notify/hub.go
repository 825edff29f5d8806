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
	// users counts the clients of each user, so that a user's event is
	// dropped before it is decoded when none is connected here.
	users map[string]int
	// seq is the last stream sequence broadcast.
	seq uint64
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{clients: map[*client]struct{}{}, users: map[string]int{}} }

func (h *Hub) register(c *client) {
	h.mu.Lock()
	if _, ok := h.clients[c]; !ok {
		h.clients[c] = struct{}{}
		h.users[c.userID]++
	}
	h.mu.Unlock()
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		if h.users[c.userID]--; h.users[c.userID] <= 0 {
			delete(h.users, c.userID)
		}
	}
	h.mu.Unlock()
}

// connected reports whether a client of the user is connected here.
func (h *Hub) connected(userID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.users[userID] > 0
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

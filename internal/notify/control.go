package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/trx-platform/trx/internal/auth"
	"github.com/trx-platform/trx/internal/fault"
	"github.com/trx-platform/trx/internal/web"
)

// control is a management request between nodes, on NATS.
type control struct {
	Op           string          `json:"op"` // send, disconnect, broadcast
	ConnectionID string          `json:"connection_id,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
}

type controlReply struct {
	Delivered int    `json:"delivered"`
	Error     string `json:"error,omitempty"`
}

// serveControl answers management requests for this node's connections.
func (n *Node) serveControl() (func(), error) {
	handle := func(msg *nats.Msg) {
		var req control
		reply := controlReply{}
		if err := json.Unmarshal(msg.Data, &req); err != nil {
			reply.Error = "bad request: " + err.Error()
		} else {
			reply = n.apply(req)
		}
		data, _ := json.Marshal(reply)
		if msg.Reply != "" {
			_ = msg.Respond(data)
		}
	}
	one, err := n.bus.NC.Subscribe(n.bus.ControlSubject(n.cfg.Node), handle)
	if err != nil {
		return nil, fmt.Errorf("notify: control subscription: %w", err)
	}
	all, err := n.bus.NC.Subscribe(n.bus.ControlSubject(""), handle)
	if err != nil {
		_ = one.Unsubscribe()
		return nil, fmt.Errorf("notify: control subscription: %w", err)
	}
	return func() { _ = one.Unsubscribe(); _ = all.Unsubscribe() }, nil
}

// apply carries out a management request on this node.
func (n *Node) apply(req control) controlReply {
	var out controlReply
	frameOf := func() []byte {
		b, _ := json.Marshal(map[string]any{"type": "message", "data": req.Data})
		return b
	}
	switch req.Op {
	case "send", "disconnect":
		found := false
		n.hub.each(func(c *client) {
			if c.id != req.ConnectionID {
				return
			}
			found = true
			if req.Op == "disconnect" {
				c.close(StatusKicked, "disconnected by an administrator")
				return
			}
			c.mu.Lock()
			switch {
			case c.closed:
			case c.push(frame{data: frameOf()}):
				out.Delivered++
			default:
				c.kill(StatusTooSlow, "too slow: the send queue is full")
			}
			c.mu.Unlock()
		})
		if !found {
			out.Error = "not found"
		} else if req.Op == "disconnect" {
			out.Delivered = 1
		}
	case "broadcast":
		data := frameOf()
		n.hub.each(func(c *client) {
			c.mu.Lock()
			if !c.closed {
				if c.push(frame{data: data}) {
					out.Delivered++
				} else {
					c.kill(StatusTooSlow, "too slow: the send queue is full")
				}
			}
			c.mu.Unlock()
		})
	default:
		out.Error = "unknown op " + strconv.Quote(req.Op)
	}
	return out
}

// Routes registers the management API (like API Gateway's @connections) on
// mux: admin scope only. It works whichever node holds a connection: the
// request goes to that node over NATS.
func Routes(mux *http.ServeMux, n *Node, authn func(http.Handler) http.Handler, log *slog.Logger) {
	m := &mgmt{n: n, log: log}
	admin := func(pattern string, f http.HandlerFunc) {
		mux.Handle(pattern, authn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := auth.CheckAdmin(r.Context(), "managing connections"); err != nil {
				web.Error(w, r, log, err)
				return
			}
			f(w, r)
		})))
	}
	admin("GET /api/v1/connections", m.list)
	admin("GET /api/v1/connections/{id}", m.get)
	admin("POST /api/v1/connections/{id}/messages", m.send)
	admin("DELETE /api/v1/connections/{id}", m.disconnect)
	admin("POST /api/v1/connections/broadcast", m.broadcast)
}

type mgmt struct {
	n   *Node
	log *slog.Logger
}

func (m *mgmt) list(w http.ResponseWriter, r *http.Request) {
	var v fault.Validation
	q := web.Query(r, &v, "user_id", "limit")
	limit := web.Limit(&v, q["limit"], 100, 1000)
	if err := v.Err(); err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	recs, err := m.n.registry.List(r.Context(), q["user_id"], limit)
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	count, err := m.n.registry.Count(r.Context())
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	web.Respond(w, http.StatusOK, map[string]any{"count": count, "items": recs})
}

func (m *mgmt) get(w http.ResponseWriter, r *http.Request) {
	rec, err := m.n.registry.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	web.Respond(w, http.StatusOK, rec)
}

// request sends req to node and waits for its reply, at most 3 seconds
// and no longer than ctx: when ctx ends first (the caller went away, or
// its request deadline passed) the error is ctx's, which web.Error
// answers as that deadline (a 504 naming --request-timeout), not as a
// node that did not answer.
func (m *mgmt) request(ctx context.Context, node string, req control) (controlReply, error) {
	data, _ := json.Marshal(req)
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	msg, err := m.n.bus.NC.RequestWithContext(rctx, m.n.bus.ControlSubject(node), data)
	if err != nil {
		if ctx.Err() != nil {
			return controlReply{}, fmt.Errorf("notify: waiting for node %s: %w", node, ctx.Err())
		}
		return controlReply{}, fault.Errorf(fault.Unavailable, "node %s did not answer: %v", node, err)
	}
	var rep controlReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return rep, fmt.Errorf("notify: control reply: %w", err)
	}
	if rep.Error == "not found" {
		return rep, ErrConnNotFound
	}
	if rep.Error != "" {
		return rep, errors.New("notify: " + rep.Error)
	}
	return rep, nil
}

func (m *mgmt) send(w http.ResponseWriter, r *http.Request) {
	var data json.RawMessage
	if err := web.Decode(w, r, &data); err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	rec, err := m.n.registry.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	rep, err := m.request(r.Context(), rec.Node, control{Op: "send", ConnectionID: rec.ID, Data: data})
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	web.Respond(w, http.StatusOK, rep)
}

func (m *mgmt) disconnect(w http.ResponseWriter, r *http.Request) {
	rec, err := m.n.registry.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	if _, err := m.request(r.Context(), rec.Node, control{Op: "disconnect", ConnectionID: rec.ID}); err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// LiveNodes is what a Registry that knows the live nodes offers; broadcast
// then answers as soon as each of them replied.
type LiveNodes interface {
	LiveNodes(ctx context.Context) (int, error)
}

// broadcast sends to every client of every node; it answers with how many
// clients the nodes reached, once every live node replied (the registry
// counts them first), or after 3 seconds with the replies that came. A
// registry that cannot count the live nodes gets the replies of one second.
// The wait ends with the request too: when its context ends first (the
// client went away, or --request-timeout passed) the answer is that
// context's end, not a count.
func (m *mgmt) broadcast(w http.ResponseWriter, r *http.Request) {
	var data json.RawMessage
	if err := web.Decode(w, r, &data); err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	req, _ := json.Marshal(control{Op: "broadcast", Data: data})
	expect, wait := 0, time.Second
	if ln, ok := m.n.registry.(LiveNodes); ok {
		if n, err := ln.LiveNodes(r.Context()); err == nil && n > 0 {
			expect, wait = n, 3*time.Second
		}
	}
	inbox := nats.NewInbox()
	sub, err := m.n.bus.NC.SubscribeSync(inbox)
	if err != nil {
		web.Error(w, r, m.log, err)
		return
	}
	defer sub.Unsubscribe() //nolint:errcheck // best effort
	if err := m.n.bus.NC.PublishRequest(m.n.bus.ControlSubject(""), inbox, req); err != nil {
		web.Error(w, r, m.log, fault.Errorf(fault.Unavailable, "broadcast: %v", err))
		return
	}
	total, nodes := 0, 0
	wctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	for expect == 0 || nodes < expect {
		msg, err := sub.NextMsgWithContext(wctx)
		if err != nil {
			if err := r.Context().Err(); err != nil {
				web.Error(w, r, m.log, fmt.Errorf("notify: broadcast: waiting for the nodes' replies: %w", err))
				return
			}
			break
		}
		var rep controlReply
		if json.Unmarshal(msg.Data, &rep) == nil {
			total += rep.Delivered
			nodes++
		}
	}
	web.Respond(w, http.StatusOK, map[string]int{"delivered": total, "nodes": nodes})
}

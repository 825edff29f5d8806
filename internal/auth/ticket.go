package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/trx-platform/trx/internal/fault"
)

// TicketPrefix starts every WebSocket ticket.
const TicketPrefix = "wst_"

// TicketTTL is how long a WebSocket ticket may wait to be used.
const TicketTTL = 30 * time.Second

// Ticket is a stored WebSocket ticket: a short-lived, single-use stand-in
// for the credential that asked for it, so that a browser opens /ws
// without a long-lived key in the URL (which proxies and logs keep).
type Ticket struct {
	Digest    string // hex SHA-256 of the ticket
	Principal Principal
	ExpiresAt time.Time // of the ticket itself
}

// ErrTicket refuses an unknown, used or expired ticket.
var ErrTicket = fault.New(fault.Unauthenticated, "unknown, used or expired WebSocket ticket; ask POST /api/v1/ws-ticket for another")

// IssueTicket makes a ticket for p, to be used once within TicketTTL;
// the connection it opens acts for p and ends when p's credential does.
func (s *Service) IssueTicket(ctx context.Context, p Principal) (string, time.Time, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := TicketPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now().UTC()
	t := Ticket{Digest: Digest(secret), Principal: p, ExpiresAt: now.Add(TicketTTL).Truncate(time.Microsecond)}
	if err := s.store.CreateTicket(ctx, t, now); err != nil {
		return "", time.Time{}, err
	}
	return secret, t.ExpiresAt, nil
}

// PeekTicket returns the principal of a ticket that can still be used,
// without using it (the gateway checks it; the notifier redeems it).
func (s *Service) PeekTicket(ctx context.Context, ticket string) (Principal, error) {
	return s.ticket(ctx, ticket, false)
}

// RedeemTicket uses a ticket: the first call wins, every later one is
// ErrTicket. The ticket's key must still be live.
func (s *Service) RedeemTicket(ctx context.Context, ticket string) (Principal, error) {
	return s.ticket(ctx, ticket, true)
}

func (s *Service) ticket(ctx context.Context, ticket string, take bool) (Principal, error) {
	if len(ticket) < len(TicketPrefix) || ticket[:len(TicketPrefix)] != TicketPrefix || len(ticket) > 100 {
		return Principal{}, ErrTicket
	}
	t, err := s.store.Ticket(ctx, Digest(ticket), s.now().UTC(), take)
	if errors.Is(err, ErrTicket) || err != nil {
		return Principal{}, err
	}
	p := t.Principal
	if p.KeyID != "" { // revoked since the ticket was made?
		live, err := s.store.LiveKeys(ctx, []string{p.KeyID}, s.now().UTC())
		if err != nil {
			return Principal{}, err
		}
		if !live[p.KeyID] {
			return Principal{}, ErrTicket
		}
	}
	if p.SessionID != "" { // signed out since the ticket was made?
		live, err := s.SessionLive(ctx, p.SessionID)
		if err != nil {
			return Principal{}, err
		}
		if !live {
			return Principal{}, ErrTicket
		}
	}
	if !p.ExpiresAt.IsZero() && !s.now().Before(p.ExpiresAt) {
		return Principal{}, ErrTicket
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return Principal{}, ErrTicket
	}
	p.UserName = u.Name
	return p, nil
}

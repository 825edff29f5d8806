// The live feed for a password sign-in: the session cookie is HttpOnly and
// never goes into a URL, so each connection first asks for a single-use
// ticket (POST /api/v1/ws-ticket, which the cookie and the CSRF token
// authorize) and opens /ws?ticket=… with it.
//
// ticketSocket returns a class LiveFeed can use as its WebSocket: it
// behaves as one (readyState, send, close, on* handlers) while it waits
// for the ticket, so feed.js needs no change.

// sessionWsURL is the /ws URL of the page's origin without a credential
// (the ticket is added when the socket opens).
export function sessionWsURL(location, since) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams();
  if (since > 0) q.set('since', String(since));
  const s = q.toString();
  return `${proto}//${location.host}/ws${s ? `?${s}` : ''}`;
}

// ticketSocket makes the class: getTicket() resolves to a ticket string;
// RealWebSocket is the browser's (a fake in tests).
export function ticketSocket(getTicket, RealWebSocket = globalThis.WebSocket) {
  return class TicketSocket {
    constructor(url) {
      this.readyState = 0; // CONNECTING, until the real socket says otherwise
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      this.ws = null;
      this.closed = false;
      Promise.resolve()
        .then(getTicket)
        .then(
          (ticket) => this.open(url, ticket),
          (err) => this.fail(err),
        );
    }

    open(url, ticket) {
      if (this.closed) return;
      const sep = url.includes('?') ? '&' : '?';
      const ws = new RealWebSocket(`${url}${sep}ticket=${encodeURIComponent(ticket)}`);
      this.ws = ws;
      ws.onopen = (ev) => {
        this.readyState = 1;
        this.onopen?.(ev);
      };
      ws.onmessage = (ev) => this.onmessage?.(ev);
      ws.onerror = (ev) => this.onerror?.(ev);
      ws.onclose = (ev) => {
        this.readyState = 3;
        this.onclose?.(ev);
      };
    }

    // fail reports a ticket that could not be had as a lost connection
    // (LiveFeed then reconnects with its backoff).
    fail(err) {
      if (this.closed) return;
      this.readyState = 3;
      this.onclose?.({ code: 1006, reason: `no ticket for the live feed: ${err && err.message ? err.message : String(err)}` });
    }

    send(data) {
      if (!this.ws) throw new Error('the live feed is not open yet');
      this.ws.send(data);
    }

    close(code, reason) {
      this.closed = true;
      this.readyState = 3;
      if (this.ws) this.ws.close(code, reason);
    }
  };
}

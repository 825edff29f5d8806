// LiveFeed keeps one WebSocket to /ws open: it reconnects with backoff
// when the connection drops and resumes after the last sequence it saw
// (?since=N), so no notification is lost or repeated. It pings the server
// to notice a dead connection that never closed.
//
// Its collaborators are passed in (WebSocket, timers, random) so that the
// reconnect logic runs in node's test runner with fakes.

// Close codes of the notifier (README, "Limits and close codes").
export const CLOSE_REASONS = {
  1000: 'closed',
  1001: 'the server is restarting',
  1006: 'the connection was lost',
  1008: 'refused by the server',
  1009: 'message too big',
  1011: 'server error',
  1013: 'the event stream is unavailable; resuming shortly',
  4001: 'too slow to keep up',
  4002: 'disconnected by an administrator',
};

export class LiveFeed {
  // options:
  //   url(since)      the WebSocket URL to open; since is the last sequence seen (0: none)
  //   onMessage(msg)  every parsed message (notifications, replies)
  //   onState(state, detail)  'connecting' | 'live' | 'reconnecting' | 'stopped'
  //   WebSocket, setTimeout, clearTimeout, random: collaborators
  //   minDelay, maxDelay: reconnect backoff in ms (doubling, with jitter)
  //   pingEvery, pongWithin: heartbeat in ms
  constructor(options) {
    this.o = {
      minDelay: 500,
      maxDelay: 15000,
      pingEvery: 25000,
      pongWithin: 10000,
      onMessage: () => {},
      onState: () => {},
      WebSocket: globalThis.WebSocket,
      setTimeout: globalThis.setTimeout.bind(globalThis),
      clearTimeout: globalThis.clearTimeout.bind(globalThis),
      random: Math.random,
      ...options,
    };
    this.lastSeq = 0;
    this.state = 'stopped';
    this.attempt = 0;
    this.ws = null;
    this.timers = new Set();
    this.pingID = 0;
    this.lastClose = null;
    this.busy = 0; // consecutive closes with 1013 (try again later)
  }

  start() {
    if (this.state !== 'stopped') return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'bye');
      } catch {
        // already closing
      }
    }
    this.setState('stopped');
  }

  // send sends a client message ({action: ...}) if the socket is open.
  send(msg) {
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  // delay returns the wait before reconnect attempt n (1-based): minDelay
  // doubled each time up to maxDelay, times a jitter between 0.5 and 1 so
  // that many clients dropped together do not come back together.
  delay(n) {
    const base = Math.min(this.o.maxDelay, this.o.minDelay * 2 ** Math.max(0, n - 1));
    return Math.round(base * (0.5 + this.o.random() / 2));
  }

  connect() {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', this.lastClose);
    let ws;
    try {
      ws = new this.o.WebSocket(this.o.url(this.lastSeq));
    } catch (err) {
      this.lastClose = { code: 0, reason: String(err && err.message) };
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      // An open resets the backoff, except after 1013: the server took the
      // connection but could not serve it, so the wait keeps growing.
      this.attempt = this.busy;
      this.lastClose = null;
      this.setState('live');
      this.schedulePing();
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = () => {}; // a close follows
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      this.lastClose = { code: ev.code, reason: ev.reason || CLOSE_REASONS[ev.code] || '' };
      // 1013: the server could not read the event stream to resume us; it
      // closed rather than go on with a gap. Reconnect with ?since= the
      // last sequence (as for any close), after a growing pause.
      this.busy = ev.code === 1013 ? this.busy + 1 : 0;
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    this.attempt++;
    this.setState('reconnecting', this.lastClose);
    this.later(() => this.connect(), this.delay(this.attempt));
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    this.awaitingPong = false;
    if (msg.type === 'resync_required') {
      // What we missed is gone from the stream: the caller reloads its
      // state, and we carry on from what the stream has now.
      this.lastSeq = Math.max(this.lastSeq, msg.last_sequence || 0);
    } else if (typeof msg.sequence === 'number') {
      if (msg.sequence <= this.lastSeq) return; // a repeat: seen already
      this.lastSeq = msg.sequence;
    }
    if (msg.type === 'resumed' || typeof msg.sequence === 'number') this.busy = this.attempt = 0; // served

    this.o.onMessage(msg);
  }

  schedulePing() {
    this.later(() => {
      if (!this.ws) return;
      this.awaitingPong = true;
      this.send({ action: 'ping', id: `hb${++this.pingID}` });
      this.later(() => {
        if (this.awaitingPong && this.ws) {
          // No answer: the connection is dead without having closed.
          const ws = this.ws;
          detach(ws);
          this.ws = null;
          try {
            ws.close(4000, 'no pong');
          } catch {
            // ignore
          }
          this.clearTimers();
          this.lastClose = { code: 1006, reason: 'the server stopped answering' };
          this.scheduleReconnect();
        } else {
          this.schedulePing();
        }
      }, this.o.pongWithin);
    }, this.o.pingEvery);
  }

  later(fn, ms) {
    const id = this.o.setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.add(id);
  }

  clearTimers() {
    for (const id of this.timers) this.o.clearTimeout(id);
    this.timers.clear();
  }

  setState(state, detail = null) {
    const changed = state !== this.state;
    this.state = state;
    if (changed || state === 'reconnecting') this.o.onState(state, detail);
  }
}

function detach(ws) {
  ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
}

// wsURL builds the /ws URL for the page's origin: the key as token (a
// browser cannot set headers on a WebSocket) and since when resuming.
export function wsURL(location, key, since) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams({ token: key });
  if (since > 0) q.set('since', String(since));
  return `${proto}//${location.host}/ws?${q}`;
}

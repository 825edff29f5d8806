import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveFeed, wsURL } from '../../assets/js/feed.js';

// A fake clock: timers run when the test advances time.
function clock() {
  let now = 0, next = 1;
  const timers = new Map();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let first = null;
        for (const [id, t] of timers) if (t.at <= until && (!first || t.at < first[1].at)) first = [id, t];
        if (!first) break;
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}

// A fake WebSocket that records every instance and what it was sent.
function fakeSockets() {
  const all = [];
  class FakeWS {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      all.push(this);
    }
    send(s) {
      this.sent.push(JSON.parse(s));
    }
    close(code, reason) {
      this.readyState = 3;
      this.closedWith = { code, reason };
    }
    // test side
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    message(obj) {
      this.onmessage?.({ data: JSON.stringify(obj) });
    }
    drop(code = 1006, reason = '') {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    }
  }
  return { FakeWS, all };
}

function setup(opts = {}) {
  const c = clock();
  const { FakeWS, all } = fakeSockets();
  const got = [], states = [];
  const feed = new LiveFeed({
    url: (since) => `ws://h/ws?token=k${since ? `&since=${since}` : ''}`,
    WebSocket: FakeWS,
    setTimeout: c.setTimeout,
    clearTimeout: c.clearTimeout,
    random: () => 1, // no jitter: delays are exact
    onMessage: (m) => got.push(m),
    onState: (s, d) => states.push(d ? `${s}:${d.code}` : s),
    ...opts,
  });
  return { c, all, got, states, feed };
}

test('connects, goes live, and delivers messages in order', () => {
  const { all, got, states, feed } = setup();
  feed.start();
  assert.equal(all.length, 1);
  assert.equal(all[0].url, 'ws://h/ws?token=k');
  all[0].open();
  all[0].message({ type: 'welcome' });
  all[0].message({ type: 'stock.changed', sequence: 5, symbol: 'A' });
  all[0].message({ type: 'stock.changed', sequence: 6, symbol: 'B' });
  assert.deepEqual(states, ['connecting', 'live']);
  assert.deepEqual(got.map((m) => m.sequence ?? m.type), ['welcome', 5, 6]);
  assert.equal(feed.lastSeq, 6);
});

test('reconnects with backoff and resumes after the last sequence', () => {
  const { c, all, got, states, feed } = setup();
  feed.start();
  all[0].open();
  all[0].message({ type: 'stock.changed', sequence: 41 });
  all[0].drop(4001, 'too slow');
  assert.equal(feed.state, 'reconnecting');
  assert.equal(states.at(-1), 'reconnecting:4001');
  c.advance(499);
  assert.equal(all.length, 1, 'waits minDelay before the first retry');
  c.advance(1);
  assert.equal(all.length, 2);
  assert.equal(all[1].url, 'ws://h/ws?token=k&since=41');

  // The second attempt fails before opening: the next waits twice as long.
  all[1].drop(1006);
  c.advance(999);
  assert.equal(all.length, 2);
  c.advance(1);
  assert.equal(all.length, 3);
  assert.equal(all[2].url, 'ws://h/ws?token=k&since=41');

  // The server replays what was missed, maybe overlapping: repeats are dropped.
  all[2].open();
  assert.equal(feed.state, 'live');
  all[2].message({ type: 'welcome' });
  all[2].message({ type: 'stock.changed', sequence: 41 });
  all[2].message({ type: 'stock.changed', sequence: 42 });
  all[2].message({ type: 'resumed', replayed: 1 });
  assert.deepEqual(got.filter((m) => m.sequence).map((m) => m.sequence), [41, 42]);

  // A successful open resets the backoff.
  all[2].drop(1001);
  c.advance(500);
  assert.equal(all.length, 4);
  assert.equal(all[3].url, 'ws://h/ws?token=k&since=42');
});

test('1013 (stream unavailable) reconnects with the last sequence, backing off', () => {
  const { c, all, got, feed } = setup();
  feed.start();
  all[0].open();
  all[0].message({ type: 'stock.changed', sequence: 7 });
  all[0].drop(1001);
  c.advance(500);
  assert.equal(all[1].url, 'ws://h/ws?token=k&since=7');
  // The server takes the connection but cannot read the stream: it closes
  // with 1013 instead of going live with a gap.
  all[1].open();
  all[1].message({ type: 'welcome' });
  all[1].drop(1013, 'the event stream cannot be read now');
  c.advance(500);
  assert.equal(all.length, 3, 'first retry after minDelay');
  assert.equal(all[2].url, 'ws://h/ws?token=k&since=7');
  all[2].open();
  all[2].drop(1013);
  c.advance(999);
  assert.equal(all.length, 3, 'the open did not reset the backoff after a 1013');
  c.advance(1);
  assert.equal(all.length, 4);
  assert.equal(all[3].url, 'ws://h/ws?token=k&since=7');
  // The stream is back: the replay comes, then the backoff is reset.
  all[3].open();
  all[3].message({ type: 'stock.changed', sequence: 8 });
  all[3].message({ type: 'resumed', since: 7, replayed: 1 });
  assert.deepEqual(got.filter((m) => m.sequence).map((m) => m.sequence), [7, 8]);
  all[3].drop(1001);
  c.advance(500);
  assert.equal(all.length, 5);
  assert.equal(all[4].url, 'ws://h/ws?token=k&since=8');
});

test('backoff is capped and jittered', () => {
  const { feed } = setup({ random: () => 0 });
  assert.equal(feed.delay(1), 250);
  assert.equal(feed.delay(2), 500);
  assert.equal(feed.delay(30), 7500);
  const { feed: f2 } = setup({ random: () => 1 });
  assert.equal(f2.delay(30), 15000);
});

test('resync_required moves on to what the stream has now', () => {
  const { c, all, got, feed } = setup();
  feed.start();
  all[0].open();
  all[0].message({ type: 'stock.changed', sequence: 3 });
  all[0].drop();
  c.advance(500);
  all[1].open();
  all[1].message({ type: 'resync_required', since: 3, first_sequence: 100, last_sequence: 120 });
  assert.equal(got.at(-1).type, 'resync_required');
  assert.equal(feed.lastSeq, 120);
  all[1].message({ type: 'stock.changed', sequence: 121 });
  assert.equal(feed.lastSeq, 121);
});

test('a silent connection is detected by ping and replaced', () => {
  const { c, all, feed } = setup({ pingEvery: 1000, pongWithin: 500 });
  feed.start();
  all[0].open();
  c.advance(1000);
  assert.deepEqual(all[0].sent, [{ action: 'ping', id: 'hb1' }]);
  all[0].message({ type: 'pong', id: 'hb1' });
  c.advance(500);
  assert.equal(feed.state, 'live', 'answered: still live');
  c.advance(1000);
  assert.equal(all[0].sent.length, 2);
  c.advance(500); // no pong this time
  assert.equal(all[0].closedWith.code, 4000);
  assert.equal(feed.state, 'reconnecting');
  c.advance(500);
  assert.equal(all.length, 2);
});

test('stop closes the socket and never reconnects', () => {
  const { c, all, states, feed } = setup();
  feed.start();
  all[0].open();
  feed.stop();
  assert.deepEqual(all[0].closedWith, { code: 1000, reason: 'bye' });
  assert.equal(states.at(-1), 'stopped');
  all[0].drop(1000); // a late close event from the browser changes nothing
  c.advance(60000);
  assert.equal(all.length, 1);
  assert.equal(c.pending(), 0);
  assert.equal(feed.send({ action: 'ping' }), false);
});

test('a constructor that throws is retried like a failed connection', () => {
  let n = 0;
  const c = clock();
  const feed = new LiveFeed({
    url: () => 'ws://h/ws',
    WebSocket: class {
      constructor() {
        if (n++ === 0) throw new SyntaxError('bad url');
      }
    },
    setTimeout: c.setTimeout,
    clearTimeout: c.clearTimeout,
    random: () => 1,
  });
  feed.start();
  assert.equal(feed.state, 'reconnecting');
  c.advance(500);
  assert.equal(n, 2);
});

test('wsURL uses the page origin, wss on https, and since when resuming', () => {
  assert.equal(wsURL({ protocol: 'http:', host: '127.0.0.1:8080' }, 'trx_a+b', 0), 'ws://127.0.0.1:8080/ws?token=trx_a%2Bb');
  assert.equal(wsURL({ protocol: 'https:', host: 'x.example' }, 'k', 42), 'wss://x.example/ws?token=k&since=42');
});

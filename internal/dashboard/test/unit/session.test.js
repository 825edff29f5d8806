// The password sign-in's plumbing: the cookie API client (CSRF token on
// every change, never an Authorization header), the live feed's ticket
// socket, and the sign-in page's words for 401, 429 and 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Api } from '../../assets/js/api.js';
import { ticketSocket, sessionWsURL } from '../../assets/js/ticketsocket.js';
import { explainSignIn, waitText } from '../../assets/js/pages/signin.js';

function fakeFetch(status = 200, body = '{}', headers = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return {
      status, ok: status < 400, statusText: 'x',
      headers: { get: (k) => ({ 'content-type': 'application/json', ...headers })[k.toLowerCase()] ?? null },
      text: async () => body,
    };
  };
  return { fetch, calls };
}

test('a cookie session sends its CSRF token on changes only, and no Authorization', async () => {
  const { fetch, calls } = fakeFetch();
  const api = new Api('', { fetch, csrf: 'tok123' });
  await api.get('/api/v1/accounts');
  await api.post('/api/v1/accounts', { name: 'x' });
  await api.patch('/api/v1/accounts/1', { name: 'y' }, { headers: { 'If-Match': '"1"' } });
  await api.del('/api/v1/sessions/current');
  assert.equal(calls[0].init.headers['X-CSRF-Token'], undefined, 'GET carries none');
  for (const c of calls) {
    assert.equal(c.init.headers.Authorization, undefined);
    assert.equal(c.init.credentials, 'same-origin');
  }
  for (const c of calls.slice(1)) assert.equal(c.init.headers['X-CSRF-Token'], 'tok123', c.init.method);
  assert.equal(calls[2].init.headers['If-Match'], '"1"');
});

test('an API key goes as a bearer and no CSRF token is sent', async () => {
  const { fetch, calls } = fakeFetch();
  await new Api('trx_k', { fetch, csrf: 'ignored' }).post('/api/v1/accounts', {});
  assert.equal(calls[0].init.headers.Authorization, 'Bearer trx_k');
  assert.equal(calls[0].init.headers['X-CSRF-Token'], undefined);
});

test('a raw body (a form with a file) is sent as it is', async () => {
  const { fetch, calls } = fakeFetch();
  const form = { fake: 'FormData' };
  await new Api('', { fetch, csrf: 't' }).request('POST', '/api/v1/imports', { query: { account_id: 'a1', dry_run: true }, raw: form });
  assert.equal(calls[0].init.body, form);
  assert.equal(calls[0].init.headers['Content-Type'], undefined, 'the browser sets the multipart boundary');
  assert.equal(calls[0].url, '/api/v1/imports?account_id=a1&dry_run=true');
});

test('a 429 carries its Retry-After', async () => {
  const { fetch } = fakeFetch(429, '{"title":"Too Many Requests","detail":"too many failed sign-ins"}', { 'retry-after': '30' });
  const err = await new Api('', { fetch }).post('/api/v1/sessions', { name: 'a', password: 'b' }).catch((e) => e);
  assert.equal(err.status, 429);
  assert.equal(err.retryAfter, 30);
  const ex = explainSignIn(err);
  assert.equal(ex.retryAfter, 30);
  assert.match(ex.message, /Too many failed sign-ins.*wait 30 seconds/);
  const { fetch: f2 } = fakeFetch(500, '{}');
  assert.equal((await new Api('', { fetch: f2 }).get('/x').catch((e) => e)).retryAfter, null);
});

test('sign-in failures in plain words', () => {
  const e = (status) => ({ name: 'ApiError', status, problem: {}, retryAfter: null });
  assert.match(explainSignIn(e(401)).message, /the name or the password is wrong/);
  assert.match(explainSignIn(e(429)).message, /wait 60 seconds/, 'no Retry-After: a minute');
  assert.equal(explainSignIn(e(404)).noPasswords, true);
  assert.equal(explainSignIn(e(500)), null, 'the usual explanation');
  assert.equal(waitText(1), '1 second');
  assert.equal(waitText(0.2), '1 second');
  assert.equal(waitText(89), '89 seconds');
  assert.equal(waitText(90), '2 minutes');
  assert.equal(waitText(900), '15 minutes');
});

class FakeWS {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeWS.all.push(this);
  }
  send(d) {
    this.sent.push(d);
  }
  close(code) {
    this.closedWith = code;
  }
}

test('the ticket socket asks for a ticket, then opens /ws with it and passes events on', async () => {
  FakeWS.all = [];
  const Sock = ticketSocket(async () => 'wst_abc', FakeWS);
  const url = sessionWsURL({ protocol: 'https:', host: 'trx.example' }, 7);
  assert.equal(url, 'wss://trx.example/ws?since=7');
  assert.equal(sessionWsURL({ protocol: 'http:', host: 'h:1' }, 0), 'ws://h:1/ws');
  const s = new Sock(url);
  const seen = [];
  s.onopen = () => seen.push('open');
  s.onmessage = (ev) => seen.push(ev.data);
  s.onclose = (ev) => seen.push(`close ${ev.code}`);
  assert.equal(s.readyState, 0);
  await new Promise((r) => setImmediate(r));
  const ws = FakeWS.all[0];
  assert.equal(ws.url, 'wss://trx.example/ws?since=7&ticket=wst_abc');
  ws.onopen({});
  assert.equal(s.readyState, 1);
  s.send('{"action":"ping"}');
  ws.onmessage({ data: 'hello' });
  ws.onclose({ code: 4002 });
  assert.deepEqual(seen, ['open', 'hello', 'close 4002']);
  assert.deepEqual(ws.sent, ['{"action":"ping"}']);
});

test('no ticket is a lost connection; closing before the ticket opens nothing', async () => {
  FakeWS.all = [];
  const failing = new (ticketSocket(async () => { throw new Error('401 Unauthorized'); }, FakeWS))('ws://h/ws');
  let closed = null;
  failing.onclose = (ev) => (closed = ev);
  await new Promise((r) => setImmediate(r));
  assert.equal(closed.code, 1006);
  assert.match(closed.reason, /no ticket for the live feed: 401/);
  const early = new (ticketSocket(async () => 'wst_x', FakeWS))('ws://h/ws');
  early.close(1000, 'bye');
  await new Promise((r) => setImmediate(r));
  assert.equal(FakeWS.all.length, 0);
});

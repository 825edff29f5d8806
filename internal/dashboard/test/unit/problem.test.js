import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Api, ApiError, ifMatch } from '../../assets/js/api.js';
import { explain, fieldLabel } from '../../assets/js/problem.js';

function fakeFetch(status, body, headers = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    if (status === 'down') throw new TypeError('Failed to fetch');
    const h = new Headers(headers);
    return new Response(status === 204 ? null : typeof body === 'string' ? body : JSON.stringify(body), { status, headers: h });
  };
  return { fetch, calls };
}

test('requests carry the key, JSON and only non-empty query parameters', async () => {
  const { fetch, calls } = fakeFetch(200, { items: [] }, { 'Content-Type': 'application/json', ETag: '"3"' });
  const api = new Api('trx_k', { fetch });
  const r = await api.request('PATCH', '/api/v1/transactions/1', {
    query: { q: 'tea', from: '', to: null, limit: 50 },
    body: { amount: '-1.00' },
    headers: ifMatch(2),
  });
  assert.deepEqual(r, { status: 200, data: { items: [] }, etag: '"3"' });
  assert.equal(calls[0].url, '/api/v1/transactions/1?q=tea&limit=50');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer trx_k');
  assert.equal(calls[0].init.headers['If-Match'], '"2"');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(calls[0].init.body, '{"amount":"-1.00"}');
});

test('a problem+json becomes an ApiError explained in plain words, per field', async () => {
  const problem = {
    type: 'urn:trx:problem:invalid-request', title: 'Bad Request', status: 400,
    detail: 'amount: "-3.505" has 3 decimal places, EUR allows 2', request_id: 'r1',
    errors: [{ field: 'amount', rule: 'scale', detail: '"-3.505" has 3 decimal places, EUR allows 2' }],
  };
  const { fetch } = fakeFetch(400, problem, { 'Content-Type': 'application/problem+json' });
  const err = await new Api('k', { fetch }).post('/api/v1/transactions', {}).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 400);
  assert.deepEqual(explain(err), {
    message: 'That was not accepted: Amount: "-3.505" has 3 decimal places, EUR allows 2.',
    fields: [{ field: 'amount', index: undefined, text: '"-3.505" has 3 decimal places, EUR allows 2.' }],
    requestId: 'r1',
  });
});

test('statuses have their own lead; 401 tells the session', async () => {
  let told = null;
  const { fetch } = fakeFetch(401, { status: 401, detail: 'unknown API key' }, { 'Content-Type': 'application/problem+json' });
  const err = await new Api('k', { fetch, onUnauthorized: (e) => (told = e) }).get('/x').catch((e) => e);
  assert.equal(told, err);
  assert.equal(explain(err).message, 'Your API key was not accepted: Unknown API key.');

  const stale = new ApiError(412, { detail: 'version 1 is not current' });
  assert.match(explain(stale).message, /^Someone changed this since you loaded it/);
  const ours = new ApiError(500, { detail: 'internal error; quote the request_id', request_id: 'abc' });
  assert.match(explain(ours).message, /not your fault/);
  assert.equal(explain(ours).requestId, 'abc');
  assert.equal(explain(new ApiError(418, { detail: 'teapot' })).message, 'The request failed (HTTP 418): Teapot.');
});

test('network failures and non-JSON errors are explained too', async () => {
  const down = await new Api('k', fakeFetch('down')).get('/x').catch((e) => e);
  assert.equal(down.status, 0);
  assert.match(explain(down).message, /Could not reach the trx server/);

  const plain = await new Api('k', fakeFetch(404, '404 page not found\n', { 'Content-Type': 'text/plain' })).get('/x').catch((e) => e);
  assert.equal(explain(plain).message, 'Not found: 404 page not found.');
  assert.match(explain(new Error('boom')).message, /dashboard: boom/);
});

test('204 has no body', async () => {
  const { fetch } = fakeFetch(204);
  assert.equal(await new Api('k', { fetch }).del('/x'), null);
});

test('field labels', () => {
  assert.equal(fieldLabel('booked_at'), 'Date');
  assert.equal(fieldLabel('items[3].amount'), 'Amount');
  assert.equal(fieldLabel('conditions[0].value'), 'Conditions value');
  assert.equal(fieldLabel('reassign_to'), 'Reassign to');
});

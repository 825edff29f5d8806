// Sign-in for people, in Chromium against a real trx.
//
// Two kinds of test:
//   - the page's side of the sessions contract (docs: SESSIONS-CONTRACT),
//     with the session routes answered by the test (page.route) and every
//     other call passed on to the real server with the API key added, so
//     that the dashboard runs for real on a "cookie" session: it must send
//     X-CSRF-Token on every change and never an Authorization header, open
//     the live feed with a ticket, and say what 401 and 429 mean;
//   - the real thing (a password set with `trx users passwd`, the HttpOnly
//     cookie, CSRF refusal, sign-out), skipped with a message when the
//     server has no POST /api/v1/sessions (404) yet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const shoot = (p, name) => p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
let server, browser;
let sessionsStatus = 0; // what POST /api/v1/sessions answers on this server
const problems = [];
const SESSION = { id: 'ses_test', user: 'admin', scopes: ['read', 'write', 'admin'], created_at: '2026-12-01T00:00:00Z',
  expires_at: '2026-12-31T00:00:00Z', csrf_token: 'csrf-test-token' };

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await trx.start();
  browser = await trx.launch(chromium);
  const r = await fetch(`${server.url}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"nobody","password":"x"}' });
  sessionsStatus = r.status;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const json = (status, body, headers = {}) => ({ status, contentType: status >= 400 ? 'application/problem+json' : 'application/json', headers, body: JSON.stringify(body) });

// fakeSessions answers the session routes of page as the contract says
// and passes every other API call on with the key, recording each.
async function fakeSessions(page, { signIn = () => json(201, SESSION), signedIn = false } = {}) {
  const calls = [];
  const st = { signedIn };
  await page.route('**/api/v1/**', async (route) => {
    const req = route.request();
    const u = new URL(req.url());
    const headers = req.headers();
    calls.push({ method: req.method(), path: u.pathname, csrf: headers['x-csrf-token'] || '', auth: headers.authorization || '' });
    if (u.pathname === '/api/v1/sessions' && req.method() === 'POST') {
      const res = signIn(JSON.parse(req.postData() || '{}'));
      if (res.status === 201) st.signedIn = true;
      return route.fulfill(res);
    }
    if (u.pathname === '/api/v1/sessions/current') {
      if (req.method() === 'DELETE') {
        st.signedIn = false;
        return route.fulfill({ status: 204 });
      }
      return route.fulfill(st.signedIn ? json(200, SESSION) : json(401, { status: 401, title: 'Unauthorized', detail: 'no session' }));
    }
    if (!st.signedIn) return route.fulfill(json(401, { status: 401, title: 'Unauthorized', detail: 'no session' }));
    if (u.pathname === '/api/v1/sessions' && req.method() === 'GET') {
      const items = [{ id: SESSION.id, created_at: SESSION.created_at, last_seen_at: SESSION.created_at, expires_at: SESSION.expires_at,
        user_agent: 'Chromium on Linux', current: true }];
      if (!st.otherEnded) items.push({ id: 'ses_other', created_at: '2026-11-30T08:00:00Z', last_seen_at: null, expires_at: '2026-12-30T08:00:00Z', user_agent: 'Firefox on a phone', current: false });
      return route.fulfill(json(200, { items }));
    }
    if (u.pathname === '/api/v1/sessions/ses_other' && req.method() === 'DELETE') {
      st.otherEnded = true;
      return route.fulfill({ status: 204 });
    }
    return route.continue({ headers: { ...headers, authorization: `Bearer ${server.key}` } });
  });
  return calls;
}

test('the name and password form is the way in; wrong ones are explained', async () => {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  trx.watch(page, problems);
  await fakeSessions(page, { signIn: () => json(401, { status: 401, title: 'Unauthorized', detail: 'name or password is wrong' }) });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'name', 'the name field has the focus');
  assert.equal(await page.getByLabel('API key').isVisible(), false, 'the key is the secondary way');
  assert.deepEqual(await trx.unlabelled(page), []);
  await shoot(page, 'signin-password-desktop');

  // Nothing typed: said at each field.
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill('wrong horse');
  await page.getByLabel('Password').press('Enter');
  await page.locator('.problem', { hasText: 'the name or the password is wrong' }).waitFor();
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is cleared');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'password');
  await shoot(page, 'signin-401-desktop');

  // The API key is one click away.
  await page.getByRole('button', { name: 'Use an API key instead' }).click();
  await page.getByLabel('API key').waitFor();
  assert.equal(await page.getByLabel('Password').isVisible(), false);
  await page.getByRole('button', { name: 'Use your name and password instead' }).click();
  await page.getByLabel('Password').waitFor();
  await ctx.close();
});

test('too many failures: the wait is said, and the button waits too', async () => {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  trx.watch(page, problems);
  await fakeSessions(page, { signIn: () => json(429, { status: 429, title: 'Too Many Requests', detail: 'too many failed sign-ins' }, { 'Retry-After': '120' }) });
  await page.goto(server.url);
  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill('guess');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.problem', { hasText: 'Too many failed sign-ins' }).waitFor();
  assert.match(await page.locator('#signin-password .problem').textContent(), /wait 2 minutes before you try again/);
  const button = page.getByRole('button', { name: /^Sign in \(wait / });
  assert.equal(await button.isDisabled(), true);
  assert.ok(await trx.pageWidth(page) <= 375);
  assert.deepEqual(await trx.unlabelled(page), []);
  await shoot(page, 'signin-429-375');
  await ctx.close();
});

test('a session: CSRF token on every change, no Authorization header, live feed by ticket, sign-out ends it', async () => {
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  trx.watch(page, problems);
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const calls = await fakeSessions(page);
  await page.goto(server.url);
  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Transactions' }).waitFor();
  await page.locator('#who', { hasText: 'Signed in as admin' }).waitFor();
  // The header with the name still fits a phone.
  await page.setViewportSize({ width: 375, height: 812 });
  assert.ok(await trx.pageWidth(page) <= 375, `signed in at 375 px: ${await trx.pageWidth(page)} px wide`);
  await shoot(page, 'signed-in-375');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 10000 });
  assert.ok(sockets.some((u) => /\/ws\?ticket=wst_/.test(u)), `opened ${sockets.join(', ')}`);
  assert.ok(!sockets.some((u) => /token=/.test(u)), 'no credential in a WebSocket URL');

  // A change made in the page carries the token.
  await page.goto(`${server.url}/#/accounts`);
  await page.getByRole('button', { name: '+ Add account' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name').fill('Cash');
  await dlg.getByLabel('Kind').selectOption('cash');
  await dlg.getByLabel('Currency').fill('EUR');
  await dlg.getByRole('button', { name: 'Add account' }).click();
  await page.locator('.account-card', { hasText: 'Cash' }).waitFor();

  // A reload resumes the session (GET /api/v1/sessions/current).
  await page.reload();
  await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();

  // Your sessions, from "Signed in as": end the other one.
  await page.locator('#who').click();
  await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
  const rows = page.locator('.sessions-table tbody tr');
  await rows.nth(1).waitFor();
  assert.match(await page.locator('tr[data-current="true"]').textContent(), /this one/);
  assert.deepEqual(await trx.unlabelled(page), []);
  await shoot(page, 'sessions-desktop');
  await page.locator('tr[data-id="ses_other"]').getByRole('button', { name: /^End the session/ }).click();
  await page.locator('tr[data-id="ses_other"]').waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.match(await page.locator('main .notice').textContent(), /signed out.*ended on the server/);
  for (const c of calls) assert.equal(c.auth, '', `${c.method} ${c.path} sent no Authorization header`);
  const changes = calls.filter((c) => !['GET', 'HEAD', 'OPTIONS'].includes(c.method) && c.path !== '/api/v1/sessions');
  assert.ok(changes.some((c) => c.path === '/api/v1/accounts' && c.method === 'POST'));
  assert.ok(changes.some((c) => c.path === '/api/v1/ws-ticket'));
  assert.ok(changes.some((c) => c.path === '/api/v1/sessions/current' && c.method === 'DELETE'));
  assert.ok(changes.some((c) => c.path === '/api/v1/sessions/ses_other' && c.method === 'DELETE'));
  for (const c of changes) assert.equal(c.csrf, SESSION.csrf_token, `${c.method} ${c.path} carried the CSRF token`);
  for (const c of calls.filter((x) => x.method === 'GET')) assert.equal(c.csrf, '', `${c.path}: no token on a GET`);
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await ctx.close();
});

// ---- against the real sessions API ----

const noSessions = () => (sessionsStatus === 404 || sessionsStatus === 405
  ? `this server has no password sign-in yet (POST /api/v1/sessions answered ${sessionsStatus}); these run once the sessions API is merged`
  : false);

test('real: sign in with a password; the cookie is HttpOnly and SameSite=Strict; a change without the CSRF token is refused', async (t) => {
  const why = noSessions();
  if (why) return t.skip(why);
  server.passwd('admin', 'correct horse battery staple');
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  trx.watch(page, problems);
  await page.goto(server.url);
  await page.getByLabel('Name').fill('admin');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.problem', { hasText: 'the name or the password is wrong' }).waitFor();
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Transactions' }).waitFor();
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 10000 });
  const [cookie] = (await ctx.cookies()).filter((c) => c.name === 'trx_session');
  assert.ok(cookie, 'a session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie.includes('trx_session')), false, 'JavaScript cannot read it');

  // The page's own calls work; a forged one without the token does not.
  await page.goto(`${server.url}/#/accounts`);
  await page.getByRole('button', { name: '+ Add account' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name').fill('Wallet');
  await dlg.getByLabel('Currency').fill('EUR');
  await dlg.getByRole('button', { name: 'Add account' }).click();
  await page.locator('.account-card', { hasText: 'Wallet' }).waitFor();
  const forged = await page.evaluate(async () => {
    const r = await fetch('/api/v1/accounts', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Forged', kind: 'cash', currency: 'EUR' }) });
    return r.status;
  });
  assert.equal(forged, 403);
  assert.equal((await server.api('GET', '/api/v1/accounts')).items.some((a) => a.name === 'Forged'), false);

  // Signed in elsewhere too; ending that session from here signs it out there.
  const other = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const phone = await other.newPage();
  trx.watch(phone, problems);
  await phone.goto(server.url);
  await phone.getByLabel('Name').fill('admin');
  await phone.getByLabel('Password').fill('correct horse battery staple');
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.getByRole('heading', { name: 'Transactions' }).waitFor();
  await page.locator('#who').click();
  await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
  await page.locator('.sessions-table tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('tr[data-current="true"]').count(), 1);
  await page.locator('.sessions-table tbody tr:not([data-current])').getByRole('button', { name: /^End the session/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('.sessions-table tbody tr').length === 1);
  // The phone hears it from its live feed (closed, then no ticket: 401) or
  // from its next call, whichever comes first.
  await phone.evaluate(() => {
    location.hash = '#/accounts';
  });
  await phone.locator('main .notice', { hasText: 'Your session has ended' }).waitFor();
  await other.close();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const after = await page.evaluate(async () => (await fetch('/api/v1/sessions/current', { credentials: 'same-origin' })).status);
  assert.equal(after, 401, 'the session ended on the server');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await ctx.close();
});

test('real: repeated failures are slowed down and the page says how long to wait', async (t) => {
  const why = noSessions();
  if (why) return t.skip(why);
  const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  trx.watch(page, problems);
  await page.goto(server.url);
  await page.getByLabel('Name').fill('admin');
  for (let i = 0; i < 30; i++) {
    await page.getByLabel('Password').fill(`wrong ${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.problem:not([hidden])').waitFor();
    await page.waitForFunction(() => !document.querySelector('#signin-password button[type="submit"]').disabled ||
      /wait/.test(document.querySelector('#signin-password button[type="submit"]').textContent));
    if (/Too many failed sign-ins/.test(await page.locator('#signin-password .problem').textContent())) break;
  }
  assert.match(await page.locator('#signin-password .problem').textContent(), /Too many failed sign-ins.*wait \d+ (seconds?|minutes)/);
  await shoot(page, 'signin-429-desktop');
  await ctx.close();
});

test('no CSP violation or script error', () => {
  assert.deepEqual(problems, []);
});

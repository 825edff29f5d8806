// The dashboard end to end: a real trx on a fresh data directory, driven in
// Debian's headless Chromium by playwright-core. Screenshots of every page,
// at desktop size and 375 px wide, go to test/e2e/screenshots/ (git-ignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';
import * as money from '../../assets/js/money.js';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const PAGES = ['transactions', 'categories', 'report', 'stocks', 'metrics'];

let server, browser, context, page;
const sockets = []; // the WebSocket URLs the page opened
const problems = []; // CSP violations and uncaught errors, from every page

function watch(p) {
  p.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

async function shoot(p, name) {
  await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

// unlabelled lists the visible controls without an accessible name.
function unlabelled(p) {
  return p.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('input, select, textarea, button')) {
      if (!el.checkVisibility()) continue;
      const name = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') ||
        (el.tagName === 'BUTTON' && el.textContent.trim());
      if (!name) bad.push(el.outerHTML.slice(0, 120));
    }
    return bad;
  });
}

async function go(p, name) {
  await p.goto(`${server.url}/#/${name}`);
  await p.locator('h1').first().waitFor();
  assert.equal(await p.locator('h1').count(), 1, `${name}: one h1`);
}

const row = (text) => page.locator('.tx-table tbody tr[data-id]', { hasText: text });

// openFilters opens the (closed by default) filter box.
async function openFilters(p = page) {
  await p.locator('details.filters').evaluate((d) => { d.open = true; });
}

// act opens a transaction's row menu and picks an item.
async function act(r, item) {
  await r.locator('.menu-button').click();
  await r.getByRole('menuitem', { name: item }).click();
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await trx.start();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  watch(page);
  page.on('websocket', (ws) => sockets.push(ws.url()));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the page carries a strict CSP and the usual security headers', async () => {
  const r = await fetch(`${server.url}/`);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  const html = await r.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
  assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=/i, 'no inline style or handler');
});

test('sign in: a wrong key is explained, the right one opens the dashboard', async () => {
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.locator('main .notice').count(), 0);
  assert.doesNotMatch(await page.locator('main').textContent(), /null|undefined/);
  await shoot(page, 'signin-desktop');
  await trx.useKeyForm(page); // behind "Use an API key instead" when the server has password sign-in
  const key = page.getByLabel('API key');
  await key.fill('trx_not-a-real-key-000000000000000');
  await key.press('Enter');
  const err = page.locator('form .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /does not know that key/);
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('.problem').textContent(), /Your API key was not accepted/);
  await shoot(page, 'signin-error-desktop');

  await key.fill(server.key);
  await key.press('Enter'); // by keyboard
  await page.getByRole('heading', { name: 'Transactions' }).waitFor();
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('trx.apiKey')), server.key);
});

test('the navigation is reachable by keyboard', async () => {
  await page.locator('.brand').focus();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.textContent === 'Report')) break;
  }
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Report' }).waitFor();
  await go(page, 'transactions');
});

test('add a transaction and see it listed', async () => {
  await page.getByRole('button', { name: '+ Add transaction' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Date').fill('2026-11-20');
  await dlg.getByLabel('Description').fill('Coffee at Starbucks');
  await dlg.getByLabel('Amount').fill('3,50');
  await dlg.getByLabel('Currency', { exact: true }).fill('EUR');
  await shoot(page, 'transactions-add-desktop');
  await dlg.getByRole('button', { name: 'Add transaction' }).click();
  await row('Coffee at Starbucks').waitFor();
  assert.equal(await row('Coffee at Starbucks').locator('.amount').textContent(), '\u2212\u20ac3.50');
  assert.equal(await dlg.count(), 0, 'the dialog closed');
});

test('an error is explained next to what caused it', async () => {
  await page.getByRole('button', { name: '+ Add transaction' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Description').fill('Too precise');
  await dlg.getByLabel('Amount').fill('3.505');
  await dlg.getByRole('button', { name: 'Add transaction' }).click();
  const amount = dlg.getByLabel('Amount');
  await dlg.locator('[aria-invalid="true"]').waitFor();
  assert.equal(await amount.getAttribute('aria-invalid'), 'true');
  const line = dlg.locator(`#${await amount.getAttribute('id')}-err`);
  assert.match(await line.textContent(), /3 decimal places, EUR allows 2/);
  assert.match(await dlg.locator('.problem').textContent(), /That was not accepted/);
  await shoot(page, 'transactions-error-desktop');
  await dlg.getByRole('button', { name: 'Cancel' }).click();
});

test('categorize manually with the inline picker', async () => {
  const r = row('Coffee at Starbucks');
  const picker = r.getByLabel('Category of \u201cCoffee at Starbucks\u201d');
  await picker.focus();
  await picker.selectOption({ label: 'Food and drink' });
  await r.locator('.badge', { hasText: 'manual' }).waitFor();
  // The row was redrawn; the keyboard focus stayed on its picker.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Category of \u201cCoffee at Starbucks\u201d');
  const { items } = await server.api('GET', '/api/v1/transactions?q=Coffee');
  assert.equal(items[0].category_id, 'food_and_drink');
  assert.equal(items[0].category_source, 'manual');
});

test('a transaction added elsewhere is announced; categorize it by suggestion', async () => {
  await server.api('POST', '/api/v1/transactions', { amount: '-25.00', currency: 'EUR', description: 'Uber ride to the airport', booked_at: '2026-11-21' });
  await page.locator('.banner', { hasText: 'new transaction' }).waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: 'Show them' }).click();
  const r = row('Uber ride');
  await r.waitFor();
  await act(r, 'Suggest a category');
  const box = page.locator('tr.suggestion');
  await box.waitFor();
  const text = await box.textContent();
  assert.match(text, /\d+% confident/);
  assert.match(text, /because|low confidence/);
  const [want] = (await server.api('POST', '/api/v1/classify', { items: [{ description: 'Uber ride to the airport', amount: '-25.00', currency: 'EUR' }] })).items;
  const suggested = want.category_id || want.suggestions[0].category_id;
  await shoot(page, 'transactions-suggestion-desktop');
  await box.getByRole('button', { name: /^Accept / }).click();
  await r.locator('.badge', { hasText: 'manual' }).waitFor();
  const { items } = await server.api('GET', '/api/v1/transactions?q=Uber');
  assert.equal(items[0].category_id, suggested);
  assert.equal(items[0].category_source, 'manual');
  assert.deepEqual(await unlabelled(page), []);
  await shoot(page, 'transactions-desktop');
});

test('categories and a rule with a dry-run preview', async () => {
  await server.api('POST', '/api/v1/transactions', { amount: '-4.20', currency: 'EUR', description: 'STARBUCKS 1234 BERLIN', booked_at: '2026-11-22' });
  await go(page, 'categories');
  await page.getByLabel('New category name').fill('Coffee shops');
  await page.getByRole('button', { name: 'Create category' }).click();
  await page.getByLabel('Name of Coffee shops').waitFor();

  // An empty rule: every problem is marked at its field.
  await page.getByRole('button', { name: 'Create rule' }).click();
  await page.locator('.problem', { hasText: '2 things need correcting; they are marked below their fields' }).waitFor();
  assert.equal(await page.getByLabel('Set category to').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Condition 1: value').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Rule name').fill('Starbucks is coffee');
  await page.getByLabel('Set category to').selectOption({ label: 'Coffee shops' });
  await page.getByLabel('Condition 1: value').fill('starbucks');
  await page.getByRole('button', { name: 'Create rule' }).click();
  const rule = page.locator('.rule', { hasText: 'Starbucks is coffee' });
  await rule.waitFor();
  await rule.getByRole('button', { name: 'Preview changes' }).click();
  const preview = page.locator('.preview');
  await preview.getByText('would change 1 transaction').waitFor();
  assert.match(await preview.textContent(), /STARBUCKS 1234 BERLIN/);
  assert.doesNotMatch(await preview.textContent(), /Coffee at Starbucks/, 'a manual choice is never changed');
  await shoot(page, 'categories-desktop');
  await preview.getByRole('button', { name: 'Apply to 1 transaction' }).click();
  await preview.getByText('1 transaction was changed').waitFor();
  const { items } = await server.api('GET', '/api/v1/transactions?q=BERLIN');
  assert.equal(items[0].category_source, 'rule');
  assert.deepEqual(await unlabelled(page), []);
});

test('report totals change when a transaction is added', async () => {
  await go(page, 'report');
  const spent = page.locator('[data-currency="EUR"] [data-total="spent"]');
  await spent.waitFor();
  const before = (await spent.textContent()).replace('\u20ac', '').replace(/,/g, '');
  assert.equal(before, '32.70'); // 3.50 + 25.00 + 4.20
  await server.api('POST', '/api/v1/transactions', { amount: '-10.00', currency: 'EUR', description: 'Cinema', booked_at: '2026-10-03' });
  await server.api('POST', '/api/v1/transactions', { amount: '-1500', currency: 'JPY', description: 'Onigiri', booked_at: '2026-10-04' });
  await page.getByRole('button', { name: 'Show report' }).click();
  await page.locator('[data-currency="JPY"]').waitFor();
  assert.equal(await spent.textContent(), money.formatMoney(money.add(before, '10.00'), 'EUR', { locale: 'en-US' }).replace('\u2212', ''));
  assert.equal(await page.locator('[data-currency="JPY"] [data-total="spent"]').textContent(), '\u00a51,500');
  const charts = await page.locator('.charts').textContent();
  assert.match(charts, /Food and drink/);
  assert.match(charts, /Coffee shops/);
  assert.match(charts, /Nov 2026/);
  assert.deepEqual(await unlabelled(page), []);
  await shoot(page, 'report-desktop');
});

test('edit, an edit that lost a race explained, and delete', async () => {
  await go(page, 'transactions');
  let r = row('Cinema');
  await act(r, 'Edit\u2026');
  let dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('Amount').inputValue(), '10.00');
  await dlg.getByLabel('Amount').fill('12');
  await dlg.getByRole('button', { name: 'Save changes' }).click();
  await r.locator('.amount', { hasText: '\u2212\u20ac12.00' }).waitFor();

  // Someone else changes it while the dialog is open: nothing is lost
  // silently, the 412 is explained.
  await act(r, 'Edit\u2026');
  dlg = page.getByRole('dialog');
  const { items: [cinema] } = await server.api('GET', '/api/v1/transactions?q=Cinema');
  await server.api('PATCH', `/api/v1/transactions/${cinema.id}`, { description: 'Cinema, changed elsewhere' });
  await dlg.getByLabel('Amount').fill('13');
  await dlg.getByRole('button', { name: 'Save changes' }).click();
  await dlg.locator('.problem', { hasText: 'Someone changed this since you loaded it' }).waitFor();
  await shoot(page, 'transactions-conflict-desktop');
  await dlg.getByRole('button', { name: 'Load the current version' }).click();
  dlg = page.getByRole('dialog');
  await page.waitForFunction(() => document.querySelector('dialog input[name="description"]')?.value === 'Cinema, changed elsewhere');
  assert.equal(await dlg.getByLabel('Amount').inputValue(), '12.00');
  await dlg.getByRole('button', { name: 'Cancel' }).click();

  await openFilters();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  r = row('Cinema, changed elsewhere');
  await act(r, 'Delete\u2026');
  await r.getByRole('button', { name: 'Yes, delete' }).click();
  await r.waitFor({ state: 'detached' });
  assert.deepEqual((await server.api('GET', '/api/v1/transactions?q=Cinema')).items, []);
});

test('filters: a bad one is explained next to it, a good one filters', async () => {
  await openFilters();
  const currency = page.getByLabel('Currency');
  await currency.fill('XYZ');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.locator('.filters [aria-invalid="true"]').waitFor();
  assert.equal(await currency.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator(`#${await currency.getAttribute('id')}-err`).textContent(), /XYZ/);
  await currency.fill('JPY');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await row('Onigiri').waitFor();
  assert.equal(await page.locator('.tx-table tbody tr[data-id]').count(), 1);
  await page.getByRole('button', { name: 'Clear' }).click();
  await row('Coffee at Starbucks').waitFor();
});

test('auto-categorize everything uncategorized, with progress; bulk suggestions', async () => {
  await page.getByRole('button', { name: 'Auto-categorize all uncategorized' }).click();
  await page.locator('.job-text', { hasText: 'Done:' }).waitFor({ timeout: 10000 });
  assert.match(await page.locator('.job-text').textContent(), /\d+ of \d+ looked at, \d+ categorized/);

  await page.getByLabel('Select all on this page').check();
  const n = await page.locator('.tx-table tbody tr[data-id]').count();
  await page.getByRole('button', { name: `Suggest categories for ${n} selected` }).click();
  await page.locator('tr.suggestion').nth(n - 1).waitFor();
  await page.getByRole('button', { name: /^Accept all \d+ suggestions$/ }).click();
  await page.locator('tr.suggestion').first().waitFor({ state: 'detached' });
  assert.equal(await page.locator('.tx-table .badge.src-manual').count(), n);
});

test('stocks: a price changed through the API shows in the ticker within 2 s; resume after a drop', async () => {
  await server.api('POST', '/api/v1/stocks', { symbol: 'ACME', name: 'Acme Corp', price: '100.00', currency: 'USD' });
  await server.api('POST', '/api/v1/stocks', { symbol: 'GLOBX', name: 'Globex', price: '42.50', currency: 'EUR' });
  await go(page, 'stocks');
  const tick = page.locator('.ticker li[data-symbol="ACME"]');
  await tick.locator('.price', { hasText: '100.00' }).waitFor();
  await page.locator('.feed-state .pill[data-state="live"]').waitFor();

  const t0 = Date.now();
  await server.api('PATCH', '/api/v1/stocks/ACME', { price: '110.00' });
  await tick.locator('.price', { hasText: '110.00' }).waitFor({ timeout: 2000 });
  await tick.locator('.chg', { hasText: '+10.00%' }).waitFor({ timeout: 2000 - (Date.now() - t0) });
  const took = Date.now() - t0;
  assert.ok(took < 2000, `took ${took} ms`);
  assert.match(await tick.getAttribute('class'), /\bup\b/);
  assert.equal(await tick.locator('.chg').getAttribute('aria-label'), 'up 10.00 percent');

  // An administrator disconnects the dashboard; a change made meanwhile
  // arrives by resume, and the state is visible throughout.
  const opened = sockets.length;
  // Every state the page shows is recorded as it is shown, so that a
  // reconnect faster than a look at the page is still seen.
  await page.evaluate(() => {
    window.__shown = [];
    const note = () => window.__shown.push(`${document.getElementById('live').dataset.state}|${document.querySelector('.feed-state')?.textContent ?? ''}`);
    new MutationObserver(note).observe(document.getElementById('live'), { attributes: true });
    new MutationObserver(note).observe(document.querySelector('.feed-state'), { childList: true, subtree: true, characterData: true });
  });
  const conns = await server.api('GET', '/api/v1/connections');
  assert.ok(conns.count >= 1);
  for (const c of conns.items) await server.api('DELETE', `/api/v1/connections/${c.connection_id}`);
  await server.api('PATCH', '/api/v1/stocks/ACME', { price: '99.00' });
  await page.waitForFunction(() => window.__shown.some((x) => x.startsWith('reconnecting|') && /Reconnecting/.test(x)), null, { timeout: 10000 });
  await shoot(page, 'stocks-reconnecting-desktop');
  await page.locator('#live[data-state="live"]').waitFor({ timeout: 10000 });
  await tick.locator('.price', { hasText: '99.00' }).waitFor({ timeout: 5000 });
  const again = new URL(sockets[opened]);
  assert.equal(again.pathname, '/ws');
  assert.ok(Number(again.searchParams.get('since')) >= 2, `reconnected with ${again.search.replace(/token=[^&]+/, 'token=…')}`);
  await tick.locator('.chg', { hasText: '\u221210.00%' }).waitFor();
  assert.match(await tick.getAttribute('class'), /\bdown\b/);

  // The admin edits a price in the page and watches it arrive.
  const input = page.getByLabel('New price of ACME');
  await input.fill('120');
  await input.press('Enter');
  await tick.locator('.price', { hasText: '120.00' }).waitFor({ timeout: 2000 });
  await tick.locator('.chg', { hasText: '+21.21%' }).waitFor();
  // A bad price is explained next to it.
  const g = page.getByLabel('New price of GLOBX');
  await g.fill('12.3.4');
  await g.press('Enter');
  await page.locator('tr[data-symbol="GLOBX"] .problem').waitFor();
  assert.match(await page.locator('tr[data-symbol="GLOBX"] .problem').textContent(), /not accepted/i);
  assert.deepEqual(await unlabelled(page), []);
  await shoot(page, 'stocks-desktop');
});

test('metrics show the live connection count', async () => {
  await go(page, 'metrics');
  const conns = page.locator('[data-metric="ws-connections"] .big [data-value]');
  await conns.waitFor();
  assert.ok(Number(await conns.getAttribute('data-value')) >= 1);
  // A second sample gives rates and lines.
  await page.locator('[data-metric="requests"] polyline').first().waitFor({ timeout: 6000 });
  assert.match(await page.locator('table.routes').textContent(), /GET \/api\/v1\/transactions/);
  assert.deepEqual(await unlabelled(page), []);
  await shoot(page, 'metrics-desktop');
});

test('every page at 375 px: no sideways scrolling, every control labelled', async () => {
  const mobile = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: 'en-US' });
  const p = await mobile.newPage();
  watch(p);
  await p.goto(server.url);
  await p.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shoot(p, 'signin-375');
  await trx.useKeyForm(p);
  await p.getByLabel('API key').fill(server.key);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Transactions' }).waitFor();
  for (const name of PAGES) {
    await go(p, name);
    await p.waitForLoadState('networkidle').catch(() => {});
    await p.waitForTimeout(name === 'metrics' ? 2500 : 300);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `${name}: the page is ${width} px wide`);
    assert.deepEqual(await unlabelled(p), [], name);
    assert.doesNotMatch(await p.locator('main').textContent(), /\bnull\b|\bundefined\b|\bNaN\b|\[object /, name);
    await shoot(p, `${name}-375`);
  }
  await mobile.close();
});

test('sign out forgets the key', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.match(await page.locator('main .notice').textContent(), /You are signed out/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('trx.apiKey')), null);
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
});

test('no CSP violation or script error on any page', () => {
  assert.deepEqual(problems, []);
});

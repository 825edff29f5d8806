// The accounts page end to end, in Chromium against a real trx: add an
// account (an error explained at its field first), balances and the
// running balance exact, edit, an edit that lost a race, close, delete;
// at 1280 px and 375 px. Screenshots go to test/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
let server, browser, context, page, acct;
const problems = [];

const shoot = (p, name) => p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

// call is the API with the response's headers (for ETags and If-Match).
async function call(method, p, body, headers = {}) {
  const r = await fetch(server.url + p, {
    method,
    headers: { Authorization: `Bearer ${server.key}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
  return { data: text ? JSON.parse(text) : null, etag: r.headers.get('ETag') };
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await trx.start();
  browser = await trx.launch(chromium);
  context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  trx.watch(page, problems);
  await trx.signInWithKey(page, server.url, server.key);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('no accounts yet: the page says what to do', async () => {
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
  await page.getByText('No accounts yet.').waitFor();
  assert.deepEqual(await trx.unlabelled(page), []);
});

test('add an account: a bad opening balance is explained at its field, then it is added', async () => {
  await page.getByRole('button', { name: '+ Add account' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name').fill('Everyday');
  await dlg.getByLabel('Kind').selectOption({ label: 'Checking' });
  await dlg.getByLabel('Currency').fill('eur');
  await dlg.getByLabel('Opening balance (optional)').fill('1000.505');
  await dlg.getByLabel('Opening date (optional)').fill('2026-11-01');
  await dlg.getByRole('button', { name: 'Add account' }).click();
  const opening = dlg.getByLabel('Opening balance (optional)');
  await dlg.locator('[aria-invalid="true"]').first().waitFor();
  assert.equal(await opening.getAttribute('aria-invalid'), 'true');
  const line = dlg.locator(`#${await opening.getAttribute('id')}-err`);
  assert.match(await line.textContent(), /decimal/i);
  assert.match(await dlg.locator('.problem').textContent(), /not accepted/i);
  await shoot(page, 'accounts-add-error-desktop');

  await opening.fill('1 000,50'); // a decimal comma and a space are understood
  await dlg.getByRole('button', { name: 'Add account' }).click();
  await page.locator('.account-card', { hasText: 'Everyday' }).waitFor();
  assert.equal(await dlg.count(), 0, 'the dialog closed');
  const { data } = await call('GET', '/api/v1/accounts');
  [acct] = data.items;
  assert.equal(acct.name, 'Everyday');
  assert.equal(acct.currency, 'EUR');
  assert.equal(acct.opening_balance, '1000.50');
  assert.equal(acct.opening_date, '2026-11-01');
});

test('balances and the running balance are exact', async () => {
  // 0.1 + 0.2 is where floats go wrong.
  for (const [amount, booked_at, description] of [
    ['-5.00', '2026-10-15', 'Before the opening date'],
    ['2000.00', '2026-11-02', 'Salary'],
    ['-0.10', '2026-11-03', 'Ten cents'],
    ['-0.20', '2026-11-04', 'Twenty cents'],
  ]) {
    await call('POST', '/api/v1/transactions', { amount, currency: 'EUR', description, booked_at, account_id: acct.id });
  }
  await page.reload();
  const card = page.locator('.account-card', { hasText: 'Everyday' });
  await card.locator('.account-balance', { hasText: '€3,000.20' }).waitFor();
  assert.equal(await card.locator('.account-balance').getAttribute('data-balance'), '3000.20');
  assert.match(await card.textContent(), /3 transactions/, 'the one before the opening date is not in the balance');
  assert.equal(await page.locator('.totals-list [data-currency="EUR"] dd').textContent(), '€3,000.20');
  await shoot(page, 'accounts-desktop');

  await card.getByRole('link', { name: 'Everyday' }).click();
  await page.getByRole('heading', { name: 'Everyday', level: 1 }).waitFor();
  const rows = page.locator('table.ledger tbody tr');
  await rows.nth(3).waitFor();
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.desc span').textContent,
    tr.querySelector('[data-label="Amount"]').textContent, tr.querySelector('[data-label="Balance"]').textContent]));
  assert.deepEqual(cells, [
    ['Twenty cents', '\u2212€0.20', '€3,000.20'],
    ['Ten cents', '\u2212€0.10', '€3,000.40'],
    ['Salary', '€2,000.00', '€3,000.50'],
    ['Before the opening date', '\u2212€5.00', 'before opening'],
  ]);
  assert.match(await page.locator('.ledger-foot').textContent(), /Opening balance on (2026-11-01|Nov 1, 2026): €1,000\.50\.$/);
  assert.deepEqual(await trx.unlabelled(page), []);
  await shoot(page, 'account-detail-desktop');
});

test('edit an account; an edit that lost a race is explained', async () => {
  await page.getByRole('button', { name: 'Edit' }).click();
  let dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('Currency').isDisabled(), true, 'the currency never changes');
  await dlg.getByLabel('Name').fill('Everyday account');
  await dlg.getByLabel('Bank or institution (optional)').fill('Sparkasse');
  await dlg.getByLabel('Account number (optional)').fill('DE89370400440532013000');
  await dlg.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Everyday account', level: 1 }).waitFor();
  assert.match(await page.locator('.account-head').textContent(), /Sparkasse/);

  // Someone else renames it while the dialog is open: nothing is lost
  // silently.
  await page.getByRole('button', { name: 'Edit' }).click();
  dlg = page.getByRole('dialog');
  const cur = await call('GET', `/api/v1/accounts/${acct.id}`);
  await call('PATCH', `/api/v1/accounts/${acct.id}`, { name: 'Renamed elsewhere' }, { 'If-Match': cur.etag });
  await dlg.getByLabel('Bank or institution (optional)').fill('Another bank');
  await dlg.getByRole('button', { name: 'Save changes' }).click();
  await dlg.locator('.problem', { hasText: 'Someone changed this since you loaded it' }).waitFor();
  await shoot(page, 'accounts-conflict-desktop');
  await dlg.getByRole('button', { name: 'Load the current version' }).click();
  await page.waitForFunction(() => document.querySelector('dialog input[name="name"]')?.value === 'Renamed elsewhere');
  dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('Bank or institution (optional)').inputValue(), 'Sparkasse');
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await call('GET', `/api/v1/accounts/${acct.id}`)).data.institution, 'Sparkasse');

  // The list masks the number.
  await page.getByRole('link', { name: '\u2190 All accounts' }).click();
  const card = page.locator('.account-card', { hasText: 'Renamed elsewhere' });
  await card.waitFor();
  assert.match(await card.textContent(), /No\. \W*3000/);
  assert.doesNotMatch(await card.textContent(), /DE89370400440532013000/);
});

test('close an account, see it again with the closed ones, reopen it', async () => {
  await page.locator('.account-card').getByRole('link', { name: 'Renamed elsewhere' }).click();
  await page.getByRole('button', { name: 'Close account' }).click();
  await page.locator('.account-head .badge', { hasText: 'closed' }).waitFor();
  assert.equal((await call('GET', `/api/v1/accounts/${acct.id}`)).data.closed, true);
  await page.getByRole('link', { name: '\u2190 All accounts' }).click();
  await page.getByText('No accounts yet.').waitFor();
  await page.getByLabel('Show closed accounts').check();
  const card = page.locator('.account-card.closed', { hasText: 'Renamed elsewhere' });
  await card.waitFor();
  await card.getByRole('link').click();
  await page.getByRole('button', { name: 'Reopen' }).click();
  await page.getByRole('button', { name: 'Close account' }).waitFor();
  assert.equal((await call('GET', `/api/v1/accounts/${acct.id}`)).data.closed, false);
});

test('an account with transactions cannot be deleted; an empty one can', async () => {
  assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0, 'no delete for an account with transactions');
  const { data: empty } = await call('POST', '/api/v1/accounts', { name: 'Old savings', kind: 'savings', currency: 'JPY', opening_balance: '1500' });
  await page.goto(`${server.url}/#/accounts/${empty.id}`);
  await page.getByRole('heading', { name: 'Old savings', level: 1 }).waitFor();
  assert.match(await page.locator('.account-now').textContent(), /¥1,500/);
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
  await page.locator('.account-card', { hasText: 'Renamed elsewhere' }).waitFor();
  assert.equal(await page.locator('.account-card', { hasText: 'Old savings' }).count(), 0);
  assert.equal((await call('GET', '/api/v1/accounts?include_closed=true')).data.items.length, 1);
});

test('at 375 px: no sideways scrolling, every control labelled', async () => {
  const mobile = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const p = await mobile.newPage();
  trx.watch(p, problems);
  await trx.signInWithKey(p, server.url, server.key);
  await p.goto(`${server.url}/#/accounts`);
  await p.locator('.account-card').first().waitFor();
  assert.ok(await trx.pageWidth(p) <= 375, `accounts: ${await trx.pageWidth(p)} px wide`);
  assert.deepEqual(await trx.unlabelled(p), []);
  await shoot(p, 'accounts-375');
  await p.goto(`${server.url}/#/accounts/${acct.id}`);
  await p.locator('table.ledger tbody tr').nth(3).waitFor();
  assert.ok(await trx.pageWidth(p) <= 375, `account: ${await trx.pageWidth(p)} px wide`);
  assert.deepEqual(await trx.unlabelled(p), []);
  assert.doesNotMatch(await p.locator('main').textContent(), /\bnull\b|\bundefined\b|\bNaN\b|\[object /);
  await shoot(p, 'account-detail-375');
  await p.getByRole('button', { name: 'Edit' }).click();
  await p.getByRole('dialog').waitFor();
  assert.ok(await trx.pageWidth(p) <= 375, `edit dialog: ${await trx.pageWidth(p)} px wide`);
  await shoot(p, 'accounts-edit-375');
  await mobile.close();
});

test('keyboard focus is visible on every control of the page', async () => {
  await page.goto(`${server.url}/#/accounts/${acct.id}`);
  await page.locator('table.ledger tbody tr').first().waitFor();
  assert.deepEqual(await trx.focusRings(page), []);
});

test('no CSP violation or script error', () => {
  assert.deepEqual(problems, []);
});

// The dashboard as people use it: dense transactions with keyboard
// navigation, an account filter and bulk categorization; amounts and dates
// in two locales (exact past 2^53); rules edited and reordered; a rule
// suggestion accepted with one click; the ticker's last change after a
// reload; an automated accessibility check (axe-core) of every page.
// Screenshots at 1280×900 and 375×812 go to test/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PAGES = ['transactions', 'categories', 'report', 'stocks', 'metrics'];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };

let server, browser;
const problems = [];
const ids = {}; // description → transaction id

async function signedIn({ locale = 'en-US', viewport = DESKTOP, mobile = false, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, locale, isMobile: mobile, hasTouch: mobile, bypassCSP });
  await context.addInitScript((key) => sessionStorage.setItem('trx.apiKey', key), server.key);
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text()) && !bypassCSP) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page };
}

async function go(page, name) {
  await page.goto(`${server.url}/#/${name}`);
  await page.locator('h1').first().waitFor();
}

const shoot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const rows = (page) => page.locator('.tx-table tbody tr[data-id]');
const row = (page, text) => page.locator('.tx-table tbody tr[data-id]', { hasText: text });
const focusedRow = (page) => page.evaluate(() => (document.activeElement?.matches('tr[data-id]') ? document.activeElement.querySelector('.desc').textContent : null));

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await trx.start();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const acct = await server.api('POST', '/api/v1/accounts', { name: 'Girokonto', kind: 'checking', currency: 'EUR' });
  ids.account = acct.id;
  const add = async (description, amount, day, extra = {}) => {
    const t = await server.api('POST', '/api/v1/transactions', { amount, currency: 'EUR', description, booked_at: `2026-11-${day}`, ...extra });
    ids[description] = t.id;
  };
  await add('Rent November', '-1234567.50', '01', { counterparty: 'Hausverwaltung Müller GmbH', account_id: acct.id });
  await add('Salary', '90071992547409.93', '02', { counterparty: 'ACME Corp', account_id: acct.id }); // 2^53 + 1 cents
  await add('Bakery', '-3.20', '03', { account_id: acct.id });
  await add('Bookshop', '-18.00', '04');
  await add('Cinema', '-11.00', '05');
  await add('Parking', '-4.00', '06');
  for (const [i, d] of ['1001 AUSTIN TX', '1002 DALLAS TX', '1003 HOUSTON TX'].entries()) {
    await add(`SUPERCUTS #${d}`, '-22.00', `1${i}`, { category_id: 'personal_care' });
  }
  await add('SUPERCUTS #2001 DALLAS TX', '-24.00', '14');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('locale: amounts and dates in en-US and de-DE, exact past 2^53', async () => {
  const want = {
    'en-US': { rent: '\u2212\u20ac1,234,567.50', salary: '\u20ac90,071,992,547,409.93', date: 'Nov 1, 2026' },
    'de-DE': { rent: '\u22121.234.567,50\u00a0\u20ac', salary: '90.071.992.547.409,93\u00a0\u20ac', date: '01.11.2026' },
  };
  // A float would have rounded the salary: the page must not.
  assert.notEqual(String(Number('90071992547409.93')), '90071992547409.93');
  for (const [locale, w] of Object.entries(want)) {
    const { context, page } = await signedIn({ locale });
    await go(page, 'transactions');
    await row(page, 'Salary').waitFor();
    assert.equal(await page.evaluate(() => navigator.language), locale);
    assert.equal(await row(page, 'Rent November').locator('.amount').textContent(), w.rent, locale);
    assert.equal(await row(page, 'Salary').locator('.amount').textContent(), w.salary, locale);
    assert.equal(await row(page, 'Rent November').locator('time').textContent(), w.date, locale);
    await shoot(page, `people-transactions-${locale}-desktop`);
    await context.close();
  }
});

test('dense transactions: one line each on a desktop, two on a phone', async () => {
  const { context, page } = await signedIn();
  await go(page, 'transactions');
  await row(page, 'Rent November').waitFor();
  const n = await rows(page).count();
  assert.equal(n, 10);
  const box = await row(page, 'Rent November').boundingBox();
  assert.ok(box.height < 44, `a row is ${box.height} px high`);
  // every column on one line: the cells share their top
  const tops = await row(page, 'Rent November').locator('td').evaluateAll((tds) => tds.map((td) => Math.round(td.getBoundingClientRect().top)));
  assert.equal(new Set(tops).size, 1, `cells start at ${tops}`);
  const texts = await row(page, 'Rent November').locator('td').allTextContents();
  assert.ok(texts.includes('Hausverwaltung Müller GmbH') && texts.includes('Girokonto'), texts.join(' | '));
  const last = await rows(page).last().boundingBox();
  assert.ok(last.y + last.height <= DESKTOP.height, `all ${n} rows above the fold (the last ends at ${last.y + last.height})`);
  await shoot(page, 'people-transactions-desktop');
  await context.close();

  const phone = await signedIn({ viewport: PHONE, mobile: true });
  await go(phone.page, 'transactions');
  const r = row(phone.page, 'Rent November');
  await r.waitFor();
  // Lines: the visible cells' vertical middles, clustered within 12 px.
  const lines = await r.locator('td').evaluateAll((tds) => {
    const mids = tds.filter((td) => td.checkVisibility()).map((td) => { const b = td.getBoundingClientRect(); return (b.top + b.bottom) / 2; }).sort((a, b) => a - b);
    return mids.filter((m, i) => i === 0 || m - mids[i - 1] > 12).length;
  });
  assert.ok(lines <= 2, `${lines} lines`);
  assert.ok((await r.boundingBox()).height < 90);
  // No amount is cut short, however long (the salary is past 2^53 cents).
  const cut = await phone.page.locator('.tx-table td.amount').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent));
  assert.deepEqual(cut, []);
  assert.equal(await row(phone.page, 'Salary').locator('.amount').textContent(), '\u20ac90,071,992,547,409.93');
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width);
  await shoot(phone.page, 'people-transactions-375');
  await phone.context.close();
});

test('keyboard: arrows and j/k between rows, Enter opens, the row menu by keyboard', async () => {
  const { context, page } = await signedIn();
  await go(page, 'transactions');
  await row(page, 'SUPERCUTS #2001').waitFor();
  await rows(page).first().focus();
  assert.equal(await focusedRow(page), 'SUPERCUTS #2001 DALLAS TX');
  await page.keyboard.press('j');
  assert.equal(await focusedRow(page), 'SUPERCUTS #1003 HOUSTON TX');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedRow(page), 'SUPERCUTS #1001 AUSTIN TX');
  await page.keyboard.press('k');
  assert.equal(await focusedRow(page), 'SUPERCUTS #1002 DALLAS TX');
  await page.keyboard.press('End');
  assert.equal(await focusedRow(page), 'Rent November');
  // Only the current row is in the tab order.
  assert.equal(await page.locator('.tx-table tr[data-id][tabindex="0"]').count(), 1);

  await page.keyboard.press('Enter');
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('heading', { name: 'Edit transaction' }).waitFor();
  assert.equal(await dlg.getByLabel('Description').inputValue(), 'Rent November');
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });

  await rows(page).last().focus();
  await page.keyboard.press('m');
  const item = page.getByRole('menuitem', { name: 'Suggest a category' });
  await item.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'menuitem');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Edit\u2026');
  await page.keyboard.press('Escape');
  assert.equal(await item.isVisible(), false);
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Actions for \u201cRent November\u201d$/);
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-expanded')), 'false');
  await page.keyboard.press('Enter'); // the menu button opens it too
  await item.waitFor();
  await shoot(page, 'people-transactions-menu-desktop');
  await page.keyboard.press('Escape');
  await context.close();
});

test('filter by account, then categorize the selection in bulk with progress and per-row errors', async () => {
  const { context, page } = await signedIn();
  await go(page, 'transactions');
  await row(page, 'Bakery').waitFor();
  await page.locator('details.filters summary').click();
  await page.getByLabel('Account').selectOption({ label: 'Girokonto' });
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.tx-table tbody tr[data-id]').length === 3);
  assert.deepEqual(new Set(await rows(page).locator('.desc').allTextContents()), new Set(['Rent November', 'Salary', 'Bakery']));
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.tx-table tbody tr[data-id]').length === 10);

  // Select three by keyboard (Space, x) and one by its checkbox.
  await row(page, 'Parking').focus();
  await page.keyboard.press(' ');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  await row(page, 'Bookshop').getByRole('checkbox').check();
  const bar = page.getByRole('group', { name: 'Categorize the selected transactions' });
  await bar.getByText('3 selected', { exact: true }).waitFor();
  await bar.getByLabel('Category for the selected transactions').selectOption({ label: 'Entertainment' });
  await bar.getByRole('button', { name: 'Categorize 3 selected' }).click();
  await bar.getByText('3 transactions set to Entertainment.').waitFor();
  for (const d of ['Parking', 'Cinema', 'Bookshop']) {
    const t = await server.api('GET', `/api/v1/transactions/${ids[d]}`);
    assert.equal(t.category_id, 'entertainment', d);
    assert.equal(t.category_source, 'manual', d);
  }

  // One of the next selection is deleted meanwhile: the others are still
  // changed, and the failure is told on its row.
  for (const d of ['Parking', 'Cinema', 'Bookshop']) await row(page, d).getByRole('checkbox').check();
  await server.api('DELETE', `/api/v1/transactions/${ids.Cinema}`);
  await bar.getByLabel('Category for the selected transactions').selectOption({ label: 'Transportation' });
  await bar.getByRole('button', { name: 'Categorize 3 selected' }).click();
  await bar.getByText(/^2 of 3 set to Transportation; 1 could not be changed/).waitFor();
  assert.equal(await bar.locator('progress').getAttribute('max'), '3');
  assert.equal((await server.api('GET', `/api/v1/transactions/${ids.Parking}`)).category_id, 'transportation');
  assert.equal((await server.api('GET', `/api/v1/transactions/${ids.Bookshop}`)).category_id, 'transportation');
  await shoot(page, 'people-transactions-bulk-desktop');
  await context.close();
});

test('rules: edit with the dry run beside it, reorder by move up', async () => {
  const a = await server.api('POST', '/api/v1/rules', { name: 'Bakeries', category_id: 'food_and_drink', conditions: [{ field: 'description', op: 'contains', value: 'bakery' }] });
  const b = await server.api('POST', '/api/v1/rules', { name: 'Books', category_id: 'entertainment', conditions: [{ field: 'description', op: 'contains', value: 'books' }] });
  const { context, page } = await signedIn();
  await go(page, 'categories');
  const card = (name) => page.locator('.rule', { hasText: name });
  await card('Books').waitFor();
  assert.deepEqual(await page.locator('.rule .rule-name').allTextContents(), ['Bakeries', 'Books']);
  await page.getByRole('button', { name: 'Move \u201cBooks\u201d up' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('.rule .rule-name')].map((e) => e.textContent).join() === 'Books,Bakeries');
  let list = (await server.api('GET', '/api/v1/rules')).items;
  assert.deepEqual(list.map((r) => [r.id, r.position]), [[b.id, 1], [a.id, 2]]);
  // The focus stays on the moved rule's controls.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Move \u201cBooks\u201d down');
  await page.getByRole('button', { name: 'Move \u201cBooks\u201d down' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('.rule .rule-name')].map((e) => e.textContent).join() === 'Bakeries,Books');

  await card('Books').getByRole('button', { name: 'Edit' }).click();
  const editor = page.locator('.rule.editing');
  await editor.getByLabel('Rule name').fill('Rent is entertainment');
  await editor.getByLabel('Condition 1: value').fill('rent');
  await editor.getByRole('button', { name: 'Save and preview' }).click();
  const side = editor.locator('.rule-dry-run');
  await side.getByText('Applying it would change 1 transaction.').waitFor();
  assert.match(await side.textContent(), /Rent November/);
  list = (await server.api('GET', '/api/v1/rules')).items;
  const edited = list.find((r) => r.id === b.id);
  assert.equal(edited.name, 'Rent is entertainment');
  assert.equal(edited.conditions[0].value, 'rent');
  assert.ok(edited.version > b.version);
  await shoot(page, 'people-categories-edit-desktop');
  await editor.getByRole('button', { name: 'Done' }).click();
  await card('Rent is entertainment').getByRole('button', { name: 'Edit' }).waitFor();
  await context.close();
});

test('a rule suggestion is accepted with one click', async () => {
  const { context, page } = await signedIn();
  await go(page, 'categories');
  const sg = page.locator('.rule-suggestion', { hasText: 'supercuts' });
  await sg.waitFor();
  assert.match(await sg.textContent(), /Personal care for this merchant 3 of the last 3 times/);
  assert.match(await sg.textContent(), /SUPERCUTS #2001 DALLAS TX/);
  await shoot(page, 'people-categories-suggestion-desktop');
  await sg.getByRole('button', { name: /^Accept/ }).click();
  await sg.waitFor({ state: 'detached' });
  await page.locator('.rule', { hasText: 'supercuts' }).first().waitFor();
  const rule = (await server.api('GET', '/api/v1/rules')).items.find((r) => r.category_id === 'personal_care');
  assert.ok(rule, 'the rule was created');
  const t = await server.api('GET', `/api/v1/transactions/${ids['SUPERCUTS #2001 DALLAS TX']}`);
  assert.equal(t.category_id, 'personal_care');
  assert.equal(t.category_source, 'rule');
  await context.close();
});

test('stocks: the last change is still shown after a reload', async () => {
  await server.api('POST', '/api/v1/stocks', { symbol: 'ACME', name: 'Acme Corp', price: '100.00', currency: 'USD' });
  await server.api('PATCH', '/api/v1/stocks/ACME', { price: '110.00' });
  for (const locale of ['en-US', 'de-DE']) {
    const { context, page } = await signedIn({ locale });
    await go(page, 'stocks');
    const tick = page.locator('.ticker li[data-symbol="ACME"]');
    await tick.locator('.chg', { hasText: locale === 'en-US' ? '+10.00%' : '+10,00\u00a0%' }).waitFor();
    assert.match(await tick.getAttribute('class'), /\bup\b/);
    await page.reload();
    await tick.locator('.chg', { hasText: locale === 'en-US' ? '+10.00%' : '+10,00\u00a0%' }).waitFor();
    await shoot(page, `people-stocks-${locale}-desktop`);
    await context.close();
  }
});

test('charts have a time axis labelled in the locale', async () => {
  const { context, page } = await signedIn({ locale: 'de-DE' });
  await go(page, 'metrics');
  const axis = page.locator('[data-metric="ws-connections"] .time-axis time');
  await axis.first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-metric="ws-connections"] .time-axis time').length >= 2, null, { timeout: 10000 });
  const label = await axis.first().textContent();
  const iso = await axis.first().getAttribute('datetime');
  const expect = await page.evaluate((s) => new Intl.DateTimeFormat('de-DE', { hour: 'numeric', minute: '2-digit' }).format(new Date(s)), iso);
  assert.equal(label, expect);
  assert.match(label, /^\d{1,2}:\d{2}$/); // de-DE: 24-hour clock
  await context.close();
});

test('accessibility: axe-core finds no serious or critical violation on any page', async () => {
  const { context, page } = await signedIn({ bypassCSP: true }); // bypassCSP only so that axe can be injected
  for (const name of PAGES) {
    await go(page, name);
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.addScriptTag({ path: axePath });
    const res = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(bad, [], name);
  }
  // A row menu open and the rule editor open are checked too.
  await go(page, 'transactions');
  await rows(page).first().locator('.menu-button').click();
  await page.addScriptTag({ path: axePath });
  const res = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(res.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id), []);
  await context.close();
});

test('focus is visible on every kind of control', async () => {
  const { context, page } = await signedIn();
  await go(page, 'transactions');
  await rows(page).first().waitFor();
  const outlines = [];
  for (const sel of ['.tx-table tbody tr[data-id]', '.tx-table .menu-button', '.tx-table .picker', '.tx-table input[type="checkbox"]', '#add-tx']) {
    await page.locator(sel).first().focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    outlines.push([sel, await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle)]);
  }
  for (const [sel, style] of outlines) assert.notEqual(style, 'none', sel);
  await context.close();
});

test('screenshots of these pages at 375 px, no sideways scrolling', async () => {
  const { context, page } = await signedIn({ viewport: PHONE, mobile: true });
  for (const name of ['transactions', 'categories', 'stocks', 'metrics']) {
    await go(page, name);
    await page.waitForLoadState('networkidle').catch(() => {});
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, name);
    await shoot(page, `people-${name}-375`);
  }
  await go(page, 'transactions');
  await rows(page).first().locator('.menu-button').click();
  await page.getByRole('menuitem').first().waitFor();
  await shoot(page, 'people-transactions-menu-375');
  await context.close();
});

test('no CSP violation or script error', () => {
  assert.deepEqual(problems, []);
});

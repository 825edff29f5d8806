// The import page end to end, in Chromium against a real trx: a German
// bank's CSV (semicolons, decimal comma, debit/credit columns, DD.MM.YYYY)
// whose mapping the page guesses, a live preview that follows the mapping
// with every problem on its line, start, progress, the result with the
// rejected line, nothing twice, undo; a preset saved and used; a dropped
// file; a CAMT.053 statement (no mapping); a PDF refused in plain words;
// at 1280 px and 375 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
let server, browser, page, acct;
const problems = [];
const shoot = (p, name) => p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

const GIRO = [
  'Datum;Buchungstext;Empfänger;Soll;Haben;Saldo',
  '03.01.2024;Lastschrift Strom;Stadtwerke München;1.234,56;;8.765,44',
  '05.01.2024;Gutschrift Gehalt;Arbeitgeber AG;;3.000,00;11.765,44',
  '06.01.2024;Kartenzahlung;Bäckerei Müller;3,10;;11.762,34',
  '07.01.2024;Kaputt;Niemand;zwölf;;11.762,34',
].join('\r\n');

const file = (name, text, mimeType = 'text/csv') => ({ name, mimeType, buffer: Buffer.from(text, 'utf8') });
const state = () => page.locator('.preview-state');
const previewProblems = () => page.locator('section[aria-labelledby="imp-3"] .import-problems');

async function txCount() {
  const r = await server.api('GET', `/api/v1/transactions?account_id=${acct.id}&limit=500`);
  return r.items.length;
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await trx.start();
  acct = await server.api('POST', '/api/v1/accounts', { name: 'Giro', kind: 'checking', currency: 'EUR' });
  browser = await trx.launch(chromium);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  trx.watch(page, problems);
  await trx.signInWithKey(page, server.url, server.key);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a German CSV: the mapping is guessed and the preview shows the rows as they will be stored, the bad line named', async () => {
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Import a statement' }).waitFor();
  assert.equal(await page.getByLabel('Into account').inputValue(), acct.id, 'the only open account is chosen');
  await page.getByLabel('Statement file').setInputFiles(file('giro.csv', GIRO));
  await state().getByText('4 lines read').waitFor();
  assert.equal(await page.getByLabel('The first row names the columns').isChecked(), true);
  assert.equal(await page.getByLabel('Date column').inputValue(), 'Datum');
  assert.equal(await page.getByLabel('Date format').inputValue(), 'DD.MM.YYYY');
  assert.equal(await page.getByLabel('Separate money out and money in columns').isChecked(), true);
  assert.equal(await page.getByLabel('Money out (debit) column').inputValue(), 'Soll');
  assert.equal(await page.getByLabel('Money in (credit) column').inputValue(), 'Haben');
  assert.equal(await page.getByLabel('Description column').inputValue(), 'Buchungstext');
  assert.equal(await page.getByLabel('Counterparty column (optional)').inputValue(), 'Empfänger');
  assert.equal(await page.getByLabel('Decimal separator').inputValue(), ',');
  assert.equal(await page.getByLabel('Thousands separator').inputValue(), '.');

  assert.match(await state().textContent(), /3 new, 0 already imported, 1 with problems/);
  const rows = page.locator('table.import-preview tbody tr');
  assert.equal(await rows.count(), 3);
  const first = await rows.first().evaluate((tr) => [...tr.cells].map((c) => c.textContent));
  assert.deepEqual(first.slice(0, 5), ['2', 'Jan 3, 2024', 'Lastschrift Strom', 'Stadtwerke München', '\u2212€1,234.56']);
  assert.equal(await rows.nth(1).locator('.amount').textContent(), '€3,000.00');
  const bad = previewProblems().locator('li[data-line="5"]');
  assert.match(await bad.textContent(), /^Line 5, debit \(column \u201cSoll\u201d\): .*zwölf/);
  // A bad line refuses the whole file unless told otherwise.
  assert.equal(await page.getByRole('button', { name: 'Import 3 transactions' }).isDisabled(), true);
  assert.deepEqual(await trx.unlabelled(page), []);
  await shoot(page, 'import-preview-desktop');
});

test('the preview follows the mapping: a wrong date format puts a problem on every line', async () => {
  await page.getByLabel('Date format').fill('MM/DD/YYYY');
  await state().getByText('4 with problems').waitFor();
  assert.equal(await previewProblems().locator('li', { hasText: /^Line \d, date/ }).count(), 4);
  assert.match(await previewProblems().locator('li').first().textContent(), /^Line 2, date/);
  await page.getByLabel('Date format').fill('DD.MM.YYYY');
  await state().getByText('3 new').waitFor();
  // A column that is not mapped is explained as a problem of the file.
  await page.getByLabel('Description column').selectOption('');
  await state().getByText('cannot be read with these settings').waitFor();
  assert.match(await previewProblems().textContent(), /The file: .*description/);
  await page.getByLabel('Description column').selectOption('Buchungstext');
  await state().getByText('3 new').waitFor();
});

test('start, watch it run, see the result with the rejected line; nothing twice; undo', async () => {
  await page.getByLabel('Import the good lines and list the bad ones').check();
  const start = page.getByRole('button', { name: 'Import 3 transactions' });
  assert.equal(await start.isDisabled(), false);
  await start.click();
  const result = page.locator('.import-result');
  await result.getByText('Done: 3 transactions created, 0 duplicates left out, 1 line rejected.').waitFor();
  assert.match(await page.locator('section[aria-labelledby="imp-4"] .import-problems').textContent(), /Line 5, debit/);
  assert.equal(await txCount(), 3);
  const { items: [giro] } = await server.api('GET', '/api/v1/accounts');
  assert.equal(giro.balance, '1762.34', '3,000.00 in, 1,234.56 and 3.10 out');
  await shoot(page, 'import-result-desktop');

  // The same file again adds nothing.
  await state().getByText('0 new, 3 already imported').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Nothing new to import' }).isDisabled(), true);
  assert.equal(await page.locator('table.import-preview .badge', { hasText: 'already imported' }).count(), 3);

  // Undo removes exactly what it stored.
  await page.locator('section[aria-labelledby="imp-4"]').getByRole('button', { name: /^Undo the import of/ }).click();
  await result.getByText('Undone: 3 transactions removed.').waitFor();
  assert.equal(await txCount(), 0);
  await page.locator('.imports-table tr[data-state="undone"]').waitFor();
  await state().getByText('3 new').waitFor();
});

test('save the mapping as a preset and use it next time', async () => {
  await page.getByLabel('Preset name').fill('my-giro');
  await page.getByRole('button', { name: 'Save as preset' }).click();
  await page.getByText('Saved as \u201cmy-giro\u201d.').waitFor();
  const preset = await server.api('GET', '/api/v1/import-presets/my-giro');
  assert.equal(preset.mapping.debit, 'Soll');
  assert.equal(preset.mapping.decimal_separator, ',');

  await page.reload();
  await page.getByRole('heading', { name: 'Import a statement' }).waitFor();
  await page.getByLabel('Statement file').setInputFiles(file('giro-february.csv', GIRO.replace(/\.01\.2024/g, '.02.2024')));
  await state().getByText('4 lines read').waitFor();
  await page.getByLabel('Start from a preset').selectOption('my-giro');
  await state().getByText('preset \u201cmy-giro\u201d').waitFor();
  assert.equal(await page.getByLabel('Money out (debit) column').inputValue(), 'Soll');
});

test('a dropped file with a built-in preset', async () => {
  await page.reload();
  await page.getByRole('heading', { name: 'Import a statement' }).waitFor();
  // The first lines of the shared za-bank-statements.csv, in its format.
  const csv = ['description,amount,category,date', 'Fusion Interest Rebate,22.85,Interest Received,2023-10-10',
    'Rtc Express Pmt To Battlezone Party Lance 3 Sep,-650.0,Entertainment,2023-08-31', 'Coffee Shop 12,-35.5,Coffee,2023-09-01',
    'Salary,15000.0,Income,2023-09-25', 'Grocer,-812.35,Groceries,2023-09-26'].join('\n');
  const dt = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'za-bank.csv', { type: 'text/csv' }));
    return d;
  }, csv);
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await state().getByText('5 lines read').waitFor();
  await page.getByLabel('Start from a preset').selectOption('za-bank-statements');
  await state().getByText('preset \u201cza-bank-statements\u201d').waitFor();
  assert.match(await page.locator('.file-info').textContent(), /za-bank\.csv/);
  assert.equal(await page.locator('table.import-preview tbody tr').count(), 5);
});

test('a CAMT.053 statement needs no mapping; a PDF is refused in plain words', async () => {
  await page.reload();
  await page.getByRole('heading', { name: 'Import a statement' }).waitFor();
  const camt = readFileSync(path.join(trx.repoRoot, 'internal', 'statement', 'testdata', 'statement.camt053.xml'), 'utf8');
  await page.getByLabel('Statement file').setInputFiles(file('statement.xml', camt, 'application/xml'));
  await state().getByText('(CAMT.053)').waitFor();
  assert.equal(await page.locator('section[aria-labelledby="imp-2"]').isHidden(), true, 'no mapping for CAMT.053');
  assert.ok(await page.locator('table.import-preview tbody tr').count() > 0);

  await page.getByLabel('Statement file').setInputFiles(file('statement.pdf', '%PDF-1.7\n...', 'application/pdf'));
  await state().getByText(/PDF document/).waitFor();
  assert.match(await state().textContent(), /download the statement from your bank as CSV, OFX, QIF or CAMT\.053/);
  assert.equal(await page.locator('table.import-preview tbody tr').count(), 0);
  await shoot(page, 'import-refused-desktop');
});

test('a Latin-1 file: read in the browser as the server will, its column names intact', async () => {
  await page.reload();
  await page.getByRole('heading', { name: 'Import a statement' }).waitFor();
  const bytes = readFileSync(path.join(trx.repoRoot, 'internal', 'statement', 'testdata', 'giro-latin1.csv'));
  await page.getByLabel('Statement file').setInputFiles({ name: 'giro-latin1.csv', mimeType: 'text/csv', buffer: bytes });
  await state().getByText('2 lines read').waitFor();
  assert.equal(await page.getByLabel('Encoding').inputValue(), 'latin-1');
  assert.equal(await page.getByLabel('Counterparty column (optional)').inputValue(), 'Empfänger');
  const first = page.locator('table.import-preview tbody tr').first();
  assert.match(await first.textContent(), /Stadtwerke München/);
  assert.equal(await first.locator('.amount').textContent(), '\u2212€1,234.56');
});

test('keyboard focus is visible on every control of the page', async () => {
  await page.getByLabel('Statement file').setInputFiles(file('giro.csv', GIRO));
  await state().getByText('4 lines read').waitFor();
  assert.deepEqual(await trx.focusRings(page, 45), []);
});

test('at 375 px: no sideways scrolling, every control labelled', async () => {
  const mobile = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  const p = await mobile.newPage();
  trx.watch(p, problems);
  await trx.signInWithKey(p, server.url, server.key);
  await p.goto(`${server.url}/#/import`);
  await p.getByRole('heading', { name: 'Import a statement' }).waitFor();
  await p.getByLabel('Statement file').setInputFiles(file('giro.csv', GIRO));
  await p.locator('.preview-state').getByText('4 lines read').waitFor();
  await p.locator('.imports-table tbody tr').first().waitFor();
  const wide = await p.evaluate(() => [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > 376)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 8));
  assert.ok(await trx.pageWidth(p) <= 375, `import: ${await trx.pageWidth(p)} px wide: ${wide.join(', ')}`);
  assert.deepEqual(await trx.unlabelled(p), []);
  assert.doesNotMatch(await p.locator('main').textContent(), /\bnull\b|\bundefined\b|\bNaN\b|\[object /);
  await shoot(p, 'import-375');
  await mobile.close();
});

test('no CSP violation or script error', () => {
  assert.deepEqual(problems, []);
});

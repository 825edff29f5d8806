// The metrics page shows a failed scheduled backup: a trx whose
// --backup-dir is a file cannot make the backup due at start; the page's
// Backups card says the last one failed and points to /readyz, which
// names the failure while the server stays ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import * as trx from './trx.js';

let server, browser, tmp;
const problems = [];

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'trx-e2e-backup-'));
  const notADir = path.join(tmp, 'file');
  writeFileSync(notADir, '');
  server = await trx.start(['--backup-every', '1h', '--backup-dir', notADir]);
  browser = await trx.launch(chromium);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a failed scheduled backup shows on the metrics page', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  trx.watch(page, problems);
  await trx.signInWithKey(page, server.url, server.key);
  await page.goto(`${server.url}/#/metrics`);
  // The page reads the summary again every few seconds: the card follows
  // the backup's outcome.
  const card = page.locator('[data-metric="backup"]');
  await card.locator('.big .bad', { hasText: 'the last 1 failed' }).waitFor();
  assert.match(await card.textContent(), /No successful backup yet\..*1 failures since start.*\/readyz says why/s);
  const ready = await (await fetch(`${server.url}/readyz`)).json();
  assert.equal(ready.status, 'ready');
  assert.ok(ready.warnings?.some((w) => /backup/.test(w) && /failed/.test(w)), JSON.stringify(ready));
  assert.deepEqual(await trx.unlabelled(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

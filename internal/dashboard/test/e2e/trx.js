// Starting and stopping a real trx for the browser tests: built from this
// checkout (or TRX_BIN), serving on a free port of 127.0.0.1 from a fresh
// data directory, with the first user's key read from the file its stdout
// names (stdout is not a terminal, so trx does not print the key itself).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

// build compiles ./cmd/trx into dir and returns the binary's path.
export function build(dir) {
  if (process.env.TRX_BIN) return process.env.TRX_BIN;
  const bin = path.join(dir, 'trx');
  execFileSync('go', ['build', '-o', bin, './cmd/trx'], { cwd: repoRoot, stdio: 'inherit' });
  return bin;
}

// start runs `trx serve` (with the flags in args too) and resolves when it
// answers /readyz.
export async function start(args = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'trx-e2e-'));
  const bin = build(dir);
  const child = spawn(bin, ['serve', '--data', path.join(dir, 'data'), '--addr', '127.0.0.1:0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', errOut = '';
  child.stderr.on('data', (b) => {
    errOut += b;
    if (process.env.TRX_E2E_LOG) process.stderr.write(b);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  const { url, key } = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`trx did not print its key within 60 s:\n${out}\n${errOut}`)), 60000);
    child.stdout.on('data', (b) => {
      out += b;
      const f = /Its API key is in (\S+) /.exec(out);
      const u = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (f && u) {
        const k = /\b(trx_[A-Za-z0-9_-]{20,})\b/.exec(readFileSync(f[1], 'utf8'));
        clearTimeout(timer);
        if (k) resolve({ url: u[1], key: k[1] });
        else reject(new Error(`no key in ${f[1]}`));
      }
    });
    exited.then(({ code, sig }) => reject(new Error(`trx exited (${code ?? sig}) before it was ready:\n${out}\n${errOut}`)));
  });
  for (let i = 0; ; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r && r.ok) break;
    if (i > 300) throw new Error(`trx at ${url} is not ready after 30 s:\n${errOut}`);
    await new Promise((res) => setTimeout(res, 100));
  }

  // api calls the API as the first user (an admin) and returns the JSON.
  async function api(method, p, body) {
    const r = await fetch(url + p, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async function stop() {
    if (child.exitCode == null && child.signalCode == null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  // passwd sets NAME's password with `trx users passwd NAME`, the
  // password on standard input (the sessions API's command).
  function passwd(name, password) {
    execFileSync(bin, ['users', 'passwd', name, '--data', path.join(dir, 'data')], { input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  return { url, key, api, passwd, stop, logs: () => errOut };
}

// launch starts Debian's headless Chromium (or $CHROMIUM).
export function launch(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// useKeyForm shows the sign-in page's API key form when the page opened
// on the name and password form (a server with password sign-in).
export async function useKeyForm(page) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const toggle = page.getByRole('button', { name: 'Use an API key instead' });
  if (await toggle.isVisible()) await toggle.click();
}

// signInWithKey opens the dashboard at url and signs in with key.
export async function signInWithKey(page, url, key) {
  await page.goto(url);
  await useKeyForm(page);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Transactions' }).waitFor();
}

// watch collects CSP violations and uncaught errors of page into problems.
export function watch(page, problems) {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

// unlabelled lists the visible controls of page without an accessible name.
export function unlabelled(page) {
  return page.evaluate(() => {
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

// pageWidth is how wide the page is laid out (more than the viewport: it
// scrolls sideways).
export async function pageWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

// focusRings tabs through the first n controls after the skip link and
// returns those whose keyboard focus shows no outline (a visible focus is
// an outline of at least 2 px here, app.css's :focus-visible).
export async function focusRings(page, n = 25) {
  await page.locator('#skip').focus();
  const bad = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      return { what: el.outerHTML.slice(0, 80), ok: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
    });
    if (r && !r.ok) bad.push(r.what);
  }
  return bad;
}

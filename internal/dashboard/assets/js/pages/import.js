// Import a bank statement into an account: pick or drop the file, choose
// (or start from a preset and edit) the column mapping of a CSV with a
// live preview, which is the server's dry run: the first rows as they will
// be stored and every problem with its line. Then start, watch it run,
// see what it did (created, duplicates, rejected lines with reasons), and
// undo it if it was the wrong file.
import { h, append, replace, field, select, uid, announce, formatDate, formatTime } from '../dom.js';
import { problemArea, showProblem, clearProblem, explain } from '../problem.js';
import * as money from '../money.js';
import * as csv from '../csvmap.js';

const IMPORTS = '/api/v1/imports';
const POLL = 500; // ms between looks at a running import
const FORMATS = { csv: 'CSV', ofx: 'OFX/QFX', qif: 'QIF', camt: 'CAMT.053', other: 'not a statement format' };
const NONE = { value: '', label: '\u2014 none \u2014' };

export function mount(root, app) {
  let alive = true;
  const timers = new Set();
  const later = (fn, ms) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (alive) fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const st = {
    accounts: [], presets: [], file: null, bytes: null, format: '', cols: [], sample: [], preset: '', edited: false,
    previewSeq: 0, preview: null, previewTimer: null, imp: null,
  };

  // ---- 1. the file ----
  const account = h('select', { name: 'account_id' });
  const noAccounts = h('p', { class: 'notice', hidden: true }, 'You have no open account to import into yet. ',
    h('a', { href: '#/accounts' }, 'Add an account'), ' first.');
  const fileInput = h('input', { type: 'file', name: 'file', accept: '.csv,.txt,.ofx,.qfx,.qif,.xml,text/csv,application/x-ofx,application/xml' });
  const fileInfo = h('p', { class: 'file-info', role: 'status' });
  const drop = h('div', { class: 'dropzone', 'data-state': 'idle' },
    field('Statement file', fileInput, { name: 'file', hint: 'CSV, OFX/QFX, QIF or CAMT.053, up to 20 MiB.' }),
    h('p', { class: 'muted small', 'aria-hidden': 'true' }, 'or drop the file here'));
  const fileProblem = problemArea();
  const step1 = h('section', { class: 'card', 'aria-labelledby': 'imp-1' },
    h('h2', { id: 'imp-1' }, '1. The statement'),
    noAccounts,
    h('div', { class: 'grid two' }, field('Into account', account, { name: 'account_id' }), drop),
    fileInfo, fileProblem);

  // ---- 2. the mapping (CSV only) ----
  const m = mappingControls();
  const presetName = h('input', { type: 'text', name: 'preset_name', maxlength: 64, autocomplete: 'off' });
  const savePreset = h('button', { type: 'button', class: 'secondary' }, 'Save as preset');
  const presetProblem = problemArea('inline');
  const step2 = h('section', { class: 'card', 'aria-labelledby': 'imp-2', hidden: true },
    h('h2', { id: 'imp-2' }, '2. Columns'),
    h('p', { class: 'muted small' }, 'Say which column holds what. The preview below changes as you do.'),
    m.el,
    h('div', { class: 'inline-form preset-save' }, field('Preset name', presetName, { name: 'name', hint: 'Save this mapping to reuse it for the next statement of this bank.' }),
      h('div', { class: 'actions' }, savePreset)),
    presetProblem);

  // ---- 3. the preview ----
  const previewState = h('p', { class: 'preview-state', role: 'status' });
  const problems = h('ul', { class: 'import-problems', 'aria-label': 'Problems, by line' });
  const previewBody = h('tbody');
  const previewTable = h('table', { class: 'import-preview' },
    h('caption', { class: 'visually-hidden' }, 'The first lines as they will be stored'),
    h('thead', {}, h('tr', {}, ['Line', 'Date', 'Description', 'Counterparty', 'Amount', ''].map((t, i) =>
      h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t || h('span', { class: 'visually-hidden' }, 'Already imported'))))),
    previewBody);
  const failMode = h('input', { type: 'radio', name: 'on_error', value: 'fail', checked: true, id: uid('oe') });
  const skipMode = h('input', { type: 'radio', name: 'on_error', value: 'skip', id: uid('oe') });
  const start = h('button', { type: 'button', disabled: true }, 'Start import');
  const startProblem = problemArea();
  const step3 = h('section', { class: 'card', 'aria-labelledby': 'imp-3', hidden: true },
    h('h2', { id: 'imp-3' }, '3. Preview'),
    previewState, problems,
    h('div', { class: 'table-wrap' }, previewTable),
    h('fieldset', { class: 'on-error' }, h('legend', {}, 'If a line has a problem'),
      h('label', { class: 'check' }, failMode, ' Refuse the whole file (nothing is stored)'),
      h('label', { class: 'check' }, skipMode, ' Import the good lines and list the bad ones')),
    startProblem,
    h('div', { class: 'actions' }, start));

  // ---- 4. the import ----
  const progress = h('progress', { id: uid('prog'), 'aria-label': 'Import progress', hidden: true });
  const result = h('p', { class: 'import-result', role: 'status' });
  const rejected = h('ul', { class: 'import-problems', 'aria-label': 'Rejected lines' });
  const resultActions = h('div', { class: 'actions' });
  const resultProblem = problemArea();
  const step4 = h('section', { class: 'card', 'aria-labelledby': 'imp-4', hidden: true },
    h('h2', { id: 'imp-4' }, '4. Import'), progress, result, rejected, resultProblem, resultActions);

  // ---- recent imports ----
  const recentBody = h('tbody');
  const recentProblem = problemArea();
  const recent = h('section', { class: 'recent-imports', 'aria-labelledby': 'imp-recent', hidden: true },
    h('h2', { id: 'imp-recent' }, 'Recent imports'), recentProblem,
    h('div', { class: 'table-wrap' }, h('table', { class: 'imports-table' },
      h('caption', { class: 'visually-hidden' }, 'Your recent imports, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'File', 'Account', 'Outcome', 'Undo'].map((t) => h('th', { scope: 'col' }, t)))),
      recentBody)));

  // On a wide screen the mapping and its preview sit side by side.
  const work = h('div', { class: 'import-work one' }, step2, step3);
  append(root, [h('h1', {}, 'Import a statement'),
    h('p', { class: 'lead' }, 'Bring in your bank\u2019s statement: every line becomes a transaction of the account, categorized as it arrives. Importing the same file again adds nothing twice.'),
    step1, work, step4, recent]);

  // ---- wiring ----
  fileInput.addEventListener('change', () => fileInput.files[0] && takeFile(fileInput.files[0]));
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.dataset.state = 'over';
    });
  }
  drop.addEventListener('dragleave', () => (drop.dataset.state = 'idle'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.dataset.state = 'idle';
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) takeFile(f);
  });
  account.addEventListener('change', () => schedulePreview(0));
  m.onChange((how) => {
    if (how === 'user') st.edited = true;
    if (how === 'preset') st.edited = false;
    schedulePreview(how === 'text' ? 400 : 0);
  });
  m.preset.addEventListener('change', () => applyPreset(m.preset.value));
  savePreset.addEventListener('click', () => doSavePreset());
  failMode.addEventListener('change', () => renderPreview());
  skipMode.addEventListener('change', () => renderPreview());
  start.addEventListener('click', () => doStart());

  // takeFile reads a picked or dropped file and guesses how to read it.
  async function takeFile(file) {
    clearProblem(fileProblem);
    st.file = file;
    st.bytes = new Uint8Array(await file.arrayBuffer());
    if (!alive) return;
    const { text } = csv.decodeText(st.bytes, 'auto');
    st.format = csv.detectFormat(text);
    replace(fileInfo, h('strong', {}, file.name), ` \u00b7 ${sizeText(file.size)} \u00b7 ${FORMATS[st.format] || st.format}`);
    step2.hidden = st.format !== 'csv';
    work.classList.toggle('one', step2.hidden);
    step3.hidden = false;
    step4.hidden = true;
    if (st.format === 'csv') guess();
    schedulePreview(0);
  }

  // guess fills the mapping from the file's first rows.
  function guess() {
    const enc = csv.decodeText(st.bytes, 'utf-8').valid ? 'utf-8' : 'latin-1';
    const { text } = csv.decodeText(st.bytes, enc);
    const delimiter = csv.sniffDelimiter(text);
    const rows = csv.parseCSV(text, { delimiter, max: 6 });
    const header = rows.length > 0 && csv.guessHeader(rows[0].fields);
    const cols = csv.columns(rows[0] ? rows[0].fields : [], header);
    const g = csv.guessMapping(cols);
    const data = header ? rows.slice(1) : rows;
    const at = (ref) => cols.findIndex((c) => c.value === ref);
    const samples = (ref) => (ref ? data.map((r) => r.fields[at(ref)] || '') : []);
    const nums = csv.guessNumbers([...samples(g.amount), ...samples(g.debit), ...samples(g.credit)]);
    m.set({ ...csv.fromMapping({}), ...g, delimiter: 'auto', header, encoding: enc, dateFormat: csv.guessDateFormat(samples(g.date)),
      amountMode: g.debit ? 'split' : 'single', decimal: nums.decimal, thousands: nums.thousands }, cols);
    m.preset.value = '';
    st.preset = '';
    st.edited = true;
  }

  // refreshColumns rereads the header when how the file is read changes.
  function refreshColumns() {
    const f = m.get();
    const { text } = csv.decodeText(st.bytes, f.encoding);
    const delimiter = f.delimiter === 'auto' ? csv.sniffDelimiter(text.split('\n').slice(f.skipLines).join('\n')) : f.delimiter;
    const rows = csv.parseCSV(text, { delimiter, skipLines: f.skipLines, max: 2 });
    const header = typeof f.header === 'boolean' ? f.header : rows.length > 0 && csv.guessHeader(rows[0].fields);
    m.setColumns(csv.columns(rows[0] ? rows[0].fields : [], header));
  }

  function applyPreset(name) {
    const p = st.presets.find((x) => x.name === name);
    if (!p) {
      if (st.bytes) guess();
      schedulePreview(0);
      return;
    }
    st.preset = name;
    m.set(csv.fromMapping(p.mapping), null);
    refreshColumns();
    m.set(csv.fromMapping(p.mapping), null); // the selects now have the preset's columns
    st.edited = false;
    presetName.value = p.builtin ? '' : p.name;
    schedulePreview(0);
  }

  // ---- preview (the server's dry run) ----
  function schedulePreview(ms) {
    if (st.format === 'csv' && st.bytes) refreshColumns();
    clearTimeout(st.previewTimer);
    timers.delete(st.previewTimer);
    if (!st.bytes || !account.value) {
      start.disabled = true;
      if (st.bytes && !account.value) replace(previewState, 'Choose the account to import into.');
      return;
    }
    st.previewTimer = later(() => runPreview(), ms);
  }

  function request(dryRun) {
    const q = { account_id: account.value, dry_run: dryRun ? 'true' : '', filename: st.file.name };
    const form = new FormData();
    form.append('file', new Blob([st.bytes]), st.file.name);
    if (st.format === 'csv') {
      if (st.preset && !st.edited) q.preset = st.preset;
      else form.append('mapping', JSON.stringify(csv.toMapping(m.get())));
    }
    if (!dryRun && skipMode.checked) q.on_error = 'skip';
    return app.api.request('POST', IMPORTS, { query: q, raw: form });
  }

  async function runPreview() {
    const seq = ++st.previewSeq;
    start.disabled = true;
    replace(previewState, 'Checking the file\u2026');
    previewTable.setAttribute('aria-busy', 'true');
    try {
      const r = await request(true);
      if (!alive || seq !== st.previewSeq) return;
      st.preview = { data: r.data, problems: csv.problemsOf(r.data.problems || []), error: null };
    } catch (err) {
      if (!alive || seq !== st.previewSeq) return;
      st.preview = { data: null, problems: err.name === 'ApiError' && err.status === 400 ? csv.problemsOf(err) : [], error: err };
    }
    previewTable.removeAttribute('aria-busy');
    renderPreview();
  }

  function renderPreview() {
    const p = st.preview;
    if (!p) return;
    replace(problems, p.problems.map((x) => h('li', { 'data-line': x.line }, csv.describeProblem(x))));
    if (!p.data) {
      previewBody.replaceChildren();
      const ex = explain(p.error);
      replace(previewState, h('span', { class: 'bad' }, p.problems.length
        ? `This file cannot be read with these settings: ${p.problems.length === 1 ? 'a problem' : `${p.problems.length} problems`}, listed below.`
        : ex.message));
      start.disabled = true;
      return;
    }
    const d = p.data;
    const currency = (d.items[0] && d.items[0].currency) || '';
    replace(previewState, h('strong', {}, `${d.rows} ${d.rows === 1 ? 'line' : 'lines'} read (${FORMATS[d.format] || d.format}${d.preset ? `, preset \u201c${d.preset}\u201d` : ''}): `),
      [`${d.new} new`, `${d.duplicates} already imported`, d.rejected ? `${d.rejected} with problems` : null,
        d.skipped ? `${d.skipped} left out (pending or not transactions)` : null].filter(Boolean).join(', '), '.',
      d.items.length < d.new + d.duplicates ? h('span', { class: 'muted' }, ` The first ${d.items.length} are shown.`) : null);
    replace(previewBody, d.items.map((it) => h('tr', { 'data-line': it.line, class: it.duplicate ? 'duplicate' : null },
      h('td', { 'data-label': 'Line' }, String(it.line)),
      h('td', { 'data-label': 'Date' }, formatDate(it.booked_at)),
      h('td', { 'data-label': 'Description' }, it.description),
      h('td', { 'data-label': 'Counterparty' }, it.counterparty || ''),
      h('td', { 'data-label': 'Amount', class: `num amount ${money.sign(it.amount) < 0 ? 'neg' : ''}` }, money.formatMoney(it.amount, it.currency || currency)),
      h('td', {}, it.duplicate ? h('span', { class: 'badge' }, 'already imported') : ''))));
    const blocked = d.rejected > 0 && failMode.checked;
    start.disabled = blocked || d.new === 0;
    start.textContent = d.new === 0 ? 'Nothing new to import' : `Import ${d.new} ${d.new === 1 ? 'transaction' : 'transactions'}`;
    if (blocked) append(previewState, [h('span', { class: 'warn' }, ' Fix the problems, or choose to import only the good lines.')]);
  }

  // ---- start, progress, result, undo ----
  async function doStart() {
    clearProblem(startProblem);
    start.disabled = true;
    try {
      const r = await request(false);
      st.imp = r.data;
      step4.hidden = false;
      showImport();
      step4.querySelector('h2').focus();
      if (st.imp.state === 'running') later(poll, POLL);
      else schedulePreview(0);
      loadRecent();
    } catch (err) {
      showProblem(startProblem, err);
      start.disabled = false;
    }
  }

  async function poll() {
    try {
      st.imp = await app.api.get(`${IMPORTS}/${encodeURIComponent(st.imp.id)}`);
    } catch (err) {
      if (err.network || err.status >= 500) {
        later(poll, POLL * 4); // keep watching: it runs on the server regardless
        return;
      }
      showProblem(resultProblem, err);
      return;
    }
    showImport();
    if (st.imp.state === 'running') later(poll, POLL);
    else {
      announce(csv.summary(st.imp));
      loadRecent();
      schedulePreview(0); // the same file again: what is new now
    }
  }

  function showImport() {
    const imp = st.imp;
    progress.hidden = imp.state !== 'running';
    result.dataset.state = imp.state;
    result.textContent = csv.summary(imp);
    replace(rejected, csv.problemsOf(imp.problems || []).map((x) => h('li', { 'data-line': x.line }, csv.describeProblem(x))));
    const acct = st.accounts.find((a) => a.id === imp.account_id);
    replace(resultActions,
      imp.state === 'done' && imp.created > 0 ? undoButton(imp, resultProblem, (u) => {
        st.imp = u;
        showImport();
        schedulePreview(0);
      }) : null,
      imp.state !== 'running' && acct ? h('a', { href: `#/accounts/${encodeURIComponent(acct.id)}` }, `See \u201c${acct.name}\u201d`) : null);
  }

  function undoButton(imp, area, done) {
    const label = `Undo the import of ${imp.filename ? `\u201c${imp.filename}\u201d` : 'this file'}`;
    const b = h('button', { type: 'button', class: 'secondary', 'aria-label': label }, 'Undo import');
    b.addEventListener('click', async () => {
      clearProblem(area);
      b.disabled = true;
      try {
        const u = await app.api.del(`${IMPORTS}/${encodeURIComponent(imp.id)}`);
        announce(csv.summary(u));
        done(u);
        loadRecent();
      } catch (err) {
        b.disabled = false;
        showProblem(area, err);
      }
    });
    return b;
  }

  // ---- presets ----
  async function doSavePreset() {
    clearProblem(presetProblem);
    const name = presetName.value.trim();
    if (!name) {
      presetProblem.replaceChildren(h('p', {}, 'Name the preset first.'));
      presetProblem.hidden = false;
      presetName.focus();
      return;
    }
    savePreset.disabled = true;
    try {
      const ex = st.presets.find((p) => p.name.toLowerCase() === name.toLowerCase() && !p.builtin);
      const r = await app.api.request('PUT', `/api/v1/import-presets/${encodeURIComponent(name)}`,
        { body: csv.toMapping(m.get()), headers: ex ? { 'If-Match': `"${ex.version}"` } : {} });
      await loadPresets();
      m.preset.value = r.data.name;
      st.preset = r.data.name;
      st.edited = false;
      announce(`Saved the preset \u201c${r.data.name}\u201d.`);
      presetProblem.replaceChildren(h('p', {}, `Saved as \u201c${r.data.name}\u201d.`));
      presetProblem.hidden = false;
      presetProblem.setAttribute('role', 'status');
    } catch (err) {
      presetProblem.setAttribute('role', 'alert');
      showProblem(presetProblem, err);
    } finally {
      savePreset.disabled = false;
    }
  }

  async function loadPresets() {
    const d = await app.api.get('/api/v1/import-presets');
    st.presets = d.items || [];
    const keep = m.preset.value;
    replace(m.preset, h('option', { value: '' }, 'Guess from the file'),
      h('optgroup', { label: 'Built in' }, st.presets.filter((p) => p.builtin).map((p) => h('option', { value: p.name }, p.name))),
      st.presets.some((p) => !p.builtin) ? h('optgroup', { label: 'Yours' }, st.presets.filter((p) => !p.builtin).map((p) => h('option', { value: p.name }, p.name))) : null);
    m.preset.value = keep;
  }

  // ---- accounts and recent imports ----
  async function loadAccounts() {
    const d = await app.api.get('/api/v1/accounts');
    st.accounts = d.items || [];
    const want = new URLSearchParams((location.hash.split('?')[1]) || '').get('account') || sessionStorage.getItem('trx.import.account') || '';
    const open = st.accounts.filter((a) => !a.closed);
    replace(account, open.length > 1 ? h('option', { value: '' }, 'Choose an account') : null,
      open.map((a) => h('option', { value: a.id, selected: a.id === want }, `${a.name} (${a.currency})`)));
    noAccounts.hidden = open.length > 0;
    account.disabled = open.length === 0;
  }
  account.addEventListener('change', () => sessionStorage.setItem('trx.import.account', account.value));

  async function loadRecent() {
    try {
      const d = await app.api.get(IMPORTS, { limit: 10 });
      if (!alive) return;
      const items = d.items || [];
      recent.hidden = items.length === 0;
      replace(recentBody, items.map((imp) => {
        const acct = st.accounts.find((a) => a.id === imp.account_id);
        const area = problemArea('inline');
        const cell = h('td', { 'data-label': 'Undo' }, imp.state === 'done' && imp.created > 0
          ? undoButton(imp, area, (u) => {
            if (st.imp && st.imp.id === u.id) {
              st.imp = u;
              showImport();
            }
          })
          : h('span', { class: 'muted' }, '\u2014'), area);
        return h('tr', { 'data-id': imp.id, 'data-state': imp.state },
          h('td', { 'data-label': 'When' }, formatTime(imp.created_at)),
          h('td', { 'data-label': 'File' }, imp.filename || '(unnamed)'),
          h('td', { 'data-label': 'Account' }, acct ? acct.name : imp.account_id),
          h('td', { 'data-label': 'Outcome' }, csv.summary(imp)),
          cell);
      }));
    } catch (err) {
      if (alive) showProblem(recentProblem, err);
    }
  }

  Promise.all([loadAccounts(), loadPresets()]).catch((err) => alive && showProblem(fileProblem, err)).then(() => alive && loadRecent());

  return () => {
    alive = false;
    for (const t of timers) clearTimeout(t);
  };
}

function sizeText(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// mappingControls builds the mapping form: how the file is read, which
// column holds what, how numbers are written. get() and set(form, cols)
// speak csvmap's form shape; onChange(fn) hears every change ('user',
// 'text' for typing, 'preset' for a set()).
function mappingControls() {
  const listeners = [];
  const emit = (how) => listeners.forEach((fn) => fn(how));
  const sel = (name, opts, value) => select(opts, value, { name });
  const preset = h('select', { name: 'preset' }, h('option', { value: '' }, 'Guess from the file'));
  const delimiter = sel('delimiter', [{ value: 'auto', label: 'Detect' }, { value: ',', label: 'Comma ,' }, { value: ';', label: 'Semicolon ;' },
    { value: '\t', label: 'Tab' }, { value: '|', label: 'Bar |' }], 'auto');
  const header = h('input', { type: 'checkbox', name: 'header', id: uid('hdr') });
  const skip = h('input', { type: 'number', name: 'skip_lines', min: 0, max: 100, value: '0', inputmode: 'numeric', class: 'short' });
  const encoding = sel('encoding', [{ value: 'utf-8', label: 'UTF-8' }, { value: 'latin-1', label: 'Latin-1 (ISO 8859-1)' },
    { value: 'windows-1252', label: 'Windows-1252' }, { value: 'auto', label: 'Detect' }], 'utf-8');
  const date = sel('date', [NONE], '');
  const dateFormat = h('input', { type: 'text', name: 'date_format', autocomplete: 'off', spellcheck: 'false', list: uid('dfl') });
  const dateFormats = h('datalist', { id: dateFormat.getAttribute('list') },
    ['iso', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD', 'DD-MM-YYYY', 'D MMM YYYY'].map((f) => h('option', { value: f })));
  const single = h('input', { type: 'radio', name: 'amount_mode', value: 'single', checked: true, id: uid('am') });
  const split = h('input', { type: 'radio', name: 'amount_mode', value: 'split', id: uid('am') });
  const amount = sel('amount', [NONE], '');
  const debit = sel('debit', [NONE], '');
  const credit = sel('credit', [NONE], '');
  const positive = h('input', { type: 'checkbox', name: 'positive_is_spent', id: uid('pos') });
  const desc1 = sel('description', [NONE], '');
  const desc2 = sel('description2', [NONE], '');
  const counterparty = sel('counterparty', [NONE], '');
  const reference = sel('reference', [NONE], '');
  const balance = sel('balance', [NONE], '');
  const decimal = sel('decimal_separator', [{ value: '.', label: 'Point: 1234.56' }, { value: ',', label: 'Comma: 1234,56' }], '.');
  const thousands = sel('thousands_separator', [{ value: '', label: 'None' }, { value: ',', label: 'Comma: 1,234' }, { value: '.', label: 'Point: 1.234' },
    { value: ' ', label: 'Space: 1 234' }, { value: "'", label: "Apostrophe: 1'234" }], '');
  const colSelects = [date, amount, debit, credit, desc1, desc2, counterparty, reference, balance];
  const singleBox = h('div', { class: 'amount-single' }, field('Amount column', amount, { name: 'amount', hint: 'Signed: negative is money spent.' }),
    h('label', { class: 'check', for: positive.id }, positive, ' Positive amounts are money spent (a card\u2019s list of purchases)'));
  const splitBox = h('div', { class: 'grid two amount-split', hidden: true },
    field('Money out (debit) column', debit, { name: 'debit' }), field('Money in (credit) column', credit, { name: 'credit' }));
  const el = h('div', { class: 'mapping' },
    field('Start from a preset', preset, { name: 'preset' }),
    h('fieldset', {}, h('legend', {}, 'Reading the file'),
      h('div', { class: 'grid' }, field('Delimiter', delimiter, { name: 'delimiter' }), field('Encoding', encoding, { name: 'encoding' }),
        field('Lines before the header', skip, { name: 'skip_lines', hint: 'A bank\u2019s preamble' })),
      h('label', { class: 'check', for: header.id }, header, ' The first row names the columns')),
    h('fieldset', {}, h('legend', {}, 'Columns'),
      h('div', { class: 'grid two' }, field('Date column', date, { name: 'date' }),
        field('Date format', dateFormat, { name: 'date_format', hint: 'iso, or with DD, MM, YYYY: e.g. DD.MM.YYYY' })), dateFormats,
      h('fieldset', { class: 'direction' }, h('legend', {}, 'Amounts'),
        h('label', { class: 'check', for: single.id }, single, ' One signed column'),
        h('label', { class: 'check', for: split.id }, split, ' Separate money out and money in columns')),
      singleBox, splitBox,
      h('div', { class: 'grid two' }, field('Description column', desc1, { name: 'description' }),
        field('More description (optional)', desc2, { name: 'description2', hint: 'Joined to the first with a space' }),
        field('Counterparty column (optional)', counterparty, { name: 'counterparty' }),
        field('Reference column (optional)', reference, { name: 'reference', hint: 'The bank\u2019s id of the line: best for finding duplicates' }),
        field('Balance column (optional)', balance, { name: 'balance', hint: 'Read and checked, not stored' }))),
    h('fieldset', {}, h('legend', {}, 'Numbers'),
      h('div', { class: 'grid two' }, field('Decimal separator', decimal, { name: 'decimal_separator' }),
        field('Thousands separator', thousands, { name: 'thousands_separator' }))));
  const mode = () => (split.checked ? 'split' : 'single');
  const showMode = () => {
    singleBox.hidden = mode() === 'split';
    splitBox.hidden = mode() !== 'split';
  };
  for (const c of [delimiter, encoding, header, date, single, split, amount, debit, credit, positive, desc1, desc2, counterparty, reference, balance, decimal, thousands]) {
    c.addEventListener('change', () => {
      showMode();
      emit('user');
    });
  }
  for (const c of [skip, dateFormat]) c.addEventListener('input', () => emit('text'));
  let headerKnown = false;
  header.addEventListener('change', () => (headerKnown = true));

  function setColumns(cols) {
    for (const s of colSelects) {
      const keep = s.value;
      replace(s, h('option', { value: '' }, NONE.label), cols.map((c) => h('option', { value: c.value }, c.label)));
      if (keep && !cols.some((c) => c.value === keep)) s.append(h('option', { value: keep }, `${keep} (not in this file)`));
      s.value = keep;
    }
  }

  return {
    el, preset, setColumns,
    onChange: (fn) => listeners.push(fn),
    get: () => ({
      delimiter: delimiter.value, header: headerKnown ? header.checked : undefined, skipLines: Math.max(0, Number.parseInt(skip.value, 10) || 0),
      encoding: encoding.value, date: date.value, dateFormat: dateFormat.value.trim(), amountMode: mode(), amount: amount.value,
      debit: debit.value, credit: credit.value, description: [desc1.value, desc2.value].filter(Boolean), counterparty: counterparty.value,
      reference: reference.value, balance: balance.value, currency: '', decimal: decimal.value, thousands: thousands.value, positiveIsSpent: positive.checked,
    }),
    set(f, cols) {
      if (cols) setColumns(cols);
      const pick = (s, v) => {
        if (v && ![...s.options].some((o) => o.value === v)) s.append(h('option', { value: v }, v));
        s.value = v || '';
      };
      delimiter.value = f.delimiter || 'auto';
      headerKnown = typeof f.header === 'boolean';
      header.checked = f.header !== false;
      skip.value = String(f.skipLines || 0);
      encoding.value = f.encoding || 'utf-8';
      pick(date, f.date);
      dateFormat.value = f.dateFormat || '';
      split.checked = f.amountMode === 'split';
      single.checked = !split.checked;
      pick(amount, f.amount);
      pick(debit, f.debit);
      pick(credit, f.credit);
      positive.checked = !!f.positiveIsSpent;
      pick(desc1, f.description[0]);
      pick(desc2, f.description[1]);
      pick(counterparty, f.counterparty);
      pick(reference, f.reference);
      pick(balance, f.balance);
      decimal.value = f.decimal || '.';
      thousands.value = f.thousands || '';
      showMode();
    },
  };
}

// Transactions: one dense line per transaction (date, description,
// counterparty, amount, category, account) with its actions in a row menu,
// two lines on a phone; keyboard navigation between rows; filters (account
// among them) and paging; add, edit, delete; inline category picker;
// categorize many at once; suggestions (one or many) to accept or correct;
// a background job that categorizes everything uncategorized, with progress.
import { h, append, field, select, options, replace, announce, formatDate, isoDate, percent, uid } from '../dom.js';
import { rowMenu } from '../rowmenu.js';
import { ApiError, ifMatch, newIdempotencyKey } from '../api.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import * as money from '../money.js';
import { categoryOptions, categoryName, sourceBadge, reason } from '../categories.js';

const TX = '/api/v1/transactions';

export function mount(root, app) {
  let cats = { own: [], builtin: [], byId: new Map() };
  let rules = new Map();
  const st = {
    filters: { from: '', to: '', q: '', currency: '', category: '', direction: '', account: '', limit: '50' },
    cursors: [''], // the cursor of each page seen; the first page has none
    page: 0,
    next: null,
    items: [],
    selected: new Set(),
    suggestions: new Map(), // id → classify result
    rowProblems: new Map(), // id → error
    confirming: null, // id whose delete is being confirmed
    ownCreated: new Set(),
    active: null, // id of the row the keyboard is on
    accounts: [],
    bulk: null, // {done, total, failed, text} of the bulk categorization running or last run
  };
  const BULK_CHUNK = 1000; // the most ids POST /transactions/category takes
  let alive = true;
  let jobTimer = null;

  // ---- layout ----
  const listProblem = problemArea();
  const toolbarProblem = problemArea();
  const tbody = h('tbody');
  const caption = h('caption', { class: 'visually-hidden' }, 'Transactions, newest first');
  const kbdHelp = h('p', { class: 'hint kbd-help', id: uid('kbd') },
    'Keyboard: \u2191/\u2193 or j/k move between rows, Enter opens one, Space or x selects it, m opens its menu.');
  const table = h(
    'table',
    { class: 'tx-table', 'aria-describedby': kbdHelp.id },
    caption,
    h('colgroup', {}, ['sel', 'date', 'desc', 'cp', 'amount', 'cat', 'acct', 'menu'].map((c) => h('col', { class: `c-${c}` }))),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'sel' }, h('span', { class: 'visually-hidden' }, 'Select')),
      h('th', { scope: 'col' }, 'Date'),
      h('th', { scope: 'col' }, 'Description'),
      h('th', { scope: 'col' }, 'Counterparty'),
      h('th', { scope: 'col', class: 'num' }, 'Amount'),
      h('th', { scope: 'col' }, 'Category'),
      h('th', { scope: 'col' }, 'Account'),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
    )),
    tbody,
  );
  tbody.addEventListener('keydown', onRowKey);
  const empty = h('p', { class: 'empty', hidden: true }, 'No transactions match. Add one, or change the filters.');
  const pageInfo = h('span', { class: 'page-info', 'aria-live': 'polite' });
  const prevBtn = h('button', { type: 'button', class: 'secondary', onclick: () => go(st.page - 1) }, '\u2190 Newer');
  const nextBtn = h('button', { type: 'button', class: 'secondary', onclick: () => go(st.page + 1) }, 'Older \u2192');
  const banner = h('div', { class: 'banner', hidden: true, role: 'status' });

  const suggestSelected = h('button', { type: 'button', class: 'secondary', onclick: () => suggest([...st.selected]) }, 'Suggest categories for selected');
  const acceptAll = h('button', { type: 'button', hidden: true, onclick: acceptAllSuggestions }, 'Accept all suggestions');
  const jobBtn = h('button', { type: 'button', class: 'secondary', onclick: startJob }, 'Auto-categorize all uncategorized');
  const jobProgress = h('progress', { max: 1, value: 0, hidden: true, id: uid('job') });
  const jobText = h('span', { class: 'job-text', role: 'status' });
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all on this page', onchange: () => {
    for (const t of st.items) if (selectAll.checked) st.selected.add(t.id); else st.selected.delete(t.id);
    render();
  } });

  const bulkCategory = select([{ value: '', label: 'Choose\u2026' }], '', { 'aria-label': 'Category for the selected transactions' });
  const bulkBtn = h('button', { type: 'button', onclick: () => bulkCategorize() }, 'Categorize selected');
  const bulkProgress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Progress of categorizing the selected transactions' });
  const bulkText = h('span', { class: 'bulk-text', role: 'status' });
  const bulkProblem = problemArea();
  const bulkBar = h('div', { class: 'bulk', role: 'group', 'aria-label': 'Categorize the selected transactions', hidden: true },
    h('span', { class: 'bulk-count' }), bulkCategory, bulkBtn,
    h('button', { type: 'button', class: 'secondary small', onclick: () => { st.selected.clear(); render(); } }, 'Clear selection'),
    bulkProgress, bulkText);

  const filterForm = buildFilters();
  append(root, [
    h('div', { class: 'page-head' },
      h('h1', {}, 'Transactions'),
      h('button', { type: 'button', onclick: () => openEditor(null), id: 'add-tx' }, '+ Add transaction')),
    banner,
    filterForm,
    listProblem,
    h('div', { class: 'toolbar' },
      h('label', { class: 'check' }, selectAll, ' All on page'),
      suggestSelected, acceptAll, jobBtn,
      h('span', { class: 'job' }, h('label', { for: jobProgress.id, class: 'visually-hidden' }, 'Auto-categorize progress'), jobProgress, jobText)),
    bulkBar,
    bulkProblem,
    toolbarProblem,
    kbdHelp,
    h('div', { class: 'tx-wrap' }, table),
    empty,
    h('div', { class: 'pager' }, prevBtn, pageInfo, nextBtn)]);

  // ---- filters ----
  function buildFilters() {
    const f = st.filters;
    const from = h('input', { type: 'date', name: 'from', value: f.from });
    const to = h('input', { type: 'date', name: 'to', value: f.to });
    const q = h('input', { type: 'search', name: 'q', value: f.q, placeholder: 'e.g. coffee' });
    const currency = h('input', { type: 'text', name: 'currency', value: f.currency, maxlength: 3, placeholder: 'EUR', autocapitalize: 'characters' });
    const category = select([{ value: '', label: 'All' }], '', { name: 'category' });
    const direction = select([{ value: '', label: 'All' }, { value: 'spent', label: 'Money spent' }, { value: 'received', label: 'Money received' }], f.direction, { name: 'direction' });
    const account = select([{ value: '', label: 'All' }], f.account, { name: 'account_id' });
    const limit = select(['20', '50', '100', '200'].map((v) => ({ value: v, label: v })), f.limit, { name: 'limit' });
    const form = h('form', { 'aria-label': 'Filter transactions' },
      h('div', { class: 'grid' },
        field('From', from, { name: 'from' }),
        field('To (before)', to, { name: 'to' }),
        field('Search description', q, { name: 'q' }),
        field('Currency', currency, { name: 'currency' }),
        field('Category', category, { name: 'category_id' }),
        field('Direction', direction, { name: 'amount_max' }),
        field('Account', account, { name: 'account_id' }),
        field('Per page', limit, { name: 'limit' })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit' }, 'Apply filters'),
        h('button', { type: 'reset', class: 'secondary' }, 'Clear')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      Object.assign(st.filters, { from: from.value, to: to.value, q: q.value.trim(), currency: currency.value.trim().toUpperCase(),
        category: category.value, direction: direction.value, account: account.value, limit: limit.value });
      st.cursors = [''];
      const on = Object.entries(st.filters).filter(([k, v]) => v && k !== 'limit').length;
      summary.textContent = on ? `Filters (${on} on)` : 'Filters';
      load(0);
    });
    form.addEventListener('reset', () => {
      setTimeout(() => form.requestSubmit(), 0);
    });
    // Closed by default, so that the list starts near the top; the summary
    // says how many filters are on.
    const summary = h('summary', {}, 'Filters');
    const box = h('details', { class: 'filters card' }, summary, form);
    box.summary = summary;
    box.form = form;
    box.categorySelect = category;
    box.accountSelect = account;
    return box;
  }

  function query() {
    const f = st.filters;
    const q = { from: f.from, to: f.to, q: f.q, currency: f.currency, limit: f.limit, account_id: f.account };
    if (f.category === '-') q.uncategorized = 'true';
    else if (f.category) q.category_id = f.category;
    if (f.direction === 'spent') q.amount_max = '0';
    if (f.direction === 'received') q.amount_min = '0';
    return q;
  }

  // ---- loading ----
  // load fetches a page; keep (after a bulk change) keeps the selection and
  // the problems of the rows still listed.
  async function load(page, { keep = false } = {}) {
    clearProblem(listProblem, filterForm.form);
    const q = query();
    const cursor = st.cursors[page];
    if (cursor) q.cursor = cursor;
    table.setAttribute('aria-busy', 'true');
    try {
      const d = await app.api.get(TX, q);
      if (!alive) return;
      st.page = page;
      st.items = d.items || [];
      st.next = d.next_cursor || null;
      st.cursors[page + 1] = st.next || '';
      st.cursors.length = page + 2;
      const listed = new Set(st.items.map((t) => t.id));
      if (keep) {
        for (const id of st.selected) if (!listed.has(id)) st.selected.delete(id);
        for (const id of st.rowProblems.keys()) if (!listed.has(id)) st.rowProblems.delete(id);
      } else {
        st.selected.clear();
        st.rowProblems.clear();
        if (!st.bulk?.running) st.bulk = null;
      }
      st.suggestions.clear();
      if (!listed.has(st.active)) st.active = st.items[0]?.id ?? null;
      render();
    } catch (err) {
      if (!alive) return;
      filterForm.open = true;
      showProblem(listProblem, err, { form: filterForm.form, mapField: (f) => (f === 'uncategorized' ? 'category_id' : f === 'amount_min' ? 'amount_max' : f) });
    } finally {
      table.removeAttribute('aria-busy');
    }
  }

  function go(page) {
    if (page < 0 || (page > st.page && !st.next)) return;
    load(page);
  }

  // ---- rendering ----
  function render() {
    const f = filterForm.categorySelect;
    const keep = f.value;
    replace(f, ...options(categoryOptions(cats, [{ value: '', label: 'All' }, { value: '-', label: 'Uncategorized' }]), keep));
    const a = filterForm.accountSelect;
    replace(a, ...options([{ value: '', label: 'All' }, ...st.accounts.map((x) => ({ value: x.id, label: x.closed ? `${x.name} (closed)` : x.name }))], st.filters.account));
    const bk = bulkCategory.value;
    replace(bulkCategory, ...options(categoryOptions(cats, [{ value: '', label: 'Choose a category\u2026' }, { value: '-', label: 'Uncategorized (clear)' }]), bk));
    // Rows are rebuilt; the focus goes back to the same control (or to the
    // row's category picker if that control is gone), never to the page.
    const key = tbody.contains(document.activeElement) ? document.activeElement.dataset.key || document.activeElement.closest('[data-key]')?.dataset.key : null;
    replace(tbody, ...st.items.flatMap(row));
    if (key) {
      const sel = (k) => tbody.querySelector(`[data-key="${CSS.escape(k)}"]`);
      (sel(key) || sel(`${key.split(':')[0]}:row`))?.focus();
    }
    empty.hidden = st.items.length > 0;
    prevBtn.disabled = st.page === 0;
    nextBtn.disabled = !st.next;
    pageInfo.textContent = `Page ${st.page + 1}${st.items.length ? `, ${st.items.length} shown` : ''}`;
    selectAll.checked = st.items.length > 0 && st.items.every((t) => st.selected.has(t.id));
    suggestSelected.disabled = st.selected.size === 0;
    suggestSelected.textContent = st.selected.size ? `Suggest categories for ${st.selected.size} selected` : 'Suggest categories for selected';
    renderBulk();
    const pending = [...st.suggestions.entries()].filter(([, r]) => suggested(r));
    acceptAll.hidden = pending.length < 2;
    acceptAll.textContent = `Accept all ${pending.length} suggestions`;
  }

  function accountName(id) {
    if (!id) return '';
    const acc = st.accounts.find((x) => x.id === id);
    return acc ? acc.name : id;
  }

  function row(t) {
    const neg = money.sign(t.amount) < 0;
    const label = t.description;
    const picker = select(categoryOptions(cats, [{ value: '', label: 'Uncategorized' }]), t.category_id || '', {
      'aria-label': `Category of \u201c${label}\u201d`,
      class: 'picker',
      'data-key': `${t.id}:picker`,
      onchange: (ev) => setCategory(t, ev.target.value),
    });
    if (t.category_id && !cats.byId.has(t.category_id)) picker.prepend(h('option', { value: t.category_id, selected: true }, t.category_id));
    const check = h('input', { type: 'checkbox', checked: st.selected.has(t.id), 'data-key': `${t.id}:check`, 'aria-label': `Select \u201c${label}\u201d`,
      onchange: (ev) => { if (ev.target.checked) st.selected.add(t.id); else st.selected.delete(t.id); render(); } });
    let actions;
    if (st.confirming === t.id) {
      actions = h('div', { class: 'row-actions confirm' },
        h('span', {}, 'Delete it?'),
        h('button', { type: 'button', class: 'danger small', onclick: () => remove(t), 'data-autofocus': '' }, 'Yes, delete'),
        h('button', { type: 'button', class: 'secondary small', 'data-key': `${t.id}:keep`, onclick: () => { st.confirming = null; render(); } }, 'Keep'));
    } else {
      actions = rowMenu({ label: `Actions for \u201c${label}\u201d`, key: t.id, items: [
        { label: 'Suggest a category', onSelect: () => suggest([t.id]) },
        { label: 'Edit\u2026', onSelect: () => openEditor(t) },
        { label: 'Delete\u2026', danger: true, onSelect: () => { st.confirming = t.id; render(); focusConfirm(); } },
      ] }).el;
    }
    const acct = accountName(t.account_id);
    const active = st.active === t.id || (!st.active && t === st.items[0]);
    const rows = [h('tr', { 'data-id': t.id, 'data-key': `${t.id}:row`, tabindex: active ? '0' : '-1', class: st.selected.has(t.id) ? 'selected' : null,
      'aria-selected': st.selected.has(t.id) ? 'true' : 'false', onfocusin: () => setActive(t.id) },
      h('td', { class: 'sel' }, check),
      h('td', { 'data-label': 'Date', class: 'date' }, h('time', { datetime: t.booked_at }, formatDate(t.booked_at))),
      h('td', { 'data-label': 'Description', class: 'desc', title: t.description }, t.description),
      h('td', { 'data-label': 'Counterparty', class: 'cp', title: t.counterparty || null }, t.counterparty || ''),
      h('td', { 'data-label': 'Amount', class: `num amount ${neg ? 'neg' : 'pos'}` }, money.formatMoney(t.amount, t.currency)),
      h('td', { 'data-label': 'Category', class: 'cat' }, h('div', { class: 'cat-box' }, picker, sourceBadge(t))),
      h('td', { 'data-label': 'Account', class: 'acct', title: acct || null }, acct),
      h('td', { class: 'actions-cell' }, actions))];
    const res = st.suggestions.get(t.id);
    if (res) rows.push(suggestionRow(t, res));
    const err = st.rowProblems.get(t.id);
    if (err) {
      const area = problemArea();
      rows.push(h('tr', { class: 'row-problem', 'data-for': t.id }, h('td', { colspan: 8 }, area)));
      queueMicrotask(() => showProblem(area, err));
    }
    return rows;
  }

  // ---- keyboard ----
  function setActive(id) {
    if (st.active === id) return;
    st.active = id;
    for (const tr of tbody.querySelectorAll('tr[data-id]')) tr.tabIndex = tr.dataset.id === id ? 0 : -1;
  }

  function focusRow(id) {
    const tr = tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
    if (!tr) return;
    setActive(id);
    tr.focus();
  }

  // onRowKey moves between rows and acts on the one focused; keys pressed
  // inside a control of the row are the control's, except Escape, which
  // goes back to the row.
  function onRowKey(ev) {
    const tr = ev.target.closest('tr[data-id]');
    if (!tr || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const id = tr.dataset.id;
    if (ev.target !== tr) {
      if (ev.key === 'Escape' && !ev.target.closest('.menu')) {
        ev.preventDefault();
        focusRow(id);
      }
      return;
    }
    const i = st.items.findIndex((t) => t.id === id);
    const t = st.items[i];
    const to = (j) => st.items[Math.max(0, Math.min(st.items.length - 1, j))];
    const moves = { ArrowDown: i + 1, j: i + 1, ArrowUp: i - 1, k: i - 1, Home: 0, End: st.items.length - 1 };
    if (ev.key in moves) {
      ev.preventDefault();
      focusRow(to(moves[ev.key]).id);
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      openEditor(t);
    } else if (ev.key === ' ' || ev.key === 'x') {
      ev.preventDefault();
      if (st.selected.has(id)) st.selected.delete(id);
      else st.selected.add(id);
      render();
    } else if (ev.key === 'm' || ev.key === 'ContextMenu' || (ev.key === 'F10' && ev.shiftKey)) {
      ev.preventDefault();
      tr.querySelector('.menu-button')?.click();
    } else if (ev.key === 'c') {
      ev.preventDefault();
      tr.querySelector('.picker')?.focus();
    }
  }

  // ---- categorize many ----
  function renderBulk() {
    const n = st.selected.size;
    bulkBar.hidden = n === 0 && !st.bulk;
    bulkBar.querySelector('.bulk-count').textContent = n ? `${n} selected` : 'None selected';
    bulkBtn.textContent = n ? `Categorize ${n} selected` : 'Categorize selected';
    bulkBtn.disabled = n === 0 || !!st.bulk?.running;
    const b = st.bulk;
    bulkProgress.hidden = !b;
    if (b) {
      bulkProgress.max = Math.max(1, b.total);
      bulkProgress.value = b.done;
      bulkText.textContent = b.text;
    } else {
      bulkText.textContent = '';
    }
  }

  // bulkCategorize sets the chosen category on every selected row: in
  // batches of up to 1,000 through POST /transactions/category (all or
  // none); a batch that fails is retried one row at a time (PUT with
  // If-Match), so that the other rows are changed and each failure is
  // shown on its row.
  async function bulkCategorize() {
    clearProblem(bulkProblem);
    const choice = bulkCategory.value;
    if (!choice) {
      showProblem(bulkProblem, new ApiError(400, { detail: 'choose the category to give the selected transactions',
        errors: [{ field: 'bulk_category', detail: 'choose a category' }] }));
      bulkCategory.focus();
      return;
    }
    const categoryID = choice === '-' ? '' : choice;
    const ids = st.items.filter((t) => st.selected.has(t.id)).map((t) => t.id);
    const name = categoryName(cats, categoryID);
    const b = (st.bulk = { running: true, done: 0, total: ids.length, failed: [], text: '' });
    const show = () => {
      b.text = `Categorizing\u2026 ${b.done} of ${b.total}`;
      if (alive) renderBulk();
    };
    show();
    for (let i = 0; i < ids.length && alive; i += BULK_CHUNK) {
      const chunk = ids.slice(i, i + BULK_CHUNK);
      try {
        await app.api.post(`${TX}/category`, { ids: chunk, category_id: categoryID || null });
        for (const id of chunk) st.rowProblems.delete(id);
        b.done += chunk.length;
        show();
      } catch (err) {
        if (err.status === 0 || err.status === 401 || err.status === 403 || err.status === 429 || err.status >= 500) {
          showProblem(bulkProblem, err);
          b.failed.push(...ids.slice(i));
          break;
        }
        for (const id of chunk) {
          if (!alive) return;
          const t = st.items.find((x) => x.id === id);
          try {
            const path = `${TX}/${encodeURIComponent(id)}/category`;
            const updated = categoryID
              ? await app.api.put(path, { category_id: categoryID }, { headers: ifMatch(t.version) })
              : await app.api.del(path, { headers: ifMatch(t.version) });
            replaceItem(updated);
            st.rowProblems.delete(id);
          } catch (e) {
            st.rowProblems.set(id, e);
            b.failed.push(id);
          }
          b.done++;
          show();
        }
      }
    }
    if (!alive) return;
    b.running = false;
    const ok = b.total - b.failed.length;
    for (const id of ids) if (!b.failed.includes(id)) st.selected.delete(id);
    b.text = b.failed.length
      ? `${ok} of ${b.total} set to ${name}; ${b.failed.length} could not be changed (each says why below it, and stays selected).`
      : `${b.total} transaction${b.total === 1 ? '' : 's'} set to ${name}.`;
    announce(b.text);
    await load(st.page, { keep: true });
  }

  function focusConfirm() {
    queueMicrotask(() => tbody.querySelector('[data-autofocus]')?.focus());
  }

  function suggested(res) {
    return res && !res.done && (res.category_id || (res.suggestions && res.suggestions[0]));
  }

  function suggestionRow(t, res) {
    const best = res.category_id ? { category_id: res.category_id, confidence: res.confidence } : res.suggestions[0];
    const others = (res.suggestions || []).filter((s) => !best || s.category_id !== best.category_id).slice(0, 2);
    const correct = select(categoryOptions(cats, [{ value: '', label: 'Choose another\u2026' }]), '', { 'aria-label': `Correct the category of \u201c${t.description}\u201d` });
    const body = [];
    if (!best) {
      body.push(h('p', {}, 'No suggestion: trx has nothing to go on yet. Pick a category; trx learns from it.'));
    } else {
      body.push(h('p', { class: 'suggestion-text' },
        res.category_id ? 'Suggested: ' : 'Best guess (not confident enough to apply on its own): ',
        h('strong', {}, categoryName(cats, best.category_id)),
        ` \u00b7 ${percent(best.confidence)} confident \u00b7 ${res.category_id ? `because ${reason(res, rules)}` : 'low confidence'}`,
        others.length ? h('span', { class: 'muted' }, ` \u00b7 other candidates: ${others.map((s) => `${categoryName(cats, s.category_id)} ${percent(s.confidence)}`).join(', ')}`) : null));
    }
    return h('tr', { class: 'suggestion', 'data-for': t.id }, h('td', { colspan: 8 },
      h('div', { class: 'suggestion-box' }, ...body,
        h('div', { class: 'actions' },
          best ? h('button', { type: 'button', onclick: () => setCategory(t, best.category_id, true) }, `Accept ${categoryName(cats, best.category_id)}`) : null,
          correct,
          h('button', { type: 'button', class: 'secondary', onclick: () => correct.value && setCategory(t, correct.value, true) }, 'Use this one'),
          h('button', { type: 'button', class: 'secondary', onclick: () => { st.suggestions.delete(t.id); render(); } }, 'Dismiss')))));
  }

  // ---- actions ----
  function replaceItem(t) {
    const i = st.items.findIndex((x) => x.id === t.id);
    if (i >= 0) st.items[i] = t;
  }

  async function setCategory(t, categoryID, fromSuggestion = false) {
    st.rowProblems.delete(t.id);
    try {
      const path = `${TX}/${encodeURIComponent(t.id)}/category`;
      const updated = categoryID
        ? await app.api.put(path, { category_id: categoryID }, { headers: ifMatch(t.version) })
        : await app.api.del(path, { headers: ifMatch(t.version) });
      replaceItem(updated);
      if (fromSuggestion) st.suggestions.delete(t.id);
      announce(`\u201c${t.description}\u201d is now ${categoryName(cats, categoryID)}.`);
    } catch (err) {
      st.rowProblems.set(t.id, err);
    }
    if (alive) render();
  }

  async function suggest(ids) {
    clearProblem(toolbarProblem);
    const items = ids.map((id) => st.items.find((t) => t.id === id)).filter(Boolean);
    if (!items.length) return;
    try {
      const [res] = await Promise.all([
        app.api.post('/api/v1/classify', { items: items.map((t) => ({ description: t.description, counterparty: t.counterparty || '', amount: t.amount, currency: t.currency })) }),
        loadRules(),
      ]);
      items.forEach((t, i) => st.suggestions.set(t.id, res.items[i]));
      announce(items.length === 1 ? 'Suggestion ready.' : `${items.length} suggestions ready.`);
    } catch (err) {
      if (items.length === 1) st.rowProblems.set(items[0].id, err);
      else showProblem(toolbarProblem, err);
    }
    if (alive) render();
  }

  async function acceptAllSuggestions() {
    clearProblem(toolbarProblem);
    const groups = new Map();
    for (const [id, res] of st.suggestions) {
      const c = res.category_id || res.suggestions?.[0]?.category_id;
      if (!c) continue;
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c).push(id);
    }
    try {
      for (const [c, ids] of groups) await app.api.post(`${TX}/category`, { ids, category_id: c });
      announce('Suggestions accepted.');
      await load(st.page);
    } catch (err) {
      showProblem(toolbarProblem, err);
    }
  }

  async function remove(t) {
    st.confirming = null;
    try {
      await app.api.del(`${TX}/${encodeURIComponent(t.id)}`, { headers: ifMatch(t.version) });
      announce(`Deleted \u201c${t.description}\u201d.`);
      await load(st.page);
    } catch (err) {
      st.rowProblems.set(t.id, err);
      render();
    }
  }

  async function startJob() {
    clearProblem(toolbarProblem);
    jobBtn.disabled = true;
    try {
      const body = {};
      if (st.filters.from) body.from = st.filters.from;
      if (st.filters.to) body.to = st.filters.to;
      let job = await app.api.post('/api/v1/classifier/jobs', body);
      jobProgress.hidden = false;
      const poll = async () => {
        showJob(job);
        if (job.state === 'running') {
          jobTimer = setTimeout(async () => {
            try {
              job = await app.api.get(`/api/v1/classifier/jobs/${encodeURIComponent(job.id)}`);
              if (alive) poll();
            } catch (err) {
              showProblem(toolbarProblem, err);
              jobBtn.disabled = false;
            }
          }, 400);
          return;
        }
        jobBtn.disabled = false;
        if (job.state === 'done') load(st.page);
      };
      poll();
    } catch (err) {
      jobBtn.disabled = false;
      showProblem(toolbarProblem, err);
    }
  }

  function showJob(job) {
    jobProgress.max = Math.max(1, job.total);
    jobProgress.value = job.done;
    const what = `${job.done} of ${job.total} looked at, ${job.categorized} categorized`;
    jobText.textContent = {
      running: `Categorizing\u2026 ${what}`,
      done: `Done: ${what}.`,
      failed: `Failed after ${what}: ${job.error || 'unknown error'}`,
      canceled: `Stopped after ${what}: ${job.error || ''}`,
    }[job.state] || `${job.state}: ${what}`;
  }

  // ---- add / edit ----
  function openEditor(t) {
    const editing = !!t;
    const idemKey = newIdempotencyKey();
    const neg = editing ? money.sign(t.amount) < 0 : true;
    const date = h('input', { type: 'date', name: 'booked_at', required: true, value: editing ? isoDate(t.booked_at) : new Date().toISOString().slice(0, 10) });
    const desc = h('input', { type: 'text', name: 'description', required: true, maxlength: 1000, value: editing ? t.description : '' });
    const cp = h('input', { type: 'text', name: 'counterparty', maxlength: 200, value: editing ? t.counterparty || '' : '' });
    const spent = h('input', { type: 'radio', name: 'direction', value: 'spent', checked: neg, id: uid('dir') });
    const received = h('input', { type: 'radio', name: 'direction', value: 'received', checked: !neg, id: uid('dir') });
    const amount = h('input', { type: 'text', name: 'amount', inputmode: 'decimal', required: true, autocomplete: 'off', value: editing ? money.abs(t.amount) : '' });
    const currency = h('input', { type: 'text', name: 'currency', required: true, maxlength: 3, autocapitalize: 'characters', class: 'short',
      value: editing ? t.currency : localStorage.getItem('trx.lastCurrency') || 'EUR' });
    const category = select(categoryOptions(cats, [{ value: '', label: 'Uncategorized' }]), editing ? t.category_id || '' : '', { name: 'category_id' });
    const area = problemArea();
    const save = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Add transaction');
    const title = h('h2', { id: uid('dlg') }, editing ? 'Edit transaction' : 'Add a transaction');
    const form = h('form', { method: 'dialog', class: 'editor', novalidate: true },
      title,
      field('Date', date, { name: 'booked_at' }),
      field('Description', desc, { name: 'description' }),
      field('Counterparty (optional)', cp, { name: 'counterparty' }),
      h('fieldset', { class: 'direction' }, h('legend', {}, 'Direction'),
        h('label', { class: 'check' }, spent, ' Money spent'),
        h('label', { class: 'check' }, received, ' Money received')),
      h('div', { class: 'grid two' },
        field('Amount', amount, { name: 'amount', hint: 'For example 12.50' }),
        field('Currency', currency, { name: 'currency', hint: 'ISO code, e.g. EUR' })),
      field('Category', category, { name: 'category_id' }),
      area,
      h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel')));
    const dialog = h('dialog', { 'aria-labelledby': title.id, class: 'dialog' }, form);
    dialog.addEventListener('close', () => dialog.remove());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblem(area, form);
      let amt = money.normalizeInput(amount.value);
      if (money.isDecimal(amt)) {
        amt = money.abs(amt);
        if (spent.checked) amt = money.negate(amt);
      }
      const body = {
        amount: amt,
        currency: currency.value.trim().toUpperCase(),
        description: desc.value.trim(),
        counterparty: cp.value.trim() || null,
        booked_at: date.value,
      };
      save.disabled = true;
      try {
        let saved;
        if (editing) {
          if (isoDate(t.booked_at) === date.value) delete body.booked_at;
          if ((t.category_id || '') !== category.value) body.category_id = category.value || null;
          saved = await app.api.patch(`${TX}/${encodeURIComponent(t.id)}`, body, { headers: ifMatch(t.version) });
        } else {
          if (category.value) body.category_id = category.value;
          if (!body.counterparty) delete body.counterparty;
          saved = await app.api.post(TX, body, { headers: { 'Idempotency-Key': idemKey } });
          st.ownCreated.add(saved.id);
          localStorage.setItem('trx.lastCurrency', body.currency);
        }
        dialog.close();
        announce(editing ? 'Saved.' : `Added \u201c${saved.description}\u201d.`);
        await load(editing ? st.page : 0);
      } catch (err) {
        showProblem(area, err, { form });
        if (err.status === 412) {
          area.append(h('button', { type: 'button', class: 'secondary small', onclick: async () => {
            try {
              const fresh = await app.api.get(`${TX}/${encodeURIComponent(t.id)}`);
              dialog.close();
              replaceItem(fresh);
              render();
              openEditor(fresh);
            } catch (e) {
              showProblem(area, e, { form });
            }
          } }, 'Load the current version'));
        }
      } finally {
        save.disabled = false;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    desc.focus();
  }

  // ---- live events ----
  const offCreated = app.on('transaction.created', (msg) => {
    const id = msg.data && msg.data.id;
    // The event of a transaction added in this page may come before the
    // answer to its POST: decide a moment later.
    if (id) setTimeout(() => arrived(id), 1500);
  });
  function arrived(id) {
    if (!alive || st.ownCreated.has(id) || st.items.some((t) => t.id === id)) return;
    st.unseen = (st.unseen || 0) + 1;
    replace(banner, `${st.unseen} new transaction${st.unseen > 1 ? 's' : ''} arrived. `,
      h('button', { type: 'button', class: 'secondary small', onclick: () => { st.unseen = 0; banner.hidden = true; st.cursors = ['']; load(0); } }, 'Show them'));
    banner.hidden = false;
  }
  const offCategorized = app.on('transaction.categorized', (msg) => {
    const t = msg.data;
    const cur = t && st.items.find((x) => x.id === t.id);
    if (cur && t.version > cur.version) {
      replaceItem(t);
      render();
    }
  });

  async function loadRules() {
    try {
      const d = await app.api.get('/api/v1/rules');
      rules = new Map((d.items || []).map((r) => [r.id, r]));
    } catch {
      // the reason then names no rule
    }
  }

  app.api.get('/api/v1/accounts', { include_closed: 'true' }).then((d) => {
    st.accounts = d.items || [];
    if (alive) render();
  }).catch(() => {
    // without accounts the filter offers only "All" and the column shows ids
  });
  app.categories().then((c) => {
    cats = c;
    if (alive) render();
  }).catch((err) => showProblem(listProblem, err));
  load(0);

  return () => {
    alive = false;
    clearTimeout(jobTimer);
    offCreated();
    offCategorized();
    document.querySelectorAll('dialog').forEach((d) => d.remove());
  };
}

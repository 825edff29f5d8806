// Transactions: list with filters and paging, add, edit, delete; inline
// category picker; suggestions (one or many) to accept or correct; a
// background job that categorizes everything uncategorized, with progress.
import { h, append, field, select, options, replace, announce, formatDate, percent, uid } from '../dom.js';
import { ifMatch, newIdempotencyKey } from '../api.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import * as money from '../money.js';
import { categoryOptions, categoryName, sourceBadge, reason } from '../categories.js';

const TX = '/api/v1/transactions';

export function mount(root, app) {
  let cats = { own: [], builtin: [], byId: new Map() };
  let rules = new Map();
  const st = {
    filters: { from: '', to: '', q: '', currency: '', category: '', direction: '', limit: '20' },
    cursors: [''], // the cursor of each page seen; the first page has none
    page: 0,
    next: null,
    items: [],
    selected: new Set(),
    suggestions: new Map(), // id → classify result
    rowProblems: new Map(), // id → error
    confirming: null, // id whose delete is being confirmed
    ownCreated: new Set(),
  };
  let alive = true;
  let jobTimer = null;

  // ---- layout ----
  const listProblem = problemArea();
  const toolbarProblem = problemArea();
  const tbody = h('tbody');
  const caption = h('caption', { class: 'visually-hidden' }, 'Transactions, newest first');
  const table = h(
    'table',
    { class: 'tx-table' },
    caption,
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'sel' }, h('span', { class: 'visually-hidden' }, 'Select')),
      h('th', { scope: 'col' }, 'Date'),
      h('th', { scope: 'col' }, 'Description'),
      h('th', { scope: 'col', class: 'num' }, 'Amount'),
      h('th', { scope: 'col' }, 'Category'),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
    )),
    tbody,
  );
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
    toolbarProblem,
    h('div', { class: 'table-wrap' }, table),
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
    const limit = select(['20', '50', '100'].map((v) => ({ value: v, label: v })), f.limit, { name: 'limit' });
    const form = h('form', { 'aria-label': 'Filter transactions' },
      h('div', { class: 'grid' },
        field('From', from, { name: 'from' }),
        field('To (before)', to, { name: 'to' }),
        field('Search description', q, { name: 'q' }),
        field('Currency', currency, { name: 'currency' }),
        field('Category', category, { name: 'category_id' }),
        field('Direction', direction, { name: 'amount_max' }),
        field('Per page', limit, { name: 'limit' })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit' }, 'Apply filters'),
        h('button', { type: 'reset', class: 'secondary' }, 'Clear')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      Object.assign(st.filters, { from: from.value, to: to.value, q: q.value.trim(), currency: currency.value.trim().toUpperCase(),
        category: category.value, direction: direction.value, limit: limit.value });
      st.cursors = [''];
      load(0);
    });
    form.addEventListener('reset', () => {
      setTimeout(() => form.requestSubmit(), 0);
    });
    const box = h('details', { class: 'filters card', open: window.matchMedia('(min-width: 701px)').matches }, h('summary', {}, 'Filters'), form);
    box.form = form;
    box.categorySelect = category;
    return box;
  }

  function query() {
    const f = st.filters;
    const q = { from: f.from, to: f.to, q: f.q, currency: f.currency, limit: f.limit };
    if (f.category === '-') q.uncategorized = 'true';
    else if (f.category) q.category_id = f.category;
    if (f.direction === 'spent') q.amount_max = '0';
    if (f.direction === 'received') q.amount_min = '0';
    return q;
  }

  // ---- loading ----
  async function load(page) {
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
      st.selected.clear();
      st.suggestions.clear();
      st.rowProblems.clear();
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
    // Rows are rebuilt; the focus goes back to the same control (or to the
    // row's category picker if that control is gone), never to the page.
    const key = tbody.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    replace(tbody, ...st.items.flatMap(row));
    if (key) {
      const sel = (k) => tbody.querySelector(`[data-key="${CSS.escape(k)}"]`);
      (sel(key) || sel(`${key.split(':')[0]}:picker`))?.focus();
    }
    empty.hidden = st.items.length > 0;
    prevBtn.disabled = st.page === 0;
    nextBtn.disabled = !st.next;
    pageInfo.textContent = `Page ${st.page + 1}${st.items.length ? `, ${st.items.length} shown` : ''}`;
    selectAll.checked = st.items.length > 0 && st.items.every((t) => st.selected.has(t.id));
    suggestSelected.disabled = st.selected.size === 0;
    suggestSelected.textContent = st.selected.size ? `Suggest categories for ${st.selected.size} selected` : 'Suggest categories for selected';
    const pending = [...st.suggestions.entries()].filter(([, r]) => suggested(r));
    acceptAll.hidden = pending.length < 2;
    acceptAll.textContent = `Accept all ${pending.length} suggestions`;
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
        h('button', { type: 'button', class: 'danger', onclick: () => remove(t), 'data-autofocus': '' }, 'Yes, delete'),
        h('button', { type: 'button', class: 'secondary', 'data-key': `${t.id}:keep`, onclick: () => { st.confirming = null; render(); } }, 'Keep'));
    } else {
      actions = h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'secondary small', onclick: () => suggest([t.id]), 'data-key': `${t.id}:suggest`, 'aria-label': `Suggest a category for \u201c${label}\u201d` }, 'Suggest'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => openEditor(t), 'data-key': `${t.id}:edit`, 'aria-label': `Edit \u201c${label}\u201d` }, 'Edit'),
        h('button', { type: 'button', class: 'secondary small', onclick: () => { st.confirming = t.id; render(); focusConfirm(); }, 'aria-label': `Delete \u201c${label}\u201d` }, 'Delete'));
    }
    const rows = [h('tr', { 'data-id': t.id, class: st.selected.has(t.id) ? 'selected' : null },
      h('td', { class: 'sel' }, check),
      h('td', { 'data-label': 'Date' }, h('time', { datetime: t.booked_at }, formatDate(t.booked_at))),
      h('td', { 'data-label': 'Description', class: 'desc' }, h('span', {}, t.description), t.counterparty ? h('span', { class: 'muted' }, t.counterparty) : null),
      h('td', { 'data-label': 'Amount', class: `num amount ${neg ? 'neg' : 'pos'}` }, money.formatMoney(t.amount, t.currency)),
      h('td', { 'data-label': 'Category', class: 'cat' }, picker, sourceBadge(t)),
      h('td', { class: 'actions-cell' }, actions))];
    const res = st.suggestions.get(t.id);
    if (res) rows.push(suggestionRow(t, res));
    const err = st.rowProblems.get(t.id);
    if (err) {
      const area = problemArea();
      rows.push(h('tr', { class: 'row-problem' }, h('td', { colspan: 6 }, area)));
      queueMicrotask(() => showProblem(area, err));
    }
    return rows;
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
    return h('tr', { class: 'suggestion', 'data-for': t.id }, h('td', { colspan: 6 },
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
    const date = h('input', { type: 'date', name: 'booked_at', required: true, value: editing ? formatDate(t.booked_at) : new Date().toISOString().slice(0, 10) });
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
          if (formatDate(t.booked_at) === date.value) delete body.booked_at;
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

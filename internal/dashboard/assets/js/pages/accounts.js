// Accounts: each account with its balance (exact, in its currency), totals
// per currency, add/edit/close/delete (If-Match on every change), and one
// account's transactions with the balance after each (#/accounts/ID).
import { h, append, replace, field, select, uid, announce, formatDate } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import { ifMatch } from '../api.js';
import * as money from '../money.js';
import { runningBalances, totals } from '../ledger.js';

const ACCOUNTS = '/api/v1/accounts';
const PAGE = 50;

// KINDS are the kinds of account, as people call them.
export const KINDS = [
  { value: 'checking', label: 'Checking' },
  { value: 'savings', label: 'Savings' },
  { value: 'credit_card', label: 'Credit card' },
  { value: 'cash', label: 'Cash' },
  { value: 'loan', label: 'Loan' },
  { value: 'investment', label: 'Investment' },
];
const kindLabel = (k) => (KINDS.find((x) => x.value === k) || { label: k }).label;

// shortMask shortens a masked number's run of dots ("••••••••3000" →
// "••••3000"): the length of an account number is no one's business, and
// a long run would not wrap on a phone.
function shortMask(n) {
  return String(n).replace(/^\u2022{4,}/, '\u2022\u2022\u2022\u2022');
}

// amountEl renders an amount exactly, red when negative.
function amountEl(tag, s, currency, attrs = {}) {
  return h(tag, { ...attrs, class: `${attrs.class || ''} num ${money.sign(s) < 0 ? 'neg' : ''}`.trim() }, money.formatMoney(s, currency));
}

export function mount(root, app) {
  let alive = true;
  let view = null; // the unmount of the list or of one account
  const offs = [];

  function show() {
    if (!alive) return;
    if (view) view();
    root.replaceChildren();
    const m = /^#\/accounts\/([^/?#]+)/.exec(location.hash);
    view = m ? accountView(root, app, decodeURIComponent(m[1])) : listView(root, app);
  }
  const onHash = () => {
    if (/^#\/accounts(\/|$)/.test(location.hash)) show();
  };
  window.addEventListener('hashchange', onHash);
  offs.push(() => window.removeEventListener('hashchange', onHash));
  show();
  return () => {
    alive = false;
    if (view) view();
    for (const off of offs) off();
    document.querySelectorAll('dialog.account-dialog').forEach((d) => d.remove());
  };
}

// ---- the list ----
function listView(root, app) {
  let alive = true;
  const includeClosed = h('input', { type: 'checkbox', id: uid('closed'), checked: sessionStorage.getItem('trx.accounts.closed') === '1' });
  const list = h('ul', { class: 'account-list', 'aria-label': 'Your accounts' });
  const sums = h('section', { class: 'account-totals', 'aria-labelledby': 'acct-totals-h', hidden: true });
  const listProblem = problemArea();
  const empty = h('div', { class: 'card empty-state', hidden: true },
    h('p', {}, 'No accounts yet. Add your bank account, card or cash to see balances, then import a statement into it.'));
  const add = h('button', { type: 'button' }, '+ Add account');
  add.addEventListener('click', () => editDialog(app, null, (a) => {
    announce(`Added the account \u201c${a.name}\u201d.`);
    load();
  }));
  append(root, [
    h('div', { class: 'page-head' }, h('h1', {}, 'Accounts'), add),
    sums,
    h('div', { class: 'toolbar' }, h('label', { class: 'check', for: includeClosed.id }, includeClosed, ' Show closed accounts')),
    listProblem,
    list,
    empty,
  ]);
  includeClosed.addEventListener('change', () => {
    sessionStorage.setItem('trx.accounts.closed', includeClosed.checked ? '1' : '0');
    load();
  });

  async function load() {
    clearProblem(listProblem);
    try {
      const d = await app.api.get(ACCOUNTS, { include_closed: includeClosed.checked ? 'true' : '' });
      if (alive) render(d.items || []);
    } catch (err) {
      if (alive) showProblem(listProblem, err);
    }
  }

  function render(items) {
    empty.hidden = items.length > 0;
    replace(list, items.map((a) => h('li', { class: `card account-card${a.closed ? ' closed' : ''}`, 'data-id': a.id },
      h('div', { class: 'account-main' },
        h('h2', { class: 'account-name' }, h('a', { href: `#/accounts/${encodeURIComponent(a.id)}` }, a.name)),
        h('p', { class: 'muted small' }, [kindLabel(a.kind), a.institution, a.number ? `No. ${shortMask(a.number)}` : null].filter(Boolean).join(' \u00b7 '),
          a.closed ? h('span', { class: 'badge' }, 'closed') : null)),
      h('div', { class: 'account-figures' },
        amountEl('p', a.balance, a.currency, { class: 'account-balance', 'data-balance': a.balance }),
        h('p', { class: 'muted small' }, `${a.transactions} ${a.transactions === 1 ? 'transaction' : 'transactions'}`)))));
    const open = items.filter((a) => !a.closed);
    const t = totals(open);
    sums.hidden = t.length === 0;
    replace(sums, h('h2', { id: 'acct-totals-h', class: 'visually-hidden' }, 'Totals'),
      h('dl', { class: 'totals-list' }, t.map((x) => h('div', { 'data-currency': x.currency },
        h('dt', {}, `${x.accounts === 1 ? 'The open account' : `${x.accounts} open accounts`} in ${x.currency}:`),
        amountEl('dd', x.total, x.currency)))));
  }

  // An import sends one event per transaction: reload once they settle.
  let soon = null;
  const off = app.on('transaction.created', () => {
    clearTimeout(soon);
    soon = setTimeout(() => alive && load(), 500);
  });
  load();
  return () => {
    alive = false;
    clearTimeout(soon);
    off();
  };
}

// ---- one account ----
function accountView(root, app, id) {
  let alive = true;
  let acct = null, etag = null;
  const st = { rows: [], next: null, cursor: null, start: null };
  const head = h('div', { class: 'account-head' });
  const problem = problemArea();
  const tbody = h('tbody');
  const foot = h('p', { class: 'ledger-foot muted' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older transactions');
  const banner = h('div', { class: 'banner', role: 'status', hidden: true });
  const table = h('table', { class: 'ledger' },
    h('caption', { class: 'visually-hidden' }, 'Transactions of the account, newest first, with the balance after each'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, 'Description'),
      h('th', { scope: 'col', class: 'num' }, 'Amount'), h('th', { scope: 'col', class: 'num' }, 'Balance'))),
    tbody);
  append(root, [
    h('p', { class: 'back' }, h('a', { href: '#/accounts' }, '\u2190 All accounts')),
    head, problem, banner,
    h('h2', { id: 'ledger-h' }, 'Transactions'),
    h('div', { class: 'table-wrap' }, table),
    foot,
    h('div', { class: 'actions' }, more),
  ]);
  more.addEventListener('click', () => page());

  async function load() {
    clearProblem(problem);
    try {
      const r = await app.api.request('GET', `${ACCOUNTS}/${encodeURIComponent(id)}`);
      if (!alive) return;
      acct = r.data;
      etag = r.etag;
      renderHead();
      st.rows = [];
      st.cursor = null;
      st.start = acct.balance;
      tbody.replaceChildren();
      await page();
    } catch (err) {
      if (!alive) return;
      if (!acct) replace(head, h('h1', {}, 'Account'));
      showProblem(problem, err);
    }
  }

  async function page() {
    more.disabled = true;
    try {
      const d = await app.api.get('/api/v1/transactions', { account_id: id, limit: PAGE, cursor: st.cursor || '' });
      if (!alive) return;
      const items = d.items || [];
      const { rows, next } = runningBalances(items, st.start, acct.opening_date);
      st.start = next;
      st.cursor = d.next_cursor || null;
      append(tbody, rows.map(rowEl));
      more.hidden = !st.cursor;
      renderFoot(tbody.children.length);
    } catch (err) {
      if (alive) showProblem(problem, err);
    } finally {
      more.disabled = false;
    }
  }

  function rowEl({ tx, balance }) {
    return h('tr', { 'data-id': tx.id },
      h('td', { 'data-label': 'Date' }, h('time', { datetime: tx.booked_at }, formatDate(tx.booked_at))),
      h('td', { 'data-label': 'Description', class: 'desc' }, h('span', {}, tx.description),
        tx.counterparty ? h('span', { class: 'muted small' }, tx.counterparty) : null),
      amountEl('td', tx.amount, tx.currency, { 'data-label': 'Amount', class: 'amount' }),
      balance == null
        ? h('td', { 'data-label': 'Balance', class: 'num muted', title: 'Booked before the opening date: not in the balance' }, 'before opening')
        : amountEl('td', balance, acct.currency, { 'data-label': 'Balance', class: 'balance' }));
  }

  function renderFoot(n) {
    if (n === 0) {
      replace(foot, 'No transactions in this account yet. ', h('a', { href: `#/import?account=${encodeURIComponent(id)}` }, 'Import a statement'), '.');
      return;
    }
    if (st.cursor) {
      replace(foot, `${n} of ${acct.transactions} shown, newest first.`);
      return;
    }
    const opening = acct.opening_balance;
    const since = acct.opening_date ? ` on ${acct.opening_date}` : '';
    replace(foot, `Opening balance${since}: `, amountEl('strong', opening, acct.currency, { class: 'opening' }), '.',
      money.compare(st.start, opening) !== 0
        ? h('span', { class: 'warn' }, ' The listing changed while it was read: reload for balances that add up.')
        : null);
  }

  function renderHead() {
    const a = acct;
    const edit = h('button', { type: 'button', class: 'secondary' }, 'Edit');
    edit.addEventListener('click', () => editDialog(app, { account: a, etag }, (saved) => {
      announce('Saved.');
      if (saved) load();
    }));
    const toggle = h('button', { type: 'button', class: 'secondary' }, a.closed ? 'Reopen' : 'Close account');
    const actionProblem = problemArea('inline');
    toggle.addEventListener('click', async () => {
      clearProblem(actionProblem);
      toggle.disabled = true;
      try {
        await app.api.patch(`${ACCOUNTS}/${encodeURIComponent(a.id)}`, { closed: !a.closed }, { headers: { 'If-Match': etag || ifMatch(a.version)['If-Match'] } });
        announce(a.closed ? 'The account is open again.' : 'The account is closed.');
        await load();
      } catch (err) {
        toggle.disabled = false;
        showProblem(actionProblem, err);
      }
    });
    const del = a.transactions === 0 ? deleteBox(a, actionProblem) : null;
    replace(head,
      h('div', { class: 'page-head' }, h('h1', {}, a.name), h('div', { class: 'actions' }, edit, toggle, del)),
      actionProblem,
      h('p', { class: 'muted' }, [kindLabel(a.kind), a.currency, a.institution, a.number ? `No. ${a.number}` : null].filter(Boolean).join(' \u00b7 '),
        a.closed ? h('span', { class: 'badge' }, 'closed') : null),
      h('p', { class: 'account-now' }, 'Balance: ', amountEl('strong', a.balance, a.currency, { class: 'account-balance', 'data-balance': a.balance }),
        ` (${a.transactions} ${a.transactions === 1 ? 'transaction' : 'transactions'})`),
      a.closed ? null : h('p', {}, h('a', { href: `#/import?account=${encodeURIComponent(a.id)}` }, 'Import a statement into this account')));
  }

  function deleteBox(a, area) {
    const wrap = h('span', { class: 'confirm' });
    const ask = h('button', { type: 'button', class: 'secondary' }, 'Delete');
    ask.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'danger' }, 'Yes, delete');
      const no = h('button', { type: 'button', class: 'secondary' }, 'Keep it');
      no.addEventListener('click', () => replace(wrap, ask));
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await app.api.del(`${ACCOUNTS}/${encodeURIComponent(a.id)}`, { headers: { 'If-Match': etag || ifMatch(a.version)['If-Match'] } });
          announce(`Deleted the account \u201c${a.name}\u201d.`);
          location.hash = '#/accounts';
        } catch (err) {
          yes.disabled = false;
          showProblem(area, err);
        }
      });
      replace(wrap, h('span', { class: 'small' }, `Delete \u201c${a.name}\u201d? `), yes, no);
      yes.focus();
    });
    return append(wrap, [ask]);
  }

  const off = app.on('transaction.created', () => {
    if (!alive) return;
    replace(banner, 'New transactions arrived. ', h('button', { type: 'button', class: 'secondary small', onclick: () => {
      banner.hidden = true;
      load();
    } }, 'Refresh'));
    banner.hidden = false;
  });
  load();
  return () => {
    alive = false;
    off();
  };
}

// ---- add / edit ----
// editDialog adds an account (cur null) or edits cur.account (its ETag in
// cur.etag); done(saved) is called after a save.
function editDialog(app, cur, done) {
  const a = cur ? cur.account : null;
  let etag = cur ? cur.etag : null;
  const v = (x) => (x == null ? '' : String(x));
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, value: v(a && a.name) });
  const kind = select(KINDS, a ? a.kind : 'checking', { name: 'kind' });
  const currency = h('input', { type: 'text', name: 'currency', required: true, maxlength: 3, autocapitalize: 'characters', class: 'short',
    value: a ? a.currency : localStorage.getItem('trx.lastCurrency') || 'EUR', disabled: !!a });
  const opening = h('input', { type: 'text', name: 'opening_balance', inputmode: 'decimal', autocomplete: 'off', value: a && money.sign(a.opening_balance) !== 0 ? a.opening_balance : '' });
  const openingDate = h('input', { type: 'date', name: 'opening_date', value: v(a && a.opening_date) });
  const institution = h('input', { type: 'text', name: 'institution', maxlength: 100, value: v(a && a.institution) });
  const number = h('input', { type: 'text', name: 'number', maxlength: 64, autocomplete: 'off', value: v(a && a.number) });
  const area = problemArea();
  const save = h('button', { type: 'submit' }, a ? 'Save changes' : 'Add account');
  const title = h('h2', { id: uid('dlg') }, a ? `Edit \u201c${a.name}\u201d` : 'Add an account');
  const form = h('form', { method: 'dialog', class: 'editor', novalidate: true },
    title,
    field('Name', name, { name: 'name', hint: 'For example \u201cEveryday account\u201d' }),
    h('div', { class: 'grid two' },
      field('Kind', kind, { name: 'kind' }),
      field('Currency', currency, { name: 'currency', hint: a ? 'An account\u2019s currency never changes.' : 'ISO code, e.g. EUR' })),
    h('div', { class: 'grid two' },
      field('Opening balance (optional)', opening, { name: 'opening_balance', hint: 'What it held before its first transaction here, e.g. 1250.00' }),
      field('Opening date (optional)', openingDate, { name: 'opening_date', hint: 'The balance counts transactions from this day.' })),
    field('Bank or institution (optional)', institution, { name: 'institution' }),
    field('Account number (optional)', number, { name: 'number', hint: 'Shown masked in the list: only its last four characters.' }),
    area,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel')));
  const dialog = h('dialog', { 'aria-labelledby': title.id, class: 'dialog account-dialog' }, form);
  dialog.addEventListener('close', () => dialog.remove());

  // body is what to send: everything for a new account, only what changed
  // for an edit (an emptied optional field is cleared with null).
  function body() {
    const amount = opening.value.trim() ? money.normalizeInput(opening.value) : '';
    if (!a) {
      const b = { name: name.value.trim(), kind: kind.value, currency: currency.value.trim().toUpperCase() };
      if (amount) b.opening_balance = amount;
      if (openingDate.value) b.opening_date = openingDate.value;
      if (institution.value.trim()) b.institution = institution.value.trim();
      if (number.value.trim()) b.number = number.value.trim();
      return b;
    }
    const b = {};
    if (name.value.trim() !== a.name) b.name = name.value.trim();
    if (kind.value !== a.kind) b.kind = kind.value;
    const was = a.opening_balance;
    const now = amount || '0';
    if (!money.isDecimal(now) || money.compare(now, was) !== 0) b.opening_balance = now;
    for (const [input, key] of [[openingDate, 'opening_date'], [institution, 'institution'], [number, 'number']]) {
      const val = input.value.trim();
      if (val !== v(a[key])) b[key] = val || null;
    }
    return b;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblem(area, form);
    const b = body();
    if (a && Object.keys(b).length === 0) {
      dialog.close();
      done(null);
      return;
    }
    save.disabled = true;
    try {
      let saved;
      if (a) {
        saved = await app.api.patch(`${ACCOUNTS}/${encodeURIComponent(a.id)}`, b, { headers: { 'If-Match': etag || ifMatch(a.version)['If-Match'] } });
      } else {
        saved = await app.api.post(ACCOUNTS, b);
        localStorage.setItem('trx.lastCurrency', b.currency);
      }
      dialog.close();
      done(saved);
    } catch (err) {
      showProblem(area, err, { form });
      if (err.status === 412) {
        area.append(h('button', { type: 'button', class: 'secondary small', onclick: async () => {
          try {
            const r = await app.api.request('GET', `${ACCOUNTS}/${encodeURIComponent(a.id)}`);
            dialog.close();
            editDialog(app, { account: r.data, etag: r.etag }, done);
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
  name.focus();
}

// Stocks: a live ticker over the WebSocket (price, change, up or down),
// with the connection's state shown; admins edit prices and watch them
// arrive.
import { h, append, field, replace, announce, formatTime } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import * as money from '../money.js';
import { CLOSE_REASONS } from '../feed.js';

export function mount(root, app) {
  let alive = true;
  const stocks = new Map(); // symbol → {symbol, name, price, currency, updated_at, change, dir, seq}
  let loading = true;
  let buffered = [];

  const state = h('p', { class: 'feed-state', role: 'status' });
  const ticker = h('ul', { class: 'ticker', 'aria-label': 'Ticker' });
  const tbody = h('tbody');
  const listProblem = problemArea();
  const empty = h('p', { class: 'empty', hidden: true }, app.admin ? 'No stocks yet: list one below.' : 'No stocks are listed yet.');

  append(root, [
    h('h1', {}, 'Stocks'),
    state,
    ticker,
    listProblem,
    h('div', { class: 'table-wrap' }, h('table', { class: 'stock-table' },
      h('caption', { class: 'visually-hidden' }, 'Stock prices, live'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Symbol'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Price'),
        h('th', { scope: 'col', class: 'num' }, 'Change'), h('th', { scope: 'col' }, 'Updated'),
        app.admin ? h('th', { scope: 'col' }, 'Set price') : null)),
      tbody)),
    empty,
    app.admin ? addForm() : h('p', { class: 'muted' }, 'Prices can be changed with an API key that has the admin scope.')]);

  // ---- feed state ----
  function showState(s, detail) {
    const text = { live: 'Live: prices update as they change.', connecting: 'Connecting to live updates\u2026',
      reconnecting: 'Reconnecting\u2026 missed changes will be replayed when the connection is back.', stopped: 'Live updates are off.' }[s] || s;
    const why = s === 'reconnecting' && detail ? ` (${detail.reason || CLOSE_REASONS[detail.code] || `code ${detail.code}`})` : '';
    replace(state, h('span', { class: 'pill', 'data-state': s }, { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', stopped: 'Offline' }[s] || s),
      ` ${text}${why}`, app.feed.lastSeq ? h('span', { class: 'muted' }, ` Last change #${app.feed.lastSeq}.`) : null);
  }
  const offState = app.onState(showState);
  showState(app.feed.state, app.feed.lastClose);

  // ---- live changes ----
  function apply(msg) {
    if (msg.type === 'resync_required') {
      load();
      return;
    }
    if (msg.type !== 'stock.changed') return;
    if (loading) {
      buffered.push(msg);
      return;
    }
    if (msg.operation === 'delete') {
      stocks.delete(msg.symbol);
    } else {
      const prev = stocks.get(msg.symbol);
      let dir = 0;
      if (msg.change_percent != null) dir = money.sign(msg.change_percent);
      else if (prev && msg.new_price) dir = money.compare(msg.new_price, prev.price);
      stocks.set(msg.symbol, { symbol: msg.symbol, name: msg.name, price: msg.new_price, currency: msg.currency,
        updated_at: msg.changed_at, change: msg.change_percent, dir, seq: msg.sequence, fresh: true });
    }
    render(msg.symbol);
    showState(app.feed.state, app.feed.lastClose);
  }
  const off = app.on('*', apply);

  async function load() {
    loading = true;
    clearProblem(listProblem);
    try {
      const all = [];
      let after = '';
      for (;;) {
        const d = await app.api.get('/api/v1/stocks', { after, limit: 1000 });
        all.push(...d.items);
        if (d.items.length < 1000) break;
        after = d.items[d.items.length - 1].symbol;
      }
      if (!alive) return;
      const old = new Map(stocks);
      stocks.clear();
      for (const s of all) {
        // The API keeps the latest change (change_percent), so a reload
        // still shows it; a change that only arrived live is kept too.
        const o = old.get(s.symbol);
        const change = s.change_percent ?? (o && o.price === s.price ? o.change : null);
        stocks.set(s.symbol, { ...s, change, dir: change != null ? money.sign(change) : 0 });
      }
    } catch (err) {
      showProblem(listProblem, err);
    }
    loading = false;
    const b = buffered;
    buffered = [];
    render();
    for (const m of b) apply(m);
  }

  // ---- rendering ----
  function changeText(s) {
    if (s.change == null) return { text: '\u2014', label: 'no change yet' };
    const arrow = s.dir > 0 ? '\u25b2' : s.dir < 0 ? '\u25bc' : '\u25c6';
    const word = s.dir > 0 ? 'up' : s.dir < 0 ? 'down' : 'unchanged';
    return { text: `${arrow} ${money.formatPercent(s.change, { sign: 'always', minScale: 2 })}`, label: `${word} ${money.format(s.change, { sign: 'never' })} percent` };
  }

  // render updates the rows and ticker chips in place (a row being edited
  // keeps its input and focus); flash marks the one that just changed.
  const rows = new Map(); // symbol → {tr, tick, cells}
  function render(flash) {
    const list = [...stocks.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
    empty.hidden = list.length > 0;
    for (const [sym, r] of rows) {
      if (!stocks.has(sym)) {
        r.tr.remove();
        r.tick.remove();
        rows.delete(sym);
      }
    }
    list.forEach((s, i) => {
      let r = rows.get(s.symbol);
      if (!r) {
        r = makeRow(s);
        rows.set(s.symbol, r);
      }
      if (tbody.children[i] !== r.tr) tbody.insertBefore(r.tr, tbody.children[i] || null);
      if (ticker.children[i] !== r.tick) ticker.insertBefore(r.tick, ticker.children[i] || null);
      fill(r, s, flash === s.symbol);
    });
  }

  function makeRow(s) {
    const cells = {
      name: h('td', { 'data-label': 'Name' }),
      price: h('td', { 'data-label': 'Price', class: 'num price' }),
      chg: h('td', { 'data-label': 'Change', class: 'num chg' }),
      updated: h('td', { 'data-label': 'Updated' }),
      tickPrice: h('span', { class: 'price' }),
      tickChg: h('span', { class: 'chg' }),
    };
    const form = app.admin ? priceForm(s) : null;
    cells.input = form && form.elements.price;
    const tr = h('tr', { 'data-symbol': s.symbol },
      h('th', { scope: 'row', 'data-label': 'Symbol' }, s.symbol),
      cells.name, cells.price, cells.chg, cells.updated,
      form ? h('td', { 'data-label': 'Set price' }, form) : null);
    const tick = h('li', { class: 'tick', 'data-symbol': s.symbol }, h('span', { class: 'sym' }, s.symbol), cells.tickPrice, cells.tickChg);
    return { tr, tick, cells };
  }

  function fill(r, s, flash) {
    const c = changeText(s);
    const { cells } = r;
    cells.name.textContent = s.name;
    cells.price.textContent = money.formatMoney(s.price, s.currency);
    replace(cells.chg, h('span', { 'aria-label': c.label }, c.text));
    cells.chg.className = `num chg ${dirClass(s.dir)}`;
    replace(cells.updated, h('time', { datetime: s.updated_at }, formatTime(s.updated_at)));
    cells.tickPrice.textContent = money.format(s.price, { minScale: money.exponent(s.currency) });
    cells.tickChg.textContent = c.text;
    cells.tickChg.setAttribute('aria-label', c.label);
    r.tick.className = `tick ${dirClass(s.dir)}`;
    if (cells.input && document.activeElement !== cells.input && !cells.input.getAttribute('aria-invalid')) cells.input.value = s.price;
    if (flash) {
      for (const el of [r.tr, r.tick]) {
        el.classList.remove('flash');
        void el.offsetWidth; // restart the animation
        el.classList.add('flash');
      }
    }
  }

  function dirClass(d) {
    return d > 0 ? 'up' : d < 0 ? 'down' : 'flat';
  }

  // ---- admin ----
  function priceForm(s) {
    const input = h('input', { type: 'text', inputmode: 'decimal', name: 'price', value: s.price, class: 'short', 'aria-label': `New price of ${s.symbol}` });
    const area = problemArea('inline');
    const form = h('form', { class: 'price-form', novalidate: true }, input, h('button', { type: 'submit', class: 'small' }, 'Set'), area);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblem(area, form);
      try {
        await app.api.patch(`/api/v1/stocks/${encodeURIComponent(s.symbol)}`, { price: money.normalizeInput(input.value) });
        announce(`Price of ${s.symbol} sent; it shows here when the change arrives.`);
      } catch (err) {
        showProblem(area, err, { form });
      }
    });
    return form;
  }

  function addForm() {
    const symbol = h('input', { type: 'text', name: 'symbol', required: true, maxlength: 16, autocapitalize: 'characters', class: 'short' });
    const name = h('input', { type: 'text', name: 'name', required: true });
    const price = h('input', { type: 'text', name: 'price', inputmode: 'decimal', required: true, class: 'short' });
    const currency = h('input', { type: 'text', name: 'currency', required: true, maxlength: 3, value: 'USD', class: 'short' });
    const area = problemArea();
    const form = h('form', { class: 'card', novalidate: true },
      h('h2', {}, 'List a stock'),
      h('div', { class: 'grid' },
        field('Symbol', symbol, { name: 'symbol', hint: 'e.g. ACME' }), field('Name', name, { name: 'name' }),
        field('Price', price, { name: 'price' }), field('Currency', currency, { name: 'currency' })),
      area,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'List stock')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearProblem(area, form);
      try {
        await app.api.post('/api/v1/stocks', { symbol: symbol.value.trim().toUpperCase(), name: name.value.trim(),
          price: money.normalizeInput(price.value), currency: currency.value.trim().toUpperCase() });
        form.reset();
        announce('Stock listed.');
      } catch (err) {
        showProblem(area, err, { form });
      }
    });
    return form;
  }

  load();
  return () => {
    alive = false;
    off();
    offState();
  };
}

// Report: totals spent and received per currency for a period, and charts
// by category and by month, from GET /api/v1/report.
import { h, append, field, select, replace } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import * as money from '../money.js';
import { categoryName } from '../categories.js';
import { barRows } from '../chart.js';

function isoDate(d) {
  return d.toISOString().slice(0, 10);
}

// presets are [from, to) periods in UTC, as the API counts them.
function presets(now = new Date()) {
  const y = now.getUTCFullYear(), m = now.getUTCMonth();
  const first = (yy, mm) => isoDate(new Date(Date.UTC(yy, mm, 1)));
  return [
    { value: 'month', label: 'This month', from: first(y, m), to: first(y, m + 1) },
    { value: 'last-month', label: 'Last month', from: first(y, m - 1), to: first(y, m) },
    { value: '3m', label: 'Last 3 months', from: first(y, m - 2), to: first(y, m + 1) },
    { value: 'year', label: 'This year', from: first(y, 0), to: first(y + 1, 0) },
    { value: 'all', label: 'All time', from: '', to: '' },
    { value: 'custom', label: 'Custom', from: '', to: '' },
  ];
}

export function mount(root, app) {
  let alive = true;
  let cats = null;
  let byCategory = null, byMonth = null;
  let currency = '';
  const ps = presets();
  const period = select(ps, 'all', { name: 'period' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const area = problemArea();
  const form = h('form', { class: 'card filters', novalidate: true, 'aria-label': 'Report period' },
    h('div', { class: 'grid' },
      field('Period', period, { name: 'period' }),
      field('From', from, { name: 'from' }),
      field('To (before)', to, { name: 'to' })),
    area,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show report')));
  period.addEventListener('change', () => {
    const p = ps.find((x) => x.value === period.value);
    if (p.value !== 'custom') {
      from.value = p.from;
      to.value = p.to;
      form.requestSubmit();
    }
  });
  for (const d of [from, to]) d.addEventListener('change', () => { period.value = 'custom'; });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });

  const totals = h('div', { class: 'totals', 'aria-live': 'polite' });
  const currencyPick = h('div', { class: 'currency-pick' });
  const charts = h('div', { class: 'charts' });

  append(root, [h('h1', {}, 'Report'), form, totals, currencyPick, charts]);

  async function load() {
    clearProblem(area, form);
    const q = { from: from.value, to: to.value };
    try {
      const [c, byCat, byMon] = await Promise.all([
        app.categories(),
        app.api.get('/api/v1/report', { ...q, group_by: 'category' }),
        app.api.get('/api/v1/report', { ...q, group_by: 'month' }),
      ]);
      if (!alive) return;
      cats = c;
      byCategory = byCat;
      byMonth = byMon;
      if (!byCat.currencies.some((x) => x.currency === currency)) currency = byCat.currencies[0]?.currency || '';
      render();
    } catch (err) {
      showProblem(area, err, { form });
    }
  }

  function render() {
    if (!byCategory.currencies.length) {
      replace(totals, h('p', { class: 'empty' }, 'No transactions in this period.'));
      replace(currencyPick);
      replace(charts);
      return;
    }
    replace(totals, ...byCategory.currencies.map((c) => h('section', { class: 'card total', 'data-currency': c.currency, 'aria-label': `Totals in ${c.currency}` },
      h('h2', {}, c.currency),
      h('dl', {},
        h('div', {}, h('dt', {}, 'Spent'), h('dd', { class: 'neg', 'data-total': 'spent' }, money.formatMoney(c.spent, c.currency))),
        h('div', {}, h('dt', {}, 'Received'), h('dd', { class: 'pos', 'data-total': 'received' }, money.formatMoney(c.received, c.currency))),
        h('div', {}, h('dt', {}, 'Net'), h('dd', { 'data-total': 'net' }, money.formatMoney(c.net, c.currency, { sign: 'always' }))),
        h('div', {}, h('dt', {}, 'Transactions'), h('dd', {}, `${c.count} (${c.debits} spent, ${c.credits} received)`))))));
    if (byCategory.currencies.length > 1) {
      const pick = select(byCategory.currencies.map((c) => ({ value: c.currency, label: c.currency })), currency, {
        onchange: (ev) => { currency = ev.target.value; renderCharts(); } });
      replace(currencyPick, h('div', { class: 'field inline' }, h('label', { for: 'chart-currency' }, 'Charts in'), Object.assign(pick, { id: 'chart-currency' })));
    } else {
      replace(currencyPick);
    }
    renderCharts();
  }

  function renderCharts() {
    const cat = byCategory.currencies.find((c) => c.currency === currency);
    const mon = byMonth.currencies.find((c) => c.currency === currency);
    const series = [{ name: 'Spent', cls: 'spent' }, { name: 'Received', cls: 'received' }];
    const fmt = (s) => money.formatMoney(s, currency);
    const maxOf = (groups) => groups.reduce((m, g) => [g.spent, g.received].reduce((a, b) => (money.compare(b, a) > 0 ? b : a), m), '0');
    const rows = (groups, labelOf) => {
      const max = maxOf(groups);
      return groups.map((g) => ({ label: labelOf(g), values: [
        { ratio: money.ratio(g.spent, max), text: fmt(g.spent) },
        { ratio: money.ratio(g.received, max), text: fmt(g.received) }] }));
    };
    const catGroups = [...(cat?.groups || [])].sort((a, b) => money.compare(money.add(b.spent, b.received), money.add(a.spent, a.received)));
    replace(charts,
      h('section', { class: 'card chart-card' },
        h('h2', {}, `By category (${currency})`),
        legend(series),
        barRows({ rows: rows(catGroups, (g) => categoryName(cats, g.category)), series, label: `Spent and received by category in ${currency}` })),
      h('section', { class: 'card chart-card' },
        h('h2', {}, `By month (${currency})`),
        legend(series),
        barRows({ rows: rows(mon?.groups || [], (g) => monthName(g.month)), series, label: `Spent and received by month in ${currency}` })));
  }

  app.categories().catch(() => {});
  load();
  return () => {
    alive = false;
  };
}

function legend(series) {
  return h('ul', { class: 'legend', 'aria-hidden': 'true' }, series.map((s) => h('li', {}, h('span', { class: `swatch ${s.cls}` }), s.name)));
}

function monthName(m) {
  if (!m) return 'No date';
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString(undefined, { year: 'numeric', month: 'short', timeZone: 'UTC' });
}

// Metrics: live charts of what the seed watched in CloudWatch, from
// GET /api/v1/metrics/summary every few seconds: WebSocket connections,
// messages sent, integration latency, requests and latency per route,
// 4xx/5xx, and the database pool.
import { h, append, replace } from '../dom.js';
import { problemArea, showProblem, clearProblem } from '../problem.js';
import { rate, percentiles, formatSeconds, formatRate, formatBytes } from '../stats.js';
import { lineChart } from '../chart.js';

export const EVERY = 2000; // ms between samples
const KEEP = 90; // samples kept: three minutes

export function mount(root, app) {
  let alive = true;
  let timer = null;
  let prev = null;
  const hist = {}; // name → [values]
  const push = (name, v) => {
    (hist[name] ||= []).push(v);
    if (hist[name].length > KEEP) hist[name].shift();
  };

  const area = problemArea();
  const updated = h('p', { class: 'muted', 'aria-live': 'off' });
  const cards = h('div', { class: 'metric-grid' });
  const routes = h('div', { class: 'table-wrap' });
  append(root, [
    h('h1', {}, 'Metrics'),
    h('p', { class: 'muted' }, `This server, sampled every ${EVERY / 1000} s; rates and percentiles are over the last interval. The same numbers are in Prometheus form at /metrics.`),
    area,
    updated,
    cards,
    h('h2', {}, 'Requests by route'),
    routes]);

  function card(id, title, value, chart, note) {
    return h('section', { class: 'card metric', 'data-metric': id, 'aria-label': title },
      h('h2', {}, title),
      h('p', { class: 'big' }, value),
      note ? h('p', { class: 'muted small' }, note) : null,
      chart);
  }

  async function tick() {
    try {
      const s = await app.api.get('/api/v1/metrics/summary');
      if (!alive) return;
      clearProblem(area);
      sample(s);
      prev = s;
    } catch (err) {
      if (!alive) return;
      showProblem(area, err);
    }
    if (alive) timer = setTimeout(tick, document.hidden ? EVERY * 5 : EVERY);
  }

  function sample(s) {
    const dt = prev ? (Date.parse(s.time) - Date.parse(prev.time)) / 1000 : null;
    const r = (f) => (prev ? rate(f(prev), f(s), dt) : null);
    const lat = percentiles(prev?.ws.integration_latency, s.ws.integration_latency);
    const pools = s.db;
    push('time', s.time);
    push('conns', s.ws.connections);
    push('sent', r((x) => x.ws.messages_sent_total));
    push('lat50', lat.p50);
    push('lat99', lat.p99);
    push('req', r((x) => x.http.requests_total));
    push('e4', r((x) => x.http.responses_4xx_total));
    push('e5', r((x) => x.http.responses_5xx_total));
    const inUse = pools.reduce((a, p) => a + p.in_use, 0);
    const open = pools.reduce((a, p) => a + p.open, 0);
    push('inuse', inUse);
    push('open', open);
    push('waits', r((x) => x.db.reduce((a, p) => a + p.wait_count_total, 0)));
    const num = (v) => (v == null ? '—' : String(Math.round(v * 100) / 100));
    const count = (v) => String(Math.round(v));

    replace(cards,
      card('ws-connections', 'WebSocket connections', h('span', { 'data-value': s.ws.connections }, count(s.ws.connections)),
        lineChart({ times: hist.time, label: 'WebSocket connections', format: count, series: [{ name: 'connected', values: hist.conns }] }),
        `${count(s.ws.connects_total)} accepted, ${count(s.ws.disconnects_total)} closed, ${count(s.ws.slow_closes_total)} too slow, since start`),
      card('ws-messages', 'Messages sent', formatRate(hist.sent.at(-1)),
        lineChart({ times: hist.time, label: 'Messages sent per second', format: num, series: [{ name: 'per second', values: hist.sent }] }),
        `${count(s.ws.messages_sent_total)} since start`),
      card('integration-latency', 'Integration latency', lat.count
        ? `p50 ${formatSeconds(lat.p50)} \u00b7 p99 ${formatSeconds(lat.p99)}`
        : h('span', {}, `p50 ${formatSeconds(s.ws.integration_latency.p50)} \u00b7 p99 ${formatSeconds(s.ws.integration_latency.p99)}`, h('span', { class: 'muted small' }, ' since start')),
        lineChart({ times: hist.time, label: 'Integration latency', format: formatSeconds, series: [{ name: 'p50', values: hist.lat50 }, { name: 'p99', values: hist.lat99 }] }),
        `From the database write of a change to its WebSocket frame; ${lat.count ? `${lat.count} in the last interval` : 'none in the last interval'}, ${s.ws.integration_latency.count} since start.`),
      card('requests', 'HTTP requests', formatRate(hist.req.at(-1)),
        lineChart({ times: hist.time, label: 'HTTP requests per second', format: num, series: [{ name: 'per second', values: hist.req }] }),
        `${count(s.http.requests_total)} since start, ${count(s.http.in_flight)} in flight`),
      card('errors', 'Errors', `4xx ${formatRate(hist.e4.at(-1))} \u00b7 5xx ${formatRate(hist.e5.at(-1))}`,
        lineChart({ times: hist.time, label: 'Error responses per second', format: num, series: [{ name: '4xx', values: hist.e4, cls: 'warn' }, { name: '5xx', values: hist.e5, cls: 'bad' }] }),
        `${count(s.http.responses_4xx_total)} 4xx and ${count(s.http.responses_5xx_total)} 5xx since start`),
      card('db-pool', 'Database pool', `${inUse} in use of ${open} open`,
        lineChart({ times: hist.time, label: 'Database connections', format: count, series: [{ name: 'in use', values: hist.inuse }, { name: 'open', values: hist.open }] }),
        pools.map((p) => `${p.name}: ${p.in_use}/${p.open} (max ${p.max_open || '\u221e'}), ${count(p.wait_count_total)} waits, ${formatSeconds(p.wait_seconds_total)} waited`).join('; ')),
      card('process', 'Process', `${count(s.process.goroutines)} goroutines`, null,
        `Memory ${formatBytes(s.process.resident_memory_bytes)}, CPU ${num(s.process.cpu_seconds_total)} s` +
          (s.process.start_time ? `, up since ${new Date(s.process.start_time).toLocaleString()}` : '')),
      s.backup ? backupCard(s.backup, count) : null,
    );
    renderRoutes(s, dt);
    updated.textContent = `Updated ${new Date(s.time).toLocaleTimeString()}.`;
  }

  // Scheduled backups (trx serve --backup-every), when this server makes them.
  function backupCard(b, count) {
    const last = b.last_success
      ? `Last success ${new Date(b.last_success).toLocaleString()}: ${formatBytes(b.last_size_bytes)} in ${formatSeconds(b.last_duration_seconds)}.`
      : 'No successful backup yet.';
    return card('backup', 'Backups',
      b.consecutive_failures
        ? h('span', { class: 'bad' }, `the last ${count(b.consecutive_failures)} failed`)
        : (b.last_success ? 'OK' : 'none yet'),
      null,
      `${last} ${count(b.runs_total)} runs and ${count(b.failures_total)} failures since start, ${count(b.kept)} kept.` +
        (b.consecutive_failures ? ' /readyz says why.' : ''));
  }

  function renderRoutes(s, dt) {
    const before = new Map((prev?.http.routes || []).map((x) => [`${x.method} ${x.route}`, x]));
    // /ws requests last as long as their connection: counted above, not here.
    const rows = s.http.routes.filter((x) => x.route !== '/ws' && x.route !== 'GET /ws').map((x) => {
      const p = before.get(`${x.method} ${x.route}`);
      const pc = percentiles(p?.duration, x.duration);
      return { x, rate: p ? rate(p.requests_total, x.requests_total, dt) : null, pc };
    }).sort((a, b) => (b.rate || 0) - (a.rate || 0) || b.x.requests_total - a.x.requests_total);
    replace(routes, h('table', { class: 'routes' },
      h('caption', { class: 'visually-hidden' }, 'Requests by route'),
      h('thead', {}, h('tr', {}, ['Route', 'Rate', 'Total', 'p50', 'p99', '4xx', '5xx'].map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
      h('tbody', {}, rows.map(({ x, rate: rt, pc }) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Route' }, h('code', {}, x.route.includes(' ') ? x.route : `${x.method} ${x.route}`)),
        h('td', { class: 'num', 'data-label': 'Rate' }, formatRate(rt)),
        h('td', { class: 'num', 'data-label': 'Total' }, String(x.requests_total)),
        h('td', { class: 'num', 'data-label': 'p50' }, formatSeconds(pc.count ? pc.p50 : x.duration.p50)),
        h('td', { class: 'num', 'data-label': 'p99' }, formatSeconds(pc.count ? pc.p99 : x.duration.p99)),
        h('td', { class: `num ${x.responses_4xx_total ? 'warn' : ''}`, 'data-label': '4xx' }, String(x.responses_4xx_total)),
        h('td', { class: `num ${x.responses_5xx_total ? 'bad' : ''}`, 'data-label': '5xx' }, String(x.responses_5xx_total)))))));
  }

  tick();
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}

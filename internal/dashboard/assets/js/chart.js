// Charts drawn as SVG shapes (attributes only, no inline styles, so the
// Content-Security-Policy holds) with their numbers as HTML text beside
// them, which is what screen readers and narrow screens get.
import { h } from './dom.js';
import { formatClock } from './dates.js';

const W = 300;

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// timeTicks picks up to count evenly spread indexes of times (the first
// and last always) and labels them: [{at: 0..1, text, datetime}].
export function timeTicks(times, { count = 3, format = (t) => formatClock(t, { seconds: false }) } = {}) {
  const n = times.length;
  if (!n) return [];
  const idx = n === 1 ? [0] : [...new Set(Array.from({ length: Math.min(count, n) }, (_, i) => Math.round((i * (n - 1)) / Math.max(1, Math.min(count, n) - 1))))];
  return idx.map((i) => {
    const t = times[i];
    const d = t instanceof Date ? t : new Date(t);
    return { at: n === 1 ? 1 : i / (n - 1), text: format(d), datetime: d.toISOString() };
  });
}

// lineChart draws series ([{name, cls, values: [number|null]}], oldest
// first, all the same length) on a shared y axis from 0. format renders a
// value for the axis and the legend (which shows the latest value). times
// (optional, one per value, oldest first) gives the chart a time axis,
// labelled in the browser's locale by formatTime (default: hour and minute).
export function lineChart({ series, label, format = String, height = 100, times, formatTime }) {
  const n = Math.max(2, ...series.map((s) => s.values.length));
  let max = 0;
  for (const s of series) for (const v of s.values) if (v != null && v > max) max = v;
  max = niceMax(max);
  const x = (i) => (i * W) / (n - 1);
  const y = (v) => height - (v / max) * height;
  const svg = h('svg:svg', {
    viewBox: `0 0 ${W} ${height}`,
    preserveAspectRatio: 'none',
    class: 'line-chart',
    'aria-hidden': 'true',
    focusable: 'false',
  });
  for (const f of [0.25, 0.5, 0.75]) {
    svg.append(h('svg:line', { x1: 0, x2: W, y1: height * f, y2: height * f, class: 'grid', 'vector-effect': 'non-scaling-stroke' }));
  }
  series.forEach((s, si) => {
    const offset = n - s.values.length;
    let pts = [];
    const flush = () => {
      if (pts.length === 1) pts.push([pts[0][0] + 0.5, pts[0][1]]);
      if (pts.length > 1) {
        svg.append(h('svg:polyline', {
          points: pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' '),
          class: `series ${s.cls || `s${si}`}`,
          'vector-effect': 'non-scaling-stroke',
        }));
      }
      pts = [];
    };
    s.values.forEach((v, i) => {
      if (v == null) flush();
      else pts.push([x(i + offset), y(v)]);
    });
    flush();
  });
  const latest = (s) => {
    for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] != null) return s.values[i];
    return null;
  };
  return h(
    'figure',
    { class: 'chart' },
    h('div', { class: 'plot' }, h('span', { class: 'axis axis-max' }, format(max)), svg, h('span', { class: 'axis axis-min' }, format(0)),
      times && times.length ? timeAxis(times.slice(-n), n, formatTime) : null),
    h(
      'figcaption',
      {},
      h('span', { class: 'visually-hidden' }, `${label}: `),
      h('ul', { class: 'legend' }, series.map((s, si) => {
        const v = latest(s);
        return h('li', {}, h('span', { class: `swatch ${s.cls || `s${si}`}`, 'aria-hidden': 'true' }), `${s.name} `, h('strong', {}, v == null ? '—' : format(v)));
      })),
    ),
  );
}

// timeAxis labels the x axis: the times line up with the last values (a
// series shorter than n is drawn from the right).
function timeAxis(times, n, format) {
  const offset = n - times.length;
  const ticks = timeTicks(times, format ? { format } : {});
  return h('div', { class: 'time-axis', 'aria-hidden': 'true' }, ticks.map((t) => {
    const at = (offset + t.at * (times.length - 1)) / (n - 1);
    const pos = at < 0.15 ? 'start' : at > 0.85 ? 'end' : 'mid';
    return h('time', { datetime: t.datetime, class: `tick-${pos}`, 'data-at': at.toFixed(3) }, t.text);
  }));
}

// barRows draws one group per row ({label, values: [{ratio, text}]}), one
// horizontal bar per series ([{name, cls}]) with its number as text.
export function barRows({ rows, series, label }) {
  return h(
    'ul',
    { class: 'bar-rows', 'aria-label': label },
    rows.map((r) =>
      h(
        'li',
        {},
        h('span', { class: 'bar-label' }, r.label),
        r.values.map((v, i) =>
          h(
            'span',
            { class: 'bar-line' },
            h('span', { class: 'visually-hidden' }, `${series[i].name}: `),
            h('svg:svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'bar', 'aria-hidden': 'true', focusable: 'false' },
              h('svg:rect', { x: 0, y: 0, height: 10, width: Math.max(v.ratio > 0 ? 0.5 : 0, v.ratio * 100).toFixed(2), class: series[i].cls })),
            h('span', { class: 'bar-value' }, v.text),
          ),
        ),
      ),
    ),
  );
}

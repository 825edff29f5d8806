// Charts drawn as SVG shapes (attributes only, no inline styles, so the
// Content-Security-Policy holds) with their numbers as HTML text beside
// them, which is what screen readers and narrow screens get.
import { h } from './dom.js';

const W = 300;

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// lineChart draws series ([{name, cls, values: [number|null]}], oldest
// first, all the same length) on a shared y axis from 0. format renders a
// value for the axis and the legend (which shows the latest value).
export function lineChart({ series, label, format = String, height = 100 }) {
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
    h('div', { class: 'plot' }, h('span', { class: 'axis axis-max' }, format(max)), svg, h('span', { class: 'axis axis-min' }, format(0))),
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

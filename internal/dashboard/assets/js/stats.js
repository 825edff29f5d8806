// Rates and percentiles from two snapshots of counters and histograms, as
// Prometheus's rate() and histogram_quantile() compute them.

// rate is the per-second increase of a counter from prev to cur over
// seconds; a counter that went down was reset (the process restarted), so
// its whole current value is the increase.
export function rate(prev, cur, seconds) {
  if (prev == null || cur == null || !(seconds > 0)) return null;
  const inc = cur >= prev ? cur - prev : cur;
  return inc / seconds;
}

// quantile estimates the q-quantile from cumulative buckets [{le, count}]
// in increasing le, with count observations in all (the +Inf bucket):
// linear interpolation inside the bucket holding the rank, from 0 for the
// first; a rank past the last finite bucket answers its bound. null with no
// observation.
export function quantile(q, buckets, count) {
  if (!(count > 0)) return null;
  const rank = Math.min(Math.max(q, 0), 1) * count;
  let lower = 0, below = 0;
  for (const b of buckets) {
    if (b.count >= rank && b.count > below) {
      return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

// windowed returns the histogram of the observations made between two
// snapshots ({count, sum, buckets}) of one histogram: cur minus prev, or
// cur alone if there is no prev or the histogram was reset.
export function windowed(prev, cur) {
  if (!cur) return null;
  if (!prev || cur.count < prev.count || prev.buckets.length !== cur.buckets.length) return cur;
  return {
    count: cur.count - prev.count,
    sum: cur.sum - prev.sum,
    buckets: cur.buckets.map((b, i) => ({ le: b.le, count: b.count - prev.buckets[i].count })),
  };
}

// percentiles returns {p50, p99} of the observations between two snapshots
// (null where there were none).
export function percentiles(prev, cur) {
  const w = windowed(prev, cur);
  if (!w) return { p50: null, p99: null, count: 0 };
  return { p50: quantile(0.5, w.buckets, w.count), p99: quantile(0.99, w.buckets, w.count), count: w.count };
}

// formatSeconds renders a duration for people: "850 µs", "12.3 ms", "1.20 s".
export function formatSeconds(s) {
  if (s == null || Number.isNaN(s)) return '—';
  if (s < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

// formatRate renders a per-second rate: "0", "0.25/s", "12/s".
export function formatRate(r) {
  if (r == null || Number.isNaN(r)) return '—';
  if (r === 0) return '0/s';
  if (r < 10) return `${r.toFixed(2)}/s`;
  return `${Math.round(r)}/s`;
}

// formatBytes renders a byte count: "512 B", "12.5 MiB".
export function formatBytes(n) {
  if (n == null) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rate, quantile, windowed, percentiles, formatSeconds, formatRate, formatBytes } from '../../assets/js/stats.js';

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≉ ${b}`);

test('rate handles resets and missing values', () => {
  assert.equal(rate(10, 30, 2), 10);
  assert.equal(rate(30, 4, 2), 2); // reset: the process restarted
  assert.equal(rate(null, 4, 2), null);
  assert.equal(rate(1, 4, 0), null);
});

test('quantile interpolates like histogram_quantile', () => {
  const b = [{ le: 0.01, count: 10 }, { le: 0.1, count: 90 }, { le: 1, count: 100 }];
  close(quantile(0.05, b, 100), 0.005);
  close(quantile(0.5, b, 100), 0.01 + (0.09 * 40) / 80);
  close(quantile(0.99, b, 100), 0.1 + (0.9 * 9) / 10);
  close(quantile(0.9, b, 100), 0.1);
  assert.equal(quantile(0.99, b, 200), 1); // in +Inf: the highest bound
  assert.equal(quantile(0.5, [], 0), null);
  close(quantile(0.5, [{ le: 1, count: 0 }, { le: 2, count: 4 }], 4), 1.5);
});

test('windowed percentiles see only the new observations', () => {
  const prev = { count: 100, sum: 1, buckets: [{ le: 0.01, count: 100 }, { le: 0.1, count: 100 }] };
  const cur = { count: 110, sum: 1.5, buckets: [{ le: 0.01, count: 100 }, { le: 0.1, count: 110 }] };
  const w = windowed(prev, cur);
  assert.deepEqual(w.buckets, [{ le: 0.01, count: 0 }, { le: 0.1, count: 10 }]);
  const p = percentiles(prev, cur);
  close(p.p50, 0.055);
  assert.equal(p.count, 10);
  assert.deepEqual(percentiles(cur, cur), { p50: null, p99: null, count: 0 });
  assert.equal(windowed(cur, prev), prev); // a reset: the new process's histogram alone
  assert.equal(windowed(null, cur), cur);
});

test('formatting for people', () => {
  assert.equal(formatSeconds(0.00085), '850 µs');
  assert.equal(formatSeconds(0.0123), '12.3 ms');
  assert.equal(formatSeconds(0.005), '5.00 ms');
  assert.equal(formatSeconds(1.2), '1.20 s');
  assert.equal(formatSeconds(null), '—');
  assert.equal(formatRate(0), '0/s');
  assert.equal(formatRate(0.25), '0.25/s');
  assert.equal(formatRate(12.4), '12/s');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(12.5 * 1024 * 1024), '12.5 MiB');
});

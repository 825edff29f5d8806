import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runningBalances, totals, counts } from '../../assets/js/ledger.js';

const tx = (booked_at, amount) => ({ id: `${booked_at}${amount}`, booked_at, amount });

test('running balance, newest first, in exact decimals', () => {
  // 0.1 + 0.2 is where floats go wrong; these stay exact.
  const items = [tx('2026-11-03T00:00:00Z', '-0.10'), tx('2026-11-02T00:00:00Z', '-0.20'), tx('2026-11-01T00:00:00Z', '1000.30')];
  const { rows, next } = runningBalances(items, '1000.00');
  assert.deepEqual(rows.map((r) => r.balance), ['1000.00', '1000.10', '1000.30']);
  assert.equal(next, '0.00', 'before the oldest: the opening balance');
});

test('pages continue where the page before ended', () => {
  const all = [tx('2026-11-05', '-1.01'), tx('2026-11-04', '2.02'), tx('2026-11-03', '-3.03'), tx('2026-11-02', '4.04')];
  const whole = runningBalances(all, '52.02');
  const p1 = runningBalances(all.slice(0, 2), '52.02');
  const p2 = runningBalances(all.slice(2), p1.next);
  assert.deepEqual([...p1.rows, ...p2.rows].map((r) => r.balance), whole.rows.map((r) => r.balance));
  assert.equal(p2.next, whole.next);
  assert.equal(whole.next, '50.00');
});

test('huge amounts and mixed scales stay exact', () => {
  const { rows, next } = runningBalances([tx('2026-01-02', '0.001'), tx('2026-01-01', '-92233720368547758.07')], '92233720368547758.07');
  assert.deepEqual(rows.map((r) => r.balance), ['92233720368547758.07', '92233720368547758.069']);
  assert.equal(next, '184467440737095516.139');
  // A currency without decimals.
  assert.equal(runningBalances([tx('2026-01-01', '-1500')], '98500').next, '100000');
});

test('transactions booked before the opening date are not in the balance', () => {
  const items = [tx('2026-11-02T10:00:00Z', '-5.00'), tx('2026-11-01T00:00:00Z', '-1.00'), tx('2026-10-31T23:59:59Z', '-100.00')];
  const { rows, next } = runningBalances(items, '94.00', '2026-11-01');
  assert.deepEqual(rows.map((r) => r.balance), ['94.00', '99.00', null]);
  assert.equal(next, '100.00');
  assert.equal(counts(items[1], '2026-11-01'), true, 'the opening day counts');
  assert.equal(counts(items[2], '2026-11-01'), false);
  assert.equal(counts(items[2], null), true);
});

test('totals per currency never mix currencies', () => {
  const t = totals([
    { currency: 'EUR', balance: '10.10' },
    { currency: 'USD', balance: '-3.00' },
    { currency: 'EUR', balance: '0.20' },
    { currency: 'JPY', balance: '1500' },
  ]);
  assert.deepEqual(t, [
    { currency: 'EUR', total: '10.30', accounts: 2 },
    { currency: 'JPY', total: '1500', accounts: 1 },
    { currency: 'USD', total: '-3.00', accounts: 1 },
  ]);
  assert.deepEqual(totals([]), []);
});

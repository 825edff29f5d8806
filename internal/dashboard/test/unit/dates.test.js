import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dates from '../../assets/js/dates.js';
import { timeTicks } from '../../assets/js/chart.js';

test('a booked date is its UTC calendar day, in the locale', () => {
  const s = '2026-11-20T00:00:00Z';
  assert.equal(dates.formatDate(s, { locale: 'en-US' }), 'Nov 20, 2026');
  assert.equal(dates.formatDate(s, { locale: 'de-DE' }), '20.11.2026');
  assert.equal(dates.formatDate(s, { locale: 'de-DE', style: 'short' }), '20.11.26');
  assert.equal(dates.formatDate('2026-11-20T23:30:00Z', { locale: 'en-US' }), 'Nov 20, 2026'); // never shifted by the zone
  assert.equal(dates.formatDate('not a date', { locale: 'en-US' }), '');
  assert.equal(dates.isoDate(s), '2026-11-20');
});

test('months and axis days in two locales', () => {
  assert.equal(dates.formatMonth('2026-11', { locale: 'en-US' }), 'Nov 2026');
  assert.equal(dates.formatMonth('2026-11', { locale: 'de-DE' }), 'Nov. 2026');
  assert.equal(dates.formatAxisDay('2026-03-05T00:00:00Z', { locale: 'en-US' }), 'Mar 5');
  assert.equal(dates.formatAxisDay('2026-03-05T00:00:00Z', { locale: 'de-DE' }), '5. März');
});

test('timeTicks spreads up to three labels, first and last included', () => {
  const times = Array.from({ length: 11 }, (_, i) => new Date(Date.UTC(2026, 10, 20, 12, i)).toISOString());
  const fmt = (d) => d.toISOString().slice(11, 16);
  const ticks = timeTicks(times, { format: fmt });
  assert.deepEqual(ticks.map((t) => [t.at, t.text]), [[0, '12:00'], [0.5, '12:05'], [1, '12:10']]);
  assert.deepEqual(timeTicks(times.slice(0, 2), { format: fmt }).map((t) => t.text), ['12:00', '12:01']);
  assert.deepEqual(timeTicks([times[0]], { format: fmt }).map((t) => [t.at, t.text]), [[1, '12:00']]);
  assert.deepEqual(timeTicks([]), []);
});

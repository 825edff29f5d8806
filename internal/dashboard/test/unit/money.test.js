import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as money from '../../assets/js/money.js';

test('parse and toString round-trip without floats', () => {
  for (const [s, units, scale, back] of [
    ['-12.50', -1250n, 2, '-12.50'],
    ['0.1', 1n, 1, '0.1'],
    ['+7', 7n, 0, '7'],
    ['-0.001', -1n, 3, '-0.001'],
    ['92233720368547758.07', 9223372036854775807n, 2, '92233720368547758.07'],
    ['123456789012345678901234567890.123456', 123456789012345678901234567890123456n, 6, '123456789012345678901234567890.123456'],
  ]) {
    const p = money.parse(s);
    assert.equal(p.units, units, s);
    assert.equal(p.scale, scale, s);
    assert.equal(money.toString(p.units, p.scale), back);
  }
  for (const bad of ['', '1e3', '1.', '.5', '1,5', 'NaN', '--1', '1.2.3']) {
    assert.throws(() => money.parse(bad), TypeError, bad);
    assert.equal(money.isDecimal(bad), false, bad);
  }
});

test('add, sub and compare are exact where floats are not', () => {
  assert.equal(money.add('0.1', '0.2'), '0.3');
  assert.equal(money.add('1.5', '-0.25'), '1.25');
  assert.equal(money.add('-3.50', '3.50'), '0.00');
  assert.equal(money.add('9007199254740993', '1'), '9007199254740994'); // past 2^53
  assert.equal(money.sub('10.00', '12.005'), '-2.005');
  assert.equal(money.sub('0', '0.01'), '-0.01');
  assert.equal(money.compare('1.10', '1.1'), 0);
  assert.equal(money.compare('-2', '1.5'), -1);
  assert.equal(money.compare('100000000000000000.01', '100000000000000000'), 1);
  assert.equal(money.sign('-0.00'), 0);
  assert.equal(money.negate('12.50'), '-12.50');
  assert.equal(money.negate('-0.5'), '0.5');
  assert.equal(money.negate('0.00'), '0.00');
  assert.equal(money.abs('-1200'), '1200');
});

test('format groups thousands, keeps decimals and uses a real minus', () => {
  const cases = [
    ['-1234567.5', { minScale: 2 }, '\u22121,234,567.50'],
    ['1234', {}, '1,234'],
    ['123', {}, '123'],
    ['1000', { sign: 'always' }, '+1,000'],
    ['-0.01', { sign: 'never' }, '0.01'],
    ['0.00', { sign: 'always' }, '0.00'],
    ['12.345', { minScale: 2 }, '12.345'], // never rounds away a digit
    ['1234.5', { sep: '\u202f', minScale: 2 }, '1\u202f234.50'],
    ['99999999999999999999.99', {}, '99,999,999,999,999,999,999.99'],
  ];
  for (const [s, opts, want] of cases) assert.equal(money.format(s, opts), want, `${s} ${JSON.stringify(opts)}`);
});

test('formatMoney pads to the currency exponent', () => {
  assert.equal(money.formatMoney('-3.5', 'EUR'), '\u22123.50 EUR');
  assert.equal(money.formatMoney('-1200', 'JPY'), '\u22121,200 JPY');
  assert.equal(money.formatMoney('45.125', 'BHD'), '45.125 BHD');
  assert.equal(money.formatMoney('2500', 'usd', { sign: 'always' }), '+2,500.00 usd');
  assert.equal(money.exponent('CLF'), 4);
  assert.equal(money.exponent('XYZ'), 2);
});

test('ratio is a bar length computed on integers', () => {
  assert.equal(money.ratio('25', '100'), 0.25);
  assert.equal(money.ratio('-3.50', '7'), 0.5);
  assert.equal(money.ratio('1', '3'), 0.333333);
  assert.equal(money.ratio('5', '0'), 0);
  assert.equal(money.ratio('200', '100'), 1);
  assert.equal(money.ratio('0.000001', '10000000000000000000'), 0);
});

test('normalizeInput accepts what people type', () => {
  for (const [in_, want] of [
    [' 12.50 ', '12.50'],
    ['12,5', '12.5'],
    ['1 234,56', '1234.56'],
    ['1,234.56', '1234.56'],
    ['1,234', '1234'],
    ['\u22123.5', '-3.5'],
    ['1\u00a0000', '1000'],
    ['abc', 'abc'],
    ['3.505', '3.505'],
  ]) {
    assert.equal(money.normalizeInput(in_), want, in_);
  }
});

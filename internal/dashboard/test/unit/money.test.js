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

test('format groups digits the locale\'s way, keeps decimals and uses a real minus', () => {
  const cases = [
    ['-1234567.5', { minScale: 2 }, '\u22121,234,567.50', '\u22121.234.567,50'],
    ['1234', {}, '1,234', '1.234'],
    ['123', {}, '123', '123'],
    ['1000', { sign: 'always' }, '+1,000', '+1.000'],
    ['-0.01', { sign: 'never' }, '0.01', '0,01'],
    ['-0.01', {}, '\u22120.01', '\u22120,01'],
    ['0.00', { sign: 'always' }, '0.00', '0,00'],
    ['-0.00', {}, '0.00', '0,00'],
    ['12.345', { minScale: 2 }, '12.345', '12,345'], // never rounds away a digit
    ['0.000001', {}, '0.000001', '0,000001'],
    ['99999999999999999999.99', {}, '99,999,999,999,999,999,999.99', '99.999.999.999.999.999.999,99'],
  ];
  for (const [s, opts, us, de] of cases) {
    assert.equal(money.format(s, { ...opts, locale: 'en-US' }), us, `en-US ${s} ${JSON.stringify(opts)}`);
    assert.equal(money.format(s, { ...opts, locale: 'de-DE' }), de, `de-DE ${s} ${JSON.stringify(opts)}`);
  }
});

test('amounts beyond 2^53 are formatted digit for digit, where a float would round', () => {
  // 2^53 + 1 as a float is 9007199254740992; as a decimal string it stays.
  const s = '9007199254740993.07';
  assert.equal(String(Number('9007199254740993')), '9007199254740992');
  assert.equal(money.format(s, { locale: 'en-US' }), '9,007,199,254,740,993.07');
  assert.equal(money.format(s, { locale: 'de-DE' }), '9.007.199.254.740.993,07');
  const big = '-123456789012345678901234567890.123456789';
  assert.equal(money.formatMoney(big, 'EUR', { locale: 'en-US' }), '\u2212\u20ac123,456,789,012,345,678,901,234,567,890.123456789');
  assert.equal(money.formatMoney(big, 'EUR', { locale: 'de-DE' }), '\u2212123.456.789.012.345.678.901.234.567.890,123456789\u00a0\u20ac');
  // Every digit survives: strip the separators and compare with the input.
  for (const locale of ['en-US', 'de-DE', 'fr-FR', 'de-CH', 'en-IN', 'ja-JP']) {
    const out = money.format(big, { locale });
    assert.equal(out.replace(/[^0-9]/g, ''), big.replace(/[^0-9]/g, ''), locale);
  }
});

test('formatMoney: the locale\'s currency pattern, padded to the currency exponent', () => {
  const cases = [
    ['-3.5', 'EUR', {}, '\u2212\u20ac3.50', '\u22123,50\u00a0\u20ac'],
    ['-1200', 'JPY', {}, '\u2212\u00a51,200', '\u22121.200\u00a0\u00a5'],
    ['45.125', 'BHD', {}, 'BHD\u00a045.125', '45,125\u00a0BHD'],
    ['2500', 'usd', { sign: 'always' }, '+$2,500.00', '+2.500,00\u00a0$'],
    ['1.5', 'CLF', {}, 'CLF\u00a01.5000', '1,5000\u00a0CLF'],
    ['0', 'EUR', { sign: 'always' }, '\u20ac0.00', '0,00\u00a0\u20ac'],
  ];
  for (const [s, cur, opts, us, de] of cases) {
    assert.equal(money.formatMoney(s, cur, { ...opts, locale: 'en-US' }), us, `en-US ${s} ${cur}`);
    assert.equal(money.formatMoney(s, cur, { ...opts, locale: 'de-DE' }), de, `de-DE ${s} ${cur}`);
  }
  // A code Intl refuses falls back to the number and the code.
  assert.equal(money.formatMoney('7', 'EURO', { locale: 'en-US' }), '7.00 EURO');
  assert.equal(money.exponent('CLF'), 4);
  assert.equal(money.exponent('jpy'), 0);
  assert.equal(money.exponent('XYZ'), 2);
});

test('formatPercent is exact and local', () => {
  assert.equal(money.formatPercent('10.00', { sign: 'always', locale: 'en-US' }), '+10.00%');
  assert.equal(money.formatPercent('-33.33', { sign: 'always', locale: 'en-US' }), '\u221233.33%');
  assert.equal(money.formatPercent('-33.33', { sign: 'always', locale: 'de-DE' }), '\u221233,33\u00a0%');
  assert.equal(money.formatPercent('0.00', { sign: 'always', locale: 'de-DE' }), '0,00\u00a0%');
  assert.equal(money.formatPercent('12345678901234567.5', { locale: 'en-US' }), '12,345,678,901,234,567.5%');
});

test('locale digits: the fraction is written in the locale\'s digits too', () => {
  const out = money.format('1234.56', { locale: 'ar-EG' });
  assert.doesNotMatch(out, /[0-9]/);
  assert.match(out, /\u0665\u0666$/); // ٥٦
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
    ['1.234,56', '1234.56'],
    ['-12.345.678,9', '-12345678.9'],
    ['1.234', '1.234'],
  ]) {
    assert.equal(money.normalizeInput(in_), want, in_);
  }
});

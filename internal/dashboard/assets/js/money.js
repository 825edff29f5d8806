// Money from the API's decimal strings ("-1234.50"), without floats: every
// operation works on BigInt units at the string's own scale.
import { EXPONENTS } from './currencies.js';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

// parse turns a decimal string into {units, scale}: "-12.50" is
// {units: -1250n, scale: 2}. It throws on anything else.
export function parse(s) {
  const m = DECIMAL.exec(String(s).trim());
  if (!m) throw new TypeError(`not a decimal number: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  let units = BigInt(m[2] + frac);
  if (m[1] === '-') units = -units;
  return { units, scale: frac.length };
}

// isDecimal reports whether s is a plain decimal string parse accepts.
export function isDecimal(s) {
  return DECIMAL.test(String(s).trim());
}

// toString renders units at scale as a decimal string ("-12.50").
export function toString(units, scale) {
  const neg = units < 0n;
  let digits = (neg ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return (neg ? '-' : '') + digits;
}

function rescale({ units, scale }, to) {
  return units * 10n ** BigInt(to - scale);
}

// add returns a + b, at the larger of their scales: add("1.5", "-0.25") is "1.25".
export function add(a, b) {
  const x = parse(a), y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return toString(rescale(x, scale) + rescale(y, scale), scale);
}

// sub returns a − b.
export function sub(a, b) {
  return add(a, negate(b));
}

// compare returns -1, 0 or 1 as a is less than, equal to or more than b.
export function compare(a, b) {
  const x = parse(a), y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

// sign returns -1, 0 or 1.
export function sign(s) {
  const { units } = parse(s);
  return units < 0n ? -1 : units > 0n ? 1 : 0;
}

// negate flips the sign ("12.50" → "-12.50"; zero stays unsigned).
export function negate(s) {
  const x = parse(s);
  return toString(-x.units, x.scale);
}

// abs drops the sign.
export function abs(s) {
  const x = parse(s);
  return toString(x.units < 0n ? -x.units : x.units, x.scale);
}

// ratio returns a / b as a Number between 0 and 1 (for the length of a
// bar: geometry, not money), 0 when b is zero; a and b are made
// non-negative first.
export function ratio(a, b) {
  const x = parse(abs(a)), y = parse(abs(b));
  const scale = Math.max(x.scale, y.scale);
  const den = rescale(y, scale);
  if (den === 0n) return 0;
  const r = Number((rescale(x, scale) * 1000000n) / den) / 1000000;
  return Math.min(1, r);
}

// The formatters below render in a locale (default: the browser's) through
// Intl.NumberFormat, yet never through a float: the integer part is given
// to Intl as a BigInt (exact at any size) and the fraction digits of the
// decimal string are spliced into the parts Intl returns in place of its
// zeros. Signs: 'auto' (only minus), 'always' (+ for positive, none for
// zero) or 'never'; a minus is always a real minus sign (U+2212).

const formatters = new Map();

// numberFormat returns a cached Intl.NumberFormat.
function numberFormat(locale, opts) {
  const key = `${locale ?? ''}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    formatters.set(key, f);
  }
  return f;
}

const SIGN = { auto: 'auto', always: 'exceptZero', never: 'never' };

// localDigits returns the ten digits the locale writes (Latin in most).
function localDigits(locale) {
  const f = numberFormat(locale, { useGrouping: false });
  return Array.from({ length: 10 }, (_, d) => f.format(d));
}

// exactParts is formatToParts of the decimal string s with Intl options
// opts (style decimal or currency), at least minScale decimals, exactly.
function exactParts(s, opts, { sign = 'auto', minScale = 0, locale } = {}) {
  const x = parse(s);
  const neg = x.units < 0n;
  let [int, frac = ''] = toString(neg ? -x.units : x.units, x.scale).split('.');
  while (frac.length < minScale) frac += '0';
  const f = numberFormat(locale, { ...opts, signDisplay: SIGN[sign] || 'auto', minimumFractionDigits: frac.length, maximumFractionDigits: frac.length });
  const whole = BigInt(int);
  // BigInt has no -0: a negative amount under 1 is laid out as ±1 and
  // its integer digit put back to 0.
  const zeroInt = whole === 0n;
  const mag = zeroInt ? 1n : whole;
  const lay = x.units === 0n ? 0n : neg ? -mag : mag;
  const digits = /^[0-9]+$/.test(f.formatToParts(0n).find((p) => p.type === 'integer')?.value ?? '0') ? null : localDigits(locale);
  const local = (t) => (digits ? t.replace(/[0-9]/g, (d) => digits[d]) : t);
  return f.formatToParts(lay).map((p) => {
    if (p.type === 'fraction') return { ...p, value: local(frac) };
    if (p.type === 'integer' && zeroInt) return { ...p, value: local('0') };
    if (p.type === 'minusSign') return { ...p, value: '\u2212' };
    return p;
  });
}

const join = (parts) => parts.map((p) => p.value).join('');

// format renders a decimal string for people in the locale: digits
// grouped, the decimals kept as given (padded to minScale, never rounded),
// a real minus sign. format("-1234567.5", {minScale: 2, locale: 'en-US'})
// is "−1,234,567.50"; in de-DE "−1.234.567,50".
export function format(s, { sign = 'auto', minScale = 0, locale } = {}) {
  return join(exactParts(s, { style: 'decimal' }, { sign, minScale, locale }));
}

// formatMoney renders an amount in its currency the locale's way, with at
// least the currency's decimals (EXPONENTS): formatMoney("-3.5", "EUR")
// is "−€3.50" in en-US and "−3,50 €" in de-DE. A code Intl does not take
// falls back to the amount and the code ("12.00 XYZ1").
export function formatMoney(s, currency, opts = {}) {
  const minScale = opts.minScale ?? exponent(currency);
  try {
    return join(exactParts(s, { style: 'currency', currency: String(currency).toUpperCase(), currencyDisplay: opts.display || 'symbol' }, { ...opts, minScale }));
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return `${format(s, { ...opts, minScale })} ${currency}`;
  }
}

// formatPercent renders a percentage given as a decimal string ("12.5"
// means 12.5%) in the locale, exactly: "+12.50%" in en-US, "+12,50 %" in
// de-DE with {sign: 'always', minScale: 2}.
export function formatPercent(s, { sign = 'auto', minScale = 0, locale } = {}) {
  const num = exactParts(s, { style: 'decimal' }, { sign, minScale, locale });
  // The percent sign and its spacing come from the locale's pattern for 1%.
  const tpl = numberFormat(locale, { style: 'percent', signDisplay: 'never', maximumFractionDigits: 0 }).formatToParts(0.01);
  const out = [];
  let placed = false;
  for (const p of tpl) {
    if (['integer', 'group', 'decimal', 'fraction'].includes(p.type)) {
      if (!placed) out.push(...num.filter((q) => ['integer', 'group', 'decimal', 'fraction'].includes(q.type)));
      placed = true;
    } else {
      out.push(p);
    }
  }
  const signPart = num.find((q) => q.type === 'minusSign' || q.type === 'plusSign');
  return (signPart ? signPart.value : '') + join(out);
}

// exponent returns how many decimals currency's minor unit has (2 for a
// code trx does not know), from the table generated from internal/money.
export function exponent(currency) {
  return EXPONENTS[String(currency).toUpperCase()] ?? 2;
}

// normalizeInput turns what a person typed as an amount into the API's
// form: spaces and thousands separators dropped, a decimal comma accepted
// when there is no dot ("1 234,5" → "1234.5"). It returns the input trimmed
// if it cannot tell, so that the server explains what is wrong.
export function normalizeInput(s) {
  let t = String(s).trim().replace(/[\s\u00a0\u202f']/g, '').replace(/^\u2212/, '-');
  if (!t.includes('.') && /^[+-]?\d+,\d{1,3}$/.test(t) && !/^[+-]?\d{1,3},\d{3}$/.test(t)) {
    t = t.replace(',', '.');
  } else if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) {
    t = t.replace(/,/g, '');
  } else if (/^[+-]?\d{1,3}(\.\d{3})+,\d+$/.test(t)) {
    t = t.replace(/\./g, '').replace(',', '.'); // 1.234,56 (German and others)
  }
  return t;
}

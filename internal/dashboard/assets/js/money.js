// Money from the API's decimal strings ("-1234.50"), without floats: every
// operation works on BigInt units at the string's own scale.

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

// group puts a separator between thousands of an unsigned digit string.
function group(digits, sep) {
  let out = '';
  for (let i = digits.length; i > 0; i -= 3) {
    out = digits.slice(Math.max(0, i - 3), i) + (out ? sep + out : '');
  }
  return out;
}

// format renders a decimal string for people: thousands grouped, the
// decimals kept as given, a real minus sign. Options: sign: 'auto' (only
// minus), 'always' (+ for positive) or 'never'; minScale pads the decimals
// (a currency's exponent); sep is the thousands separator (default ",").
// format("-1234567.5", {minScale: 2}) is "−1,234,567.50".
export function format(s, { sign: signMode = 'auto', minScale = 0, sep = ',' } = {}) {
  const x = parse(s);
  let [int, frac = ''] = toString(x.units < 0n ? -x.units : x.units, x.scale).split('.');
  while (frac.length < minScale) frac += '0';
  const body = group(int, sep) + (frac ? `.${frac}` : '');
  if (signMode === 'never' || x.units === 0n) return body;
  if (x.units < 0n) return `\u2212${body}`;
  return signMode === 'always' ? `+${body}` : body;
}

// formatMoney is format with the currency code after the amount:
// formatMoney("-3.5", "EUR") is "−3.50 EUR" (EUR has two decimals).
export function formatMoney(s, currency, opts = {}) {
  const minScale = opts.minScale ?? exponent(currency);
  return `${format(s, { ...opts, minScale })} ${currency}`;
}

// Currencies whose minor unit is not 2 decimals (ISO 4217); others have 2.
const EXPONENTS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

// exponent returns how many decimals currency's minor unit has.
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
  }
  return t;
}

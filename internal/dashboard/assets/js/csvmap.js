// The import page's pure logic: a first look at a statement file in the
// browser (its format, the CSV's delimiter, header and first rows), a
// guess at the column mapping, the mapping as the API takes it, and the
// problems of a preview or a refusal, each with its line.
//
// The server stays the judge of what a file holds: the preview the page
// shows is its dry run. This only lets a person pick columns by name.

// detectFormat names a statement's format from its first characters, as
// the server's Detect does: 'ofx', 'camt', 'qif', 'csv', or 'other' (a
// PDF, a spreadsheet, binary: the server explains which).
export function detectFormat(text) {
  const head = String(text).slice(0, 4096).replace(/^\ufeff/, '');
  const trimmed = head.replace(/^[ \t\r\n]+/, '');
  const upper = trimmed.toUpperCase();
  if (!trimmed) return 'other';
  if (trimmed.startsWith('%PDF') || head.startsWith('PK\u0003\u0004') || head.includes('\u0000')) return 'other';
  if (upper.startsWith('OFXHEADER') || upper.includes('<OFX>') || upper.includes('<?OFX')) return 'ofx';
  if (trimmed.startsWith('<')) return /<Document|:Document/.test(head) ? 'camt' : 'other';
  if (/^!(TYPE|ACCOUNT|OPTION)/.test(upper)) return 'qif';
  return 'csv';
}

// DELIMITERS are the ones the server sniffs, in its order of preference.
export const DELIMITERS = [',', ';', '\t', '|'];

// sniffDelimiter returns the one of , ; tab | seen most outside quotes in
// the first line (',' when none), as the server does.
export function sniffDelimiter(text) {
  const first = String(text).split('\n', 1)[0];
  const counts = new Map();
  let quoted = false;
  for (const c of first) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && DELIMITERS.includes(c)) counts.set(c, (counts.get(c) || 0) + 1);
  }
  let best = ',', n = 0;
  for (const d of DELIMITERS) {
    if ((counts.get(d) || 0) > n) {
      best = d;
      n = counts.get(d);
    }
  }
  return best;
}

// parseCSV reads up to max records of text (RFC 4180: quoted fields, ""
// for a quote, line breaks inside quotes), each with the line it starts
// on (1-based, counting skipLines); blank records are left out, as the
// server does.
export function parseCSV(text, { delimiter = ',', skipLines = 0, max = 50 } = {}) {
  let s = String(text).replace(/^\ufeff/, '');
  let line = 1;
  for (let i = 0; i < skipLines; i++) {
    const nl = s.indexOf('\n');
    if (nl < 0) return [];
    s = s.slice(nl + 1);
    line++;
  }
  const out = [];
  let fields = [], cur = '', quoted = false, start = line, i = 0;
  const endRecord = () => {
    fields.push(cur);
    if (fields.some((f) => f.trim() !== '')) out.push({ line: start, fields });
    fields = [];
    cur = '';
  };
  for (; i < s.length && out.length < max; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        cur += c;
      }
    } else if (c === '"' && cur === '') {
      quoted = true;
    } else if (c === delimiter) {
      fields.push(cur);
      cur = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cur += c;
    }
  }
  if (out.length < max && (cur !== '' || fields.length)) endRecord();
  return out;
}

const DATE_LIKE = /^\s*(\d{1,4})[./-](\d{1,2}|[A-Za-z]{3,9})[./-](\d{1,4})(?:[T ].*)?\s*$/;
const AMOUNT_LIKE = /^\s*[+\-\u2212(]?\s*[$€£¥]?\s*\d[\d.,' \u00a0]*\s*\)?\s*(?:[A-Z]{3})?\s*$/;

// looksLikeData tells whether a cell holds a date or an amount.
function looksLikeData(cell) {
  return DATE_LIKE.test(cell) || AMOUNT_LIKE.test(cell);
}

// guessHeader tells whether the first record names the columns: no cell of
// it reads as a date or an amount, and one at least has a letter.
export function guessHeader(fields) {
  const cells = fields.map((f) => f.trim()).filter(Boolean);
  return cells.length > 0 && !cells.some(looksLikeData) && cells.some((c) => /\p{L}/u.test(c));
}

// columns lists the columns to choose from, [{value, label}]: by header
// name (as the server matches them: case and spaces aside), or "#n" when
// there is no header or a name is empty or repeated.
export function columns(first, header) {
  const seen = new Set();
  return first.map((raw, i) => {
    const name = raw.trim();
    const key = name.toLowerCase();
    const byName = header && name !== '' && !seen.has(key) && !/^#\d+$/.test(name);
    seen.add(key);
    const n = `#${i + 1}`;
    if (byName) return { value: name, label: name };
    const sample = raw.trim().slice(0, 24);
    return { value: n, label: header ? `Column ${i + 1}` : `Column ${i + 1}${sample ? ` (\u201c${sample}\u201d)` : ''}` };
  });
}

// What the usual banks call their columns (English, German, French,
// Dutch, Spanish, Afrikaans), per field of the mapping.
const NAMES = {
  date: /^(date|booking ?date|transaction ?date|posted|posting ?date|datum|buchungstag|buchungsdatum|date op[ée]ration|fecha|boekdatum)$/i,
  amount: /^(amount|value|betrag|montant|importe|bedrag|amount \(\w+\))$/i,
  debit: /^(debit|debits|withdrawal|withdrawals|money out|paid out|out|soll|ausgang|d[ée]bit)$/i,
  credit: /^(credit|credits|deposit|deposits|money in|paid in|in|haben|eingang|cr[ée]dit)$/i,
  description: /^(description|details|memo|narrative|transaction|text|buchungstext|verwendungszweck|libell[ée]|concepto|omschrijving|beskrywing|particulars)$/i,
  counterparty: /^(payee|counterparty|merchant|name|beneficiary|empf[äa]nger|auftraggeber|beg[üu]nstigter|tegenrekening naam)$/i,
  reference: /^(reference|ref|id|transaction id|fitid|referenz|r[ée]f[ée]rence)$/i,
  balance: /^(balance|running balance|saldo|solde)$/i,
  currency: /^(currency|w[äa]hrung|devise|moneda)$/i,
};

// guessMapping picks the columns whose names say what they hold: {date,
// amount, debit, credit, description: [...], counterparty, reference,
// balance}, each a column value from columns() or '' (description: []).
export function guessMapping(cols) {
  const m = { date: '', amount: '', debit: '', credit: '', description: [], counterparty: '', reference: '', balance: '', currency: '' };
  for (const c of cols) {
    for (const [field, re] of Object.entries(NAMES)) {
      if (!re.test(c.label.trim())) continue;
      if (field === 'description') {
        if (!m.description.length) m.description.push(c.value);
      } else if (!m[field]) {
        m[field] = c.value;
      }
      break;
    }
  }
  if (m.amount) m.debit = m.credit = '';
  else if (!(m.debit && m.credit)) m.debit = m.credit = '';
  return m;
}

// guessDateFormat reads a column of dates: "iso" for 2024-01-03, else a
// format such as DD.MM.YYYY; day and month are told apart by a value over
// 12 (day first when nothing tells). '' when they are not dates.
export function guessDateFormat(samples) {
  const cells = samples.map((s) => String(s).trim()).filter(Boolean);
  if (!cells.length) return '';
  if (cells.every((c) => /^\d{4}-\d{2}-\d{2}(?:[T ].*)?$/.test(c))) return 'iso';
  const parts = cells.map((c) => /^(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})$/.exec(c));
  if (parts.some((p) => !p)) return '';
  const sep = parts[0][2];
  if (parts.some((p) => p[2] !== sep)) return '';
  if (parts.every((p) => p[1].length === 4)) return `YYYY${sep}MM${sep}DD`;
  const year = parts.every((p) => p[4].length === 4) ? 'YYYY' : 'YY';
  const firstBig = parts.some((p) => Number(p[1]) > 12);
  const secondBig = parts.some((p) => Number(p[3]) > 12);
  if (secondBig && !firstBig) return `MM${sep}DD${sep}${year}`;
  return `DD${sep}MM${sep}${year}`;
}

// guessNumbers tells the decimal and thousands separators of a column of
// amounts: {decimal: ',', thousands: '.'} for 1.234,56; {decimal: '.',
// thousands: ','} for 1,234.56; thousands '' when none is seen.
export function guessNumbers(samples) {
  let comma = 0, dot = 0, thousands = '';
  for (const raw of samples) {
    const s = String(raw).replace(/[^\d.,]/g, '');
    if (!s) continue;
    const m = /([.,])(\d+)$/.exec(s);
    if (m && m[2].length !== 3) {
      if (m[1] === ',') comma++;
      else dot++;
      const other = m[1] === ',' ? '.' : ',';
      if (s.includes(other)) thousands = other;
    }
    // 1.234 alone is a thousands separator or three decimals: another
    // sample tells.
  }
  const decimal = comma > dot ? ',' : '.';
  if (thousands === decimal) thousands = '';
  return { decimal, thousands };
}

// toMapping builds the API's CSV mapping from the page's choices: empty
// fields are left out; description is a list of columns.
export function toMapping(f) {
  const m = {};
  const set = (k, v) => {
    if (v !== '' && v != null) m[k] = v;
  };
  set('delimiter', f.delimiter === 'auto' ? '' : f.delimiter);
  if (typeof f.header === 'boolean') m.header = f.header;
  if (f.skipLines > 0) m.skip_lines = Number(f.skipLines);
  set('encoding', f.encoding === 'utf-8' ? '' : f.encoding);
  set('date', f.date);
  set('date_format', f.dateFormat);
  if (f.amountMode === 'split') {
    set('debit', f.debit);
    set('credit', f.credit);
  } else {
    set('amount', f.amount);
  }
  m.description = (f.description || []).filter(Boolean);
  for (const k of ['counterparty', 'reference', 'balance', 'currency']) set(k, f[k]);
  set('decimal_separator', f.decimal === '.' ? '' : f.decimal);
  set('thousands_separator', f.thousands);
  if (f.positiveIsSpent) m.positive_is_spent = true;
  return m;
}

// fromMapping is the other way: a preset's mapping as the page's choices.
export function fromMapping(m = {}) {
  return {
    delimiter: m.delimiter || 'auto',
    header: typeof m.header === 'boolean' ? m.header : undefined,
    skipLines: m.skip_lines || 0,
    encoding: m.encoding || 'utf-8',
    date: m.date || '',
    dateFormat: m.date_format || '',
    amountMode: m.debit || m.credit ? 'split' : 'single',
    amount: m.amount || '',
    debit: m.debit || '',
    credit: m.credit || '',
    description: Array.isArray(m.description) ? [...m.description] : [],
    counterparty: m.counterparty || '',
    reference: m.reference || '',
    balance: m.balance || '',
    currency: m.currency || '',
    decimal: m.decimal_separator || '.',
    thousands: m.thousands_separator || '',
    positiveIsSpent: Boolean(m.positive_is_spent),
  };
}

// problemsOf lists the problems of a preview (problems[]) or of a refusal
// (an ApiError whose errors[] name "line 12: amount"), by line:
// [{line, field, column, detail}]; line 0 is the file as a whole.
export function problemsOf(source) {
  let list = [];
  if (Array.isArray(source)) {
    list = source.map((p) => ({ line: p.line || 0, field: p.field || '', column: p.column || '', detail: p.detail || p.rule || '' }));
  } else if (source && source.problem) {
    const errs = Array.isArray(source.problem.errors) ? source.problem.errors : [];
    list = errs.map((e) => {
      const m = /^line (\d+): (.*)$/.exec(e.field || '');
      return { line: m ? Number(m[1]) : 0, field: m ? m[2] : e.field || '', column: '', detail: e.detail || e.rule || '' };
    });
    if (!list.length) list = [{ line: 0, field: '', column: '', detail: source.problem.detail || source.message || '' }];
  }
  return list.sort((a, b) => a.line - b.line);
}

// describeProblem is one problem in words: "Line 12, amount (column
// “Betrag”): …".
export function describeProblem(p) {
  const where = p.line > 0 ? `Line ${p.line}` : 'The file';
  const what = p.field && !['file', 'mapping'].includes(p.field) ? `, ${p.field.replace(/_/g, ' ')}` : '';
  const col = p.column ? ` (column \u201c${p.column}\u201d)` : '';
  const detail = String(p.detail).trim();
  return `${where}${what}${col}: ${detail}${/[.!?)]$/.test(detail) ? '' : '.'}`;
}

// summary is an import's outcome in words.
export function summary(imp) {
  const n = (k, one, many) => `${imp[k]} ${imp[k] === 1 ? one : many}`;
  const parts = [n('created', 'transaction created', 'transactions created'), n('duplicates', 'duplicate left out', 'duplicates left out')];
  if (imp.rejected) parts.push(n('rejected', 'line rejected', 'lines rejected'));
  if (imp.skipped) parts.push(n('skipped', 'line skipped (pending or not a transaction)', 'lines skipped (pending or not transactions)'));
  switch (imp.state) {
    case 'running':
      return `Importing ${imp.rows} ${imp.rows === 1 ? 'line' : 'lines'}\u2026`;
    case 'failed':
      return `The import failed and stored nothing${imp.error ? `: ${imp.error}` : '.'}`;
    case 'undone':
      return `Undone: ${imp.removed} ${imp.removed === 1 ? 'transaction' : 'transactions'} removed.`;
    default:
      return `Done: ${parts.join(', ')}.`;
  }
}

// decodeText reads a file's bytes (an ArrayBuffer or Uint8Array) as the
// server will: a BOM decides (UTF-8, UTF-16), else encoding ('utf-8',
// 'latin-1', 'windows-1252' or 'auto': UTF-8 when valid, else
// Windows-1252). It returns {text, encoding, valid}: valid is false for
// bytes that are not UTF-8 in a file said to be (the server refuses it;
// the text then has U+FFFD in their place).
export function decodeText(bytes, encoding = 'utf-8') {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dec = (label, fatal = false) => new TextDecoder(label, { fatal, ignoreBOM: false }).decode(b);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { text: dec('utf-8'), encoding: 'utf-8', valid: true };
  if (b[0] === 0xff && b[1] === 0xfe) return { text: dec('utf-16le'), encoding: 'utf-16', valid: true };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: dec('utf-16be'), encoding: 'utf-16', valid: true };
  // TextDecoder's "latin1" is windows-1252 (WHATWG); ISO 8859-1 differs
  // only in 0x80–0x9F, control characters no statement holds.
  if (encoding === 'latin-1' || encoding === 'windows-1252') return { text: dec('windows-1252'), encoding, valid: true };
  try {
    return { text: dec('utf-8', true), encoding: encoding === 'auto' ? 'auto' : 'utf-8', valid: true };
  } catch {
    if (encoding === 'auto') return { text: dec('windows-1252'), encoding: 'auto', valid: true };
    return { text: dec('utf-8'), encoding: 'utf-8', valid: false };
  }
}

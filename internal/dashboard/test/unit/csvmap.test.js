import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as csv from '../../assets/js/csvmap.js';

const GIRO = 'Datum;Buchungstext;Empfänger;Soll;Haben;Saldo\n03.01.2024;Lastschrift;Stadtwerke München;1.234,56;;8.765,44\n05.01.2024;Gutschrift;"Arbeitgeber; AG";;3.000,00;11.765,44\n';

test('detectFormat agrees with the server on the first bytes', () => {
  assert.equal(csv.detectFormat('OFXHEADER:100\nDATA:OFXSGML'), 'ofx');
  assert.equal(csv.detectFormat('<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?><OFX>'), 'ofx');
  assert.equal(csv.detectFormat('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'), 'camt');
  assert.equal(csv.detectFormat('<html></html>'), 'other');
  assert.equal(csv.detectFormat('!Type:Bank\nD01/02/2024'), 'qif');
  assert.equal(csv.detectFormat('\ufeffdate,amount\n'), 'csv');
  assert.equal(csv.detectFormat('%PDF-1.7'), 'other');
  assert.equal(csv.detectFormat('  \n'), 'other');
});

test('sniffDelimiter picks the most common outside quotes', () => {
  assert.equal(csv.sniffDelimiter(GIRO), ';');
  assert.equal(csv.sniffDelimiter('a,b,c\n1;2'), ',');
  assert.equal(csv.sniffDelimiter('"a;b;c",d\n'), ',');
  assert.equal(csv.sniffDelimiter('a\tb\tc'), '\t');
  assert.equal(csv.sniffDelimiter('one column'), ',');
});

test('parseCSV reads quotes, doubled quotes, CRLF and line breaks in fields, with line numbers', () => {
  const rows = csv.parseCSV('preamble\r\na,b\r\n"x ""q""",2\r\n\r\n"multi\nline",3\r\nlast,4', { skipLines: 1 });
  assert.deepEqual(rows, [
    { line: 2, fields: ['a', 'b'] },
    { line: 3, fields: ['x "q"', '2'] },
    { line: 5, fields: ['multi\nline', '3'] },
    { line: 7, fields: ['last', '4'] },
  ]);
  assert.deepEqual(csv.parseCSV(GIRO, { delimiter: ';' })[2].fields, ['05.01.2024', 'Gutschrift', 'Arbeitgeber; AG', '', '3.000,00', '11.765,44']);
  assert.equal(csv.parseCSV(GIRO, { delimiter: ';', max: 2 }).length, 2);
  assert.deepEqual(csv.parseCSV('a,b', { skipLines: 5 }), []);
});

test('a header is told from data', () => {
  assert.equal(csv.guessHeader(['Datum', 'Buchungstext', 'Soll']), true);
  assert.equal(csv.guessHeader(['03.01.2024', 'Lastschrift', '1.234,56']), false);
  assert.equal(csv.guessHeader(['2024-01-03', 'Coffee', '-3.50']), false);
  assert.equal(csv.guessHeader(['', '']), false);
});

test('columns and the guessed mapping of a German giro export', () => {
  const [first, second] = csv.parseCSV(GIRO, { delimiter: ';' });
  const cols = csv.columns(first.fields, true);
  assert.deepEqual(cols.map((c) => c.value), ['Datum', 'Buchungstext', 'Empfänger', 'Soll', 'Haben', 'Saldo']);
  const m = csv.guessMapping(cols);
  assert.deepEqual(m, { date: 'Datum', amount: '', debit: 'Soll', credit: 'Haben', description: ['Buchungstext'], counterparty: 'Empfänger',
    reference: '', balance: 'Saldo', currency: '' });
  // Without a header, columns are numbered and show a sample.
  const numbered = csv.columns(second.fields, false);
  assert.equal(numbered[0].value, '#1');
  assert.equal(numbered[0].label, 'Column 1 (\u201c03.01.2024\u201d)');
  // A repeated or empty name is numbered.
  assert.deepEqual(csv.columns(['Date', 'date', ''], true).map((c) => c.value), ['Date', '#2', '#3']);
});

test('one amount column wins over debit/credit; half a pair is no pair', () => {
  assert.equal(csv.guessMapping(csv.columns(['date', 'amount', 'debit', 'credit', 'description'], true)).debit, '');
  const half = csv.guessMapping(csv.columns(['date', 'debit', 'description'], true));
  assert.equal(half.debit, '');
  assert.equal(half.amount, '');
});

test('date formats are guessed from several values', () => {
  assert.equal(csv.guessDateFormat(['2024-01-03', '2024-12-31']), 'iso');
  assert.equal(csv.guessDateFormat(['03.01.2024', '05.01.2024']), 'DD.MM.YYYY');
  assert.equal(csv.guessDateFormat(['01/03/2024', '01/13/2024']), 'MM/DD/YYYY');
  assert.equal(csv.guessDateFormat(['13/01/24']), 'DD/MM/YY');
  assert.equal(csv.guessDateFormat(['2024/01/03']), 'YYYY/MM/DD');
  assert.equal(csv.guessDateFormat(['yesterday']), '');
  assert.equal(csv.guessDateFormat(['01.02.2024', '01/02/2024']), '');
  assert.equal(csv.guessDateFormat([]), '');
});

test('number separators are guessed', () => {
  assert.deepEqual(csv.guessNumbers(['1.234,56', '', '3.000,00']), { decimal: ',', thousands: '.' });
  assert.deepEqual(csv.guessNumbers(['1,234.56', '-3.50']), { decimal: '.', thousands: ',' });
  assert.deepEqual(csv.guessNumbers(['12,5', '-3,50']), { decimal: ',', thousands: '' });
  assert.deepEqual(csv.guessNumbers(['-650.0', '22.85']), { decimal: '.', thousands: '' });
});

test('toMapping and fromMapping round-trip, leaving defaults out', () => {
  const form = {
    delimiter: ';', header: true, skipLines: 0, encoding: 'latin-1', date: 'Datum', dateFormat: 'DD.MM.YYYY',
    amountMode: 'split', amount: 'ignored', debit: 'Soll', credit: 'Haben', description: ['Buchungstext', ''],
    counterparty: 'Empfänger', reference: '', balance: 'Saldo', currency: '', decimal: ',', thousands: '.', positiveIsSpent: false,
  };
  const m = csv.toMapping(form);
  assert.deepEqual(m, { delimiter: ';', header: true, encoding: 'latin-1', date: 'Datum', date_format: 'DD.MM.YYYY', debit: 'Soll',
    credit: 'Haben', description: ['Buchungstext'], counterparty: 'Empfänger', balance: 'Saldo', decimal_separator: ',', thousands_separator: '.' });
  assert.deepEqual(csv.toMapping(csv.fromMapping(m)), m);
  const single = csv.toMapping({ ...csv.fromMapping({}), date: 'date', amount: 'amount', description: ['description'], positiveIsSpent: true });
  assert.deepEqual(single, { date: 'date', amount: 'amount', description: ['description'], positive_is_spent: true });
});

test('problems by line, from a preview and from a refusal', () => {
  const fromPreview = csv.problemsOf([
    { line: 7, field: 'amount', column: 'Soll', rule: 'format', detail: '"1,2,3" is not a number' },
    { line: 3, field: 'date', rule: 'format', detail: 'not a date' },
  ]);
  assert.deepEqual(fromPreview.map((p) => p.line), [3, 7]);
  assert.equal(csv.describeProblem(fromPreview[1]), 'Line 7, amount (column \u201cSoll\u201d): "1,2,3" is not a number.');
  const err = { name: 'ApiError', problem: { detail: 'see errors', errors: [
    { field: 'line 12: amount', rule: 'scale', detail: 'has 3 decimal places, EUR allows 2' },
    { field: 'mapping', rule: 'invalid', detail: 'date names no column' },
  ] } };
  const fromErr = csv.problemsOf(err);
  assert.deepEqual(fromErr, [
    { line: 0, field: 'mapping', column: '', detail: 'date names no column' },
    { line: 12, field: 'amount', column: '', detail: 'has 3 decimal places, EUR allows 2' },
  ]);
  assert.equal(csv.describeProblem(fromErr[0]), 'The file: date names no column.');
  assert.deepEqual(csv.problemsOf({ name: 'ApiError', problem: { detail: 'the file is a PDF document' } }),
    [{ line: 0, field: '', column: '', detail: 'the file is a PDF document' }]);
});

test('an import in words', () => {
  const imp = { state: 'done', rows: 3, created: 2, duplicates: 1, rejected: 0, skipped: 0, removed: 0 };
  assert.equal(csv.summary(imp), 'Done: 2 transactions created, 1 duplicate left out.');
  assert.equal(csv.summary({ ...imp, rejected: 1 }), 'Done: 2 transactions created, 1 duplicate left out, 1 line rejected.');
  assert.equal(csv.summary({ ...imp, state: 'running' }), 'Importing 3 lines\u2026');
  assert.equal(csv.summary({ ...imp, state: 'undone', removed: 2 }), 'Undone: 2 transactions removed.');
  assert.equal(csv.summary({ ...imp, state: 'failed', error: 'disk full' }), 'The import failed and stored nothing: disk full');
});

test('decodeText reads bytes as the server will', () => {
  const latin1 = Uint8Array.from([0x45, 0x6d, 0x70, 0x66, 0xe4, 0x6e, 0x67, 0x65, 0x72]); // "Empfänger" in Latin-1
  assert.deepEqual(csv.decodeText(latin1, 'latin-1'), { text: 'Empfänger', encoding: 'latin-1', valid: true });
  assert.deepEqual(csv.decodeText(latin1, 'auto'), { text: 'Empfänger', encoding: 'auto', valid: true });
  const bad = csv.decodeText(latin1, 'utf-8');
  assert.equal(bad.valid, false);
  assert.match(bad.text, /\ufffd/);
  const utf8 = new TextEncoder().encode('Empfänger');
  assert.deepEqual(csv.decodeText(utf8, 'utf-8'), { text: 'Empfänger', encoding: 'utf-8', valid: true });
  assert.equal(csv.decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'latin-1').text, 'a', 'a UTF-8 BOM wins');
  assert.equal(csv.decodeText(Uint8Array.from([0xff, 0xfe, 0x61, 0x00]), 'utf-8').text, 'a');
  // Windows-1252's euro sign, where the runtime's TextDecoder has the
  // WHATWG table (browsers do; a node built with small ICU reads Latin-1).
  const whatwg = new TextDecoder('windows-1252').decode(Uint8Array.from([0x80])) === '\u20ac';
  assert.equal(csv.decodeText(Uint8Array.from([0x80]), 'windows-1252').text, whatwg ? '\u20ac' : '\u0080');
});

// The accounts page offers exactly the kinds of account the API takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS } from '../../assets/js/pages/accounts.js';

test('account kinds match the OpenAPI AccountKind enum', () => {
  const spec = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/openapi.yaml'), 'utf8');
  const m = /\n {4}AccountKind:\n {6}type: string\n {6}enum: \[([^\]]+)\]/.exec(spec);
  assert.ok(m, 'AccountKind is in openapi.yaml');
  assert.deepEqual(KINDS.map((k) => k.value), m[1].split(',').map((s) => s.trim()));
  for (const k of KINDS) assert.match(k.label, /^[A-Z][a-z ]+$/, k.value);
});

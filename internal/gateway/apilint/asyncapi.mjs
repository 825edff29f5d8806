// Validates ../asyncapi.yaml with the AsyncAPI parser (the reference
// JavaScript implementation: the AsyncAPI 3 JSON schema plus its semantic
// rules). Exits 1 on any error or warning diagnostic.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';

const file = new URL('../asyncapi.yaml', import.meta.url);
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), { source: file.pathname });
// Severity: 0 error, 1 warning, 2 information, 3 hint.
const bad = diagnostics.filter((d) => d.severity <= 1);
for (const d of diagnostics) {
  console.log(`${['error', 'warning', 'info', 'hint'][d.severity]} ${d.code} ${d.path.join('.')}: ${d.message}`);
}
if (!document || bad.length > 0) {
  console.error(`asyncapi.yaml: ${bad.length} errors or warnings`);
  process.exit(1);
}
console.log(`asyncapi.yaml: valid AsyncAPI ${document.version()}, ${document.allMessages().length} messages, ${document.operations().length} operations`);

// Writes dist/persisted-operations.json: {sha256 hex of the document text: document text} for
// every operation the UI sends. Every operation lives in src/graphql/operations/*.ts; the text
// and hash come from the same function the client uses (src/graphql/persist.ts), so the map
// holds exactly what the browser sends.
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { persisted } from '../src/graphql/persist';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const operationsDir = join(root, 'src', 'graphql', 'operations');
const output = join(root, 'dist', 'persisted-operations.json');

function isOperationDocument(value: unknown): value is Parameters<typeof persisted>[0] {
  if (!value || typeof value !== 'object' || !('definitions' in value)) return false;
  const definitions = (value as { definitions: { kind: string }[] }).definitions;
  return Array.isArray(definitions) && definitions.some((d) => d.kind === 'OperationDefinition');
}

const entries = new Map<string, string>();
const names = new Map<string, string>();
for (const file of readdirSync(operationsDir).filter((f) => f.endsWith('.ts')).sort()) {
  const module = (await import(pathToFileURL(join(operationsDir, file)).href)) as Record<string, unknown>;
  for (const [exportName, value] of Object.entries(module)) {
    if (!isOperationDocument(value)) continue;
    const op = persisted(value);
    const label = `${file}:${exportName}`;
    if (op.operationName && names.has(op.operationName) && entries.get(op.hash) !== op.text) {
      throw new Error(`Two operations are named ${op.operationName} (${names.get(op.operationName)} and ${label})`);
    }
    if (op.operationName) names.set(op.operationName, label);
    entries.set(op.hash, op.text);
  }
}
const sorted = Object.fromEntries([...entries.entries()].sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(output, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`persisted-operations.json: ${entries.size} operations`);

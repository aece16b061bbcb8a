// Automatic persisted queries: an operation is named by the SHA-256 (hex) of its printed text.
// The build (scripts/persisted-operations.ts) writes every operation's text under the same hash
// into dist/persisted-operations.json, so the server can know them all in advance.
import { print, type DocumentNode } from '@0no-co/graphql.web';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export interface Persisted {
  text: string;
  hash: string;
  operationName: string | undefined;
  kind: 'query' | 'mutation' | 'subscription';
}

const cache = new WeakMap<DocumentNode, Persisted>();

export function persisted(document: DocumentNode): Persisted {
  const known = cache.get(document);
  if (known) return known;
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (!operation || operation.kind !== 'OperationDefinition') {
    throw new Error('A GraphQL document without an operation cannot be sent');
  }
  const text = print(document);
  const entry: Persisted = {
    text,
    hash: bytesToHex(sha256(utf8ToBytes(text))),
    operationName: operation.name?.value,
    kind: operation.operation,
  };
  cache.set(document, entry);
  return entry;
}

export function persistedQueryExtension(hash: string) {
  return { persistedQuery: { version: 1, sha256Hash: hash } };
}

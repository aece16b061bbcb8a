// Runs graphql-http's server audit (the GraphQL-over-HTTP reference checks) against one URL and
// prints every result as JSON: [{id, name, status, reason}], status one of ok/notice/warn/error.
// Bundled by build.sh into audit.bundle.mjs, which tests/graphql/test_over_http.py runs with node.
// Usage: node audit.bundle.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.bundle.mjs <graphql endpoint URL>');
  process.exit(2);
}
const results = await auditServer({ url });
process.stdout.write(
  JSON.stringify(
    results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null })),
  ),
);

// The typed `graphql()` tag: documents are checked against schema/schema.graphql (through the
// generated graphql-env.d.ts), so a schema change that breaks an operation fails `tsc`.
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    BigInt: number;
    Date: string;
    DateTime: string;
    JSON: unknown;
    Upload: File;
  };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';

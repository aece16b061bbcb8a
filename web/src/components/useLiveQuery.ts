// useQuery for pages that change what they show (after a mutation, or live): while a reload
// runs, the previous answer stays on screen, so forms keep their state and focus.
import { useRef } from 'preact/hooks';
import type { TadaDocumentNode } from 'gql.tada';
import { useQuery, type QueryState } from '../graphql/useQuery';

export function useLiveQuery<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
): QueryState<TResult> & { reload: () => void } {
  const result = useQuery(document, variables);
  const key = JSON.stringify(variables ?? {});
  const last = useRef<{ key: string; data: TResult } | null>(null);
  if (result.status === 'done') last.current = { key, data: result.data };
  if (result.status === 'loading' && last.current?.key === key) {
    return { status: 'done', data: last.current.data, reload: result.reload };
  }
  return result;
}

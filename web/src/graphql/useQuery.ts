// Runs a query for a component and re-runs it when its variables change; a newer run aborts
// the one before, so a fast typist never sees an older answer win.
import { useEffect, useState } from 'preact/hooks';
import type { TadaDocumentNode } from 'gql.tada';
import { execute, GraphQLFailure } from './client';

export type QueryState<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'error'; data?: undefined; error: GraphQLFailure }
  | { status: 'done'; data: T; error?: undefined };

export function useQuery<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: { skip?: boolean } = {},
): QueryState<TResult> & { reload: () => void } {
  const key = JSON.stringify(variables ?? {});
  const [state, setState] = useState<QueryState<TResult>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (options.skip) return;
    const controller = new AbortController();
    setState((previous) => (previous.status === 'loading' ? previous : { status: 'loading' }));
    execute(document, variables, { signal: controller.signal }).then(
      (data) => !controller.signal.aborted && setState({ status: 'done', data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = error instanceof GraphQLFailure ? error : new GraphQLFailure('The registry could not be reached.', 0);
        setState({ status: 'error', error: failure });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [document, key, generation, options.skip]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}

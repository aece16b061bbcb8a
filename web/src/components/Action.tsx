// Mutations from the signed-in pages: one helper runs an operation, keeps it from running twice,
// and turns both kinds of failure (a GraphQL/network error, or the payload's `UserError`s) into
// messages shown next to the form that sent it.
import { useState } from 'preact/hooks';
import type { TadaDocumentNode } from 'gql.tada';
import { checkUserErrors, execute, GraphQLFailure } from '../graphql/client';
import { UserErrorFields } from '../graphql/operations/author';
import { readFragment, type FragmentOf } from '../graphql/tada';

export interface ShownError {
  field: string | null;
  message: string;
}

type MaskedErrors = readonly FragmentOf<typeof UserErrorFields>[] | null | undefined;

/** The payload's user errors, unmasked (a NOT_AUTHENTICATED among them leads to sign-in). */
export function userErrors(errors: MaskedErrors): ShownError[] {
  const list = readFragment(UserErrorFields, errors ?? []);
  return checkUserErrors(list).map((e) => ({ field: e.field ?? null, message: e.message }));
}

export function failureMessage(error: unknown): string {
  if (error instanceof GraphQLFailure) return error.message || 'The registry refused the request.';
  return 'The registry could not be reached.';
}

export interface Action {
  busy: boolean;
  errors: ShownError[];
  /** Runs `document`; resolves with its data when it succeeded without user errors, else null. */
  run<TResult, TVariables>(
    document: TadaDocumentNode<TResult, TVariables>,
    variables: TVariables,
    errorsOf: (data: TResult) => MaskedErrors,
  ): Promise<TResult | null>;
  /** Runs any promise with the same busy and error handling (uploads). */
  wrap<T>(work: () => Promise<T>, errorsOf: (data: T) => MaskedErrors): Promise<T | null>;
  clear(): void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ShownError[]>([]);
  async function wrap<T>(work: () => Promise<T>, errorsOf: (data: T) => MaskedErrors): Promise<T | null> {
    if (busy) return null;
    setBusy(true);
    setErrors([]);
    try {
      const data = await work();
      const found = userErrors(errorsOf(data));
      setErrors(found);
      return found.length ? null : data;
    } catch (error) {
      setErrors([{ field: null, message: failureMessage(error) }]);
      return null;
    } finally {
      setBusy(false);
    }
  }
  return {
    busy,
    errors,
    wrap,
    run: (document, variables, errorsOf) => wrap(() => execute(document, variables), errorsOf),
    clear: () => setErrors([]),
  };
}

/** The errors of an action, announced to screen readers. */
export function ActionErrors({ errors, id }: { errors: ShownError[]; id?: string }) {
  if (!errors.length) return null;
  return (
    <div class="notice notice-error" role="alert" id={id}>
      {errors.map((e, i) => (
        <p key={i}>
          {e.field && <strong>{e.field}: </strong>}
          {e.message}
        </p>
      ))}
    </div>
  );
}

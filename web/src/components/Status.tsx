import type { ComponentChildren } from 'preact';
import type { GraphQLFailure } from '../graphql/client';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {label}…
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: GraphQLFailure; retry?: () => void }) {
  return (
    <div class="notice notice-error" role="alert">
      <p>{error.message || 'Something went wrong.'}</p>
      {retry && (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'warning' | 'error'; children: ComponentChildren }) {
  return <div class={`notice notice-${kind}`}>{children}</div>;
}

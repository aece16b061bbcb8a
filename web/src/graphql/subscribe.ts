// Subscriptions over graphql-transport-ws on /graphql (server: registry/graphql/transport_ws.py).
// graphql-ws is loaded on first use, so pages without live updates never download it. The
// token travels in connection_init's payload (a browser WebSocket cannot set headers).
import type { TadaDocumentNode } from 'gql.tada';
import type { Client } from 'graphql-ws';
import { GRAPHQL_ENDPOINT, authHeaders, reportUnauthenticated, type GraphQLErrorEntry } from './client';
import { persisted, persistedQueryExtension } from './persist';

let client: Promise<Client> | null = null;
let clientToken: string | undefined;

function socketUrl(): string {
  const url = new URL(GRAPHQL_ENDPOINT, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

async function getClient(): Promise<Client> {
  const token = authHeaders().Authorization;
  if (client && clientToken !== token) {
    (await client).dispose();
    client = null;
  }
  if (!client) {
    clientToken = token;
    client = import('graphql-ws').then(({ createClient }) =>
      createClient({
        url: socketUrl(),
        lazy: true,
        connectionParams: () => authHeaders(),
        retryAttempts: 3,
        on: {
          closed: (event) => {
            if ((event as CloseEvent).code === 4401) reportUnauthenticated();
          },
        },
      }),
    );
  }
  return client;
}

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  error?: (errors: GraphQLErrorEntry[] | Error) => void;
  complete?: () => void;
}

/** Starts a subscription; returns the function that stops it. */
export function subscribe<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
  handlers: SubscriptionHandlers<TResult>,
): () => void {
  const op = persisted(document);
  let stop: (() => void) | null = null;
  let stopped = false;
  void getClient().then((c) => {
    if (stopped) return;
    stop = c.subscribe<TResult>(
      {
        query: op.text,
        operationName: op.operationName,
        variables: (variables ?? {}) as Record<string, unknown>,
        extensions: persistedQueryExtension(op.hash),
      },
      {
        next: (message) => {
          if (message.errors?.length) handlers.error?.(message.errors as GraphQLErrorEntry[]);
          if (message.data) handlers.next(message.data as TResult);
        },
        error: (error) =>
          handlers.error?.(Array.isArray(error) ? (error as GraphQLErrorEntry[]) : error instanceof Error ? error : new Error('The live connection closed')),
        complete: () => handlers.complete?.(),
      },
    );
  });
  return () => {
    stopped = true;
    stop?.();
  };
}

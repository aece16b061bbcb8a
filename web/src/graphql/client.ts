// The UI's only way to the registry: GraphQL at /graphql, every operation as an automatic
// persisted query (Apollo APQ). Queries go as GET (an anonymous one is cacheable by a CDN),
// mutations as POST. The first attempt names the operation by its SHA-256 only; when the
// server does not know it (PERSISTED_QUERY_NOT_FOUND, or a server without APQ that asks for
// a query) the same request is repeated with the document text. Nothing runs without the
// text, so repeating is safe for mutations too.
import type { TadaDocumentNode } from 'gql.tada';
import { persisted, persistedQueryExtension, type Persisted } from './persist';

export const GRAPHQL_ENDPOINT = '/graphql';
const ACCEPT = 'application/graphql-response+json, application/json;q=0.9';
const AUTH_ERROR_CODES = new Set(['not_authenticated', 'UNAUTHENTICATED', 'NOT_AUTHENTICATED']);
const NOT_FOUND_CODES = new Set(['PERSISTED_QUERY_NOT_FOUND']);

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorEntry[];
}

/** A request that produced no usable data: network failure, HTTP error or GraphQL errors. */
export class GraphQLFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: GraphQLErrorEntry[] = [],
  ) {
    super(message);
    this.name = 'GraphQLFailure';
  }

  get code(): string | undefined {
    return this.errors.find((e) => e.extensions?.code)?.extensions?.code;
  }
}

type TokenProvider = () => string | null;
let tokenProvider: TokenProvider = () => null;
let onUnauthenticated: () => void = () => {};
// null: not known yet; false: the server ignored the hash and wanted the text (send both).
let serverHasApq: boolean | null = null;

/** auth.ts plugs in the signed-in token and what to do when the server refuses it. */
export function configureClient(options: { token: TokenProvider; unauthenticated: () => void }) {
  tokenProvider = options.token;
  onUnauthenticated = options.unauthenticated;
}

export function authHeaders(): Record<string, string> {
  const token = tokenProvider();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function isAuthFailure(status: number, errors: GraphQLErrorEntry[] | undefined): boolean {
  return status === 401 || (errors ?? []).some((e) => AUTH_ERROR_CODES.has(e.extensions?.code ?? ''));
}

/** Report an authentication failure seen by any transport (HTTP, uploads, subscriptions). */
export function reportUnauthenticated() {
  onUnauthenticated();
}

/** Mutation payloads carry expected failures as `UserError`s; NOT_AUTHENTICATED among them
 * means the token is no longer accepted (sign in again, then come back). */
export function checkUserErrors<T extends { code: string }>(errors: readonly T[] | null | undefined): readonly T[] {
  if (errors?.some((e) => e.code === 'NOT_AUTHENTICATED')) onUnauthenticated();
  return errors ?? [];
}

function wantsText(errors: GraphQLErrorEntry[] | undefined): 'not-found' | 'no-apq' | null {
  if (!errors?.length) return null;
  if (errors.some((e) => NOT_FOUND_CODES.has(e.extensions?.code ?? '') || e.message === 'PersistedQueryNotFound')) {
    return 'not-found';
  }
  return 'no-apq';
}

function buildGet(op: Persisted, variables: unknown, withText: boolean): string {
  const params = new URLSearchParams();
  if (withText) params.set('query', op.text);
  if (op.operationName) params.set('operationName', op.operationName);
  if (variables && Object.keys(variables).length) params.set('variables', JSON.stringify(variables));
  params.set('extensions', JSON.stringify(persistedQueryExtension(op.hash)));
  return `${GRAPHQL_ENDPOINT}?${params.toString()}`;
}

async function send<T>(
  op: Persisted,
  variables: unknown,
  withText: boolean,
  signal: AbortSignal | undefined,
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  const headers: Record<string, string> = { Accept: ACCEPT, ...authHeaders() };
  let response: Response;
  if (op.kind === 'query') {
    response = await fetch(buildGet(op, variables, withText), { method: 'GET', headers, signal });
  } else {
    const body: Record<string, unknown> = {
      operationName: op.operationName,
      variables: variables ?? {},
      extensions: persistedQueryExtension(op.hash),
    };
    if (withText) body.query = op.text;
    response = await fetch(GRAPHQL_ENDPOINT, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  }
  let parsed: GraphQLResponse<T>;
  try {
    parsed = (await response.json()) as GraphQLResponse<T>;
  } catch {
    parsed = { errors: [{ message: `The registry answered ${response.status} without GraphQL JSON` }] };
  }
  return { status: response.status, body: parsed };
}

/** Sends one operation; returns the raw response (data and errors) after the APQ handshake. */
export async function request<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: { signal?: AbortSignal } = {},
): Promise<{ status: number; body: GraphQLResponse<TResult> }> {
  const op = persisted(document);
  const textFirst = serverHasApq === false;
  let result = await send<TResult>(op, variables, textFirst, options.signal);
  if (!textFirst) {
    const why = result.body.data == null && !isAuthFailure(result.status, result.body.errors)
      ? wantsText(result.body.errors)
      : null;
    if (why) {
      result = await send<TResult>(op, variables, true, options.signal);
      if (result.body.data != null) serverHasApq = why === 'not-found';
    } else if (result.body.data != null) {
      serverHasApq = true;
    }
  }
  if (isAuthFailure(result.status, result.body.errors)) onUnauthenticated();
  return result;
}

/** Sends one operation and returns its data; throws GraphQLFailure on any error. */
export async function execute<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: { signal?: AbortSignal } = {},
): Promise<TResult> {
  const { status, body } = await request(document, variables, options);
  if (body.errors?.length || body.data == null) {
    const message = body.errors?.map((e) => e.message).join('; ') || `Request failed (${status})`;
    throw new GraphQLFailure(message, status, body.errors);
  }
  return body.data;
}

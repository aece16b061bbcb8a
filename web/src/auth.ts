// Signing in: the visitor pastes a CloudM access token or a `tbr_` API token. It is kept in
// sessionStorage (never a cookie, so no request carries it without the UI adding it: no CSRF
// surface) and sent as `Authorization: Bearer`. When the server refuses it, the token is
// dropped and the visitor goes to /signin?next=<the page they were on>, which returns there.
import { useEffect, useState } from 'preact/hooks';
import { configureClient, execute } from './graphql/client';
import { ViewerQuery } from './graphql/operations/viewer';
import type { ResultOf } from './graphql/tada';
import { navigate } from './navigation';

const TOKEN_KEY = 'tb-registry.token';
export const SIGN_IN_PATH = '/signin';

export type Viewer = NonNullable<ResultOf<typeof ViewerQuery>['me']>;
type ViewerState = { status: 'anonymous' } | { status: 'loading' } | { status: 'signed-in'; viewer: Viewer };

let state: ViewerState = { status: 'anonymous' };
const listeners = new Set<(s: ViewerState) => void>();

function setState(next: ViewerState) {
  state = next;
  for (const listener of listeners) listener(next);
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: signing in lasts until the page is reloaded
  }
}

let memoryToken: string | null = null;

export function getToken(): string | null {
  return storage()?.getItem(TOKEN_KEY) ?? memoryToken;
}

function storeToken(token: string | null) {
  memoryToken = token;
  const store = storage();
  if (!store) return;
  if (token) store.setItem(TOKEN_KEY, token);
  else store.removeItem(TOKEN_KEY);
}

/** The path and query to come back to after signing in ("/" when none or not local). */
export function returnPath(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith(SIGN_IN_PATH) ? next : '/';
}

export function signInUrl(from: string = window.location.pathname + window.location.search): string {
  return `${SIGN_IN_PATH}?next=${encodeURIComponent(returnPath(from))}`;
}

function handleUnauthenticated() {
  const hadToken = getToken() !== null;
  storeToken(null);
  setState({ status: 'anonymous' });
  if (hadToken && window.location.pathname !== SIGN_IN_PATH) {
    navigate(`${signInUrl()}&expired=1`);
  }
}

configureClient({ token: getToken, unauthenticated: handleUnauthenticated });

async function loadViewer(): Promise<Viewer | null> {
  const data = await execute(ViewerQuery, {});
  return data.me ?? null;
}

/** Checks `token` with the server; keeps it only when it names a user. */
export async function signIn(token: string): Promise<Viewer> {
  const trimmed = token.trim();
  if (!trimmed) throw new Error('Paste a token first.');
  if (trimmed.length > 4096 || /\s/.test(trimmed)) throw new Error('That does not look like a token (no spaces, at most 4096 characters).');
  storeToken(trimmed);
  setState({ status: 'loading' });
  try {
    const viewer = await loadViewer();
    if (!viewer) throw new Error('The registry did not accept this token.');
    setState({ status: 'signed-in', viewer });
    return viewer;
  } catch (error) {
    storeToken(null);
    setState({ status: 'anonymous' });
    throw error instanceof Error && error.message ? error : new Error('The registry did not accept this token.');
  }
}

export function signOut() {
  storeToken(null);
  setState({ status: 'anonymous' });
}

/** On start: a token kept from earlier in this tab is checked again. The server answers
 * `me: null` (not an error) for a token it no longer accepts: that is a sign-in that ended. */
export async function restoreSession() {
  if (!getToken()) return;
  setState({ status: 'loading' });
  try {
    const viewer = await loadViewer();
    if (viewer) setState({ status: 'signed-in', viewer });
    else handleUnauthenticated();
  } catch {
    // The registry could not be asked (offline, 5xx): keep the token, show the visitor as
    // signed out until a request succeeds.
    setState({ status: 'anonymous' });
  }
}

export function useViewer(): ViewerState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(state);
    return () => void listeners.delete(setCurrent);
  }, []);
  return current;
}

import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { returnPath, signIn, useViewer } from '../auth';
import { Notice } from '../components/Status';
import { usePageTitle } from '../components/usePageTitle';

export function SignInPage() {
  usePageTitle('Sign in');
  const location = useLocation();
  const viewer = useViewer();
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const next = returnPath(location.query.next);
  return (
    <section class="narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {location.query.expired && (
        <Notice kind="warning">
          <p>Your token was refused or has expired. Sign in again to continue where you were.</p>
        </Notice>
      )}
      {viewer.status === 'signed-in' && (
        <Notice>
          <p>
            You are signed in as <strong>{viewer.viewer.username}</strong>. <a href={next}>Continue</a>
          </p>
        </Notice>
      )}
      <p>Paste a token. It stays in this browser tab only (session storage) and is sent to this registry alone.</p>
      <ul>
        <li>
          A <strong>CloudM access token</strong>: the access token of your ToolBoxV2 (CloudM) sign-in, the one the
          ModManager sends. On a development registry, <code>tb-registry dev-token USER_ID USERNAME</code> prints one.
        </li>
        <li>
          A registry <strong>API token</strong> (starts with <code>tbr_</code>): created on the API tokens page after signing
          in once, or with <code>POST /api/v1/tokens</code>.
        </li>
      </ul>
      <form
        class="form"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError('');
          try {
            await signIn(token);
            location.route(next, true);
          } catch (failure) {
            setError(failure instanceof Error ? failure.message : 'The registry did not accept this token.');
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          maxLength={4096}
          value={token}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error' : undefined}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}

export default SignInPage;

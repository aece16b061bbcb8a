// /my/tokens: API tokens for the CLI and CI: create (the secret is shown once), list, revoke.
import { useState } from 'preact/hooks';
import { ActionErrors, useAction } from '../../components/Action';
import { CopyCommand } from '../../components/CopyCommand';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useLiveQuery } from '../../components/useLiveQuery';
import { formatDate, titleCase } from '../../format';
import { ApiTokenFields, ApiTokensQuery, CreateApiTokenMutation, RevokeApiTokenMutation } from '../../graphql/operations/author';
import { readFragment, type FragmentOf, type VariablesOf } from '../../graphql/tada';

type Scope = VariablesOf<typeof CreateApiTokenMutation>['input']['scopes'][number];
const SCOPES: { value: Scope; help: string }[] = [
  { value: 'PUBLISH_NEW', help: 'create packages and publish their first version' },
  { value: 'PUBLISH_UPDATE', help: 'publish new versions of existing packages' },
  { value: 'YANK', help: 'yank and unyank versions' },
  { value: 'READ_PRIVATE', help: 'read your private packages' },
];

/** "publish-update" or PUBLISH_UPDATE -> "Publish update". */
const scopeLabel = (scope: string) => titleCase(scope.replace(/-/g, '_'));

function TokenRow({ data, onRevoked }: { data: FragmentOf<typeof ApiTokenFields>; onRevoked: () => void }) {
  const token = readFragment(ApiTokenFields, data);
  const action = useAction();
  return (
    <li class="row" data-token={token.name}>
      <span class="row-main">
        <strong class="row-title">{token.name}</strong>
        {token.revokedAt && <span class="tag tag-danger">Revoked</span>}
        <span class="row-sub muted">
          {token.scopes.map(scopeLabel).join(', ')}
          {token.packageGlobs.length > 0 && ` · packages ${token.packageGlobs.join(', ')}`} · created {formatDate(token.createdAt)}
          {token.expiresAt && ` · expires ${formatDate(token.expiresAt)}`}
          {` · ${token.lastUsedAt ? `last used ${formatDate(token.lastUsedAt)}` : 'never used'}`}
          {token.revokedAt && ` · revoked ${formatDate(token.revokedAt)}`}
        </span>
      </span>
      {!token.revokedAt && (
        <span class="row-actions">
          <button
            type="button"
            class="button"
            disabled={action.busy}
            onClick={async () => {
              if (!window.confirm(`Revoke the token “${token.name}”? Programs using it stop working.`)) return;
              if (await action.run(RevokeApiTokenMutation, { id: token.id }, (d) => d.revokeApiToken?.errors)) onRevoked();
            }}
          >
            Revoke {token.name}
          </button>
        </span>
      )}
      <ActionErrors errors={action.errors} />
    </li>
  );
}

export function TokensPage() {
  usePageTitle('API tokens');
  const result = useLiveQuery(ApiTokensQuery, {});
  const action = useAction();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['PUBLISH_UPDATE']);
  const [globs, setGlobs] = useState('');
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<{ name: string; plaintext: string } | null>(null);
  return (
    <section aria-labelledby="tokens-title">
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <h1 id="tokens-title">API tokens</h1>
      <p>Tokens let the CLI and CI publish for you. They start with <code>tbr_</code>; send one as <code>Authorization: Bearer</code>.</p>
      {secret && (
        <Notice kind="warning">
          <p role="status">
            Token <strong>{secret.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <CopyCommand command={secret.plaintext} label="Your new token" />
          <button type="button" class="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </Notice>
      )}
      <form
        class="form form-wide"
        aria-labelledby="new-token-title"
        onSubmit={async (event) => {
          event.preventDefault();
          const input = {
            name: name.trim(),
            scopes,
            packageGlobs: globs.split(/[\s,]+/).filter(Boolean),
            expiresAt: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null,
          };
          const data = await action.run(CreateApiTokenMutation, { input }, (d) => d.createApiToken?.errors);
          if (data?.createApiToken?.plaintext) {
            setSecret({ name: input.name, plaintext: data.createApiToken.plaintext });
            setName('');
            result.reload();
          }
        }}
      >
        <h2 id="new-token-title">New token</h2>
        <div class="field">
          <label for="token-name">Name</label>
          <input id="token-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <fieldset class="field">
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.value} class="choice">
              <input
                type="checkbox"
                checked={scopes.includes(s.value)}
                onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s.value] : scopes.filter((x) => x !== s.value))}
              />
              <span>
                <strong>{scopeLabel(s.value)}</strong> <span class="muted">({s.help})</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="token-globs">Only these packages (optional)</label>
          <input id="token-globs" value={globs} placeholder="MyMod, my-lib-*" aria-describedby="token-globs-hint" onInput={(e) => setGlobs(e.currentTarget.value)} />
          <p id="token-globs-hint" class="hint">
            Names or glob patterns, separated by commas; empty: all of your packages.
          </p>
        </div>
        <div class="field">
          <label for="token-expires">Expires on (optional)</label>
          <input id="token-expires" type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </div>
        <ActionErrors errors={action.errors} />
        <button type="submit" class="button button-primary" disabled={action.busy || scopes.length === 0}>
          {action.busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      <h2>Your tokens</h2>
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' &&
        (result.data.me?.tokens.length ? (
          <ul class="row-list" aria-label="API tokens">
            {result.data.me.tokens.map((t) => (
              <TokenRow key={readFragment(ApiTokenFields, t).id} data={t} onRevoked={result.reload} />
            ))}
          </ul>
        ) : (
          <p class="empty">No tokens yet.</p>
        ))}
    </section>
  );
}

export default TokensPage;

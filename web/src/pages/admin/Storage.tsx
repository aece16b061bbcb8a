// /admin/storage: every storage backend (primary and mirrors) as readiness checks see it: up
// or down, its circuit breaker, replication lag and copies. ?probe=0 reads the breakers' view
// only (no probe of each backend).
import { useLocation } from 'preact-iso';
import { ErrorMessage, Loading } from '../../components/Status';
import { ADMIN_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { formatExactCount, titleCase } from '../../format';
import { StorageStatusQuery } from '../../graphql/operations/admin';
import { useQuery } from '../../graphql/useQuery';

export function StoragePage() {
  usePageTitle('Storage');
  const { query, path } = useLocation();
  const probe = query.probe !== '0';
  const result = useQuery(StorageStatusQuery, { probe });
  const status = result.data?.storageStatus;
  return (
    <section aria-labelledby="storage-title">
      <SubNav label="Administration" links={ADMIN_LINKS} />
      <h1 id="storage-title">Storage</h1>
      <p class="row-actions">
        <button type="button" class="button" onClick={result.reload}>
          Check again
        </button>
        <a class="button" href={probe ? `${path}?probe=0` : path}>
          {probe ? 'Breakers only (no probe)' : 'Probe every backend'}
        </a>
      </p>
      {result.status === 'loading' && <Loading label="Checking storage" />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {status && (
        <>
          <p class="muted">
            {formatExactCount(status.objects)} stored objects · checked {status.checkedAt.replace('T', ' ').slice(0, 19)} UTC {probe ? '(probed)' : '(breakers only)'}
          </p>
          <ul class="backend-list" aria-label="Storage backends">
            {status.backends.map((b) => (
              <li key={b.name} class="backend" data-backend={b.name}>
                <h2 class="queue-title">
                  {b.name} <span class="tag">{titleCase(b.role)}</span> <span class={`tag ${b.up ? 'tag-ok' : 'tag-danger'}`}>{b.up ? 'Up' : 'Down'}</span>
                </h2>
                <dl class="facts">
                  <dt>Kind</dt>
                  <dd>{b.kind}</dd>
                  {b.detail && (
                    <>
                      <dt>Detail</dt>
                      <dd>{b.detail}</dd>
                    </>
                  )}
                  <dt>Breaker</dt>
                  <dd>
                    {titleCase(b.breaker.state)}
                    {b.breaker.consecutiveFailures > 0 && ` · ${b.breaker.consecutiveFailures} failure${b.breaker.consecutiveFailures === 1 ? '' : 's'} in a row`}
                    {b.breaker.secondsUntilProbe > 0 && ` · next probe in ${Math.ceil(b.breaker.secondsUntilProbe)} s`}
                  </dd>
                  {b.breaker.lastError && (
                    <>
                      <dt>Last error</dt>
                      <dd>{b.breaker.lastError}</dd>
                    </>
                  )}
                  <dt>Replication lag</dt>
                  <dd>{formatExactCount(b.replicationLag)} objects</dd>
                  {b.copies.length > 0 && (
                    <>
                      <dt>Copies</dt>
                      <dd>{b.copies.map((c) => `${titleCase(c.state)}: ${formatExactCount(c.count)}`).join(' · ')}</dd>
                    </>
                  )}
                </dl>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export default StoragePage;

// /admin/quarantine: versions the security scan quarantined, newest first, each with its scan
// report: release it (a false positive, with a reason) or delete it. ?package= narrows the
// queue to one package, ?after= pages on.
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { DecisionForm } from '../../components/DecisionForm';
import { ScanReport } from '../../components/ScanReport';
import { ErrorMessage, Loading } from '../../components/Status';
import { ADMIN_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useLiveQuery } from '../../components/useLiveQuery';
import { formatBytes, formatDate, formatQuantity } from '../../format';
import { DeleteVersionMutation, QuarantineQuery, ReleaseVersionMutation } from '../../graphql/operations/admin';
import type { ResultOf } from '../../graphql/tada';

type Item = ResultOf<typeof QuarantineQuery>['quarantinedVersions']['edges'][number]['node'];

function QueueItem({ item, onDone }: { item: Item; onDone: (message: string) => void }) {
  const [reason, setReason] = useState('');
  const label = `${item.package.name} ${item.version}`;
  const reasonId = `reason-${item.id}`;
  return (
    <li class="queue-item" data-version={label}>
      <h2 class="queue-title">
        <a href={`/packages/${encodeURIComponent(item.package.name)}`}>{item.package.displayName || item.package.name}</a>{' '}
        <span class="version-number">{item.version}</span>
      </h2>
      <p class="muted">
        by {item.package.publisher.displayName || item.package.publisher.name} · {formatBytes(item.sizeBytes)} · uploaded {formatDate(item.createdAt)} ·{' '}
        <code class="hash">{item.checksumSha256.slice(0, 16)}…</code>
      </p>
      <ScanReport report={item.scanReport} label={`Scan report of ${label}`} />
      <DecisionForm
        label={`Decide on ${label}`}
        onDone={onDone}
        decisions={[
          {
            label: `Release ${label}`,
            tone: 'primary',
            decide: async (action) =>
              (await action.run(ReleaseVersionMutation, { package: item.package.name, version: item.version, reason }, (d) => d.releaseVersion?.errors)) &&
              `Released ${label}: it is published.`,
          },
          {
            label: `Delete ${label}`,
            tone: 'danger',
            confirm: `Delete ${label} for good?`,
            decide: async (action) =>
              (await action.run(DeleteVersionMutation, { package: item.package.name, version: item.version, reason }, (d) => d.deleteVersion?.errors)) &&
              `Deleted ${label}.`,
          },
        ]}
      >
        <div class="field">
          <label for={reasonId}>Reason for {label}</label>
          <input id={reasonId} maxLength={1000} value={reason} aria-describedby={`${reasonId}-hint`} onInput={(e) => setReason(e.currentTarget.value)} />
          <p id={`${reasonId}-hint`} class="hint">
            Required to release (audited); optional to delete.
          </p>
        </div>
      </DecisionForm>
    </li>
  );
}

export function QuarantinePage() {
  usePageTitle('Quarantine');
  const { query, path, route } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const pkg = query.package || null;
  const result = useLiveQuery(QuarantineQuery, { package: pkg, after: cursors[cursors.length - 1] ?? null });
  const [filter, setFilter] = useState(pkg ?? '');
  const [done, setDone] = useState('');
  const url = (params: Record<string, string>) => {
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
    return search.toString() ? `${path}?${search}` : path;
  };
  const connection = result.data?.quarantinedVersions;
  return (
    <section aria-labelledby="quarantine-title">
      <SubNav label="Administration" links={ADMIN_LINKS} />
      <h1 id="quarantine-title">Quarantine</h1>
      <form
        class="form form-inline"
        role="search"
        aria-label="Filter the queue"
        onSubmit={(event) => {
          event.preventDefault();
          route(url({ package: filter.trim() }));
        }}
      >
        <div class="field">
          <label for="quarantine-package">Package name</label>
          <input id="quarantine-package" value={filter} maxLength={64} onInput={(e) => setFilter(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      {done && (
        <p class="success" role="status">
          {done}
        </p>
      )}
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {connection && (
        <>
          <p class="muted">{formatQuantity(connection.totalCount, 'quarantined version')}</p>
          {connection.edges.length === 0 ? (
            <p class="empty">Nothing is waiting.</p>
          ) : (
            <ul class="queue" aria-label="Quarantined versions">
              {connection.edges.map(({ node }) => (
                <QueueItem
                  key={node.id}
                  item={node}
                  onDone={(message) => {
                    setDone(message);
                    result.reload();
                  }}
                />
              ))}
            </ul>
          )}
          <nav class="pagination" aria-label="Pages">
            {cursors.length > 0 && (
              <a class="button" rel="prev" href={url({ package: pkg ?? '', after: cursors.slice(0, -1).join('.') })}>
                Previous page
              </a>
            )}
            {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
              <a class="button" rel="next" href={url({ package: pkg ?? '', after: [...cursors, connection.pageInfo.endCursor].join('.') })}>
                Next page
              </a>
            )}
          </nav>
        </>
      )}
    </section>
  );
}

export default QuarantinePage;

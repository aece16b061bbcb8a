// /admin/audit: the audit log, newest first, with filters on actor, action, target, publisher
// and time. The filters live in the URL (a filtered view is a link; Back undoes a filter).
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { ErrorMessage, Loading } from '../../components/Status';
import { formatQuantity } from '../../format';
import { ADMIN_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useQuery } from '../../graphql/useQuery';
import { AuditLogQuery } from '../../graphql/operations/admin';

const TEXT_FILTERS = [
  { key: 'actor', label: 'Actor (user id)' },
  { key: 'action', label: 'Action (exact, or a prefix like publisher.*)' },
  { key: 'targetType', label: 'Target kind' },
  { key: 'target', label: 'Target id' },
  { key: 'publisher', label: 'Publisher' },
] as const;
const DATE_FILTERS = [
  { key: 'since', label: 'From (UTC date)' },
  { key: 'until', label: 'Until (UTC date)' },
] as const;
type FilterKey = (typeof TEXT_FILTERS)[number]['key'] | (typeof DATE_FILTERS)[number]['key'];
const KEYS: FilterKey[] = [...TEXT_FILTERS.map((f) => f.key), ...DATE_FILTERS.map((f) => f.key)];

function isoDay(day: string | undefined, end: boolean): string | null {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  return `${day}T${end ? '23:59:59.999' : '00:00:00'}Z`;
}

export function AuditLogPage() {
  usePageTitle('Audit log');
  const { query, path, route } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const [draft, setDraft] = useState<Record<FilterKey, string>>(() => Object.fromEntries(KEYS.map((k) => [k, query[k] ?? ''])) as Record<FilterKey, string>);
  const filter = {
    actor: query.actor || null,
    action: query.action || null,
    targetType: query.targetType || null,
    target: query.target || null,
    publisher: query.publisher || null,
    since: isoDay(query.since, false),
    until: isoDay(query.until, true),
  };
  const result = useQuery(AuditLogQuery, { filter, after: cursors[cursors.length - 1] ?? null });
  const url = (params: Record<string, string>) => {
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
    return search.toString() ? `${path}?${search}` : path;
  };
  const current = Object.fromEntries(KEYS.map((k) => [k, query[k] ?? ''])) as Record<string, string>;
  const connection = result.data?.auditLog;
  return (
    <section aria-labelledby="audit-title">
      <SubNav label="Administration" links={ADMIN_LINKS} />
      <h1 id="audit-title">Audit log</h1>
      <form
        class="filter-grid"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          route(url(Object.fromEntries(KEYS.map((k) => [k, draft[k].trim()]))));
        }}
      >
        {TEXT_FILTERS.map((f) => (
          <div class="field" key={f.key}>
            <label for={`audit-${f.key}`}>{f.label}</label>
            <input id={`audit-${f.key}`} maxLength={200} value={draft[f.key]} onInput={(e) => setDraft({ ...draft, [f.key]: e.currentTarget.value })} />
          </div>
        ))}
        {DATE_FILTERS.map((f) => (
          <div class="field" key={f.key}>
            <label for={`audit-${f.key}`}>{f.label}</label>
            <input id={`audit-${f.key}`} type="date" value={draft[f.key]} onInput={(e) => setDraft({ ...draft, [f.key]: e.currentTarget.value })} />
          </div>
        ))}
        <div class="row-actions">
          <button type="submit" class="button button-primary">
            Apply filters
          </button>
          <a class="button" href={path}>
            Clear
          </a>
        </div>
      </form>
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {connection && (
        <>
          <p class="muted">{formatQuantity(connection.totalCount, 'event')}</p>
          {connection.edges.length === 0 ? (
            <p class="empty">No event matches.</p>
          ) : (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit events">
              <table class="data-table">
                <thead>
                  <tr>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {connection.edges.map(({ node: e }) => (
                    <tr key={e.id}>
                      <td data-label="When">{e.createdAt.replace('T', ' ').slice(0, 19)}</td>
                      <td data-label="Actor">
                        <a href={url({ ...current, actor: e.actorId, after: '' })}>{e.actorId || '—'}</a>
                      </td>
                      <td data-label="Action">
                        <a href={url({ ...current, action: e.action, after: '' })}>{e.action}</a>
                      </td>
                      <td data-label="Target">
                        <span>
                          {e.targetType} <code>{e.targetId}</code>
                        </span>
                      </td>
                      <td data-label="Details">
                        <span>
                          <code class="details">{JSON.stringify(e.details)}</code>
                          {e.ip && <span class="muted"> · {e.ip}</span>}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pagination" aria-label="Pages">
            {cursors.length > 0 && (
              <a class="button" rel="prev" href={url({ ...current, after: cursors.slice(0, -1).join('.') })}>
                Previous page
              </a>
            )}
            {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
              <a class="button" rel="next" href={url({ ...current, after: [...cursors, connection.pageInfo.endCursor].join('.') })}>
                Next page
              </a>
            )}
          </nav>
        </>
      )}
    </section>
  );
}

export default AuditLogPage;

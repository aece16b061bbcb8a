// /admin/reports: what users reported, newest first: dismiss a report (with a note) or
// quarantine the reported version (the one reported, or one the admin names when the report is
// about the whole package). ?state=all shows resolved reports too, ?after= pages on.
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { DecisionForm } from '../../components/DecisionForm';
import { ErrorMessage, Loading } from '../../components/Status';
import { ADMIN_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useLiveQuery } from '../../components/useLiveQuery';
import { formatDate, formatQuantity, titleCase } from '../../format';
import { AbuseReportFields, AbuseReportsQuery, DismissReportMutation, QuarantineReportedVersionMutation } from '../../graphql/operations/reports';
import { readFragment, type ResultOf } from '../../graphql/tada';

type Report = ResultOf<typeof AbuseReportFields>;

function ReportItem({ report, onDone }: { report: Report; onDone: (message: string) => void }) {
  const [note, setNote] = useState('');
  const [version, setVersion] = useState('');
  const target = report.version ? `${report.package} ${report.version}` : report.package;
  const chosen = report.version ?? version.trim();
  const key = report.id.replace(/[^A-Za-z0-9_-]/g, '');
  return (
    <li class="queue-item" data-report={report.id}>
      <h2 class="queue-title">
        <a href={`/packages/${encodeURIComponent(report.package)}`}>{report.package}</a>{' '}
        {report.version ? <span class="version-number">{report.version}</span> : <span class="muted">(whole package)</span>}{' '}
        <span class="tag tag-warning">{titleCase(report.reason)}</span>
      </h2>
      <p class="muted">
        by {report.reporterId} · {formatDate(report.createdAt)}
        {report.state === 'RESOLVED' && ` · ${titleCase(report.action ?? 'resolved')} ${formatDate(report.resolvedAt)}${report.resolvedBy ? ` by ${report.resolvedBy}` : ''}`}
      </p>
      <blockquote class="report-details">{report.details}</blockquote>
      {report.state === 'RESOLVED' ? (
        report.resolutionNote && <p class="muted">Note: {report.resolutionNote}</p>
      ) : (
        <DecisionForm
          label={`Decide on the report of ${target}`}
          onDone={onDone}
          decisions={[
            {
              label: `Dismiss report of ${target}`,
              decide: async (action) =>
                (await action.run(DismissReportMutation, { id: report.id, note: note.trim() }, (d) => d.dismissReport?.errors)) &&
                `Dismissed the report of ${target}.`,
            },
            {
              label: `Quarantine ${target}`,
              tone: 'danger',
              confirm: `Quarantine ${report.package} ${chosen}? It can no longer be installed.`,
              decide: async (action) => {
                const data = await action.run(
                  QuarantineReportedVersionMutation,
                  { id: report.id, note: note.trim(), version: report.version ? null : version.trim() || null },
                  (d) => d.quarantineReportedVersion?.errors,
                );
                const payload = data?.quarantineReportedVersion;
                if (!payload) return null;
                const v = payload.version?.version ?? chosen;
                return `Quarantined ${report.package} ${v}; ${payload.resolvedCount ?? 1} report(s) resolved.`;
              },
            },
          ]}
        >
          <div class="field">
            <label for={`note-${key}`}>Note on {target} (optional, audited)</label>
            <input id={`note-${key}`} maxLength={1000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </div>
          {!report.version && (
            <div class="field">
              <label for={`version-${key}`}>Version to quarantine</label>
              <input id={`version-${key}`} maxLength={64} value={version} aria-describedby={`version-${key}-hint`} onInput={(e) => setVersion(e.currentTarget.value)} />
              <p id={`version-${key}-hint`} class="hint">
                The report names no version: say which one to quarantine.
              </p>
            </div>
          )}
        </DecisionForm>
      )}
    </li>
  );
}

export function ReportsPage() {
  usePageTitle('Reports');
  const { query, path } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const all = query.state === 'all';
  const result = useLiveQuery(AbuseReportsQuery, { state: all ? null : 'OPEN', after: cursors[cursors.length - 1] ?? null });
  const [done, setDone] = useState('');
  const url = (params: Record<string, string>) => {
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
    return search.toString() ? `${path}?${search}` : path;
  };
  const connection = result.data?.abuseReports;
  const state = all ? 'all' : '';
  return (
    <section aria-labelledby="reports-title">
      <SubNav label="Administration" links={ADMIN_LINKS} />
      <h1 id="reports-title">Reports</h1>
      <p>
        {all ? (
          <a href={url({})}>Open reports only</a>
        ) : (
          <a href={url({ state: 'all' })}>Resolved reports too</a>
        )}
      </p>
      {done && (
        <p class="success" role="status">
          {done}
        </p>
      )}
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {connection && (
        <>
          <p class="muted">
            {formatQuantity(connection.totalCount, all ? 'report' : 'open report')}
          </p>
          {connection.edges.length === 0 ? (
            <p class="empty">Nothing is waiting.</p>
          ) : (
            <ul class="queue" aria-label="Reports">
              {connection.edges.map(({ node }) => {
                const report = readFragment(AbuseReportFields, node);
                return (
                  <ReportItem
                    key={report.id}
                    report={report}
                    onDone={(message) => {
                      setDone(message);
                      result.reload();
                    }}
                  />
                );
              })}
            </ul>
          )}
          <nav class="pagination" aria-label="Pages">
            {cursors.length > 0 && (
              <a class="button" rel="prev" href={url({ state, after: cursors.slice(0, -1).join('.') })}>
                Previous page
              </a>
            )}
            {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
              <a class="button" rel="next" href={url({ state, after: [...cursors, connection.pageInfo.endCursor].join('.') })}>
                Next page
              </a>
            )}
          </nav>
        </>
      )}
    </section>
  );
}

export default ReportsPage;

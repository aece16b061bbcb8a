// /admin/verifications: publishers waiting for a verification decision, oldest request first:
// verify or reject, with notes (stored, audited, shown to the publisher).
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { DecisionForm } from '../../components/DecisionForm';
import { ErrorMessage, Loading } from '../../components/Status';
import { ADMIN_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { useLiveQuery } from '../../components/useLiveQuery';
import { formatDate, titleCase } from '../../format';
import { PendingPublishersQuery, RejectPublisherMutation, VerifyPublisherMutation } from '../../graphql/operations/admin';
import type { ResultOf } from '../../graphql/tada';

type Pending = ResultOf<typeof PendingPublishersQuery>['pendingPublishers']['edges'][number]['node'];

function PendingItem({ publisher, onDone }: { publisher: Pending; onDone: (message: string) => void }) {
  const [notes, setNotes] = useState('');
  const request = publisher.verificationRequest;
  const notesId = `notes-${publisher.id}`;
  const name = publisher.displayName || publisher.name;
  return (
    <li class="queue-item" data-publisher={publisher.name}>
      <h2 class="queue-title">
        <a href={`/publishers/${encodeURIComponent(publisher.name)}`}>{name}</a> <code>{publisher.name}</code>
      </h2>
      <dl class="facts">
        <dt>Contact</dt>
        <dd>{publisher.email || '—'}</dd>
        {publisher.homepage && (
          <>
            <dt>Homepage</dt>
            <dd>{publisher.homepage}</dd>
          </>
        )}
        {publisher.github && (
          <>
            <dt>GitHub</dt>
            <dd>{publisher.github}</dd>
          </>
        )}
        <dt>Registered</dt>
        <dd>{formatDate(publisher.createdAt)}</dd>
        {request && (
          <>
            <dt>Method</dt>
            <dd>{titleCase(request.method || 'none')}</dd>
            <dt>Claim</dt>
            <dd>
              <code>{JSON.stringify(request.data)}</code>
            </dd>
            <dt>Requested</dt>
            <dd>
              {formatDate(request.submittedAt)}
              {request.submittedBy && ` by ${request.submittedBy}`} ({titleCase(request.state)})
            </dd>
            {request.checkResult != null && (
              <>
                <dt>Automatic check</dt>
                <dd>
                  <code>{JSON.stringify(request.checkResult)}</code>
                </dd>
              </>
            )}
          </>
        )}
      </dl>
      <DecisionForm
        label={`Decide on ${name}`}
        onDone={onDone}
        decisions={[
          {
            label: `Verify ${name}`,
            tone: 'primary',
            decide: async (action) =>
              (await action.run(VerifyPublisherMutation, { publisher: publisher.name, notes }, (d) => d.verifyPublisher?.errors)) && `Verified ${name}.`,
          },
          {
            label: `Reject ${name}`,
            tone: 'danger',
            decide: async (action) =>
              (await action.run(RejectPublisherMutation, { publisher: publisher.name, notes }, (d) => d.rejectPublisher?.errors)) && `Rejected ${name}.`,
          },
        ]}
      >
        <div class="field">
          <label for={notesId}>Notes on {name}</label>
          <textarea id={notesId} rows={2} maxLength={1000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
        </div>
      </DecisionForm>
    </li>
  );
}

export function VerificationsPage() {
  usePageTitle('Verifications');
  const { query, path } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const result = useLiveQuery(PendingPublishersQuery, { after: cursors[cursors.length - 1] ?? null });
  const [done, setDone] = useState('');
  const connection = result.data?.pendingPublishers;
  const pageUrl = (list: string[]) => (list.length ? `${path}?after=${list.join('.')}` : path);
  return (
    <section aria-labelledby="verifications-title">
      <SubNav label="Administration" links={ADMIN_LINKS} />
      <h1 id="verifications-title">Publisher verifications</h1>
      {done && (
        <p class="success" role="status">
          {done}
        </p>
      )}
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {connection && (
        <>
          <p class="muted">{connection.totalCount} waiting</p>
          {connection.edges.length === 0 ? (
            <p class="empty">No publisher is waiting.</p>
          ) : (
            <ul class="queue" aria-label="Pending publishers">
              {connection.edges.map(({ node }) => (
                <PendingItem
                  key={node.id}
                  publisher={node}
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
              <a class="button" rel="prev" href={pageUrl(cursors.slice(0, -1))}>
                Previous page
              </a>
            )}
            {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
              <a class="button" rel="next" href={pageUrl([...cursors, connection.pageInfo.endCursor])}>
                Next page
              </a>
            )}
          </nav>
        </>
      )}
    </section>
  );
}

export default VerificationsPage;

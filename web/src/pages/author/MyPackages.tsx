// /my/packages: the signed-in author's packages (private and unlisted ones too), open
// invitations to publishers, and the way to create a package.
import { useLocation } from 'preact-iso';
import { ActionErrors, useAction } from '../../components/Action';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { formatDate, formatQuantity, titleCase } from '../../format';
import { AcceptInvitationMutation, DeclineInvitationMutation, MyPackagesQuery } from '../../graphql/operations/author';
import { useLiveQuery } from '../../components/useLiveQuery';

export function MyPackagesPage() {
  usePageTitle('My packages');
  const { query, path } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const result = useLiveQuery(MyPackagesQuery, { after: cursors[cursors.length - 1] ?? null });
  const action = useAction();
  const pageUrl = (list: string[]) => (list.length ? `${path}?after=${list.join('.')}` : path);
  return (
    <section aria-labelledby="my-packages-title">
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <div class="page-head">
        <h1 id="my-packages-title">My packages</h1>
        {result.data?.me?.publisher && (
          <a class="button button-primary" href="/my/packages/new">
            Create a package
          </a>
        )}
      </div>
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.status === 'done' && (
        <>
          {result.data.myPublisherInvitations.length > 0 && (
            <section aria-labelledby="invitations-title">
              <h2 id="invitations-title">Invitations</h2>
              <ActionErrors errors={action.errors} />
              <ul class="row-list">
                {result.data.myPublisherInvitations.map((invitation) => (
                  <li key={invitation.id} class="row">
                    <span>
                      <strong>{invitation.publisherName}</strong> invites you as {invitation.role} (until{' '}
                      {formatDate(invitation.expiresAt)})
                    </span>
                    <span class="row-actions">
                      <button
                        type="button"
                        class="button button-primary"
                        disabled={action.busy}
                        onClick={async () => {
                          if (await action.run(AcceptInvitationMutation, { id: invitation.id }, (d) => d.acceptPublisherInvitation?.errors))
                            window.location.reload();
                        }}
                      >
                        Accept
                      </button>
                      <button
                        type="button"
                        class="button"
                        disabled={action.busy}
                        onClick={async () => {
                          if (await action.run(DeclineInvitationMutation, { id: invitation.id }, (d) => d.declinePublisherInvitation?.errors))
                            result.reload();
                        }}
                      >
                        Decline
                      </button>
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {!result.data.me?.publisher ? (
            <Notice>
              <p>
                You do not belong to a publisher yet. Packages are owned by publishers:{' '}
                <a href="/my/publisher">register one</a> or accept an invitation.
              </p>
            </Notice>
          ) : (
            <>
              <p class="muted">
                Published as <a href={`/publishers/${encodeURIComponent(result.data.me.publisher.name)}`}>{result.data.me.publisher.displayName || result.data.me.publisher.name}</a> ·{' '}
                {formatQuantity(result.data.me.publisher.packages.totalCount, 'package')}
              </p>
              {result.data.me.publisher.packages.edges.length === 0 ? (
                <p class="empty">No packages yet.</p>
              ) : (
                <ul class="row-list" aria-label="Your packages">
                  {result.data.me.publisher.packages.edges.map(({ node: pkg }) => (
                    <li key={pkg.id} class="row">
                      <span class="row-main">
                        <a href={`/my/packages/${encodeURIComponent(pkg.name)}`} class="row-title">
                          {pkg.displayName || pkg.name}
                        </a>
                        {pkg.latestVersion && <span class="version">{pkg.latestVersion}</span>}
                        <span class="tag">{titleCase(pkg.visibility)}</span>
                        {pkg.status !== 'ACTIVE' && <span class="tag tag-warning">{titleCase(pkg.status)}</span>}
                        <span class="row-sub muted">
                          {pkg.description || 'No description'} · {formatQuantity(pkg.totalDownloads, 'download')} · updated{' '}
                          {formatDate(pkg.updatedAt)}
                        </span>
                      </span>
                      <span class="row-actions">
                        <a class="button" href={`/my/packages/${encodeURIComponent(pkg.name)}/publish`} aria-label={`Publish a version of ${pkg.name}`}>
                          Publish
                        </a>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              <nav class="pagination" aria-label="Pages">
                {cursors.length > 0 && (
                  <a class="button" rel="prev" href={pageUrl(cursors.slice(0, -1))}>
                    Previous page
                  </a>
                )}
                {result.data.me.publisher.packages.pageInfo.hasNextPage && result.data.me.publisher.packages.pageInfo.endCursor && (
                  <a class="button" rel="next" href={pageUrl([...cursors, result.data.me.publisher.packages.pageInfo.endCursor])}>
                    Next page
                  </a>
                )}
              </nav>
            </>
          )}
        </>
      )}
    </section>
  );
}

export default MyPackagesPage;

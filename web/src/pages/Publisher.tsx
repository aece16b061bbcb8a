import { useLocation } from 'preact-iso';
import { ExternalLink } from '../components/ExternalLink';
import { PackageList } from '../components/PackageCard';
import { VerifiedBadge } from '../components/PublisherBadge';
import { ErrorMessage, Loading, Notice } from '../components/Status';
import { usePageTitle } from '../components/usePageTitle';
import { formatDate, formatExactCount, titleCase } from '../format';
import { PublisherQuery } from '../graphql/operations/catalog';
import { useQuery } from '../graphql/useQuery';
import { NotFoundPage } from './NotFound';

export function PublisherPage({ name }: { name: string }) {
  const { query, path } = useLocation();
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-50);
  const result = useQuery(PublisherQuery, { name, after: cursors[cursors.length - 1] ?? null });
  const publisher = result.data?.publisher;
  usePageTitle(publisher?.displayName || publisher?.name || (result.status === 'done' ? 'Not found' : name));
  if (result.status === 'loading') return <Loading />;
  if (result.status === 'error') return <ErrorMessage error={result.error} retry={result.reload} />;
  if (!publisher) return <NotFoundPage what="publisher" />;
  const pageUrl = (list: string[]) => (list.length ? `${path}?after=${list.join('.')}` : path);
  return (
    <article class="publisher-page">
      <header>
        <h1>
          {publisher.displayName || publisher.name} <VerifiedBadge status={publisher.verificationStatus} />
        </h1>
        <p class="muted">
          <code>{publisher.name}</code> · {titleCase(publisher.verificationStatus)}
          {publisher.verifiedAt && <span class="nowrap"> since {formatDate(publisher.verifiedAt)}</span>} ·{' '}
          <span class="nowrap">joined {formatDate(publisher.createdAt)}</span>
        </p>
        {publisher.notice && <Notice kind="warning">{publisher.notice}</Notice>}
        <dl class="facts facts-inline">
          <dt>Packages</dt>
          <dd>{formatExactCount(publisher.packageCount)}</dd>
          <dt>Downloads</dt>
          <dd>{formatExactCount(publisher.totalDownloads)}</dd>
          {publisher.homepage && (
            <>
              <dt>Homepage</dt>
              <dd>
                <ExternalLink url={publisher.homepage} />
              </dd>
            </>
          )}
          {publisher.github && (
            <>
              <dt>GitHub</dt>
              <dd>
                <a href={`https://github.com/${encodeURIComponent(publisher.github)}`} rel="noopener noreferrer nofollow">
                  {publisher.github}
                </a>
              </dd>
            </>
          )}
        </dl>
      </header>
      <section aria-labelledby="publisher-packages">
        <h2 id="publisher-packages">Packages</h2>
        <PackageList items={publisher.packages.edges} label={`Packages by ${publisher.displayName || publisher.name}`} />
        <nav class="pagination" aria-label="Pages">
          {cursors.length > 0 && (
            <a class="button" rel="prev" href={pageUrl(cursors.slice(0, -1))}>
              Previous page
            </a>
          )}
          {publisher.packages.pageInfo.hasNextPage && publisher.packages.pageInfo.endCursor && (
            <a class="button" rel="next" href={pageUrl([...cursors, publisher.packages.pageInfo.endCursor])}>
              Next page
            </a>
          )}
        </nav>
      </section>
    </article>
  );
}

export default PublisherPage;

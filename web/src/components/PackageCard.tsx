import { readFragment, type FragmentOf } from '../graphql/tada';
import { PackageCardFields } from '../graphql/operations/catalog';
import { formatCount, formatDate, formatQuantity, titleCase } from '../format';
import { PackageIcon } from './PackageIcon';
import { VerifiedBadge } from './PublisherBadge';

export function PackageCard({ data }: { data: FragmentOf<typeof PackageCardFields> }) {
  const pkg = readFragment(PackageCardFields, data);
  return (
    <article class="package-card">
      <PackageIcon name={pkg.name} url={pkg.iconUrl} />
      <div class="package-card-body">
        <h3 class="package-card-title">
          <a href={`/packages/${encodeURIComponent(pkg.name)}`}>{pkg.displayName || pkg.name}</a>
          {pkg.latestVersion && <span class="version">{pkg.latestVersion}</span>}
        </h3>
        <p class="package-card-description">{pkg.description || 'No description.'}</p>
        <p class="package-card-meta">
          <span class="tag">{titleCase(pkg.packageType)}</span>
          {pkg.status !== 'ACTIVE' && <span class="tag tag-warning">{titleCase(pkg.status)}</span>}
          <span>
            by {pkg.publisher.displayName || pkg.publisher.name} <VerifiedBadge status={pkg.publisher.verificationStatus} />
          </span>
          <span title={formatQuantity(pkg.totalDownloads, 'download')}>{formatQuantity(pkg.totalDownloads, 'download', formatCount)}</span>
          <span class="nowrap">updated {formatDate(pkg.updatedAt)}</span>
        </p>
      </div>
    </article>
  );
}

export function PackageList({ items, label }: { items: { node: FragmentOf<typeof PackageCardFields> }[]; label: string }) {
  if (!items.length) return <p class="empty">No packages yet.</p>;
  return (
    <ul class="package-list" aria-label={label}>
      {items.map((edge) => (
        <li key={readFragment(PackageCardFields, edge.node).id}>
          <PackageCard data={edge.node} />
        </li>
      ))}
    </ul>
  );
}

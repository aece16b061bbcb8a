import { CopyCommand } from '../components/CopyCommand';
import { DownloadChart } from '../components/DownloadChart';
import { ReportForm } from '../components/ReportForm';
import { ExternalLink } from '../components/ExternalLink';
import { PackageIcon } from '../components/PackageIcon';
import { Prose, withoutLeadingHeading } from '../components/Prose';
import { PublisherLink } from '../components/PublisherBadge';
import { ErrorMessage, Loading, Notice } from '../components/Status';
import { usePageTitle } from '../components/usePageTitle';
import { formatBytes, formatCount, formatDate, formatExactCount, formatQuantity, titleCase } from '../format';
import { PackageQuery } from '../graphql/operations/catalog';
import type { ResultOf } from '../graphql/tada';
import { useQuery } from '../graphql/useQuery';
import { PLATFORM_LABELS, visitorFirst, visitorPlatform } from '../platform';
import { NotFoundPage } from './NotFound';

type Data = ResultOf<typeof PackageQuery>;
type Pkg = NonNullable<Data['package']>;
type Version = Pkg['versions'][number];
type Artifact = NonNullable<Data['artifact']>;

/** As many as PackageQuery asks for (versions(first: 50)). */
const VERSIONS_SHOWN = 50;

/** The package's releases as an Atom feed (registry/rest/feeds.py). */
export const packageFeedUrl = (name: string) => `/api/v1/feeds/packages/${encodeURIComponent(name)}.atom`;

export const installCommand = (name: string) => `tb -c CloudM ModManager install ${name}`;

function DeprecationBanner({ pkg }: { pkg: Pkg }) {
  if (pkg.status === 'ACTIVE') return null;
  return (
    <Notice kind="warning">
      <p>
        <strong>{pkg.status === 'ARCHIVED' ? 'This package is archived' : 'This package is deprecated'}.</strong>{' '}
        {pkg.deprecationMessage}
      </p>
      {pkg.successor && (
        <p>
          Use <a href={`/packages/${encodeURIComponent(pkg.successor)}`}>{pkg.successor}</a> instead.
        </p>
      )}
    </Notice>
  );
}

function Dependencies({ version }: { version: Version }) {
  if (!version.dependencies.length) return <p class="muted">No dependencies.</p>;
  return (
    <ul class="dependency-list">
      {version.dependencies.map((dep) => (
        <li key={dep.id}>
          {dep.package ? <a href={`/packages/${encodeURIComponent(dep.package.name)}`}>{dep.name}</a> : <span>{dep.name}</span>}{' '}
          <code>{dep.versionSpec || '*'}</code>
          {dep.optional && <span class="tag">optional</span>}
        </li>
      ))}
    </ul>
  );
}

function VersionList({ pkg }: { pkg: Pkg }) {
  if (!pkg.versions.length) return <p class="muted">No published version yet.</p>;
  return (
    <>
    {pkg.versions.length >= VERSIONS_SHOWN && <p class="muted">The {VERSIONS_SHOWN} newest versions.</p>}
    <ol class="version-list">
      {pkg.versions.map((version) => (
        <li key={version.id} class={version.yanked ? 'version-item yanked' : 'version-item'}>
          <details open={version.version === pkg.latestVersion}>
            <summary>
              <span class="version-number">{version.version}</span>
              {version.version === pkg.latestVersion && <span class="tag tag-accent">latest</span>}
              {version.yanked && <span class="tag tag-warning">yanked</span>}
              {version.status !== 'PUBLISHED' && <span class="tag tag-warning">{titleCase(version.status)}</span>}
              <span class="muted">
                {formatDate(version.publishedAt)} · {formatQuantity(version.downloads, 'download')}
              </span>
            </summary>
            <div class="version-body">
              {version.yanked && version.yankReason && <p class="muted">Yanked: {version.yankReason}</p>}
              <dl class="facts">
                {version.toolboxVersion && (
                  <>
                    <dt>ToolBoxV2</dt>
                    <dd>{version.toolboxVersion}</dd>
                  </>
                )}
                {version.pythonVersion && (
                  <>
                    <dt>Python</dt>
                    <dd>{version.pythonVersion}</dd>
                  </>
                )}
                <dt>Size</dt>
                <dd>{formatBytes(version.sizeBytes)}</dd>
                {version.platforms.length > 0 && (
                  <>
                    <dt>Platforms</dt>
                    <dd>{visitorFirst(version.platforms.map((platform) => ({ platform }))).map((p) => PLATFORM_LABELS[p.platform] ?? p.platform).join(', ')}</dd>
                  </>
                )}
                <dt>SHA-256</dt>
                <dd>
                  <code class="hash">{version.checksumSha256}</code>
                </dd>
              </dl>
              <h4>Dependencies</h4>
              <Dependencies version={version} />
              {version.changelogHtml && (
                <>
                  <h4>Changelog</h4>
                  {/* A CHANGELOG.md usually opens with its own "# Changelog": shown once. */}
                  <Prose html={withoutLeadingHeading(version.changelogHtml, 'Changelog')} demote={4} />
                </>
              )}
              {version.downloadUrl && (
                <p>
                  <a class="button" href={version.downloadUrl} download>
                    Download {version.version}
                  </a>
                </p>
              )}
            </div>
          </details>
        </li>
      ))}
    </ol>
    </>
  );
}

function ArtifactBuilds({ artifact }: { artifact: Artifact }) {
  const platform = visitorPlatform();
  const latest = artifact.versions.find((v) => v.version === artifact.latestVersion) ?? artifact.versions[0];
  if (!latest) return null;
  const builds = visitorFirst(latest.builds, platform);
  return (
    <section aria-labelledby="builds-heading" class="builds">
      <h2 id="builds-heading">Downloads for {latest.version}</h2>
      {builds.length ? (
        <ul class="build-list">
          {builds.map((build, index) => (
            <li key={build.id} class={index === 0 && build.platform === platform ? 'build recommended' : 'build'}>
              <a class={index === 0 ? 'button button-primary' : 'button'} href={build.downloadUrl} download>
                {PLATFORM_LABELS[build.platform] ?? build.platform} · {build.architecture}
              </a>
              <span class="muted">
                {build.filename} · {formatBytes(build.sizeBytes)} · {formatQuantity(build.downloads, 'download')}
                {index === 0 && build.platform === platform && ' · your platform'}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No builds for this version yet.</p>
      )}
    </section>
  );
}

function Install({ pkg }: { pkg: Pkg }) {
  const latest = pkg.versions.find((v) => v.version === pkg.latestVersion);
  return (
    <section class="package-install" aria-labelledby="install-heading">
      <h2 id="install-heading">Install</h2>
      <CopyCommand command={installCommand(pkg.name)} label="Install command" />
      {latest?.downloadUrl && (
        <p>
          <a class="button button-primary" href={latest.downloadUrl} download>
            Download {pkg.latestVersion} ({formatBytes(latest.sizeBytes)})
          </a>
        </p>
      )}
    </section>
  );
}

function Sidebar({ pkg, categoryTitles }: { pkg: Pkg; categoryTitles: Map<string, string> }) {
  return (
    <aside class="package-sidebar" aria-label="About this package">
      <dl class="facts">
        <dt>Publisher</dt>
        <dd>
          <PublisherLink publisher={pkg.publisher} />
        </dd>
        <dt>Downloads</dt>
        <dd>{formatExactCount(pkg.totalDownloads)}</dd>
        <dt>Type</dt>
        <dd>{titleCase(pkg.packageType)}</dd>
        {pkg.license && (
          <>
            <dt>Licence</dt>
            <dd>{pkg.license}</dd>
          </>
        )}
        <dt>Updated</dt>
        <dd>{formatDate(pkg.updatedAt)}</dd>
        {pkg.homepage && (
          <>
            <dt>Homepage</dt>
            <dd>
              <ExternalLink url={pkg.homepage} />
            </dd>
          </>
        )}
        {pkg.repository && (
          <>
            <dt>Repository</dt>
            <dd>
              <ExternalLink url={pkg.repository} />
            </dd>
          </>
        )}
      </dl>
      <DownloadChart name={pkg.name} />
      {pkg.categories.length > 0 && (
        <section aria-labelledby="categories-heading">
          <h2 id="categories-heading">Categories</h2>
          <ul class="tag-list">
            {pkg.categories.map((slug) => (
              <li key={slug}>
                <a class="tag" href={`/search?category=${encodeURIComponent(slug)}`}>
                  {categoryTitles.get(slug) ?? slug}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {pkg.keywords.length > 0 && (
        <section aria-labelledby="keywords-heading">
          <h2 id="keywords-heading">Keywords</h2>
          <ul class="tag-list">
            {pkg.keywords.map((keyword) => (
              <li key={keyword}>
                <a class="tag" href={`/search?q=${encodeURIComponent(keyword)}`}>
                  {keyword}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {pkg.usedBy.length > 0 && (
        <section aria-labelledby="used-by-heading">
          <h2 id="used-by-heading">Used by</h2>
          <ul>
            {pkg.usedBy.map((user) => (
              <li key={user.id}>
                <a href={`/packages/${encodeURIComponent(user.name)}`}>{user.displayName || user.name}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ReportForm name={pkg.name} versions={pkg.versions.map((v) => v.version)} />
    </aside>
  );
}

export function PackagePage({ name }: { name: string }) {
  const result = useQuery(PackageQuery, { name });
  const pkg = result.data?.package;
  const artifact = result.data?.artifact;
  usePageTitle(pkg?.displayName || pkg?.name || artifact?.name || (result.status === 'done' ? 'Not found' : name));
  if (result.status === 'loading') return <Loading />;
  if (result.status === 'error') return <ErrorMessage error={result.error} retry={result.reload} />;
  if (!pkg && !artifact) return <NotFoundPage what="package" />;
  if (!pkg && artifact) {
    return (
      <article class="package-page">
        <header class="package-header">
          <PackageIcon name={artifact.name} url={null} size={64} />
          <div>
            <h1>{artifact.name}</h1>
            <p class="lead">{artifact.description}</p>
            <p class="muted">
              {titleCase(artifact.artifactType)} by <PublisherLink publisher={artifact.publisher} />
            </p>
          </div>
        </header>
        <div class="package-layout">
          <div class="package-main">
            <ArtifactBuilds artifact={artifact} />
          </div>
          <aside class="package-sidebar" aria-label="About this artifact">
            <DownloadChart name={artifact.name} subject="artifact" />
          </aside>
        </div>
      </article>
    );
  }
  const p = pkg!;
  return (
    <article class="package-page">
      <header class="package-header">
        <PackageIcon name={p.name} url={p.iconUrl} size={64} />
        <div>
          <h1>
            {p.displayName || p.name} {p.latestVersion && <span class="version">{p.latestVersion}</span>}
          </h1>
          <p class="lead">{p.description}</p>
          <p class="muted">
            <code>{p.name}</code> · {titleCase(p.packageType)} by <PublisherLink publisher={p.publisher} /> ·{' '}
            {formatQuantity(p.totalDownloads, 'download', formatCount)} ·{' '}
            <a href={packageFeedUrl(p.name)} type="application/atom+xml">
              Atom feed
            </a>
            {p.visibility !== 'PUBLIC' && <span class="tag tag-warning">{titleCase(p.visibility)}</span>}
          </p>
        </div>
      </header>
      <DeprecationBanner pkg={p} />
      <div class="package-layout">
        <Install pkg={p} />
        <div class="package-main">
          {artifact && <ArtifactBuilds artifact={artifact} />}
          <section aria-labelledby="readme-heading">
            <h2 id="readme-heading" class="visually-hidden">
              README
            </h2>
            {p.readmeHtml ? (
              <Prose html={p.readmeHtml} demote={2} class="readme" />
            ) : (
              <p class="muted">This package has no README.</p>
            )}
          </section>
          <section aria-labelledby="versions-heading">
            <h2 id="versions-heading">Versions</h2>
            <VersionList pkg={p} />
          </section>
        </div>
        <Sidebar pkg={p} categoryTitles={new Map(result.data!.categories.map((c) => [c.slug, c.title]))} />
      </div>
    </article>
  );
}

export default PackagePage;

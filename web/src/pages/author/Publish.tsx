// /my/packages/:name/publish: upload a version's ZIP (a GraphQL multipart request with upload
// progress), then watch its scan live over the `versionStatusChanged` subscription. After the
// upload the URL names the version (?version=), so it restores the status view and Back returns
// to the form. The subscription runs for the page's whole life, so it is listening before the
// upload ends and no status change is missed.
import { useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ActionErrors, useAction } from '../../components/Action';
import { DropZone } from '../../components/DropZone';
import { ScanReport } from '../../components/ScanReport';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { formatBytes } from '../../format';
import { AuthorVersionFields, PublishVersionMutation, VersionStatusQuery, VersionStatusSubscription } from '../../graphql/operations/author';
import { subscribe } from '../../graphql/subscribe';
import { readFragment, type ResultOf, type VariablesOf } from '../../graphql/tada';
import { uploadOperation, type UploadProgress } from '../../graphql/upload';
import { useQuery } from '../../graphql/useQuery';
import { VersionStatusTag } from './VersionStatusTag';

type Version = ResultOf<typeof AuthorVersionFields>;
type Live = 'connecting' | 'live' | 'lost';
const MAX_ZIP_BYTES = 512 * 1024 * 1024; // the client's early check; the server's limit is the rule

/** Status changes seen on the subscription, by version string. */
function useLiveVersions(name: string): { seen: Record<string, Version>; live: Live } {
  const [seen, setSeen] = useState<Record<string, Version>>({});
  const [live, setLive] = useState<Live>('connecting');
  useEffect(() => {
    setSeen({});
    setLive('connecting');
    return subscribe(
      VersionStatusSubscription,
      { package: name },
      {
        next: (data) => {
          setLive('live');
          const version = readFragment(AuthorVersionFields, data.versionStatusChanged.version);
          setSeen((previous) => ({ ...previous, [version.version]: version }));
        },
        error: () => setLive('lost'),
      },
    );
  }, [name]);
  return { seen, live };
}

function VersionStatus({ name, version, liveVersion, live }: { name: string; version: string; liveVersion: Version | undefined; live: Live }) {
  const queried = useQuery(VersionStatusQuery, { package: name, version });
  if (queried.status === 'loading' && !liveVersion) return <Loading label="Loading the version" />;
  if (queried.status === 'error' && !liveVersion) return <ErrorMessage error={queried.error} retry={queried.reload} />;
  const fromQuery = queried.data?.version ? readFragment(AuthorVersionFields, queried.data.version) : undefined;
  // A status seen live is never older than the one the query read, except a pending one.
  const current = liveVersion && liveVersion.status !== 'PENDING' ? liveVersion : (fromQuery ?? liveVersion);
  if (!current) return <Notice kind="error">There is no version {version} of {name} that you may see.</Notice>;
  const encoded = encodeURIComponent(name);
  return (
    <section class="publish-status" aria-labelledby="publish-status-title">
      <h2 id="publish-status-title">
        Version <span class="version-number">{current.version}</span>
      </h2>
      <p role="status" aria-live="polite" class="publish-status-line">
        Status: <VersionStatusTag status={current.status} yanked={current.yanked} />
        {current.status === 'PENDING' && ' the security scan is running…'}
        {current.status === 'PUBLISHED' && ' the scan passed; the version can be installed.'}
        {current.status === 'QUARANTINED' && ' the scan found a problem; the version cannot be installed.'}
      </p>
      {current.status === 'PENDING' && (
        <>
          <progress class="scan-progress" aria-label="Security scan in progress" />
          <p class="muted">{live === 'live' || live === 'connecting' ? 'Updates arrive live; no need to reload.' : 'The live connection was lost: reload to see the status.'}</p>
        </>
      )}
      {current.status === 'PUBLISHED' && (
        <p class="row-actions">
          <a class="button button-primary" href={`/packages/${encoded}`}>
            See the package page
          </a>
          <a class="button" href={`/search?q=${encoded}`}>
            Find it in search
          </a>
        </p>
      )}
      {current.status === 'QUARANTINED' && (
        <>
          <h3>Scan report</h3>
          <ScanReport report={current.scanReport} />
        </>
      )}
      {current.warnings.length > 0 && (
        <>
          <h3>Warnings</h3>
          <ul>
            {current.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </>
      )}
      <p>
        <a href={`/my/packages/${encoded}/publish`}>Publish another version</a> · <a href={`/my/packages/${encoded}`}>Manage {name}</a>
      </p>
    </section>
  );
}

function PublishForm({ name }: { name: string }) {
  const location = useLocation();
  const action = useAction();
  const [file, setFile] = useState<File | null>(null);
  const [version, setVersion] = useState('');
  const [changelog, setChangelog] = useState('');
  const [toolboxVersion, setToolboxVersion] = useState('');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [fileError, setFileError] = useState('');
  const upload = useRef<AbortController | null>(null);
  const percent = progress && progress.total ? Math.round((progress.loaded / progress.total) * 100) : 0;
  return (
    <form
      class="form form-wide"
      aria-labelledby="publish-form-title"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!file) return setFileError('Choose the version’s ZIP file first.');
        if (!/\.zip$/i.test(file.name)) return setFileError('The file must be a ZIP archive (.zip).');
        if (file.size === 0 || file.size > MAX_ZIP_BYTES) return setFileError(`The file must hold between 1 byte and ${formatBytes(MAX_ZIP_BYTES)}.`);
        setFileError('');
        setProgress({ loaded: 0, total: file.size });
        const input = { version: version.trim(), changelog, toolboxVersion: toolboxVersion.trim() };
        // The multipart spec sends null where the file goes; the map puts the file part there.
        const variables = { package: name, input, file: null } as unknown as VariablesOf<typeof PublishVersionMutation>;
        upload.current = new AbortController();
        const signal = upload.current.signal;
        const data = await action.wrap(
          () => uploadOperation(PublishVersionMutation, variables, { 'variables.file': file }, { onProgress: setProgress, signal }),
          (d) => d.publishVersion?.errors,
        );
        upload.current = null;
        setProgress(null);
        const published = data?.publishVersion?.version;
        if (published) {
          const v = readFragment(AuthorVersionFields, published);
          location.route(`/my/packages/${encodeURIComponent(name)}/publish?version=${encodeURIComponent(v.version)}`);
        }
      }}
    >
      <h2 id="publish-form-title">Upload a version</h2>
      <DropZone id="publish-file" label="Version ZIP" accept=".zip,application/zip" file={file} onFile={(f) => { setFile(f); setFileError(''); }} hint="Drop the ZIP here, or choose it (Tab to the button, then Enter)." />
      {fileError && (
        <p class="field-error" role="alert">
          {fileError}
        </p>
      )}
      <div class="field">
        <label for="publish-version">Version</label>
        <input id="publish-version" required maxLength={64} value={version} placeholder="1.2.0" aria-describedby="publish-version-hint" onInput={(e) => setVersion(e.currentTarget.value)} />
        <p id="publish-version-hint" class="hint">
          PEP 440, matching the version in the archive’s tbConfig.yaml.
        </p>
      </div>
      <div class="field">
        <label for="publish-toolbox">ToolBoxV2 version (optional)</label>
        <input id="publish-toolbox" maxLength={64} value={toolboxVersion} placeholder=">=0.1.20" onInput={(e) => setToolboxVersion(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="publish-changelog">Changelog (optional)</label>
        <textarea id="publish-changelog" rows={4} maxLength={20000} value={changelog} onInput={(e) => setChangelog(e.currentTarget.value)} />
      </div>
      {progress && (
        <div class="upload-progress">
          <label for="upload-progress">Uploading {percent}%</label>
          <progress id="upload-progress" max={progress.total || 1} value={progress.loaded} aria-valuetext={`${percent}% (${formatBytes(progress.loaded)} of ${formatBytes(progress.total)})`} />
          <button type="button" class="button" onClick={() => upload.current?.abort()}>
            Cancel upload
          </button>
        </div>
      )}
      <ActionErrors errors={action.errors} />
      <button type="submit" class="button button-primary" disabled={action.busy}>
        {action.busy ? 'Uploading…' : 'Publish'}
      </button>
    </form>
  );
}

export function PublishPage({ name }: { name: string }) {
  const { query } = useLocation();
  const version = query.version;
  usePageTitle(version ? `${name} ${version}` : `Publish ${name}`);
  const { seen, live } = useLiveVersions(name);
  return (
    <article>
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <h1>
        Publish <a href={`/my/packages/${encodeURIComponent(name)}`}>{name}</a>
      </h1>
      {version ? <VersionStatus key={version} name={name} version={version} liveVersion={seen[version]} live={live} /> : <PublishForm name={name} />}
    </article>
  );
}

export default PublishPage;

// /my/packages/:name: an author's view of one package: its versions (yank, unyank, scan
// reports), its details, categories and visibility, and its lifecycle (deprecate, archive).
import { useState } from 'preact/hooks';
import { useViewer } from '../../auth';
import { ActionErrors, useAction } from '../../components/Action';
import { ScanReport } from '../../components/ScanReport';
import { ErrorMessage, Loading, Notice } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { formatBytes, formatDate, titleCase } from '../../format';
import {
  AuthorVersionFields,
  ManagePackageQuery,
  UnyankVersionMutation,
  UpdatePackageMutation,
  YankVersionMutation,
} from '../../graphql/operations/author';
import { readFragment, type FragmentOf, type ResultOf, type VariablesOf } from '../../graphql/tada';
import { useLiveQuery } from '../../components/useLiveQuery';
import { NotFoundPage } from '../NotFound';
import { CategoriesField, splitKeywords, TextField, VisibilityField, type VisibilityValue } from './PackageFields';
import { TransferForm } from './Transfers';
import { VersionStatusTag } from './VersionStatusTag';

type Managed = NonNullable<ResultOf<typeof ManagePackageQuery>['package']>;
type Lifecycle = NonNullable<VariablesOf<typeof UpdatePackageMutation>['input']['status']>;
const LIFECYCLES: Lifecycle[] = ['ACTIVE', 'DEPRECATED', 'ARCHIVED'];

function VersionRow({ name, data, onChange }: { name: string; data: FragmentOf<typeof AuthorVersionFields>; onChange: () => void }) {
  const v = readFragment(AuthorVersionFields, data);
  const action = useAction();
  const [reason, setReason] = useState('');
  const reasonId = `yank-reason-${v.id}`;
  return (
    <li class="version-item manage-version" data-version={v.version}>
      <div class="row">
        <span class="row-main">
          <span class="version-number">{v.version}</span> <VersionStatusTag status={v.status} yanked={v.yanked} />
          <span class="row-sub muted">
            {formatBytes(v.sizeBytes)} · uploaded {formatDate(v.createdAt)}
            {v.publishedAt && ` · published ${formatDate(v.publishedAt)}`}
            {v.yanked && v.yankReason && ` · yanked: ${v.yankReason}`}
          </span>
        </span>
        {v.status === 'PUBLISHED' && (
          <span class="row-actions">
            {v.yanked ? (
              <button
                type="button"
                class="button"
                disabled={action.busy}
                onClick={async () => {
                  if (await action.run(UnyankVersionMutation, { package: name, version: v.version }, (d) => d.unyankVersion?.errors)) onChange();
                }}
              >
                Unyank {v.version}
              </button>
            ) : (
              <form
                class="inline-form"
                onSubmit={async (event) => {
                  event.preventDefault();
                  if (await action.run(YankVersionMutation, { package: name, version: v.version, reason: reason.trim() }, (d) => d.yankVersion?.errors)) onChange();
                }}
              >
                <label for={reasonId} class="visually-hidden">
                  Why yank {v.version}
                </label>
                <input id={reasonId} placeholder="Reason (shown to users)" maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                <button type="submit" class="button" disabled={action.busy}>
                  Yank {v.version}
                </button>
              </form>
            )}
          </span>
        )}
      </div>
      <ActionErrors errors={action.errors} />
      {v.status === 'QUARANTINED' && (
        <Notice kind="error">
          <p>The security scan quarantined this version: it cannot be installed. An admin may release it.</p>
          <ScanReport report={v.scanReport} label={`Scan report of ${v.version}`} />
        </Notice>
      )}
      {v.status === 'PENDING' && <p class="muted">Being scanned…</p>}
      {v.warnings.length > 0 && (
        <ul class="muted">
          {v.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

function DetailsForm({ pkg, categories, onSaved }: { pkg: Managed; categories: readonly { slug: string; title: string }[]; onSaved: () => void }) {
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const [displayName, setDisplayName] = useState(pkg.displayName);
  const [description, setDescription] = useState(pkg.description);
  const [keywords, setKeywords] = useState(pkg.keywords.join(', '));
  const [selected, setSelected] = useState<string[]>([...pkg.categories]);
  const [visibility, setVisibility] = useState<VisibilityValue>(pkg.visibility);
  const [homepage, setHomepage] = useState(pkg.homepage);
  const [repository, setRepository] = useState(pkg.repository);
  const [license, setLicense] = useState(pkg.license);
  const [readme, setReadme] = useState(pkg.readme);
  return (
    <form
      class="form form-wide"
      aria-labelledby="details-title"
      onSubmit={async (event) => {
        event.preventDefault();
        setSaved(false);
        const input = {
          displayName: displayName.trim(),
          description: description.trim(),
          keywords: splitKeywords(keywords),
          categories: selected,
          visibility,
          homepage: homepage.trim(),
          repository: repository.trim(),
          license: license.trim(),
          readme,
        };
        if (await action.run(UpdatePackageMutation, { name: pkg.name, input }, (d) => d.updatePackage?.errors)) {
          setSaved(true);
          onSaved();
        }
      }}
    >
      <h2 id="details-title">Details</h2>
      <TextField id="edit-display-name" label="Display name" value={displayName} onInput={setDisplayName} maxLength={128} />
      <TextField id="edit-description" label="Description" value={description} onInput={setDescription} maxLength={1000} multiline />
      <TextField id="edit-keywords" label="Keywords" value={keywords} onInput={setKeywords} hint="Separated by commas or spaces." />
      <CategoriesField categories={categories} selected={selected} onChange={setSelected} />
      <VisibilityField name="edit-visibility" value={visibility} onChange={setVisibility} />
      <TextField id="edit-homepage" label="Homepage" type="url" value={homepage} onInput={setHomepage} />
      <TextField id="edit-repository" label="Repository" type="url" value={repository} onInput={setRepository} />
      <TextField id="edit-license" label="Licence (SPDX)" value={license} onInput={setLicense} maxLength={100} />
      <TextField id="edit-readme" label="README (Markdown; a version's own README.md takes precedence)" value={readme} onInput={setReadme} multiline />
      <ActionErrors errors={action.errors} />
      {saved && (
        <p class="success" role="status">
          Saved.
        </p>
      )}
      <button type="submit" class="button button-primary" disabled={action.busy}>
        {action.busy ? 'Saving…' : 'Save details'}
      </button>
    </form>
  );
}

function LifecycleForm({ pkg, onSaved }: { pkg: Managed; onSaved: () => void }) {
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const [status, setStatus] = useState<Lifecycle>(pkg.status);
  const [message, setMessage] = useState(pkg.deprecationMessage);
  const [successor, setSuccessor] = useState(pkg.successor ?? '');
  return (
    <form
      class="form form-wide"
      aria-labelledby="lifecycle-title"
      onSubmit={async (event) => {
        event.preventDefault();
        setSaved(false);
        const input = { status, deprecationMessage: message.trim(), successor: successor.trim() };
        if (await action.run(UpdatePackageMutation, { name: pkg.name, input }, (d) => d.updatePackage?.errors)) {
          setSaved(true);
          onSaved();
        }
      }}
    >
      <h2 id="lifecycle-title">Lifecycle</h2>
      <fieldset class="field">
        <legend>Status</legend>
        {LIFECYCLES.map((s) => (
          <label key={s} class="choice">
            <input type="radio" name="lifecycle" value={s} checked={status === s} onChange={() => setStatus(s)} />
            <span>
              <strong>{titleCase(s)}</strong>{' '}
              <span class="muted">
                {s === 'ACTIVE' ? '(normal)' : s === 'DEPRECATED' ? '(installable; resolving it warns)' : '(read-only: no new versions or changes)'}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <TextField id="deprecation-message" label="Deprecation message" value={message} onInput={setMessage} maxLength={1000} hint="Shown on the package page and when it is resolved." />
      <TextField id="deprecation-successor" label="Successor package" value={successor} onInput={setSuccessor} maxLength={64} />
      <ActionErrors errors={action.errors} />
      {saved && (
        <p class="success" role="status">
          Saved.
        </p>
      )}
      <button type="submit" class="button button-primary" disabled={action.busy}>
        {action.busy ? 'Saving…' : 'Save lifecycle'}
      </button>
    </form>
  );
}

export function ManagePackagePage({ name }: { name: string }) {
  const result = useLiveQuery(ManagePackageQuery, { name });
  const viewer = useViewer();
  const pkg = result.data?.package;
  usePageTitle(pkg ? `Manage ${pkg.displayName || pkg.name}` : name);
  if (result.status === 'loading') return <Loading />;
  if (result.status === 'error') return <ErrorMessage error={result.error} retry={result.reload} />;
  if (!pkg) return <NotFoundPage what="package" />;
  const encoded = encodeURIComponent(pkg.name);
  const me = viewer.status === 'signed-in' ? viewer.viewer : null;
  // Members of its publisher and admins manage a package (the server decides; this only
  // spares others a page of forms they cannot use).
  if (me && !me.isAdmin && me.publisher?.id !== pkg.publisher.id) {
    return (
      <section class="narrow">
        <h1>{pkg.displayName || pkg.name}</h1>
        <Notice kind="warning">
          <p>
            Only members of {pkg.publisher.displayName || pkg.publisher.name} manage this package. <a href={`/packages/${encoded}`}>See its page</a>.
          </p>
        </Notice>
      </section>
    );
  }
  return (
    <article>
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <div class="page-head">
        <h1>
          {pkg.displayName || pkg.name} <span class="version">{pkg.latestVersion}</span>
        </h1>
        <span class="row-actions">
          <a class="button button-primary" href={`/my/packages/${encoded}/publish`}>
            Publish a version
          </a>
          <a class="button" href={`/packages/${encoded}`}>
            Public page
          </a>
        </span>
      </div>
      <p class="muted">
        <code>{pkg.name}</code> · {titleCase(pkg.packageType)} · {titleCase(pkg.visibility)} · {titleCase(pkg.status)} · by {pkg.publisher.displayName || pkg.publisher.name}
      </p>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {pkg.versions.length === 0 ? (
          <p class="empty">
            No versions yet. <a href={`/my/packages/${encoded}/publish`}>Publish the first one</a>.
          </p>
        ) : (
          <ul class="version-list" aria-label={`Versions of ${pkg.name}`}>
            {pkg.versions.map((v) => (
              <VersionRow key={readFragment(AuthorVersionFields, v).id} name={pkg.name} data={v} onChange={result.reload} />
            ))}
          </ul>
        )}
      </section>
      <div class="manage-forms">
        <DetailsForm key={`details-${pkg.id}`} pkg={pkg} categories={result.data.categories} onSaved={result.reload} />
        <LifecycleForm key={`lifecycle-${pkg.id}`} pkg={pkg} onSaved={result.reload} />
        <TransferForm key={`transfer-${pkg.id}`} pkg={pkg.name} publisher={pkg.publisher.displayName || pkg.publisher.name} />
      </div>
    </article>
  );
}

export default ManagePackagePage;

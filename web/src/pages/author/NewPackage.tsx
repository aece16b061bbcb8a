// /my/packages/new: create a package owned by the author's publisher.
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { ActionErrors, useAction } from '../../components/Action';
import { ErrorMessage, Loading } from '../../components/Status';
import { ACCOUNT_LINKS, SubNav } from '../../components/SubNav';
import { usePageTitle } from '../../components/usePageTitle';
import { titleCase } from '../../format';
import { AuthorCategoriesQuery, CreatePackageMutation } from '../../graphql/operations/author';
import type { VariablesOf } from '../../graphql/tada';
import { useQuery } from '../../graphql/useQuery';
import { CategoriesField, splitKeywords, TextField, VisibilityField, type VisibilityValue } from './PackageFields';

type PackageTypeValue = VariablesOf<typeof CreatePackageMutation>['input']['packageType'];
const TYPES: NonNullable<PackageTypeValue>[] = ['MOD', 'LIBRARY', 'THEME', 'PLUGIN', 'WIDGET', 'FEATURE'];

export function NewPackagePage() {
  usePageTitle('Create a package');
  const location = useLocation();
  const categories = useQuery(AuthorCategoriesQuery, {});
  const action = useAction();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [packageType, setPackageType] = useState<NonNullable<PackageTypeValue>>('MOD');
  const [visibility, setVisibility] = useState<VisibilityValue>('PUBLIC');
  const [description, setDescription] = useState('');
  const [keywords, setKeywords] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [homepage, setHomepage] = useState('');
  const [repository, setRepository] = useState('');
  const [license, setLicense] = useState('');
  return (
    <section aria-labelledby="new-package-title">
      <SubNav label="My account" links={ACCOUNT_LINKS} />
      <h1 id="new-package-title">Create a package</h1>
      <form
        class="form form-wide"
        onSubmit={async (event) => {
          event.preventDefault();
          const data = await action.run(
            CreatePackageMutation,
            {
              input: {
                name: name.trim(),
                displayName: displayName.trim() || null,
                packageType,
                visibility,
                description: description.trim() || null,
                keywords: splitKeywords(keywords),
                categories: selected,
                homepage: homepage.trim() || null,
                repository: repository.trim() || null,
                license: license.trim() || null,
              },
            },
            (d) => d.createPackage?.errors,
          );
          const created = data?.createPackage?.package;
          if (created) location.route(`/my/packages/${encodeURIComponent(created.name)}`);
        }}
      >
        <TextField id="pkg-name" label="Name" value={name} onInput={setName} required maxLength={64} hint="Letters, digits, - and _; the install name (tb -c CloudM ModManager install NAME)." />
        <TextField id="pkg-display-name" label="Display name" value={displayName} onInput={setDisplayName} maxLength={128} />
        <div class="field">
          <label for="pkg-type">Type</label>
          <select id="pkg-type" value={packageType} onChange={(e) => setPackageType(e.currentTarget.value as NonNullable<PackageTypeValue>)}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {titleCase(t)}
              </option>
            ))}
          </select>
        </div>
        <VisibilityField name="pkg-visibility" value={visibility} onChange={setVisibility} />
        <TextField id="pkg-description" label="Description" value={description} onInput={setDescription} maxLength={1000} multiline />
        <TextField id="pkg-keywords" label="Keywords" value={keywords} onInput={setKeywords} hint="Separated by commas or spaces." />
        {categories.status === 'loading' && <Loading label="Loading categories" />}
        {categories.status === 'error' && <ErrorMessage error={categories.error} retry={categories.reload} />}
        {categories.status === 'done' && <CategoriesField categories={categories.data.categories} selected={selected} onChange={setSelected} />}
        <TextField id="pkg-homepage" label="Homepage" type="url" value={homepage} onInput={setHomepage} />
        <TextField id="pkg-repository" label="Repository" type="url" value={repository} onInput={setRepository} />
        <TextField id="pkg-license" label="Licence (SPDX)" value={license} onInput={setLicense} maxLength={100} />
        <ActionErrors errors={action.errors} />
        <button type="submit" class="button button-primary" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create package'}
        </button>
      </form>
    </section>
  );
}

export default NewPackagePage;

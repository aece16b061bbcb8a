import { useLocation } from 'preact-iso';
import { PackageList } from '../components/PackageCard';
import { ErrorMessage, Loading } from '../components/Status';
import { useMediaQuery } from '../components/useMediaQuery';
import { usePageTitle } from '../components/usePageTitle';
import { formatCount, formatQuantity, titleCase } from '../format';
import { SearchQuery } from '../graphql/operations/catalog';
import type { VariablesOf } from '../graphql/tada';
import { useQuery } from '../graphql/useQuery';
import { navigate } from '../navigation';

type Variables = VariablesOf<typeof SearchQuery>;
type Filter = NonNullable<Variables['filter']>;
type Sort = Variables['sort'];

const PAGE_SIZE = 20;
const MAX_PAGES_BACK = 50;
const SORTS: { value: Sort; label: string }[] = [
  { value: 'RELEVANCE', label: 'Best match' },
  { value: 'DOWNLOADS', label: 'Most downloaded' },
  { value: 'UPDATED', label: 'Recently updated' },
  { value: 'CREATED', label: 'Newest' },
  { value: 'NAME', label: 'Name' },
];
const PACKAGE_TYPES = ['MOD', 'LIBRARY', 'THEME', 'PLUGIN', 'ARTIFACT', 'WIDGET', 'FEATURE'] as const;

/** Facet name (as the server counts it) -> URL parameter, label and filter field. */
const FACETS: Record<string, { param: string; label: string }> = {
  type: { param: 'type', label: 'Type' },
  category: { param: 'category', label: 'Category' },
  toolbox: { param: 'toolbox', label: 'ToolBoxV2 version' },
  platform: { param: 'platform', label: 'Platform' },
  architecture: { param: 'architecture', label: 'Architecture' },
  verified: { param: 'verified', label: 'Publisher' },
};
const FILTER_PARAMS = ['type', 'category', 'toolbox', 'platform', 'architecture', 'verified'];

function filterFrom(query: Record<string, string>): Filter {
  const filter: Filter = {};
  const type = query.type?.toUpperCase();
  if (type && (PACKAGE_TYPES as readonly string[]).includes(type)) filter.type = type as Filter['type'];
  if (query.category) filter.category = query.category;
  if (query.toolbox) filter.toolboxVersion = query.toolbox;
  if (query.platform) filter.platform = query.platform;
  if (query.architecture) filter.architecture = query.architecture;
  if (query.verified === 'true' || query.verified === 'false') filter.verified = query.verified === 'true';
  return filter;
}

function sortFrom(value: string | undefined): Sort {
  return SORTS.find((s) => s.value === value)?.value ?? 'RELEVANCE';
}

/** The search URL with `changes` applied (undefined removes a parameter); any change but the
 * page cursor starts again at page 1. */
function searchUrl(query: Record<string, string>, changes: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  const next: Record<string, string | undefined> = { ...query, ...changes };
  if (!('after' in changes)) delete next.after;
  for (const [key, value] of Object.entries(next)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `/search?${text}` : '/search';
}

function facetValueLabel(facet: string, value: string, categories: Map<string, string>): string {
  if (facet === 'type') return titleCase(value);
  if (facet === 'category') return categories.get(value) ?? value;
  if (facet === 'verified') return value === 'true' ? 'Verified' : 'Not verified';
  return value;
}

export function SearchPage() {
  const { query } = useLocation();
  const q = (query.q ?? '').slice(0, 200);
  const sort = sortFrom(query.sort);
  const filter = filterFrom(query);
  // `after` holds the cursors of every page before this one, so Previous needs no request.
  const cursors = (query.after ?? '').split('.').filter(Boolean).slice(-MAX_PAGES_BACK);
  const page = cursors.length + 1;
  usePageTitle(q ? `Search: ${q}` : 'Browse packages');
  const result = useQuery(SearchQuery, {
    search: q || null,
    filter,
    sort,
    first: PAGE_SIZE,
    after: cursors[cursors.length - 1] ?? null,
  });
  const categories = new Map((result.data?.categories ?? []).map((c) => [c.slug, c.title]));
  const connection = result.data?.packages;
  const activeFilters = FILTER_PARAMS.filter((param) => query[param]);
  const wide = useMediaQuery('(min-width: 900px)');

  return (
    <div class="search-page">
      <h1>{q ? `Results for “${q}”` : 'Browse packages'}</h1>
      <div class="search-layout">
        <aside class="facets" aria-label="Filters">
          <details class="facets-toggle" open={wide}>
            <summary>
              Filters{activeFilters.length > 0 && ` (${activeFilters.length} active)`}
            </summary>
            {activeFilters.length > 0 && (
              <p>
                <a href={searchUrl({ q, sort: query.sort ?? '' }, {})}>Clear all filters</a>
              </p>
            )}
            <div class="facet-groups">
              {connection?.facets.map((facet) => {
                const meta = FACETS[facet.facet];
                if (!meta || !facet.values.length) return null;
                const selected = query[meta.param];
                return (
                  <section key={facet.facet} class="facet" aria-labelledby={`facet-${facet.facet}`}>
                    <h2 id={`facet-${facet.facet}`}>{meta.label}</h2>
                    <ul>
                      {facet.values.map((value) => {
                        const active = selected?.toLowerCase() === value.value.toLowerCase();
                        return (
                          <li key={value.value}>
                            <a
                              href={searchUrl(query, { [meta.param]: active ? undefined : value.value })}
                              aria-current={active ? 'true' : undefined}
                              class={active ? 'facet-value active' : 'facet-value'}
                            >
                              <span>{facetValueLabel(facet.facet, value.value, categories)}</span>
                              <span class="count">{formatCount(value.count)}</span>
                            </a>
                          </li>
                        );
                      })}
                    </ul>
                  </section>
                );
              })}
            </div>
          </details>
        </aside>
        <section class="results" aria-labelledby="results-heading">
          <div class="results-bar">
            <h2 id="results-heading" aria-live="polite">
              {connection ? formatQuantity(connection.totalCount, 'package', formatCount) : 'Packages'}
              {page > 1 && `, page ${page}`}
            </h2>
            <label class="sort">
              Sort by{' '}
              <select
                value={sort}
                onChange={(event) => {
                  const url = searchUrl(query, { sort: event.currentTarget.value === 'RELEVANCE' ? undefined : event.currentTarget.value });
                  navigate(url);
                }}
              >
                {SORTS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {result.status === 'loading' && <Loading label="Searching" />}
          {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
          {connection && (
            <>
              {connection.edges.length ? (
                <PackageList items={connection.edges} label="Search results" />
              ) : (
                <p class="empty">No package matches. Try fewer words or clear a filter.</p>
              )}
              <nav class="pagination" aria-label="Pages">
                {page > 1 && (
                  <a class="button" rel="prev" href={searchUrl(query, { after: cursors.slice(0, -1).join('.') || undefined })}>
                    Previous page
                  </a>
                )}
                {connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
                  <a class="button" rel="next" href={searchUrl(query, { after: [...cursors, connection.pageInfo.endCursor].join('.') })}>
                    Next page
                  </a>
                )}
              </nav>
            </>
          )}
        </section>
      </div>
    </div>
  );
}

export default SearchPage;

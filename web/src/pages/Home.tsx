import { PackageList } from '../components/PackageCard';
import { SearchBox } from '../components/SearchBox';
import { ErrorMessage, Loading } from '../components/Status';
import { usePageTitle } from '../components/usePageTitle';
import { formatCount, formatQuantity } from '../format';
import { HomeQuery } from '../graphql/operations/catalog';
import { useQuery } from '../graphql/useQuery';

export function HomePage() {
  usePageTitle('');
  const result = useQuery(HomeQuery, {});
  return (
    <>
      <section class="hero" aria-labelledby="home-title">
        <h1 id="home-title">Mods, libraries and apps for ToolBoxV2</h1>
        <SearchBox id="home-search" large />
        {result.data && <p class="hero-count">{formatQuantity(result.data.popular.totalCount, 'package', formatCount)}</p>}
      </section>
      {result.status === 'loading' && <Loading />}
      {result.status === 'error' && <ErrorMessage error={result.error} retry={result.reload} />}
      {result.data && (
        <div class="home-grid">
          <section aria-labelledby="home-categories" class="home-categories">
            <h2 id="home-categories">Categories</h2>
            <ul class="category-list">
              {result.data.categories.map((category) => (
                <li key={category.slug}>
                  <a href={`/search?category=${encodeURIComponent(category.slug)}`} title={category.description}>
                    {category.title}
                    <span class="count">{formatCount(category.packageCount)}</span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="home-popular">
            <h2 id="home-popular">Popular</h2>
            <PackageList items={result.data.popular.edges} label="Popular packages" />
            <a href="/search?sort=DOWNLOADS">All by downloads</a>
          </section>
          <section aria-labelledby="home-new">
            <h2 id="home-new">New</h2>
            <PackageList items={result.data.newest.edges} label="New packages" />
            <a href="/search?sort=CREATED">All by creation date</a>
          </section>
          <section aria-labelledby="home-updated">
            <h2 id="home-updated">Recently updated</h2>
            <PackageList items={result.data.updated.edges} label="Recently updated packages" />
            <a href="/search?sort=UPDATED">All by last update</a>
          </section>
        </div>
      )}
    </>
  );
}

export default HomePage;

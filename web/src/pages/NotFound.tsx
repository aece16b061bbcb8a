import { usePageTitle } from '../components/usePageTitle';

/** One page for every "nothing here": unknown URLs, packages and publishers, and private
 * packages of others, which must look exactly like missing ones. */
export function NotFoundPage({ what = 'page' }: { what?: string }) {
  usePageTitle('Not found');
  return (
    <section class="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p>
        There is no {what} at this address, or you may not see it. Check the spelling, or sign in
        if it belongs to you.
      </p>
      <p>
        <a class="button button-primary" href="/search">
          Browse packages
        </a>{' '}
        <a class="button" href="/">
          Home
        </a>
      </p>
    </section>
  );
}

export default NotFoundPage;

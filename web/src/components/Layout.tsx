import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { signInUrl, signOut, useViewer } from '../auth';
import { AccountLinks } from './AccountLinks';
import { SearchBox } from './SearchBox';

function ViewerMenu() {
  const viewer = useViewer();
  const location = useLocation();
  if (viewer.status === 'loading') return <span class="viewer">Signing in…</span>;
  if (viewer.status === 'anonymous') {
    if (location.path === '/signin') return null;
    return (
      <a class="button" href={signInUrl(location.url)}>
        Sign in
      </a>
    );
  }
  const me = viewer.viewer;
  return (
    <div class="viewer">
      <span class="viewer-name">
        Signed in as <strong>{me.username || me.userId}</strong>
        {me.isAdmin && <span class="tag">admin</span>}
      </span>
      <button
        type="button"
        class="button"
        onClick={() => {
          signOut();
          location.route('/');
        }}
      >
        Sign out
      </button>
    </div>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const location = useLocation();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="site-header-inner">
          <a class="site-title" href="/">
            TB Registry
          </a>
          {location.path !== '/' && <SearchBox id="header-search" />}
          <nav aria-label="Main" class="site-nav">
            <a href="/search">Browse</a>
            <AccountLinks />
          </nav>
          <ViewerMenu />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <p>
          TB Registry · <a href="/graphql">GraphQL API</a> · <a href="/THIRD_PARTY_LICENSES.txt">Third-party licences</a>
        </p>
      </footer>
    </>
  );
}

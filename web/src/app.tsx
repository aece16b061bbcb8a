import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useRef } from 'preact/hooks';
import { signInUrl, useViewer } from './auth';
import { Layout } from './components/Layout';
import { Loading } from './components/Status';
import { NotFoundPage } from './pages/NotFound';
import { routes, type AppRoute } from './routes';

/** Sends anonymous visitors of a signed-in page to sign-in (with the way back). */
function Guarded({ route, ...props }: { route: AppRoute } & Record<string, unknown>) {
  const viewer = useViewer();
  const location = useLocation();
  const needsSignIn = (route.requiresSignIn || route.requiresAdmin) && viewer.status === 'anonymous';
  useEffect(() => {
    if (needsSignIn) location.route(signInUrl(location.url), true);
  }, [needsSignIn, location.url]);
  if (route.requiresSignIn || route.requiresAdmin) {
    if (viewer.status !== 'signed-in') return <Loading />;
    if (route.requiresAdmin && !viewer.viewer.isAdmin) return <NotFoundPage />;
  }
  const Component = route.component;
  return <Component {...props} />;
}

/** Moves focus to the page's main content after a client-side navigation (screen readers and
 * keyboard users start at the new page, as after a full load). */
function FocusOnNavigate() {
  const { url } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // a full page load: the browser starts at the top already
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [url]);
  return null;
}

// Built once: a component made during render would be a new type each time and remount the page.
const pages = routes.map((route) => ({
  path: route.path,
  component: (props: Record<string, unknown>) => <Guarded route={route} {...props} />,
}));

export function App() {
  return (
    <LocationProvider>
      <FocusOnNavigate />
      <Layout>
        <ErrorBoundary>
          <Router>
            {[
              ...pages.map((page) => <Route key={page.path} path={page.path} component={page.component} />),
              <Route key="not-found" default component={NotFoundPage} />,
            ]}
          </Router>
        </ErrorBoundary>
      </Layout>
    </LocationProvider>
  );
}

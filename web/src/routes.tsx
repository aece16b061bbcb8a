// The route table: every page of the UI and its URL. A page's state lives in its URL (path and
// query string), so a URL restores the page and Back works. Pages for signed-in authors and
// admins should be added here with lazy(() => import('./pages/...')) so that players never
// download them.
import type { AnyComponent } from 'preact';
import { HomePage } from './pages/Home';
import { PackagePage } from './pages/Package';
import { PublisherPage } from './pages/Publisher';
import { SearchPage } from './pages/Search';
import { SignInPage } from './pages/SignIn';
import { adminRoutes } from './pages/admin/routes';
import { authorRoutes } from './pages/author/routes';

export interface AppRoute {
  path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  component: AnyComponent<any>;
  /** Only for signed-in users: anonymous visitors are sent to sign-in and come back. */
  requiresSignIn?: boolean;
  /** Only for admins (implies requiresSignIn). */
  requiresAdmin?: boolean;
}

export const routes: AppRoute[] = [
  { path: '/', component: HomePage },
  { path: '/search', component: SearchPage },
  { path: '/packages/:name', component: PackagePage },
  { path: '/publishers/:name', component: PublisherPage },
  { path: '/signin', component: SignInPage },
  ...authorRoutes,
  ...adminRoutes,
];

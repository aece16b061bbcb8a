// The signed-in authors' pages (loaded on first visit, so players never download them).
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes';

export const authorRoutes: AppRoute[] = [
  { path: '/my/packages', component: lazy(() => import('./MyPackages')), requiresSignIn: true },
  { path: '/my/packages/new', component: lazy(() => import('./NewPackage')), requiresSignIn: true },
  { path: '/my/packages/:name', component: lazy(() => import('./ManagePackage')), requiresSignIn: true },
  { path: '/my/packages/:name/publish', component: lazy(() => import('./Publish')), requiresSignIn: true },
  { path: '/my/tokens', component: lazy(() => import('./Tokens')), requiresSignIn: true },
  { path: '/my/publisher', component: lazy(() => import('./MyPublisher')), requiresSignIn: true },
];

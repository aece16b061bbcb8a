// The admins' pages: shown to admins only (others get the not-found page); the server refuses
// their operations to anyone else anyway.
import { lazy } from 'preact-iso';
import type { AppRoute } from '../../routes';

export const adminRoutes: AppRoute[] = [
  { path: '/admin', component: lazy(() => import('./Quarantine')), requiresAdmin: true },
  { path: '/admin/quarantine', component: lazy(() => import('./Quarantine')), requiresAdmin: true },
  { path: '/admin/reports', component: lazy(() => import('./Reports')), requiresAdmin: true },
  { path: '/admin/verifications', component: lazy(() => import('./Verifications')), requiresAdmin: true },
  { path: '/admin/audit', component: lazy(() => import('./AuditLog')), requiresAdmin: true },
  { path: '/admin/storage', component: lazy(() => import('./Storage')), requiresAdmin: true },
];

// The tabs of the signed-in areas (authors' "My account" and the admins' pages): plain links,
// the current one marked with aria-current.
import { useLocation } from 'preact-iso';

export interface SubNavLink {
  href: string;
  label: string;
}

export const ACCOUNT_LINKS: SubNavLink[] = [
  { href: '/my/packages', label: 'My packages' },
  { href: '/my/publisher', label: 'Publisher' },
  { href: '/my/tokens', label: 'API tokens' },
];

export const ADMIN_LINKS: SubNavLink[] = [
  { href: '/admin/quarantine', label: 'Quarantine' },
  { href: '/admin/reports', label: 'Reports' },
  { href: '/admin/verifications', label: 'Verifications' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/storage', label: 'Storage' },
];

export function SubNav({ label, links }: { label: string; links: SubNavLink[] }) {
  const { path } = useLocation();
  return (
    <nav class="sub-nav" aria-label={label}>
      <ul>
        {links.map((link) => {
          const current = path === link.href || path.startsWith(`${link.href}/`);
          return (
            <li key={link.href}>
              <a href={link.href} aria-current={current ? 'page' : undefined}>
                {link.label}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

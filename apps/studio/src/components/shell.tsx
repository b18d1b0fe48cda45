import { Suspense, useEffect, type ReactNode } from 'react';
import { Link, matchPath, navigate, usePath } from '../router';

export interface NavItem {
  href: string;
  label: string;
}
export interface PageRoute {
  pattern: string;
  page: (params: Record<string, string>) => ReactNode;
}

/**
 * The signed-in frame: the sidebar with its navigation and Sign out, and the page of the current path (`routes`,
 * most specific first). `/` goes to `home`, the first page of the role.
 */
export function Shell({ nav, routes, home, onSignOut }: { nav: readonly NavItem[]; routes: readonly PageRoute[]; home: NavItem; onSignOut: () => void }) {
  const path = usePath();
  useEffect(() => {
    if (path === '/' || path === '') navigate(home.href, { replace: true });
  }, [path, home.href]);
  const route = routes.map((r) => ({ r, params: matchPath(r.pattern, path) })).find((m) => m.params);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand" aria-hidden="true">
          <span className="brand-mark" /> Callplane
        </div>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => {
              const current = path === n.href || path.startsWith(`${n.href}/`);
              return (
                <li key={n.href}>
                  <Link href={n.href} aria-current={current ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <button type="button" className="button ghost sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </aside>
      <main id="main" className="main">
        <Suspense fallback={<Loading />}>{route ? route.r.page(route.params!) : path === '/' ? null : <NotFound home={home} />}</Suspense>
      </main>
    </div>
  );
}

export function Loading() {
  return (
    <p role="status" className="muted">
      Loading…
    </p>
  );
}

function NotFound({ home }: { home: NavItem }) {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link href={home.href}>Go to {home.label}</Link>
      </p>
    </section>
  );
}

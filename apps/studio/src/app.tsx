import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { apiKeyStore } from './api/api-key';
import { SIGNED_OUT_EVENT } from './api/api-client';
import { Link, matchPath, navigate, usePath } from './router';
import { SignInPage } from './pages/sign-in.page';
import { AgentsPage } from './pages/agents/agents.page';
import { AgentPage } from './pages/agents/agent.page';
import { PhoneNumbersPage } from './pages/phone-numbers/phone-numbers.page';
import { CampaignsPage } from './pages/campaigns/campaigns.page';
import { CampaignPage } from './pages/campaigns/campaign.page';
import { SessionsPage } from './pages/sessions/sessions.page';
import { SessionPage } from './pages/sessions/session.page';
import { LeadsPage } from './pages/leads.page';
import { SettingsPage } from './pages/settings.page';

const NAV = [
  { href: '/agents', label: 'Agents' },
  { href: '/phone-numbers', label: 'Phone Numbers' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/sessions', label: 'Sessions' },
  { href: '/leads', label: 'Leads' },
  { href: '/settings', label: 'Settings' },
] as const;

/** Pages by path, most specific first. */
const ROUTES: Array<{ pattern: string; page: (params: Record<string, string>) => React.ReactNode }> = [
  { pattern: '/agents/:id', page: (p) => <AgentPage id={p.id!} /> },
  { pattern: '/agents', page: () => <AgentsPage /> },
  { pattern: '/phone-numbers', page: () => <PhoneNumbersPage /> },
  { pattern: '/campaigns/:id', page: (p) => <CampaignPage id={p.id!} /> },
  { pattern: '/campaigns', page: () => <CampaignsPage /> },
  { pattern: '/sessions/:id', page: (p) => <SessionPage id={p.id!} /> },
  { pattern: '/sessions', page: () => <SessionsPage /> },
  { pattern: '/leads', page: () => <LeadsPage /> },
  { pattern: '/settings', page: () => <SettingsPage /> },
];

export function App() {
  const [signedIn, setSignedIn] = useState(() => !!apiKeyStore.get());
  const client = useQueryClient();
  useEffect(() => {
    const out = () => {
      client.clear();
      setSignedIn(false);
    };
    window.addEventListener(SIGNED_OUT_EVENT, out);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, out);
  }, [client]);

  if (!signedIn) return <SignInPage onSignedIn={() => setSignedIn(true)} />;
  return <Shell onSignOut={() => (apiKeyStore.clear(), client.clear(), setSignedIn(false))} />;
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  useEffect(() => {
    if (path === '/' || path === '') navigate('/agents', { replace: true });
  }, [path]);
  const route = ROUTES.map((r) => ({ r, params: matchPath(r.pattern, path) })).find((m) => m.params);
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
            {NAV.map((n) => {
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
        {route ? route.r.page(route.params!) : path === '/' ? null : <NotFound />}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link href="/agents">Go to Agents</Link>
      </p>
    </section>
  );
}

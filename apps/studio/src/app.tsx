import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { apiKeyStore, type Role } from './api/api-key';
import { SIGNED_OUT_EVENT } from './api/api-client';
import { Loading, Shell, type PageRoute } from './components/shell';
import { navigate } from './router';
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

/** The operator pages are their own chunk: a customer's browser never loads them. */
const OperatorApp = lazy(() => import('./pages/operator/operator-app'));

const NAV = [
  { href: '/agents', label: 'Agents' },
  { href: '/phone-numbers', label: 'Phone Numbers' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/sessions', label: 'Sessions' },
  { href: '/leads', label: 'Leads' },
  { href: '/settings', label: 'Settings' },
] as const;

/** Pages by path, most specific first. */
const ROUTES: PageRoute[] = [
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
  const [role, setRole] = useState<Role | null>(() => (apiKeyStore.get() ? apiKeyStore.role() : null));
  const client = useQueryClient();
  useEffect(() => {
    const out = () => {
      client.clear();
      setRole(null);
    };
    window.addEventListener(SIGNED_OUT_EVENT, out);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, out);
  }, [client]);

  if (!role) return <SignInPage onSignedIn={setRole} />;
  // Whoever signs in next starts on their own first page, not on the last one's (an operator is not a tenant).
  const signOut = () => (apiKeyStore.clear(), client.clear(), navigate('/', { replace: true }), setRole(null));
  if (role === 'operator') {
    return (
      <Suspense fallback={<Loading />}>
        <OperatorApp onSignOut={signOut} />
      </Suspense>
    );
  }
  return <Shell nav={NAV} routes={ROUTES} home={NAV[0]} onSignOut={signOut} />;
}

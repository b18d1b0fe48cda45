import { Shell, type PageRoute } from '../../components/shell';
import { PricingPage } from './pricing.page';
import { TenantPage } from './tenant.page';
import { TenantsPage } from './tenants.page';
import { TrialPoolPage } from './trial-pool.page';

/** The operator's pages, shown to whoever signs in with the operator token (ADMIN_TOKEN). */
const NAV = [
  { href: '/tenants', label: 'Tenants' },
  { href: '/trial-pool', label: 'Trial pool' },
  { href: '/pricing', label: 'Pricing' },
] as const;

const ROUTES: PageRoute[] = [
  { pattern: '/tenants/:id', page: (p) => <TenantPage id={p.id!} /> },
  { pattern: '/tenants', page: () => <TenantsPage /> },
  { pattern: '/trial-pool', page: () => <TrialPoolPage /> },
  { pattern: '/pricing', page: () => <PricingPage /> },
];

export default function OperatorApp({ onSignOut }: { onSignOut: () => void }) {
  return <Shell nav={NAV} routes={ROUTES} home={NAV[0]} onSignOut={onSignOut} />;
}

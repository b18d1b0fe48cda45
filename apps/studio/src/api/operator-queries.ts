import { useQuery } from '@tanstack/react-query';
import type { PriceTableVersionDto, TenantListItemDto, TrialNumberDto, UserDto } from '@callplane/contracts';
import { api } from './api-client';
import type { List } from './queries';

/** The operator API's queries (`/admin/*`, with the operator token); mutations invalidate by these keys. */
export const operatorKeys = {
  tenants: ['admin', 'tenants'] as const,
  users: (tenantId: string) => ['admin', 'tenants', tenantId, 'users'] as const,
  trialPool: ['admin', 'trial-pool'] as const,
  pricing: ['admin', 'pricing'] as const,
};

export const tenantPath = (id: string) => `/admin/tenants/${encodeURIComponent(id)}`;

export const useTenants = () => useQuery({ queryKey: operatorKeys.tenants, queryFn: () => api<List<TenantListItemDto>>('GET', '/admin/tenants?limit=200') });
export const useTenantUsers = (tenantId: string) =>
  useQuery({ queryKey: operatorKeys.users(tenantId), queryFn: () => api<List<UserDto>>('GET', `${tenantPath(tenantId)}/users?limit=200`) });
/** In-use numbers change as test calls start and end. */
export const useTrialPool = () => useQuery({ queryKey: operatorKeys.trialPool, queryFn: () => api<{ data: TrialNumberDto[] }>('GET', '/admin/trial-pool'), refetchInterval: 5_000 });
export const usePricing = () => useQuery({ queryKey: operatorKeys.pricing, queryFn: () => api<PriceTableVersionDto>('GET', '/admin/pricing') });

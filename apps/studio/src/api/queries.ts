import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AgentDto,
  AnalyticsSummaryDto,
  CampaignContactDto,
  CampaignDto,
  ContactState,
  LeadDto,
  PhoneNumberDto,
  RecentNumbers,
  SessionDto,
  TestCallQuota,
  TestCallStatus,
  WebhookSecretBody,
} from '@callplane/contracts';
import { api, query } from './api-client';

export interface List<T> {
  data: T[];
  next_cursor: string | null;
}

/** Query keys, one place: mutations invalidate by these prefixes. */
export const keys = {
  agents: ['agents'] as const,
  agent: (id: string) => ['agents', id] as const,
  numbers: ['phone-numbers'] as const,
  number: (id: string) => ['phone-numbers', id] as const,
  sessions: (filters: Record<string, string | undefined>) => ['sessions', filters] as const,
  session: (id: string) => ['session', id] as const,
  summary: ['summary'] as const,
  leads: ['leads'] as const,
  campaigns: ['campaigns'] as const,
  campaign: (id: string) => ['campaigns', id] as const,
  contacts: (id: string) => ['campaign-contacts', id] as const,
  webhookSecret: ['webhook-secret'] as const,
  quota: ['studio-quota'] as const,
  recent: ['studio-recent'] as const,
  testCall: (id: string) => ['test-call', id] as const,
};

export const useAgents = () => useQuery({ queryKey: keys.agents, queryFn: () => api<List<AgentDto>>('GET', '/voice/agents?limit=200') });
export const useAgent = (id: string) => useQuery({ queryKey: keys.agent(id), queryFn: () => api<AgentDto>('GET', `/voice/agents/${encodeURIComponent(id)}`) });
export const usePhoneNumbers = () =>
  useQuery({ queryKey: keys.numbers, queryFn: () => api<List<PhoneNumberDto>>('GET', '/voice/phone-numbers?limit=200'), refetchInterval: 15_000 });
/** One number as `GET` shows it: only this answer carries `delete_warning`. */
export const usePhoneNumber = (id: string, enabled = true) =>
  useQuery({ queryKey: keys.number(id), queryFn: () => api<PhoneNumberDto>('GET', `/voice/phone-numbers/${encodeURIComponent(id)}`), enabled });
export const useSessions = (filters: Record<string, string | undefined>) =>
  useQuery({ queryKey: keys.sessions(filters), queryFn: () => api<List<SessionDto>>('GET', `/voice/sessions${query({ limit: '100', ...filters })}`), refetchInterval: 5_000 });
export const useSession = (id: string) =>
  useQuery({
    queryKey: keys.session(id),
    queryFn: () => api<SessionDto>('GET', `/voice/sessions/${encodeURIComponent(id)}`),
    // A call in progress keeps growing its transcript; an ended one is final.
    refetchInterval: (q) => (q.state.data?.ended_at ? false : 2_000),
  });
export const useSummary = (range: { since?: string; until?: string }) =>
  useQuery({ queryKey: [...keys.summary, range], queryFn: () => api<AnalyticsSummaryDto>('GET', `/voice/analytics/summary${query(range)}`), refetchInterval: 10_000 });
export const useLeads = () => useQuery({ queryKey: keys.leads, queryFn: () => api<List<LeadDto>>('GET', '/voice/leads?limit=200') });
export const useCampaigns = () =>
  useQuery({ queryKey: keys.campaigns, queryFn: () => api<List<CampaignDto>>('GET', '/voice/campaigns?limit=200'), refetchInterval: 3_000 });
/** One campaign; its counts are polled while it can still change. */
export const useCampaign = (id: string) =>
  useQuery({
    queryKey: keys.campaign(id),
    queryFn: () => api<CampaignDto>('GET', `/voice/campaigns/${encodeURIComponent(id)}`),
    refetchInterval: (q) => (q.state.data && isOver(q.state.data) ? false : 2_000),
  });
/** A page of a campaign's contacts (`state` filters), polled like the campaign itself while `live`. */
export const useCampaignContacts = (id: string, f: { state?: ContactState; cursor?: string; live: boolean }) =>
  useQuery({
    queryKey: [...keys.contacts(id), f.state ?? '', f.cursor ?? ''],
    queryFn: () => api<List<CampaignContactDto>>('GET', `/voice/campaigns/${encodeURIComponent(id)}/contacts${query({ limit: '50', state: f.state, cursor: f.cursor })}`),
    refetchInterval: f.live ? 3_000 : false,
    placeholderData: (previous) => previous,
  });
/** Statuses after which a campaign changes no more (API.md: `completed` and `canceled` are final). */
const OVER: Record<CampaignDto['status'], boolean> = { draft: false, scheduled: false, running: false, paused: false, completed: true, canceled: true };
export const isOver = (c: CampaignDto): boolean => OVER[c.status];
export const useWebhookSecret = (enabled: boolean) =>
  useQuery({ queryKey: keys.webhookSecret, queryFn: () => api<WebhookSecretBody>('GET', '/voice/settings/webhooks'), enabled });
export const useQuota = () => useQuery({ queryKey: keys.quota, queryFn: () => api<TestCallQuota>('GET', '/voice/studio/quota') });
export const useRecentNumbers = () => useQuery({ queryKey: keys.recent, queryFn: () => api<RecentNumbers>('GET', '/voice/studio/recent-numbers') });
export const useTestCallStatus = (id: string | null) =>
  useQuery({
    queryKey: keys.testCall(id ?? ''),
    queryFn: () => api<TestCallStatus>('GET', `/voice/studio/test-call/${encodeURIComponent(id!)}/status`),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data?.state === 'ended' ? false : 1_000),
  });

/** A mutation that refreshes the listed queries when it succeeds. */
export function useApiMutation<I, O>(fn: (input: I) => Promise<O>, invalidate: ReadonlyArray<readonly unknown[]> = []) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await Promise.all(invalidate.map((k) => client.invalidateQueries({ queryKey: k })));
    },
  });
}

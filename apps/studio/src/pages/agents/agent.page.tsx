import type { AgentCreate, AgentDto } from '@callplane/contracts';
import * as Tabs from '@radix-ui/react-tabs';
import { lazy, Suspense, useState } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { keys, useAgent, useApiMutation } from '../../api/queries';
import { ErrorAlert } from '../../components/field';
import { Menu, PageHeader } from '../../components/menu';
import { Link, navigate } from '../../router';
import { AgentForm, agentBody, NEW_AGENT } from './agent-form';
import { DeployPhone } from './deploy-phone';
import { PhoneCallDialog } from './phone-call.dialog';

/** The Web Call panel and its audio are their own chunk, loaded when a call is started. */
const WebCallDialog = lazy(() => import('./web-call.dialog'));

export function AgentPage({ id }: { id: string }) {
  if (id === 'new') return <NewAgent />;
  return <ExistingAgent id={id} />;
}

function NewAgent() {
  const create = useApiMutation((body: AgentCreate) => api<AgentDto>('POST', '/voice/agents', body), [keys.agents]);
  return (
    <section>
      <Breadcrumb />
      <PageHeader title="New agent" />
      <AgentForm initial={NEW_AGENT} saving={create.isPending} error={create.error} onSave={(body) => create.mutate(body, { onSuccess: (a) => navigate(`/agents/${a.id}`, { replace: true }) })} />
    </section>
  );
}

function ExistingAgent({ id }: { id: string }) {
  const agent = useAgent(id);
  const [call, setCall] = useState<'phone' | 'web' | null>(null);
  const save = useApiMutation((body: AgentCreate) => api<AgentDto>('PATCH', `/voice/agents/${encodeURIComponent(id)}`, body), [keys.agents]);
  if (agent.error) return <ErrorAlert error={errorMessage(agent.error)} />;
  if (!agent.data) return <p className="muted">Loading…</p>;
  const a = agent.data;
  return (
    <section>
      <Breadcrumb />
      <PageHeader title={a.name}>
        <Menu
          label="Try Voice Call"
          primary
          items={[
            { label: 'Web Call', onSelect: () => setCall('web') },
            { label: 'Phone Call', onSelect: () => setCall('phone') },
          ]}
        />
      </PageHeader>
      <Tabs.Root defaultValue="agent" className="tabs">
        <Tabs.List className="tab-list" aria-label="Agent sections">
          <Tabs.Trigger value="agent" className="tab">
            Agent
          </Tabs.Trigger>
          <Tabs.Trigger value="deploy" className="tab">
            Deploy
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="agent" className="tab-panel">
          {save.isSuccess && !save.isPending && (
            <p role="status" className="alert success">
              Saved.
            </p>
          )}
          {/* Keyed by the saved version, so the form starts again from what the API stored. */}
          <AgentForm key={a.updated_at} initial={agentBody(a)} saving={save.isPending} error={save.error} onSave={(body) => save.mutate(body)} />
        </Tabs.Content>
        <Tabs.Content value="deploy" className="tab-panel">
          <DeployPhone agent={a} />
        </Tabs.Content>
      </Tabs.Root>
      {call === 'phone' && <PhoneCallDialog agent={a} onClose={() => setCall(null)} />}
      {call === 'web' && (
        <Suspense fallback={null}>
          <WebCallDialog agent={a} onClose={() => setCall(null)} />
        </Suspense>
      )}
    </section>
  );
}

function Breadcrumb() {
  return (
    <p className="breadcrumb">
      <Link href="/agents">← Agents</Link>
    </p>
  );
}

import type { CampaignDto } from '@callplane/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/api-client';
import { keys } from '../../api/queries';
import { Dialog } from '../../components/dialog';

type Action = 'launch' | 'pause' | 'resume' | 'cancel';
/** The actions each status allows (API.md, Campaigns); the API refuses any other with 409. */
const ACTIONS: Record<CampaignDto['status'], Action[]> = { draft: ['launch'], scheduled: ['pause', 'cancel'], running: ['pause', 'cancel'], paused: ['resume', 'cancel'], completed: [], canceled: [] };
const LABELS: Record<Action, string> = { launch: 'Launch', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

/** A status change; the answer is the campaign as it now is, shown at once. */
export function useCampaignAction(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: Action) => api<CampaignDto>('POST', `/voice/campaigns/${encodeURIComponent(id)}/${action}`),
    onSuccess: async (c) => {
      client.setQueryData(keys.campaign(id), c);
      await Promise.all([client.invalidateQueries({ queryKey: keys.campaigns, exact: true }), client.invalidateQueries({ queryKey: keys.contacts(id) })]);
    },
  });
}

/** `Launch`, `Pause`, `Resume`, `Cancel` as the status allows; `Cancel` asks first, since it cannot be undone. */
export function CampaignActions({ campaign, act }: { campaign: CampaignDto; act: ReturnType<typeof useCampaignAction> }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      {ACTIONS[campaign.status].map((a) => (
        <button
          key={a}
          type="button"
          className={`button${a === 'launch' || a === 'resume' ? ' primary' : a === 'cancel' ? ' danger-outline' : ''}`}
          disabled={act.isPending}
          onClick={() => (a === 'cancel' ? setConfirming(true) : act.mutate(a))}
        >
          {LABELS[a]}
        </button>
      ))}
      {confirming && (
        <Dialog open onOpenChange={setConfirming} title={`Cancel ${campaign.name}?`} description="Contacts not yet called become canceled; calls in progress go on. A canceled campaign cannot be resumed.">
          <div className="dialog-actions">
            <button type="button" className="button ghost" onClick={() => setConfirming(false)}>
              Keep campaign
            </button>
            <button type="button" className="button danger" disabled={act.isPending} onClick={() => act.mutate('cancel', { onSettled: () => setConfirming(false) })}>
              Cancel campaign
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

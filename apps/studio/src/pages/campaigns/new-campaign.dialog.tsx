import type { CampaignCreate, CampaignDto } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { api } from '../../api/api-client';
import { keys, useApiMutation } from '../../api/queries';
import { Dialog } from '../../components/dialog';
import { FieldIssues, FormErrors } from '../../components/field-issues';
import { navigate } from '../../router';
import { draftBody, newDraft, type CampaignDraft } from './campaign-draft';
import { CampaignFields } from './campaign-fields';

/** `New campaign`: the create body's fields; the campaign opens as a draft, ready for its contacts. */
export function NewCampaignDialog({ onClose }: { onClose: () => void }) {
  const [d, setD] = useState<CampaignDraft>(newDraft);
  const create = useApiMutation((body: CampaignCreate) => api<CampaignDto>('POST', '/voice/campaigns', body), [keys.campaigns]);
  const issues = new FieldIssues(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(draftBody(d), { onSuccess: (c) => navigate(`/campaigns/${c.id}`) });
  };
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="New campaign" description="A draft first: upload its contacts next, then launch it." wide>
      <form className="stack" onSubmit={submit} noValidate>
        <CampaignFields d={d} set={(patch) => setD((x) => ({ ...x, ...patch }))} issues={issues} />
        <FormErrors issues={issues} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create campaign'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

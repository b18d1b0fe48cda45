import type { CampaignDto } from '@callplane/contracts';
import { STATUS_LABELS, STATUS_PILLS } from './campaign-labels';

export function CampaignStatus({ status }: { status: CampaignDto['status'] }) {
  return <span className={`pill ${STATUS_PILLS[status]}`}>{STATUS_LABELS[status]}</span>;
}

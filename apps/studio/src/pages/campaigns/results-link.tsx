import type { CampaignDto } from '@callplane/contracts';
import { useState, type MouseEvent } from 'react';
import { errorMessage } from '../../api/api-client';
import { downloadFile } from '../../api/transfer';
import { ErrorAlert } from '../../components/field';

/**
 * `Results CSV`: a link to the file, which needs the bearer key, so a click downloads it through fetch and a blob
 * rather than letting the browser follow the link without the key.
 */
export function ResultsLink({ campaign }: { campaign: CampaignDto }) {
  const [error, setError] = useState<string | null>(null);
  const href = `/voice/campaigns/${encodeURIComponent(campaign.id)}/results.csv`;
  const filename = `${campaign.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || campaign.id}-results.csv`;
  const download = (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    setError(null);
    downloadFile(href, filename).catch((err: unknown) => setError(errorMessage(err)));
  };
  return (
    <>
      <a className="button" href={href} download={filename} onClick={download}>
        Results CSV
      </a>
      {error && <ErrorAlert error={error} />}
    </>
  );
}

import type { CampaignDto, ContactsUploadResult } from '@callplane/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { keys } from '../../api/queries';
import { uploadFile, type Progress } from '../../api/transfer';
import { DataTable } from '../../components/data-table';
import { TextField } from '../../components/field';
import { FieldIssues, FormErrors } from '../../components/field-issues';
import { REJECTION_LABELS } from './campaign-labels';

/** The rejected rows shown at most; a file can reject thousands, and the count says how many there were. */
const SHOWN_REJECTIONS = 200;

/**
 * `Upload contacts`: a CSV sent as it is, with the upload's progress, then what the API made of it: how many
 * contacts it accepted and each rejected row with its reason.
 */
export function UploadContacts({ campaign }: { campaign: CampaignDto }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const upload = useMutation({
    mutationFn: (f: File) => uploadFile<ContactsUploadResult>(`/voice/campaigns/${encodeURIComponent(campaign.id)}/contacts`, f, 'text/csv', setProgress),
    onSuccess: async () => {
      await Promise.all([keys.campaigns, keys.contacts(campaign.id)].map((k) => client.invalidateQueries({ queryKey: k })));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) upload.mutate(file);
  };
  const result = upload.data;
  const sent = !!progress && (progress.total === 0 || progress.loaded >= progress.total);
  const percent = progress ? (progress.total ? Math.round((100 * progress.loaded) / progress.total) : 100) : 0;
  return (
    <section className="card padded stack" aria-labelledby="upload-h">
      <h2 id="upload-h">Upload contacts</h2>
      <form className="stack" onSubmit={submit}>
        <TextField
          label="CSV file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => (setFile(e.target.files?.[0] ?? null), setProgress(null), upload.reset())}
          hint="A header row with a to_number column; an optional timezone column sets the contact's time zone; every other column becomes a variable for the agent's prompt."
        />
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={!file || upload.isPending}>
            Upload contacts
          </button>
        </div>
      </form>
      {progress && (
        <div className="upload-progress">
          <progress aria-label="Upload progress" max={100} value={result ? 100 : percent} />
          <p role="status" className="small">
            {uploadState(upload, sent, percent)}
          </p>
        </div>
      )}
      <FormErrors issues={new FieldIssues(upload.error)} />
      {result && result.rejected.length > 0 && (
        <>
          <DataTable
            label="Rejected rows"
            compact
            rows={result.rejected.slice(0, SHOWN_REJECTIONS)}
            rowKey={(r) => String(r.row)}
            columns={[
              { header: 'Row', cell: (r) => r.row },
              { header: 'Number', cell: (r) => r.to_number, className: 'mono' },
              { header: 'Reason', cell: (r) => REJECTION_LABELS[r.error] },
            ]}
          />
          {result.rejected.length > SHOWN_REJECTIONS && (
            <p className="muted small">
              The first {SHOWN_REJECTIONS} of {result.rejected.length} rejected rows.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function uploadState(upload: { data?: ContactsUploadResult; isError: boolean }, sent: boolean, percent: number): string {
  const r = upload.data;
  if (r) return `Upload complete: ${r.accepted} ${r.accepted === 1 ? 'contact' : 'contacts'} accepted, ${r.rejected.length} rejected.`;
  if (upload.isError) return 'Upload failed.';
  return sent ? 'Uploaded; checking the rows…' : `Uploading… ${percent}%`;
}

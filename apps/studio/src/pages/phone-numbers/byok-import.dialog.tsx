import type { byokAvailableResponseSchema, ByokProviderName, PhoneNumberDto } from '@callplane/contracts';
import type { z } from 'zod';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation } from '../../api/queries';
import { Dialog } from '../../components/dialog';
import { ErrorAlert, TextField } from '../../components/field';
import { BYOK_FORMS } from './byok-providers';

type Available = z.infer<typeof byokAvailableResponseSchema>['data'][number];

/**
 * Bring your own carrier account: credentials → the account's numbers (those that cannot be imported are shown
 * disabled with the API's reason) → `Import`. The API's error messages are shown as they are.
 */
export function ByokImportDialog({ provider, onClose }: { provider: ByokProviderName; onClose: () => void }) {
  const form = BYOK_FORMS[provider];
  const [credentials, setCredentials] = useState<Record<string, string> | null>(null);
  const [available, setAvailable] = useState<Available[] | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [imported, setImported] = useState<PhoneNumberDto | null>(null);

  const list = useApiMutation((creds: Record<string, string>) =>
    api<{ data: Available[] }>('POST', `/voice/phone-numbers/byok/${provider}/available`, { credentials: creds }),
  );
  const importNumber = useApiMutation(
    (input: { credentials: Record<string, string>; number: string }) => api<PhoneNumberDto>('POST', `/voice/phone-numbers/byok/${provider}/import`, input),
    [keys.numbers],
  );

  const submitCredentials = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const creds = fieldsOf(e.currentTarget, form.listFields.map((f) => String(f.name)));
    setCredentials(creds);
    list.mutate(creds, {
      onSuccess: (res) => {
        setAvailable(res.data);
        setPicked(res.data.find((n) => n.importable)?.number ?? null);
      },
    });
  };

  const submitImport = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!picked || !credentials) return;
    const creds = form.importFields ? fieldsOf(e.currentTarget, form.importFields.map((f) => String(f.name))) : credentials;
    importNumber.mutate({ credentials: creds, number: picked }, { onSuccess: setImported });
  };

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title={form.title} description={form.help} wide>
      {imported ? (
        <div className="stack">
          <p role="status" className="alert success">
            Imported {imported.number}.
          </p>
          {imported.webhook_url && !imported.inbound.configured && <p>Finish inbound setup from the number's Inbound settings.</p>}
          <div className="dialog-actions">
            <button type="button" className="button primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : !available ? (
        <form className="stack" onSubmit={submitCredentials}>
          {form.listFields.map((f) => (
            <TextField key={String(f.name)} name={String(f.name)} label={f.label} type={f.secret ? 'password' : 'text'} placeholder={f.placeholder} required={!f.optional} autoComplete="off" />
          ))}
          <ErrorAlert error={list.error ? errorMessage(list.error) : null} />
          <div className="dialog-actions">
            <button type="submit" className="button primary" disabled={list.isPending}>
              {list.isPending ? 'Checking…' : 'List numbers'}
            </button>
          </div>
        </form>
      ) : (
        <form className="stack" onSubmit={submitImport}>
          <fieldset className="number-choices">
            <legend>Numbers on this account ({available.length})</legend>
            {available.length === 0 && <p className="muted">This account has no numbers.</p>}
            {available.map((n) => (
              <label key={n.number} className={`choice${n.importable ? '' : ' disabled'}`}>
                <input type="radio" name="number" value={n.number} disabled={!n.importable} checked={picked === n.number} onChange={() => setPicked(n.number)} />
                <span className="choice-main">
                  <span className="mono">{n.number}</span> <span className="muted">{n.friendly_name}</span>
                </span>
                {!n.importable && n.reason && <span className="choice-reason">{n.reason}</span>}
              </label>
            ))}
          </fieldset>
          {form.importFields?.map((f) => (
            <TextField key={String(f.name)} name={String(f.name)} label={f.label} type={f.secret ? 'password' : 'text'} placeholder={f.placeholder} required={!f.optional} autoComplete="off" />
          ))}
          <ErrorAlert error={importNumber.error ? errorMessage(importNumber.error) : null} />
          <div className="dialog-actions">
            <button type="button" className="button ghost" onClick={() => (setAvailable(null), importNumber.reset())}>
              Back
            </button>
            <button type="submit" className="button primary" disabled={!picked || importNumber.isPending}>
              {importNumber.isPending ? 'Importing…' : 'Import'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function fieldsOf(form: HTMLFormElement, names: string[]): Record<string, string> {
  const data = new FormData(form);
  return Object.fromEntries(names.map((n) => [n, String(data.get(n) ?? '').trim()]).filter(([, v]) => v !== ''));
}

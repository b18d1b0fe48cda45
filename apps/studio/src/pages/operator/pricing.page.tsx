import type { PriceTable, PriceTableVersionDto } from '@callplane/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../../api/api-client';
import { operatorKeys, usePricing } from '../../api/operator-queries';
import { useApiMutation } from '../../api/queries';
import { ErrorAlert, TextArea } from '../../components/field';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';

/**
 * The active price table (`GET /admin/pricing`) and a new version of it (`PUT /admin/pricing`): calls already
 * rated keep their version, calls seen afterwards use the new one. The table is edited as the JSON the API takes;
 * the API's validation names each bad line.
 */
export function PricingPage() {
  const pricing = usePricing();
  const client = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const save = useApiMutation((prices: PriceTable) => api<PriceTableVersionDto>('PUT', '/admin/pricing', prices));
  const active = pricing.data;
  const text = draft ?? (active ? JSON.stringify(active.prices, null, 2) : '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let prices: PriceTable;
    try {
      prices = JSON.parse(text) as PriceTable;
    } catch (err) {
      return setParseError(`The price table is not valid JSON: ${errorMessage(err)}`);
    }
    setParseError(null);
    save.mutate(prices, {
      onSuccess: (v) => {
        client.setQueryData(operatorKeys.pricing, v);
        setDraft(null);
      },
    });
  };
  const issues = save.error instanceof ApiError ? save.error.fieldIssues : [];
  return (
    <section>
      <PageHeader title="Pricing" />
      <ErrorAlert error={pricing.error ? errorMessage(pricing.error) : null} />
      {active && (
        <>
          <p className="muted">
            Version {active.version}, active since {formatDate(active.created_at)}. Prices in {active.prices.currency}.
          </p>
          <PriceTables prices={active.prices} />
          <section className="card padded" aria-labelledby="edit-prices-h">
            <h2 id="edit-prices-h">New version</h2>
            <form className="stack" onSubmit={submit}>
              <TextArea
                label="Price table (JSON)"
                className="mono"
                rows={16}
                spellCheck={false}
                value={text}
                onChange={(e) => setDraft(e.target.value)}
                error={parseError ?? (issues.length ? issues.map((i) => `${i.field}: ${i.message}`).join('; ') : undefined)}
              />
              <ErrorAlert error={save.error ? errorMessage(save.error) : null} />
              <div className="form-actions">
                <button type="submit" className="button primary" disabled={save.isPending || draft === null}>
                  Save new version
                </button>
              </div>
              {save.isSuccess && draft === null && (
                <p role="status" className="alert success">
                  Saved version {save.data.version}. Calls from now on are rated with it.
                </p>
              )}
            </form>
          </section>
        </>
      )}
    </section>
  );
}

function PriceTables({ prices }: { prices: PriceTable }) {
  return (
    <div className="stack">
      <Table
        label="Telephony per minute"
        head={['Provider', 'Direction', 'Price']}
        rows={prices.telephony_per_minute.map((l) => [l.provider, l.direction, l.price])}
      />
      <Table
        label="LLM per 1,000 tokens"
        head={['Provider', 'Model', 'Prompt', 'Completion']}
        rows={prices.llm_per_1k_tokens.map((l) => [l.provider, l.model, l.prompt, l.completion])}
      />
      <Table label="TTS per 1,000 characters" head={['Provider', 'Model', 'Price']} rows={prices.tts_per_1k_characters.map((l) => [l.provider, l.model, l.price])} />
      <Table label="STT per minute" head={['Provider', 'Model', 'Price']} rows={prices.stt_per_minute.map((l) => [l.provider, l.model, l.price])} />
    </div>
  );
}

function Table({ label, head, rows }: { label: string; head: string[]; rows: Array<Array<string | number>> }) {
  return (
    <div className="table-wrap card">
      <table aria-label={label}>
        <caption className="table-caption">{label}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={head.length} className="muted">
                No lines
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr key={r.slice(0, -1).join('|') || String(r[0])}>
              {r.map((c, i) => (
                <td key={i} className={typeof c === 'number' ? 'mono' : undefined}>
                  {String(c)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

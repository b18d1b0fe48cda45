import { readFileSync } from 'node:fs';
import { CAMPAIGN_RESULT_COLUMNS, SANDBOX_NUMBERS, sandboxLoadNumber } from '@callplane/contracts';
import { agentRequestBody, pollUntil } from '@callplane/testing';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { useStudio } from './studio.test-harness';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The contact states as the page counts them (`Contact states`: term → number). */
async function counts(page: Page): Promise<Record<string, number>> {
  const region = page.getByRole('region', { name: 'Contact states' });
  const terms = await region.getByRole('term').allTextContents();
  const values = await region.getByRole('definition').allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, Number(values[i])]));
}

const status = (page: Page) => page.getByRole('status').filter({ hasText: /^Status: / });

/** A table's body rows as their cells' text. */
async function cells(page: Page, table: string): Promise<string[][]> {
  const rows = await page.getByRole('table', { name: table }).locator('tbody tr').all();
  return Promise.all(rows.map((r) => r.getByRole('cell').allTextContents()));
}

/**
 * Campaigns in Chromium against the all-in-one's sandbox carrier: its load range answers and hangs up on its own, so
 * a campaign runs to completed on this machine with no account.
 */
describe('studio: campaigns on the sandbox (Chromium)', () => {
  const studio = useStudio();
  jest.setTimeout(240_000);
  let agentId: string;
  let fromNumber: string;
  /** A campaign every hour of every day, no recipient hours, one attempt: nothing waits on the clock. */
  const body = (name: string) => ({
    name,
    agent_id: agentId,
    from_numbers: [fromNumber],
    timezone: 'UTC',
    windows: [{ days: EVERY_DAY, start: '00:00', end: '23:59' }],
    concurrency: 2,
    recipient_hours: null,
    retry: { max_attempts: 1, backoff_seconds: 0, on: [] },
  });

  beforeAll(async () => {
    const agent = await studio().api('POST', '/voice/agents', { ...agentRequestBody('Campaign agent'), after_hours: null });
    expect(agent.status).toBe(201);
    agentId = String(agent.body.id);
    const numbers = (await studio().api('GET', '/voice/phone-numbers')).body.data as Array<{ number: string; outbound: { enabled: boolean } }>;
    fromNumber = numbers.find((n) => n.outbound.enabled)!.number;
  });

  it('creates a campaign in the dialog (the API’s validation next to its field), uploads a CSV with progress and its rejected rows, launches it and follows the counts to completed; the results CSV holds every contact', async () => {
    const { api, signIn, checkPage, base, apiKey } = studio();
    const page = await signIn();
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
    await page.getByRole('button', { name: 'New campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'New campaign' });
    await dialog.getByLabel('Name').fill('Spring renewals');
    await dialog.getByLabel('Agent').selectOption({ label: 'Campaign agent' });
    await dialog.getByRole('checkbox', { name: fromNumber }).check();
    await dialog.getByLabel('Time zone').fill('UTC');
    const window1 = dialog.getByRole('group', { name: 'Calling window 1' });
    await window1.getByRole('checkbox', { name: 'Sat' }).check();
    await window1.getByRole('checkbox', { name: 'Sun' }).check();
    await window1.getByLabel('From', { exact: true }).fill('00:00');
    await window1.getByLabel('Until', { exact: true }).fill('23:59');
    await dialog.getByRole('checkbox', { name: 'Call recipients only within their own hours' }).uncheck();
    await dialog.getByLabel('Max attempts').fill('1');
    await dialog.getByLabel('Concurrency').fill('0');
    await checkPage('new-campaign');
    await dialog.getByRole('button', { name: 'Create campaign' }).click();

    // The API's own sentence for the field, next to it; nothing created.
    const refused = await api('POST', '/voice/campaigns', { ...body('Refused'), concurrency: 0 });
    expect(refused.status).toBe(400);
    const message = (refused.body.error as { details: Array<{ field: string; message: string }> }).details.find((d) => d.field === 'concurrency')!.message;
    const concurrency = dialog.getByLabel('Concurrency');
    await dialog.locator('[aria-invalid="true"]').first().waitFor();
    expect(await concurrency.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await concurrency.getAttribute('aria-describedby'))!.split(' ')[0]!;
    expect(await dialog.locator(`[id="${describedBy}"]`).textContent()).toBe(message);
    expect((await api('GET', '/voice/campaigns')).body.data).toEqual([]);
    await checkPage('new-campaign-validation');

    await concurrency.fill('2');
    await dialog.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Spring renewals' }).waitFor();
    await status(page).filter({ hasText: 'Status: Draft' }).waitFor();
    const [created] = (await api('GET', '/voice/campaigns')).body.data as Array<Record<string, unknown>>;
    expect(page.url()).toBe(`${base}/campaigns/${String(created!.id)}`);
    // Max attempts 1 makes the form's default retry outcomes moot; they are sent as the form shows them.
    expect(created).toMatchObject({ ...body('Spring renewals'), retry: { max_attempts: 1, backoff_seconds: 3600, on: ['no_answer', 'busy'] }, max_calls_per_second: null, start_at: null, end_at: null, webhook_url: null, status: 'draft' });
    const campaignId = String(created!.id);

    // Good rows from the load range (answer, stay 5–7 s, hang up), a busy one, and three the API rejects.
    const good = [sandboxLoadNumber(5, 1), sandboxLoadNumber(6, 2), sandboxLoadNumber(7, 3)];
    const listed = sandboxLoadNumber(9, 9);
    expect((await api('POST', '/voice/dnc', { numbers: [listed] })).body).toEqual({ added: 1 });
    const csv = ['to_number,customer_name', `${good[0]},Asha`, `${good[1]},Ben`, 'not-a-number,Cara', `${SANDBOX_NUMBERS.busy},Dan`, `${good[0]},Asha again`, `${listed},Eve`, `${good[2]},Fay`, ''].join('\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload contacts' }).click();
    await page.getByRole('status').filter({ hasText: 'Upload complete: 4 contacts accepted, 3 rejected.' }).waitFor({ timeout: 30_000 });
    const progress = page.getByRole('progressbar', { name: 'Upload progress' });
    expect(await progress.evaluate((p) => [(p as { value: number }).value, (p as { max: number }).max])).toEqual([100, 100]);
    expect(await cells(page, 'Rejected rows')).toEqual([
      ['3', 'not-a-number', 'Not a valid phone number'],
      ['5', good[0], 'Already in this campaign'],
      ['6', listed, 'On your do-not-call list'],
    ]);
    await pollUntil(async () => (await counts(page)).Pending === 4, { timeoutMs: 30_000, intervalMs: 200, description: 'the counts to show the 4 accepted contacts pending' });
    expect(await counts(page)).toMatchObject({ Total: 4, Pending: 4, Calling: 0, Completed: 0 });
    await page.getByRole('table', { name: 'Contacts' }).getByRole('row', { name: /\+15550100002/ }).waitFor();
    expect((await cells(page, 'Contacts')).map((r) => [r[0], r[1]])).toEqual([...good.slice(0, 2), SANDBOX_NUMBERS.busy, good[2]].map((n) => [n, 'Pending']));
    await checkPage('campaign-uploaded');

    // Launch: the counts move (a call in progress at some point) until the campaign completes.
    await page.getByRole('button', { name: 'Launch' }).click();
    await status(page).filter({ hasText: /Status: (Running|Completed)/ }).waitFor();
    const seen: Array<Record<string, number>> = [];
    await pollUntil(
      async () => {
        seen.push(await counts(page));
        return (await status(page).textContent()) === 'Status: Completed';
      },
      { timeoutMs: 180_000, intervalMs: 200, description: 'the campaign to show completed' },
    );
    expect(seen.some((c) => c.Calling! >= 1)).toBe(true);
    const final = await pollUntil(async () => {
      const c = await counts(page);
      return c.Completed === 3 ? c : null;
    }, { timeoutMs: 30_000, intervalMs: 200, description: 'the final counts' });
    expect(final).toMatchObject({ Total: 4, Pending: 0, Calling: 0, Completed: 3, Busy: 1, Failed: 0 });
    const apiCounts = (await api('GET', `/voice/campaigns/${campaignId}`)).body.counts as Record<string, number>;
    expect(apiCounts).toMatchObject({ total: 4, completed: 3, busy: 1, pending: 0, calling: 0 });
    expect(await page.getByRole('button', { name: 'Launch' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Upload contacts' }).count()).toBe(0);

    await page.getByLabel('Filter by state').selectOption({ label: 'Busy' });
    await pollUntil(async () => JSON.stringify((await cells(page, 'Contacts')).map((r) => r[0])) === JSON.stringify([SANDBOX_NUMBERS.busy]), { timeoutMs: 15_000, intervalMs: 200, description: 'only the busy contact listed' });
    await checkPage('campaign-completed');

    // The results through the link: the same file the API serves, one row per contact.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Results CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('Spring-renewals-results.csv');
    const text = readFileSync((await download.path())!, 'utf8');
    const served = await fetch(`${base}/voice/campaigns/${campaignId}/results.csv`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(text).toBe(await served.text());
    const [header, ...rows] = parse(text) as string[][];
    expect(header).toEqual([...CAMPAIGN_RESULT_COLUMNS, 'customer_name']);
    expect(rows.map((r) => [r[0], r[1], r[2], r[6]])).toEqual([
      [good[0], 'completed', '1', 'Asha'],
      [good[1], 'completed', '1', 'Ben'],
      [SANDBOX_NUMBERS.busy, 'busy', '1', 'Dan'],
      [good[2], 'completed', '1', 'Fay'],
    ]);
    for (const r of rows) expect(r[4]).toMatch(/^cs_/);
  });

  it('Pause, Resume and Cancel a running campaign; the list shows both campaigns', async () => {
    const { api, signIn, checkPage } = studio();
    const created = await api('POST', '/voice/campaigns', { ...body('Pause drill'), concurrency: 1 });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    // Long calls: the first is still up while the campaign is paused, resumed and canceled.
    const contacts = [sandboxLoadNumber(90, 11), sandboxLoadNumber(90, 12), sandboxLoadNumber(90, 13)].map((to_number) => ({ to_number }));
    expect((await api('POST', `/voice/campaigns/${id}/contacts`, { contacts })).body).toEqual({ accepted: 3, rejected: [] });
    const apiStatus = async () => String((await api('GET', `/voice/campaigns/${id}`)).body.status);

    const page = await signIn();
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const list = page.getByRole('table', { name: 'Campaigns' });
    await list.getByRole('row', { name: /Spring renewals/ }).getByText('Completed').waitFor();
    await list.getByRole('row', { name: /Pause drill/ }).getByText('Draft').waitFor();
    await checkPage('campaigns-list');
    await list.getByRole('link', { name: 'Pause drill' }).click();

    await page.getByRole('button', { name: 'Launch' }).click();
    await status(page).filter({ hasText: 'Status: Running' }).waitFor();
    await pollUntil(async () => (await counts(page)).Calling === 1, { timeoutMs: 60_000, intervalMs: 200, description: 'the first call in progress' });

    await page.getByRole('button', { name: 'Pause' }).click();
    await status(page).filter({ hasText: 'Status: Paused' }).waitFor();
    expect(await apiStatus()).toBe('paused');
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Resume' }).click();
    await status(page).filter({ hasText: 'Status: Running' }).waitFor();
    expect(await apiStatus()).toBe('running');

    await page.getByRole('button', { name: 'Cancel' }).click();
    const confirm = page.getByRole('dialog', { name: 'Cancel Pause drill?' });
    await checkPage('campaign-cancel');
    await confirm.getByRole('button', { name: 'Cancel campaign' }).click();
    await status(page).filter({ hasText: 'Status: Canceled' }).waitFor();
    expect(await apiStatus()).toBe('canceled');
    // The contacts not yet called are canceled; the call in progress goes on.
    await pollUntil(async () => (await counts(page)).Canceled === 2, { timeoutMs: 30_000, intervalMs: 200, description: 'two contacts canceled' });
    expect(await page.getByRole('button', { name: /^(Launch|Pause|Resume|Cancel)$/ }).count()).toBe(0);
    await checkPage('campaign-canceled');
  });
});

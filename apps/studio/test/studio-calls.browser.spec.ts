import { SANDBOX_NUMBERS, sandboxLoadNumber, TEST_CALL_REFUSALS } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { LOCAL_VOICE, useStudio } from './studio.test-harness';

const PROMPT = ['You are Ava from Acme.', 'INTENT cost | price => It is ten dollars a month.', 'INTENT goodbye | bye => Thanks, goodbye! [end_call]', 'FALLBACK => Sorry, could you say that again?'].join('\n');
const VOICE = LOCAL_VOICE;

interface Session {
  id: string;
  ended_at: string | null;
  transcript: Array<{ role: string; text: string }>;
}

/**
 * The studio in Chromium against the all-in-one's sandbox (no LiveKit, no carrier account): a sandbox call's
 * transcript in Sessions, the Phone Call dialog and its refusals, and the remaining pages checked with axe-core.
 */
describe('studio: sessions, test calls and the other pages on the sandbox (Chromium)', () => {
  // A daily limit other than the default 5: the refusal must say the configured number.
  const USER_DAILY_LIMIT = 3;
  const studio = useStudio(() => ({ TEST_CALL_USER_DAILY_LIMIT: String(USER_DAILY_LIMIT) }));
  jest.setTimeout(120_000);
  let agentId: string;
  let fromNumber: string;

  beforeAll(async () => {
    const agent = await studio().api('POST', '/voice/agents', { name: 'Ava', system_prompt: PROMPT, voice: VOICE });
    expect(agent.status).toBe(201);
    agentId = String(agent.body.id);
    // The tenant's own sandbox number to call from, as its users find it.
    const numbers = (await studio().api('GET', '/voice/phone-numbers')).body.data as Array<{ number: string; outbound: { enabled: boolean } }>;
    fromNumber = numbers.find((n) => n.outbound.enabled)!.number;
  });

  it('shows a sandbox call’s transcript, usage and cost in Sessions, with the summary', async () => {
    const { api, signIn, checkPage } = studio();
    const dial = await api('POST', '/voice/outbound/dial', { agent_id: agentId, to_number: SANDBOX_NUMBERS.answers, from_number: fromNumber });
    expect(dial.status).toBe(202);
    const sessionId = String(dial.body.session_id);
    const session = await pollUntil(
      async () => {
        const s = (await api('GET', `/voice/sessions/${sessionId}`)).body as unknown as Session;
        return s.ended_at && s.transcript.length > 0 ? s : null;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'the sandbox call ended with a transcript' },
    );

    const page = await signIn();
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('region', { name: 'Studio test calls' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(SANDBOX_NUMBERS.answers.replace('+', '\\+')) });
    await row.getByRole('link').click();
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.waitFor();
    const turns = await transcript.getByRole('listitem').allTextContents();
    expect(turns).toHaveLength(session.transcript.length);
    session.transcript.forEach((t, i) => expect(turns[i]).toContain(t.text));
    expect(turns[0]).toContain(session.transcript[0]!.role === 'agent' ? 'Agent' : 'Caller');
    await page.getByRole('table', { name: 'Usage and cost' }).getByRole('row', { name: /Total/ }).waitFor();
    await checkPage('session');

    await page.getByRole('link', { name: '← Sessions' }).click();
    await row.waitFor();
    await checkPage('sessions');
  });

  it('Try Voice Call offers Web Call (studio-web-call.browser.spec.ts) and Phone Call; Phone Call shows the quota and a refusal word for word, then walks a sandbox call through every state to Ended', async () => {
    const { signIn, checkPage, api } = studio();
    const page = await signIn();
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'Ava' }).click();
    await page.getByRole('button', { name: 'Try Voice Call' }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual(['Web Call', 'Phone Call']);
    await page.getByRole('menuitem', { name: 'Phone Call' }).click();
    const dialog = page.getByRole('dialog', { name: 'Phone Call' });
    const quota = (await api('GET', '/voice/studio/quota')).body as { remaining: number; limit: number };
    await dialog.getByText(`${quota.remaining} of ${quota.limit} test calls left today`).waitFor();
    await checkPage('phone-call');

    await dialog.getByLabel('Phone number').fill('+442071234567');
    await dialog.getByRole('button', { name: 'Call my phone' }).click();
    await dialog.getByRole('alert').filter({ hasText: TEST_CALL_REFUSALS.unsupportedDestination().message }).waitFor();
    expect(await dialog.getByRole('alert').textContent()).toBe(TEST_CALL_REFUSALS.unsupportedDestination().message);

    // The sandbox's answering number: the call walks every state, the counter runs against the 2-minute cap, End Call ends it.
    await dialog.getByLabel('Phone number').fill(SANDBOX_NUMBERS.answers);
    await dialog.getByRole('button', { name: 'Call my phone' }).click();
    const state = dialog.getByRole('status');
    await state.filter({ hasText: /^(Setting up|Ringing|Connected)$/ }).waitFor();
    await state.filter({ hasText: /^Connected$/ }).waitFor({ timeout: 30_000 });
    const counter = dialog.getByLabel('Call time');
    await counter.filter({ hasText: /^00:0[1-9] \/ 02:00$/ }).waitFor({ timeout: 30_000 });
    await checkPage('phone-call-connected');
    await dialog.getByRole('button', { name: 'End Call' }).click();
    await state.filter({ hasText: /^Ended$/ }).waitFor({ timeout: 30_000 });
    // One of the day's test calls used.
    const after = (await api('GET', '/voice/studio/quota')).body as { remaining: number };
    expect(after.remaining).toBe(quota.remaining - 1);
  });

  it('Phone Call: once the day’s test calls are used up, Call my phone shows the quota refusal word for word and places nothing', async () => {
    const { signIn, checkPage, api } = studio();
    const quota = (await api('GET', '/voice/studio/quota')).body as { remaining: number; limit: number };
    expect(quota.limit).toBe(USER_DAILY_LIMIT);
    // The rest of the day's calls, on the sandbox's load range (answers, hangs up a second later), one at a time:
    // the sandbox trial pool has one number, free again once a call has ended.
    for (let i = 0; i < quota.remaining; i++) {
      const started = await pollUntil(
        async () => {
          const r = await api('POST', '/voice/studio/test-call', { agent_id: agentId, to_number: sandboxLoadNumber(1, 40 + i) });
          return r.status === 503 ? null : r;
        },
        { timeoutMs: 60_000, intervalMs: 250, description: 'the trial number to be free' },
      );
      expect(started.status).toBe(201);
      const id = String(started.body.session_id);
      await pollUntil(async () => (await api('GET', `/voice/studio/test-call/${id}/status`)).body.state === 'ended', { timeoutMs: 60_000, intervalMs: 250, description: 'the test call to end' });
    }
    expect((await api('GET', '/voice/studio/quota')).body).toMatchObject({ used: USER_DAILY_LIMIT, remaining: 0 });

    const page = await signIn();
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'Ava' }).click();
    await page.getByRole('button', { name: 'Try Voice Call' }).click();
    await page.getByRole('menuitem', { name: 'Phone Call' }).click();
    const dialog = page.getByRole('dialog', { name: 'Phone Call' });
    await dialog.getByText(`0 of ${USER_DAILY_LIMIT} test calls left today`).waitFor();
    await dialog.getByLabel('Phone number').fill(SANDBOX_NUMBERS.answers);
    await dialog.getByRole('button', { name: 'Call my phone' }).click();
    const message = TEST_CALL_REFUSALS.userQuota(USER_DAILY_LIMIT).message;
    await dialog.getByRole('alert').filter({ hasText: message }).waitFor();
    expect(await dialog.getByRole('alert').textContent()).toBe(message);
    expect(message).toBe(`You've used all ${USER_DAILY_LIMIT} test calls for today. They reset at midnight UTC.`);
    // Refused before anything was placed: the form stays, no call state, nothing more counted.
    expect(await dialog.getByRole('button', { name: 'Call my phone' }).isVisible()).toBe(true);
    expect(await dialog.getByRole('status').count()).toBe(0);
    expect((await api('GET', '/voice/studio/quota')).body).toMatchObject({ used: USER_DAILY_LIMIT, remaining: 0 });
    await checkPage('phone-call-quota');
  });

  it('Leads, Campaigns and Settings pass axe-core; Settings reveals the webhook secret the API holds', async () => {
    const { signIn, checkPage, api } = studio();
    const page = await signIn();
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('table', { name: 'Agents' }).waitFor();
    await checkPage('agents');
    await page.getByRole('link', { name: 'Leads' }).click();
    await page.getByRole('heading', { name: 'Leads' }).waitFor();
    await checkPage('leads');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
    await checkPage('campaigns');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Reveal' }).click();
    const secret = String((await api('GET', '/voice/settings/webhooks')).body.secret);
    await page.getByLabel('Webhook secret').filter({ hasText: secret }).waitFor();
    await checkPage('settings');
  });
});

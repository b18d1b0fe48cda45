/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pollUntil } from '@callplane/testing';
import type { Locator } from 'playwright-core';
/* eslint-disable @nx/enforce-module-boundaries -- the caller's line is made by the local voice stack, as the sandbox's caller bot makes it */
import { closeEspeak, encodeWav, espeakSamples } from '../../voice-agent/src/local/espeak-tts';
import { PocketsphinxSTT } from '../../voice-agent/src/local/pocketsphinx-stt';
/* eslint-enable @nx/enforce-module-boundaries */
import { LOCAL_VOICE, useStudio } from './studio.test-harness';

const GREETING = 'Hi, this is Ava from Acme.';
/** The first line of the sandbox's caller script: the local recogniser's grammar holds it. */
const CALLER_LINE = 'Hi, how much does it cost?';
const REPLY = 'It is ten dollars a month.';
const PROMPT = ['You are Ava from Acme.', `INTENT cost | price => ${REPLY}`, 'FALLBACK => Sorry, could you say that again?'].join('\n');
const VOICE = { ...LOCAL_VOICE, greeting: GREETING, max_duration: 120 };

/**
 * Chromium's fake microphone plays this file, looping it: silence while the agent greets, the caller's line, then
 * silence long enough for the agent to answer before the loop says the line again.
 */
const MIC_RATE = 48_000;
const LEAD_SECONDS = 10;
const TAIL_SECONDS = 14;
const fixtures = mkdtempSync(path.join(tmpdir(), 'callplane-web-call-e2e-'));
const micFile = path.join(fixtures, 'caller-line.wav');

const attr = async (panel: Locator, k: string) => Number(await panel.getAttribute(`data-played-${k}`));

/**
 * The Web Call end to end: the dashboard on the all-in-one (the sandbox: the agent's audio over the voice agent's
 * WebSocket), in Chromium whose microphone speaks a line made by espeak-ng, heard by pocketsphinx, answered by the
 * agent, whose speech the page plays; then the session in Sessions. Nothing is stood in for.
 */
describe('studio: Web Call end to end (Chromium, the all-in-one, the local voice stack)', () => {
  beforeAll(async () => {
    const line = await espeakSamples(CALLER_LINE, MIC_RATE);
    const samples = new Int16Array(MIC_RATE * LEAD_SECONDS + line.length + MIC_RATE * TAIL_SECONDS);
    samples.set(line, MIC_RATE * LEAD_SECONDS);
    writeFileSync(micFile, encodeWav(samples, MIC_RATE));
  });
  const studio = useStudio(() => ({}), {
    browserArgs: () => ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${micFile}`],
  });
  afterAll(async () => {
    await closeEspeak();
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('greets, hears the caller’s spoken line, answers aloud in the page, and the session shows in Sessions with transcript and usage', async () => {
    // The caller's line must be heard, not handed over: this test needs pocketsphinx (apt-get install pocketsphinx pocketsphinx-en-us).
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
    const { newPage, signIn, api } = studio();
    const agent = await api('POST', '/voice/agents', { name: 'Ava', system_prompt: PROMPT, voice: VOICE });
    expect(agent.status).toBe(201);
    const page = await signIn(await newPage({ permissions: ['microphone'] }));

    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'Ava' }).click();
    await page.getByRole('button', { name: 'Try Voice Call' }).click();
    await page.getByRole('menuitem', { name: 'Web Call' }).click();
    const dialog = page.getByRole('dialog', { name: 'Web Call' });
    const transcript = dialog.getByRole('list', { name: 'Transcript' });
    const panel = dialog.locator('.call-panel');
    const turn = (role: 'Agent' | 'You', text: string) => transcript.getByRole('listitem').filter({ hasText: role }).filter({ hasText: text });

    // The greeting, spoken and shown.
    await turn('Agent', GREETING).waitFor({ timeout: 60_000 });
    // The caller's line, from the fake microphone through pocketsphinx.
    await turn('You', CALLER_LINE).waitFor({ timeout: 60_000 });
    // The greeting has played by now (the caller spoke after it): what plays from here on is the reply.
    const before = { samples: await attr(panel, 'samples'), rms: await attr(panel, 'rms') };
    expect(before.samples).toBeGreaterThan(0);
    // The agent's answer, in the transcript and at the speakers: more than a second of it played, and not silence.
    await turn('Agent', REPLY).waitFor({ timeout: 60_000 });
    const played = await pollUntil(
      async () => {
        const p = { samples: await attr(panel, 'samples'), rate: await attr(panel, 'rate'), peak: await attr(panel, 'peak'), rms: await attr(panel, 'rms') };
        return p.rate > 0 && p.samples - before.samples >= p.rate ? p : null;
      },
      { timeoutMs: 30_000, description: 'the agent’s reply to be played in the page' },
    );
    expect(played.peak).toBeGreaterThan(0.05);
    // The RMS of what played since the caller's line (the panel's RMS is over everything played so far).
    const replyRms = Math.sqrt((played.rms ** 2 * played.samples - before.rms ** 2 * before.samples) / (played.samples - before.samples));
    expect(replyRms).toBeGreaterThan(0.01);
    const finals = await transcript.getByRole('listitem').allTextContents();
    expect(finals.slice(0, 3)).toEqual([`Agent${GREETING}`, `You${CALLER_LINE}`, `Agent${REPLY}`]);

    await dialog.getByRole('button', { name: 'End Call' }).click();
    await dialog.getByText('You ended the call.').waitFor({ timeout: 30_000 });
    await dialog.getByRole('link', { name: 'View session' }).click();

    // The session, as analytics shows it: a web studio test with the conversation and its usage.
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    const stored = page.getByRole('list', { name: 'Transcript' });
    await pollUntil(
      async () => {
        if ((await stored.getByRole('listitem').count()) >= 3 && (await page.getByRole('table', { name: 'Usage and cost' }).getByText(/[1-9]\d* characters/).count()) > 0) return true;
        await page.reload();
        await page.getByRole('heading', { name: 'Transcript' }).waitFor();
        return null;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: 'the session’s transcript and usage' },
    );
    const lines = (await stored.getByRole('listitem').locator('p').allTextContents()).slice(0, 3);
    expect(lines).toEqual([GREETING, CALLER_LINE, REPLY]);
    const usage = page.getByRole('table', { name: 'Usage and cost' });
    const tts = usage.getByRole('row').filter({ hasText: 'TTS' });
    const ttsChars = Number(/(\d+) characters/.exec((await tts.textContent()) ?? '')?.[1]);
    expect(ttsChars).toBeGreaterThanOrEqual(GREETING.length + REPLY.length);
    const stt = Number(/([\d.]+) s/.exec((await usage.getByRole('row').filter({ hasText: 'STT' }).textContent()) ?? '')?.[1]);
    expect(stt).toBeGreaterThan(0);

    const sessionId = new URL(page.url()).pathname.split('/').at(-1)!;
    const session = await api('GET', `/voice/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ direction: 'web', call_type: 'studio_test', provider: 'web', agent_id: agent.body.id, status: 'completed', end_reason: 'ended_by_user' });
    // And in the Sessions list.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('table', { name: 'Sessions' }).getByRole('row').filter({ hasText: 'web' }).filter({ hasText: 'Ava' }).first().waitFor();
  }, 240_000);
});

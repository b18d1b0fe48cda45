import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WebCallCreated } from '@callplane/contracts';
import { freePort, pollUntil } from '@callplane/testing';
import type { Page } from 'playwright-core';
import { LOCAL_VOICE, useStudio } from './studio.test-harness';
import { amplitudeAt, pcmSamples, sineFrames, sineWav, WebCallPeer } from './web-call-peer';

const VOICE = LOCAL_VOICE;

/** Chromium's fake microphone plays this file: a 1 kHz tone recorded at 48 kHz. */
const MIC_TONE = { hz: 1_000, amplitude: 0.5 };
const fixtures = mkdtempSync(path.join(tmpdir(), 'callplane-web-call-'));
const micFile = path.join(fixtures, 'mic-1khz.wav');
writeFileSync(micFile, sineWav(MIC_TONE.hz, MIC_TONE.amplitude, 2, 48_000));

/** Every microphone track the page opened, so a test can see that the panel let go of them. */
const TRACK_RECORDER = `(() => {
  const md = navigator.mediaDevices;
  const open = md.getUserMedia.bind(md);
  window.__micTracks = [];
  md.getUserMedia = async (c) => { const s = await open(c); window.__micTracks.push(...s.getTracks()); return s; };
})()`;
const micTrackStates = (page: Page) => page.evaluate<string[]>('window.__micTracks.map((t) => t.readyState)');

/**
 * The Web Call panel in Chromium with a fake microphone (a 1 kHz tone from a file). The call's audio runs over API.md's
 * sandbox protocol, but here `POST /voice/studio/web-call` and `.../end` are answered by the test and the socket's far
 * end is WebCallPeer, which checks what the browser sends and plays the agent's part: exact signals (a tone in, a tone
 * out) and cases the real server does not give on demand. studio-web-call.e2e.browser.spec.ts runs the real one.
 */
describe('studio: Web Call panel (Chromium, fake microphone)', () => {
  const studio = useStudio(() => ({}), { browserArgs: () => ['--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${micFile}`] });
  const peer = new WebCallPeer();
  let peerUrl: string;
  let agentId: string;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    peerUrl = await peer.start();
    const agent = await studio().api('POST', '/voice/agents', { name: 'Ava', system_prompt: 'You are Ava from Acme.', voice: VOICE });
    expect(agent.status).toBe(201);
    agentId = String(agent.body.id);
  });
  afterAll(async () => {
    await peer.stop();
    rmSync(fixtures, { recursive: true, force: true });
  });

  async function openWebCall(page: Page, agentName = 'Ava') {
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: agentName }).click();
    await page.getByRole('button', { name: 'Try Voice Call' }).click();
    await page.getByRole('menuitem', { name: 'Web Call' }).click();
    return page.getByRole('dialog', { name: 'Web Call' });
  }

  it('asks for the microphone; refused, it says how to allow it and creates no call', async () => {
    const { newPage, signIn, checkPage } = studio();
    const page = await signIn(await newPage());
    const created: string[] = [];
    page.on('request', (r) => r.url().includes('/voice/studio/web-call') && created.push(r.url()));
    const dialog = await openWebCall(page);
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Microphone access was denied. Allow the microphone for this site (the icon in the address bar), then try again.');
    expect(await dialog.getByRole('meter').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Try again' }).waitFor();
    expect(created).toEqual([]);
    await checkPage('web-call-denied');
  });

  it('with the microphone: its level meter moves, the agent’s state and live transcript show, the agent is heard, and End Call ends it and lets go of the microphone', async () => {
    const { newPage, signIn, checkPage } = studio();
    const page = await newPage({ permissions: ['microphone'] });
    await page.addInitScript(TRACK_RECORDER);
    await signIn(page);
    const sessionId = 'cs_webcall_panel_1';
    const requests: Array<{ path: string; body: unknown }> = [];
    await page.route('**/voice/studio/web-call', (route) => {
      requests.push({ path: new URL(route.request().url()).pathname, body: route.request().postDataJSON() });
      return route.fulfill({ status: 201, json: { session_id: sessionId, transport: 'websocket', url: `${peerUrl}/voice/web-call/${sessionId}/audio?token=single-use` } satisfies WebCallCreated });
    });
    await page.route(`**/voice/studio/web-call/${sessionId}/end`, async (route) => {
      requests.push({ path: new URL(route.request().url()).pathname, body: null });
      // As the server does: the call ends at once and the socket says why.
      peer.calls.at(-1)?.send({ type: 'ended', reason: 'ended_by_user' });
      peer.calls.at(-1)?.close(1000, 'ended_by_user');
      await route.fulfill({ status: 200, json: { ended: true } });
    });

    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
    const dialog = await openWebCall(page);
    const call = await pollUntil(() => peer.calls[0], { timeoutMs: 15_000, description: 'the browser to open the call socket' });
    expect(call.path).toBe(`/voice/web-call/${sessionId}/audio?token=single-use`);
    expect(requests).toEqual([{ path: '/voice/studio/web-call', body: { agent_id: agentId } }]);

    // The microphone: a level on the meter, and 20 ms frames of 16 kHz PCM that carry the 1 kHz tone.
    const meter = dialog.getByRole('meter', { name: 'Microphone' });
    await pollUntil(async () => Number(await meter.evaluate((m) => (m as unknown as { value: number }).value)) > 0.3, { timeoutMs: 10_000, description: 'the microphone meter to rise' });
    await pollUntil(() => call.frames.length >= 50, { timeoutMs: 15_000, description: 'a second of microphone audio' });
    expect(new Set(call.frames.map((f) => f.length))).toEqual(new Set([640]));
    const mic = pcmSamples(call.frames.slice(10, 50));
    const tone = amplitudeAt(mic, MIC_TONE.hz, 16_000);
    expect(tone).toBeGreaterThan(0.05);
    // The tone is where it was recorded, not moved or smeared by the resampling.
    for (const other of [500, 2_000, 3_000, 5_000, 7_000]) expect(amplitudeAt(mic, other, 16_000)).toBeLessThan(tone / 10);

    // The agent's state, the caller's line growing then replaced by its final text.
    const state = dialog.getByRole('status');
    call.send({ type: 'state', state: 'connecting' });
    await state.filter({ hasText: /^Connecting$/ }).waitFor();
    call.send({ type: 'state', state: 'listening' });
    await state.filter({ hasText: /^Listening$/ }).waitFor();
    const transcript = dialog.getByRole('list', { name: 'Transcript' });
    call.send({ type: 'transcript', role: 'caller', text: 'what does it', final: false });
    await transcript.getByRole('listitem').filter({ hasText: 'what does it' }).waitFor();
    call.send({ type: 'transcript', role: 'caller', text: 'What does it cost?', final: true });
    await transcript.getByRole('listitem').filter({ hasText: 'What does it cost?' }).waitFor();
    expect(await transcript.getByRole('listitem').allTextContents()).toEqual(['YouWhat does it cost?']);
    call.send({ type: 'state', state: 'thinking' });
    await state.filter({ hasText: /^Thinking$/ }).waitFor();

    // The agent speaks: a second of a 440 Hz tone at half scale, paced as the server paces it (a little ahead).
    call.send({ type: 'state', state: 'speaking' });
    await state.filter({ hasText: /^Speaking$/ }).waitFor();
    const speech = sineFrames(440, 0.5, 1);
    for (const f of speech.splice(0, 10)) call.sendAudio(f);
    const pacer = setInterval(() => (speech.length ? call.sendAudio(speech.shift()!) : clearInterval(pacer)), 20);
    call.send({ type: 'transcript', role: 'agent', text: 'It is ten dollars a month.', final: true });
    await transcript.getByRole('listitem').filter({ hasText: 'It is ten dollars a month.' }).waitFor();
    await checkPage('web-call-live');

    // What the speakers played: the whole second (at the context's rate), as loud as it was sent, nothing dropped.
    const panel = dialog.locator('.call-panel');
    const played = await pollUntil(
      async () => {
        const get = async (k: string) => Number(await panel.getAttribute(`data-played-${k}`));
        const p = { samples: await get('samples'), rate: await get('rate'), peak: await get('peak'), rms: await get('rms'), dropped: await get('dropped') };
        return p.rate > 0 && p.samples >= p.rate * 0.99 ? p : null;
      },
      { timeoutMs: 15_000, description: 'the agent’s second of audio to be played' },
    );
    expect(played.samples).toBeLessThanOrEqual(played.rate * 1.01);
    expect(played.peak).toBeGreaterThan(0.47);
    expect(played.peak).toBeLessThan(0.53);
    expect(played.rms).toBeGreaterThan(0.5 * Math.SQRT1_2 * 0.95);
    expect(played.rms).toBeLessThan(0.5 * Math.SQRT1_2 * 1.05);
    expect(played.dropped).toBe(0);
    call.send({ type: 'state', state: 'listening' });
    await state.filter({ hasText: /^Listening$/ }).waitFor();

    // End Call: the API ends the call, the socket closes, the microphone is let go, and the panel says why it ended.
    expect(await micTrackStates(page)).toContain('live');
    await dialog.getByRole('button', { name: 'End Call' }).click();
    await state.filter({ hasText: /^Ended$/ }).waitFor();
    await dialog.getByText('You ended the call.').waitFor();
    expect(requests.map((r) => r.path)).toEqual(['/voice/studio/web-call', `/voice/studio/web-call/${sessionId}/end`]);
    await pollUntil(() => call.closed, { timeoutMs: 5_000, description: 'the call socket to close' });
    expect(new Set(await micTrackStates(page))).toEqual(new Set(['ended']));
    expect(await dialog.getByRole('meter').count()).toBe(0);
    expect(call.texts).toEqual([]);
    // The panel came as its own chunk, and LiveKit's client was never loaded for a sandbox call.
    expect(scripts.some((s) => /\/assets\/web-call\.dialog-[\w-]+\.js$/.test(s))).toBe(true);
    expect(scripts.filter((s) => s.includes('livekit'))).toEqual([]);
    await dialog.getByRole('link', { name: 'View session' }).waitFor();
    await checkPage('web-call-ended');
  });

  it('a call the API refuses shows the API’s message and lets go of the microphone', async () => {
    const { newPage, signIn, api } = studio();
    const gone = await api('POST', '/voice/agents', { name: 'Gone', system_prompt: 'You are leaving.', voice: VOICE });
    expect(gone.status).toBe(201);
    const page = await newPage({ permissions: ['microphone'] });
    await page.addInitScript(TRACK_RECORDER);
    await signIn(page);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'Gone' }).click();
    await page.getByRole('heading', { name: 'Gone' }).waitFor();
    // Deleted while its page is open: the API refuses the call, and the panel shows its words.
    expect((await api('DELETE', `/voice/agents/${String(gone.body.id)}`)).status).toBe(204);
    const refusal = await api('POST', '/voice/studio/web-call', { agent_id: gone.body.id });
    expect(refusal.status).toBe(404);
    const message = (refusal.body.error as { message: string }).message;
    await page.getByRole('button', { name: 'Try Voice Call' }).click();
    await page.getByRole('menuitem', { name: 'Web Call' }).click();
    const dialog = page.getByRole('dialog', { name: 'Web Call' });
    await dialog.getByRole('alert').filter({ hasText: message }).waitFor();
    expect(await dialog.getByRole('alert').textContent()).toBe(message);
    // Every track the panel opened is stopped (React's development build, which the tests run, mounts it twice).
    const tracks = await micTrackStates(page);
    expect(tracks.length).toBeGreaterThan(0);
    expect(new Set(tracks)).toEqual(new Set(['ended']));
    expect(await dialog.getByRole('meter').count()).toBe(0);
  });

  it('a LiveKit call loads livekit-client only then; a room it cannot join is reported, the call ended and the microphone let go', async () => {
    const { newPage, signIn } = studio();
    const page = await newPage({ permissions: ['microphone'] });
    await page.addInitScript(TRACK_RECORDER);
    await signIn(page);
    const sessionId = 'cs_webcall_panel_lk';
    // Nothing listens there: the join fails as it would against a LiveKit server that is down.
    const serverUrl = `ws://127.0.0.1:${await freePort()}`;
    const ended: string[] = [];
    await page.route('**/voice/studio/web-call', (route) =>
      route.fulfill({ status: 201, json: { session_id: sessionId, transport: 'livekit', server_url: serverUrl, participant_token: 'lk-token', room_name: `call-${sessionId}` } satisfies WebCallCreated }),
    );
    await page.route(`**/voice/studio/web-call/${sessionId}/end`, (route) => {
      ended.push(route.request().method());
      return route.fulfill({ status: 200, json: { ended: true } });
    });
    const scripts: string[] = [];
    page.on('request', (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname));
    const dialog = await openWebCall(page);
    const alert = dialog.getByRole('alert');
    await alert.filter({ hasText: /^The call could not be joined: / }).waitFor({ timeout: 30_000 });
    expect(scripts.filter((s) => /\/assets\/livekit-client[\w.-]*\.js$/.test(s))).toHaveLength(1);
    await pollUntil(() => ended.length > 0, { timeoutMs: 5_000, description: 'the call to be ended through the API' });
    expect(ended).toEqual(['POST']);
    expect(new Set(await micTrackStates(page))).toEqual(new Set(['ended']));
    await dialog.getByRole('button', { name: 'Try again' }).waitFor();
  });
});

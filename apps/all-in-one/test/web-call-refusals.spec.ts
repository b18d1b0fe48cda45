/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { newId, WEB_CALL_CLOSE } from '@callplane/contracts';
import { connect, useWebCallService } from './web-call.test-harness';

const close = (c: { code: number; reason: string }) => ({ code: c.code, reason: c.reason });

/**
 * What the sandbox web call's socket refuses, each with its close code and nothing else, and how a protocol breach ends
 * a running call, against the composed service. (The cap on a client that stops reading is exercised on a real socket
 * pair in apps/voice-agent/src/routes/web-call-link.spec.ts: loopback TCP buffers take megabytes first, minutes of
 * the agent's audio at its real-time pace.)
 */
describe('sandbox web call socket: refusals', () => {
  const h = useWebCallService();
  let agentId: string;
  beforeAll(async () => {
    agentId = await h.newAgent({ greeting: 'Hi.' });
  });

  it('an unknown session, or a known one without its token, is closed 4404 and nothing else', async () => {
    const created = await h.createWebCall(agentId);
    const base = created.socketUrl.slice(0, created.socketUrl.indexOf('?'));
    const urls = [
      `${base.replace(created.session_id, newId('callSession'))}?token=${created.token}`,
      `${base.replace(created.session_id, '%E0%A4%A')}?token=${created.token}`,
      base,
      `${base}?token=wct_${'A'.repeat(43)}`,
    ];
    for (const url of urls) {
      const browser = await connect(url);
      expect(close(await browser.closed)).toEqual(close(WEB_CALL_CLOSE.unknownSession));
      expect(browser.events).toEqual([]);
      expect(browser.audioFrames).toBe(0);
    }
    // None of that spent the token: it still connects the call.
    const browser = await connect(created.socketUrl);
    await browser.waitFor('connecting', (e) => e.type === 'state');
    browser.ws.close();
    await h.ended(created.session_id);
  });

  it('a token past its minute is closed 4401, and the call never connected ends failed, not_connected', async () => {
    const created = await h.createWebCall(agentId);
    // The minute has passed.
    await h.service().prisma.webCallToken.update({ where: { sessionId: created.session_id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const browser = await connect(created.socketUrl);
    expect(close(await browser.closed)).toEqual(close(WEB_CALL_CLOSE.tokenExpired));
    expect(browser.events).toEqual([]);
    // The dialer's watchdog ends a call whose browser never came.
    expect(await h.ended(created.session_id)).toMatchObject({ status: 'failed', endReason: 'not_connected', answeredAt: null });
  });

  it('a token used once is closed 4403 the next time', async () => {
    const created = await h.createWebCall(agentId);
    const first = await connect(created.socketUrl);
    await first.waitFor('connecting', (e) => e.type === 'state');
    first.ws.close();
    await h.ended(created.session_id);
    const again = await connect(created.socketUrl);
    expect(close(await again.closed)).toEqual(close(WEB_CALL_CLOSE.tokenUsed));
    expect(again.events).toEqual([]);
  });

  it('a second connection to a connected call is closed 4409; the first one carries on', async () => {
    const created = await h.createWebCall(agentId);
    const first = await connect(created.socketUrl);
    await first.waitFor('the greeting', (e) => e.type === 'transcript' && e.role === 'agent');
    const second = await connect(created.socketUrl);
    expect(close(await second.closed)).toEqual(close(WEB_CALL_CLOSE.alreadyConnected));
    expect(second.events).toEqual([]);
    expect((await h.session(created.session_id)).status).toBe('in_progress');
    expect((await h.endWebCall(created.session_id)).status).toBe(200);
    expect(await first.closed).toEqual({ code: 1000, reason: 'ended_by_user' });
  });

  it.each([
    ['a frame of the wrong size', 4400, (ws: import('ws').WebSocket) => ws.send(Buffer.alloc(641), { binary: true }), WEB_CALL_CLOSE.badFrame],
    ['half a frame', 4400, (ws: import('ws').WebSocket) => ws.send(Buffer.alloc(320), { binary: true }), WEB_CALL_CLOSE.badFrame],
    ['a text message', 4415, (ws: import('ws').WebSocket) => ws.send('{"type":"hello"}'), WEB_CALL_CLOSE.textFrame],
  ])('%s closes the socket %i and ends the call with that reason', async (_what, code, send, expected) => {
    const created = await h.createWebCall(agentId);
    const browser = await connect(created.socketUrl);
    await browser.waitFor('connecting', (e) => e.type === 'state');
    send(browser.ws);
    expect(close(await browser.closed)).toEqual({ code, reason: expected.reason });
    expect(browser.eventsOf('ended')).toEqual([]);
    expect(await h.ended(created.session_id)).toMatchObject({ status: 'completed', endReason: expected.reason });
  });

  it('a message over 64 KiB is cut off by the WebSocket layer before it is read whole (1009)', async () => {
    const created = await h.createWebCall(agentId);
    const browser = await connect(created.socketUrl);
    browser.ws.send(Buffer.alloc(65 * 1024), { binary: true });
    expect((await browser.closed).code).toBe(1009);
    expect(await h.ended(created.session_id)).toMatchObject({ endReason: 'caller_hangup' });
  });
});

import { WEB_CALL_CLOSE } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { LinkEnd } from '../sandbox/web-call';
import { SocketLink } from './web-call-link';

const CAP = 64 * 1024;
const FRAME = Buffer.alloc(640, 7);

/** A real WebSocket pair on loopback: the server's end wrapped in a SocketLink, the client a plain `ws` client. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => client.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve) => client.once('open', () => resolve()));
  const server = await accepted;
  const link = new SocketLink(server, { maxBufferedBytes: CAP });
  const heard: Buffer[] = [];
  const gone: LinkEnd[] = [];
  link.attach({ audio: (f) => heard.push(f), gone: (why) => gone.push(why) });
  return { wss, client, server, link, heard, gone, closed, stop: () => new Promise<void>((resolve) => wss.close(() => resolve())) };
}

describe('SocketLink (a web call over a real WebSocket)', () => {
  it('hands on whole 640-byte frames, and tells the listener once when the browser closes', async () => {
    const p = await pair();
    try {
      p.client.send(FRAME, { binary: true });
      p.client.send(Buffer.alloc(640, 9), { binary: true });
      await pollUntil(() => p.heard.length === 2, { description: 'two frames heard' });
      expect(p.heard.map((f) => [f.length, f[0]])).toEqual([[640, 7], [640, 9]]);
      p.client.close(1000);
      await pollUntil(() => p.gone.length > 0, { description: 'the link gone' });
      expect(p.gone).toEqual(['caller_hangup']);
      expect(p.link.gone).toBe('caller_hangup');
    } finally {
      await p.stop();
    }
  });

  it.each([
    ['a text message', (ws: WebSocket) => ws.send('hello'), WEB_CALL_CLOSE.textFrame],
    ['a 641-byte frame', (ws: WebSocket) => ws.send(Buffer.alloc(641), { binary: true }), WEB_CALL_CLOSE.badFrame],
    ['an empty frame', (ws: WebSocket) => ws.send(Buffer.alloc(0), { binary: true }), WEB_CALL_CLOSE.badFrame],
  ])('%s closes the socket with its code and nothing reaches the listener after it', async (_what, send, close) => {
    const p = await pair();
    try {
      send(p.client);
      p.client.send(FRAME, { binary: true });
      expect(await p.closed).toEqual({ code: close.code, reason: close.reason });
      expect(p.gone).toEqual([close.reason]);
      expect(p.heard).toEqual([]);
    } finally {
      await p.stop();
    }
  });

  it('a client that stops reading is cut off once the unsent audio passes the cap (4408): it never holds more than the cap and a frame', async () => {
    const p = await pair();
    try {
      p.client.pause();
      let sent = 0;
      let mostBuffered = 0;
      // The agent's audio, as fast as it comes: loopback TCP takes a few megabytes before anything waits here (at most 12.8 MB sent).
      while (!p.link.gone && sent < 20_000) {
        p.link.sendAudio(FRAME);
        sent++;
        mostBuffered = Math.max(mostBuffered, p.server.bufferedAmount);
        if (sent % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(p.link.gone).toBe('slow_reader');
      expect(p.gone).toEqual(['slow_reader']);
      expect(mostBuffered).toBeLessThanOrEqual(CAP + FRAME.length);
      // Nothing more is queued once cut off.
      const after = p.server.bufferedAmount;
      p.link.sendAudio(FRAME);
      p.link.sendEvent({ type: 'state', state: 'speaking' });
      expect(p.server.bufferedAmount).toBeLessThanOrEqual(after + 64);
      let received = 0;
      p.client.on('message', () => received++);
      p.client.resume();
      expect(await p.closed).toEqual({ code: WEB_CALL_CLOSE.slowReader.code, reason: WEB_CALL_CLOSE.slowReader.reason });
      expect(received).toBeLessThan(sent);
    } finally {
      await p.stop();
    }
  });
});

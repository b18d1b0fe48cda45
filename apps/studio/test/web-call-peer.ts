import type { AddressInfo } from 'node:net';
import type { WebCallEvent } from '@callplane/contracts';
import { WebSocketServer, type WebSocket } from 'ws';

/** One socket the browser opened, as the peer saw it. */
export interface PeerCall {
  path: string;
  /** Every binary message the browser sent (its microphone), in order. */
  frames: Buffer[];
  /** Text messages from the browser (the protocol has none). */
  texts: string[];
  closed: { code: number; reason: string } | null;
  send(event: WebCallEvent): void;
  /** One 640-byte frame of the agent's audio. */
  sendAudio(frame: Buffer): void;
  close(code: number, reason: string): void;
}

/**
 * The voice agent's end of API.md's sandbox web call socket, driven by the test: it records what the browser sends
 * and sends what the test says (events, 16 kHz PCM frames), so the panel can be held to exact signals and to edge
 * cases the real voice agent does not produce on demand (the end to end spec runs against the real one).
 */
export class WebCallPeer {
  readonly calls: PeerCall[] = [];
  #wss: WebSocketServer | null = null;

  async start(): Promise<string> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.#wss = wss;
    wss.on('connection', (ws: WebSocket, req) => {
      const call: PeerCall = {
        path: req.url ?? '',
        frames: [],
        texts: [],
        closed: null,
        send: (event) => ws.send(JSON.stringify(event)),
        sendAudio: (frame) => ws.send(frame, { binary: true }),
        close: (code, reason) => ws.close(code, reason),
      };
      ws.on('message', (data, isBinary) => (isBinary ? call.frames.push(Buffer.from(data as Buffer)) : call.texts.push(String(data))));
      ws.on('close', (code, reason) => (call.closed = { code, reason: reason.toString() }));
      this.calls.push(call);
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.#wss?.clients ?? []) ws.terminate();
    await new Promise<void>((resolve) => (this.#wss ? this.#wss.close(() => resolve()) : resolve()));
  }
}

/** `seconds` of a sine as 640-byte frames of 16 kHz 16-bit little-endian PCM. */
export function sineFrames(hz: number, amplitude: number, seconds: number): Buffer[] {
  const frames: Buffer[] = [];
  const total = Math.round(16_000 * seconds);
  for (let start = 0; start < total; start += 320) {
    const frame = Buffer.alloc(640);
    for (let i = 0; i < 320; i++) frame.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * (start + i)) / 16_000)), i * 2);
    frames.push(frame);
  }
  return frames;
}

/** 16-bit little-endian PCM as floats. */
export function pcmSamples(frames: Buffer[]): Float32Array {
  const all = Buffer.concat(frames);
  return Float32Array.from({ length: all.length / 2 }, (_, i) => all.readInt16LE(i * 2) / 32768);
}

/** The amplitude of the `hz` component of `x` at `rate` (Goertzel over the whole block). */
export function amplitudeAt(x: Float32Array, hz: number, rate: number): number {
  const w = (2 * Math.PI * hz) / rate;
  let re = 0;
  let im = 0;
  for (let n = 0; n < x.length; n++) {
    re += x[n]! * Math.cos(w * n);
    im -= x[n]! * Math.sin(w * n);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** A mono 16-bit WAV file of a sine, for Chromium's fake microphone (`--use-file-for-fake-audio-capture`). */
export function sineWav(hz: number, amplitude: number, seconds: number, rate: number): Buffer {
  const n = Math.round(rate * seconds);
  const wav = Buffer.alloc(44 + n * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + n * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) wav.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return wav;
}

import { WEB_CALL_AUDIO, WEB_CALL_CLOSE, type WebCallClose, type WebCallEvent } from '@callplane/contracts';
import { WebSocket, type RawData } from 'ws';
import type { LinkEnd, WebCallLink } from '../sandbox/web-call';

/** Who the link hands the caller's audio to, and tells when it goes. */
export interface LinkListener {
  audio(frame: Buffer): void;
  gone(why: LinkEnd): void;
}

/**
 * A web call's browser over a WebSocket, with the protocol's rules on both directions. In: only binary messages of one
 * 640-byte frame; a text message (4415) or a frame of another size (4400) closes the socket. Out: the agent's frames,
 * unless the socket already holds more than `maxBufferedBytes` unsent (TCP's buffers are full: the client stopped
 * reading), which closes it 4408, so a stalled client costs at most that much memory here. Either way the listener is
 * told the link is gone, as when the browser closes it.
 */
export class SocketLink implements WebCallLink {
  readonly #ws: WebSocket;
  readonly #maxBufferedBytes: number;
  #listener: LinkListener | null = null;
  #gone: LinkEnd | null = null;

  constructor(ws: WebSocket, opts: { maxBufferedBytes: number }) {
    this.#ws = ws;
    this.#maxBufferedBytes = opts.maxBufferedBytes;
    ws.on('message', (data, isBinary) => {
      if (this.#gone) return;
      if (!isBinary) return this.#cut(WEB_CALL_CLOSE.textFrame.reason, WEB_CALL_CLOSE.textFrame);
      const frame = asBuffer(data);
      if (frame.length !== WEB_CALL_AUDIO.frameBytes) return this.#cut(WEB_CALL_CLOSE.badFrame.reason, WEB_CALL_CLOSE.badFrame);
      this.#listener?.audio(frame);
    });
    ws.on('close', () => this.#cut('caller_hangup'));
  }

  /** Why the link went, or null while it is up. */
  get gone(): LinkEnd | null {
    return this.#gone;
  }

  /** From now on the caller's frames go to `listener` (earlier ones are dropped); told at once if the link already went. */
  attach(listener: LinkListener): void {
    this.#listener = listener;
    if (this.#gone) listener.gone(this.#gone);
  }

  /** Refuses the connection: the close code, and nothing else. */
  refuse(close: WebCallClose): void {
    this.#gone ??= 'caller_hangup';
    this.#closeSocket(close.code, close.reason);
  }

  sendAudio(frame: Buffer): void {
    if (this.#gone || this.#ws.readyState !== WebSocket.OPEN) return;
    if (this.#ws.bufferedAmount > this.#maxBufferedBytes) return this.#cut(WEB_CALL_CLOSE.slowReader.reason, WEB_CALL_CLOSE.slowReader);
    this.#ws.send(frame, { binary: true });
  }

  sendEvent(event: WebCallEvent): void {
    if (!this.#gone && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(event));
  }

  close(close: WebCallClose, reason?: string): void {
    this.#closeSocket(close.code, reason ?? close.reason);
  }

  #cut(why: LinkEnd, close?: WebCallClose): void {
    if (this.#gone) return;
    this.#gone = why;
    if (close) this.#closeSocket(close.code, close.reason);
    this.#listener?.gone(why);
  }

  #closeSocket(code: number, reason: string): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
  }
}

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

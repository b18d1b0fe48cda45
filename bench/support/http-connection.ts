import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/**
 * One keep-alive HTTP/1.1 connection writing pre-built request bytes, one request in flight at a time.
 * It understands just enough HTTP to find where an answer ends (Content-Length or chunked), which keeps
 * the generator's own cost per request far below the servers' it measures.
 */
export class HttpConnection {
  private socket!: Socket;
  private buffered: Buffer | null = null;
  private startedAt = 0;
  private inFlight = false;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onAnswer: (conn: HttpConnection, answer: Answer | Error, startedAt: number) => void,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = socket;
      this.buffered = null;
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      // A replaced socket's late events must not touch the request now in flight on its successor.
      socket.on('data', (chunk: Buffer) => socket === this.socket && this.onData(chunk));
      socket.on('error', () => undefined); // reported through 'close'
      socket.on('close', () => {
        if (socket === this.socket && this.inFlight) this.finish(new Error('connection closed before the answer'));
      });
    });
  }

  /** `startedAt` is what latency is measured from: the send time, or when an open-loop request was due. */
  send(request: Buffer, startedAt: number): void {
    this.startedAt = startedAt;
    this.inFlight = true;
    if (this.socket.destroyed) {
      this.open().then(
        () => this.socket.write(request),
        (err: unknown) => this.finish(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    this.socket.write(request);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const parsed = parseAnswer(this.buffered);
    if (!parsed) return;
    this.buffered = null;
    if (parsed instanceof Error) {
      this.socket.destroy();
      this.finish(parsed);
      return;
    }
    this.finish(parsed);
  }

  private finish(answer: Answer | Error): void {
    if (!this.inFlight || this.closed) return;
    this.inFlight = false;
    this.onAnswer(this, answer, this.startedAt);
  }
}

/** A complete answer, an Error for one we cannot frame, or null while bytes are still missing. */
function parseAnswer(buf: Buffer): Answer | Error | null {
  const headerEnd = buf.indexOf('\r\n\r\n');
  if (headerEnd < 0) return null;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return buf.length < end ? null : { status, body: buf.toString('utf8', bodyStart, end) };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buf.indexOf('\r\n0\r\n\r\n', headerEnd);
    return last < 0 ? null : { status, body: buf.toString('utf8', bodyStart, last) };
  }
  return new Error(`answer without Content-Length or chunked encoding: ${head.split('\r\n')[0]}`);
}

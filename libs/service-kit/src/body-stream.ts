import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { AppError } from './errors';

export interface StreamedBody {
  /** The body's bytes as they arrive, with backpressure; errors `413 payload_too_large` past the limit. */
  stream: Readable;
  /**
   * Reads off and drops whatever the consumer left unread, resolving when the request has ended. Await it before
   * answering a request whose body was not read to the end (a refusal after the header of a CSV): answering while
   * the client is still sending would cut its upload off instead of showing it the answer.
   */
  discard(): Promise<void>;
}

/**
 * A request body read as a stream, for uploads too large to hold as one parsed value (a contact list as CSV). The
 * limit is checked on Content-Length first and again on the bytes that arrive (a chunked body has no length). Like
 * body-parser, a body past the limit is read off before the 413, so the client sees the answer rather than a reset.
 * Only identity-encoded bodies: anything else is `415 unsupported_media_type`.
 */
export function streamBody(req: IncomingMessage, opts: { limit: number }): StreamedBody {
  const out = new PassThrough();
  const ended = new Promise<void>((resolve) => {
    if (req.readableEnded || req.destroyed) resolve();
    else req.once('end', resolve).once('close', resolve);
  });
  const discard = async () => {
    req.unpipe(out);
    req.resume();
    await ended;
  };
  const fail = (err: AppError) => {
    req.unpipe(out);
    // The error is raised once the request has been read off, so the answer that follows it reaches the client.
    void discard().then(() => out.destroy(err));
  };

  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    fail(new AppError('unsupported_media_type', 'Send the body uncompressed (no Content-Encoding).'));
    return { stream: out, discard };
  }
  const tooLarge = () => new AppError('payload_too_large', `The request body is larger than ${opts.limit} bytes, the most this service accepts. Split the upload into smaller files.`);
  if (Number(req.headers['content-length']) > opts.limit) {
    fail(tooLarge());
    return { stream: out, discard };
  }
  let received = 0;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received > opts.limit) {
      req.off('data', count);
      fail(tooLarge());
    }
  };
  // Past the limit the body is unpiped before it ends, so the consumer never sees a complete body, only the 413.
  req.on('data', count);
  req.once('close', () => {
    if (!req.readableEnded) out.destroy(new AppError('validation_failed', 'The upload was interrupted before the body ended.'));
  });
  req.pipe(out);
  return { stream: out, discard };
}

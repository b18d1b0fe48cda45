import type { VAD } from '@livekit/agents';

const GUARDED = Symbol('callplane.vadCloseGuard');

/**
 * Works around @livekit/agents 1.8.1: when a session closes, the STT StreamAdapter closes its VAD stream after
 * that stream's output has already been closed (its input ended first). `VADStream.close()` then calls
 * `output.writable.close()` again without awaiting it, and the rejected promise (`ERR_INVALID_STATE:
 * WritableStream is closed`) is unhandled, which takes the whole process down (stack: voice/agent.ts cleanup →
 * stt/stream_adapter.ts close → vad.ts close). Every call with a non-streaming STT ends this way, so the
 * worker would die per call. This swallows that one rejection; remove it when upstream awaits or guards it.
 */
export function guardVadStreamClose<T extends VAD>(vad: T): T {
  const marked = vad as T & { [GUARDED]?: true };
  if (marked[GUARDED]) return vad;
  const open = vad.stream.bind(vad);
  vad.stream = () => {
    const stream = open();
    const writable = (stream as unknown as { output?: { writable?: WritableStream } }).output?.writable;
    if (writable) {
      const close = writable.close.bind(writable);
      writable.close = () =>
        close().catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'ERR_INVALID_STATE') throw err;
        });
    }
    return stream;
  };
  marked[GUARDED] = true;
  return vad;
}

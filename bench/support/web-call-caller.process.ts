/**
 * The websocket transport's load generator: the browsers of the bench's web calls, in a process of their own so that
 * reading the agent's audio does not wait on the service's event loop (a browser is on another machine). Forked by
 * voice-websocket.ts; speaks over IPC only: for each `call`, joins the socket, waits for the greeting to play out, then
 * says the caller's line `1 + turns` times (the first a warm-up), each time waiting for the reply's first audio byte and
 * for the agent to be listening again, then a 200–600 ms pause; then hangs up (closes the socket) and reports `done`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { callerLine } from './caller-line';
import { BenchBrowser } from './web-call-browser';
import { monotonicMs, type CallerTurn, type FromCaller, type ToCaller } from './web-call-caller-types';

const TURN_TIMEOUT_MS = 15_000;

const send = (msg: FromCaller) => new Promise<void>((resolve) => process.send!(msg, undefined, undefined, () => resolve()));

async function until<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const started = monotonicMs();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (monotonicMs() - started > TURN_TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function call({ id, url, turns }: ToCaller): Promise<void> {
  const line = await callerLine();
  const browser = new BenchBrowser(url);
  const said: CallerTurn[] = [];
  let error: string | undefined;
  try {
    await browser.opened;
    browser.startMicrophone();
    await until(() => browser.audioFrames > 0 && browser.listeningSince(browser.lastAudioAt), 'the greeting to play out');
    for (let t = 0; t < turns + 1; t++) {
      const turn: CallerTurn = { saidAt: monotonicMs(), lastSpeechSentAt: 0 };
      said.push(turn);
      browser.say(line);
      try {
        const replyAt = await until(() => browser.replyAt, 'the reply');
        turn.replyAt = replyAt;
        turn.lastSpeechSentAt = browser.lastSpeechSentAt;
        await until(() => browser.listeningSince(replyAt), 'the reply to play out');
      } catch (err) {
        turn.error = err instanceof Error ? err.message : String(err);
        turn.lastSpeechSentAt = browser.lastSpeechSentAt;
        // Let whatever is late settle before the next turn, so it is not taken for that turn's reply.
        await sleep(2_000);
      }
      await sleep(200 + Math.random() * 400);
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    browser.stopMicrophone();
    // The caller hangs up: the call ends `caller_hangup`, as when the browser's tab closes.
    browser.ws.close(1000);
    await browser.closed;
  }
  await send({ type: 'done', id, turns: said, audioFrames: browser.audioFrames, oddFrames: browser.oddFrames, ...(error ? { error } : {}) });
}

process.on('message', (msg: ToCaller) => {
  if (msg.type === 'call') void call(msg);
});
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready' });

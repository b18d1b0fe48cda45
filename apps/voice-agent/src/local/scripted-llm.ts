import { DEFAULT_API_CONNECT_OPTIONS, llm, type APIConnectOptions } from '@livekit/agents';
import { randomUUID } from 'node:crypto';

/**
 * The scripted intents the local LLM stand-in follows, written in the agent's system prompt, one per line:
 *
 *     INTENT price | how much | cost => It is ten dollars a month.
 *     INTENT bye | goodbye | that's all => Thanks for calling, goodbye! [end_call]
 *     FALLBACK => Sorry, could you say that again?
 *
 * - Lines may sit anywhere in the prompt (other prose is ignored); keywords are case-insensitive phrases
 *   separated by `|`, matched as whole words against the caller's last utterance. The first matching
 *   INTENT wins.
 * - A line no INTENT covers is answered by the prompt's FALLBACK line when it has one. A prompt written for a real
 *   model has neither, and must still make sense on the local stack (the sandbox, a first try with no keys): a caller
 *   who says goodbye hears "Goodbye!" and the agent hangs up; anything else gets an honest answer, saying what was
 *   heard and that real replies need an LLM key, instead of pretending not to have heard.
 * - A reply ending in `[end_call]` is spoken, then the `end_call` tool is called so the agent hangs up.
 * - `{{variables}}` in those lines are filled like the rest of the prompt, before the LLM sees it.
 */
export interface ScriptedIntent {
  keywords: string[];
  reply: string;
  endCall: boolean;
}

export interface Script {
  intents: ScriptedIntent[];
  /** The prompt's FALLBACK line; null when it has none. */
  fallback: ScriptedIntent | null;
}

export type ScriptedReply = Pick<ScriptedIntent, 'reply' | 'endCall'>;

/** Covers the end of any conversation, after the prompt's own intents (which may say goodbye their way). */
const GOODBYE: ScriptedIntent = { keywords: ['bye', 'goodbye', 'good bye'], reply: 'Goodbye!', endCall: true };
const INTENT_LINE = /^\s*INTENT\s+(.+?)\s*=>\s*(.+?)\s*$/;
const FALLBACK_LINE = /^\s*FALLBACK\s*=>\s*(.+?)\s*$/;
const END_CALL_MARK = /\s*\[end_call\]\s*$/i;

export function parseScript(prompt: string): Script {
  const intents: ScriptedIntent[] = [];
  let fallback: ScriptedIntent | null = null;
  for (const line of prompt.split(/\r?\n/)) {
    const intent = INTENT_LINE.exec(line);
    if (intent) {
      const keywords = intent[1]!.split('|').map(normalise).filter((k) => k.length > 0);
      if (keywords.length > 0) intents.push({ keywords, ...reply(intent[2]!) });
      continue;
    }
    const fb = FALLBACK_LINE.exec(line);
    if (fb) fallback = { keywords: [], ...reply(fb[1]!) };
  }
  return { intents, fallback };
}

/** The answer to the caller's last utterance: a matching INTENT, goodbye, the FALLBACK line, or the honest reply. */
export function replyTo(script: Script, utterance: string): ScriptedReply {
  const said = ` ${normalise(utterance)} `;
  const heard = (i: ScriptedIntent) => i.keywords.some((k) => said.includes(` ${k} `));
  const chosen = script.intents.find(heard) ?? (heard(GOODBYE) ? GOODBYE : null) ?? script.fallback;
  return chosen ? { reply: chosen.reply, endCall: chosen.endCall } : { reply: honestReply(utterance), endCall: false };
}

/** What the stand-in says to a line it has no answer for: what it heard, and why it cannot say more. Short: it is spoken. */
export function honestReply(utterance: string): string {
  const heard = utterance.trim().replace(/[\s.!?,;:]+$/u, '');
  if (!heard) return "Sorry, I didn't catch that.";
  return `I heard: ${heard}. I'm a test model: real replies need an LLM key.`;
}

function reply(text: string): { reply: string; endCall: boolean } {
  return { reply: text.replace(END_CALL_MARK, ''), endCall: END_CALL_MARK.test(text) };
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Roughly what a BPE tokenizer counts for English (4 characters a token), so usage is never zero. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** Local LLM stand-in: answers from the prompt's scripted intents, instantly, with no network. */
export class ScriptedIntentLLM extends llm.LLM {
  label(): string {
    return 'local.ScriptedIntentLLM';
  }

  override get provider(): string {
    return 'local';
  }

  override get model(): string {
    return 'scripted-intents';
  }

  chat({ chatCtx, toolCtx, connOptions = DEFAULT_API_CONNECT_OPTIONS }: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions?: APIConnectOptions }): llm.LLMStream {
    return new ScriptedIntentStream(this, { chatCtx, toolCtx, connOptions });
  }
}

class ScriptedIntentStream extends llm.LLMStream {
  protected async run(): Promise<void> {
    const items = this.chatCtx.items;
    const last = items[items.length - 1];
    // Only a caller's turn gets an answer: after a tool result (end_call) there is nothing more to say.
    if (!last || last.type !== 'message' || last.role !== 'user') return;
    const prompt = items
      .filter((i): i is llm.ChatMessage => i.type === 'message' && (i.role === 'system' || i.role === 'developer'))
      .map((i) => i.textContent ?? '')
      .join('\n');
    const intent = replyTo(parseScript(prompt), last.textContent ?? '');
    const id = randomUUID();
    this.queue.put({ id, delta: { role: 'assistant', content: intent.reply } });
    if (intent.endCall) {
      this.queue.put({ id, delta: { role: 'assistant', toolCalls: [llm.FunctionCall.create({ callId: `end_call_${id}`, name: 'end_call', args: '{}' })] } });
    }
    const promptTokens = estimateTokens(items.map((i) => (i.type === 'message' ? (i.textContent ?? '') : '')).join('\n'));
    const completionTokens = estimateTokens(intent.reply);
    this.queue.put({ id, usage: { promptTokens, completionTokens, promptCachedTokens: 0, totalTokens: promptTokens + completionTokens } });
  }
}

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
 *   INTENT wins; with none, the FALLBACK line (or a built-in "could you repeat that") answers.
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
  fallback: ScriptedIntent;
}

const DEFAULT_FALLBACK: ScriptedIntent = { keywords: [], reply: 'Sorry, could you say that again?', endCall: false };
const INTENT_LINE = /^\s*INTENT\s+(.+?)\s*=>\s*(.+?)\s*$/;
const FALLBACK_LINE = /^\s*FALLBACK\s*=>\s*(.+?)\s*$/;
const END_CALL_MARK = /\s*\[end_call\]\s*$/i;

export function parseScript(prompt: string): Script {
  const intents: ScriptedIntent[] = [];
  let fallback = DEFAULT_FALLBACK;
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

export function matchIntent(script: Script, utterance: string): ScriptedIntent {
  const said = ` ${normalise(utterance)} `;
  return script.intents.find((i) => i.keywords.some((k) => said.includes(` ${k} `))) ?? script.fallback;
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
    const intent = matchIntent(parseScript(prompt), last.textContent ?? '');
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

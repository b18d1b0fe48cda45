import type { WebCallEvent } from '@callplane/contracts';

/** The agent's side of the conversation, as API.md names its states. */
export const AGENT_STATES = ['connecting', 'listening', 'thinking', 'speaking'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** The server's text messages on the sandbox socket (API.md "Web calls"). */
export type ServerEvent = WebCallEvent;

/** One of API.md's events, or null for anything else. */
export function parseServerEvent(text: string): ServerEvent | null {
  let e: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    e = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  if (e.type === 'state' && AGENT_STATES.includes(e.state as AgentState)) return { type: 'state', state: e.state as AgentState };
  if (e.type === 'transcript' && (e.role === 'agent' || e.role === 'caller') && typeof e.text === 'string' && typeof e.final === 'boolean') {
    return { type: 'transcript', role: e.role, text: e.text, final: e.final };
  }
  if (e.type === 'ended' && typeof e.reason === 'string') return { type: 'ended', reason: e.reason };
  return null;
}

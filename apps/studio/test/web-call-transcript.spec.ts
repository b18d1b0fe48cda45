import { parseServerEvent } from '../src/web-call/server-events';
import { applyTranscript, type TranscriptLine, type TranscriptUpdate } from '../src/web-call/transcript';

function replay(updates: TranscriptUpdate[]): TranscriptLine[] {
  let key = 0;
  return updates.reduce<TranscriptLine[]>((lines, u) => applyTranscript(lines, u, () => ++key), []);
}
const shown = (lines: TranscriptLine[]) => lines.map((l) => `${l.role}${l.final ? '' : '…'}: ${l.text}`);

describe('the live transcript', () => {
  it('replaces a partial line as it grows and by its final text, then starts a new line', () => {
    const lines = replay([
      { role: 'agent', text: 'Hi, this is Ava.', final: true },
      { role: 'caller', text: 'what', final: false },
      { role: 'caller', text: 'what does it', final: false },
      { role: 'caller', text: 'What does it cost?', final: true },
      { role: 'agent', text: 'It is ten dollars a month.', final: true },
      { role: 'caller', text: 'thanks', final: false },
    ]);
    expect(shown(lines)).toEqual(['agent: Hi, this is Ava.', 'caller: What does it cost?', 'agent: It is ten dollars a month.', 'caller…: thanks']);
    // The line keeps its key while it changes: the list item is updated, not replaced.
    expect(lines.map((l) => l.key)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a speaker’s open line while the other speaks, and drops it when the final text is empty', () => {
    const lines = replay([
      { role: 'caller', text: 'hello', final: false },
      { role: 'agent', text: 'Sorry, go on.', final: true },
      { role: 'caller', text: 'hello there', final: true },
      { role: 'caller', text: 'um', final: false },
      { role: 'caller', text: '  ', final: true },
    ]);
    expect(shown(lines)).toEqual(['caller: hello there', 'agent: Sorry, go on.']);
  });

  it('follows segments when the transport names them (LiveKit): each segment is its own line', () => {
    const lines = replay([
      { role: 'agent', text: 'Hi,', final: false, segment: 'a1' },
      { role: 'caller', text: 'hel', final: false, segment: 'c1' },
      { role: 'agent', text: 'Hi, how can I help?', final: true, segment: 'a1' },
      { role: 'caller', text: 'hello', final: true, segment: 'c1' },
      { role: 'caller', text: 'price', final: false, segment: 'c2' },
    ]);
    expect(shown(lines)).toEqual(['agent: Hi, how can I help?', 'caller: hello', 'caller…: price']);
  });
});

describe('the sandbox socket’s events (API.md "Web calls")', () => {
  it('reads the three kinds of event', () => {
    expect(parseServerEvent('{"type":"state","state":"speaking"}')).toEqual({ type: 'state', state: 'speaking' });
    expect(parseServerEvent('{"type":"transcript","role":"caller","text":"hi","final":false}')).toEqual({ type: 'transcript', role: 'caller', text: 'hi', final: false });
    expect(parseServerEvent('{"type":"ended","reason":"max_duration"}')).toEqual({ type: 'ended', reason: 'max_duration' });
  });

  it('ignores anything else instead of acting on it', () => {
    for (const text of ['', 'not json', 'null', '[]', '"state"', '{"type":"state","state":"dancing"}', '{"type":"transcript","role":"bot","text":"x","final":true}', '{"type":"transcript","role":"agent","text":"x"}', '{"type":"ended"}', '{"type":"hello"}']) {
      expect(parseServerEvent(text)).toBeNull();
    }
  });
});

import { honestReply, parseScript, replyTo } from './scripted-llm';

/** The local LLM stand-in's answers: the prompt's INTENT lines first, and something sensible for any other prompt. */
describe('scripted intents (local LLM)', () => {
  const scripted = parseScript(
    [
      'You are Ava from Acme. Be brief.',
      'INTENT cost | price | how much => It is ten dollars a month.',
      "INTENT goodbye | bye | that's all => Thanks Asha, goodbye! [end_call]",
      'FALLBACK => Sorry, could you say that again?',
    ].join('\n'),
  );

  it('answers from the first INTENT whose keywords the caller said, as whole words, whatever the case', () => {
    expect(replyTo(scripted, 'Hi, HOW MUCH does it cost?')).toEqual({ reply: 'It is ten dollars a month.', endCall: false });
    expect(replyTo(scripted, "OK, that's all. Bye.")).toEqual({ reply: 'Thanks Asha, goodbye!', endCall: true });
    // "pricey" is not "price".
    expect(replyTo(scripted, 'That sounds pricey')).toEqual({ reply: 'Sorry, could you say that again?', endCall: false });
  });

  describe("a prompt written for a real model (no INTENT lines), such as the README's first agent", () => {
    const plain = parseScript('You are a friendly support agent.');

    it('has no script of its own', () => {
      expect(plain).toEqual({ intents: [], fallback: null });
    });

    it('answers honestly: what it heard, and that real replies need an LLM key', () => {
      const { reply, endCall } = replyTo(plain, 'Hi, how much does it cost?');
      expect(reply).toBe("I heard: Hi, how much does it cost. I'm a test model: real replies need an LLM key.");
      expect(endCall).toBe(false);
      expect(replyTo(plain, 'Where is my order')).toEqual({ reply: honestReply('Where is my order'), endCall: false });
      expect(honestReply('Where is my order')).toContain('I heard: Where is my order.');
    });

    it('says goodbye and hangs up when the caller does', () => {
      for (const line of ['Okay, thank you. Goodbye.', 'bye then', 'Good bye!']) expect(replyTo(plain, line)).toEqual({ reply: 'Goodbye!', endCall: true });
      expect(replyTo(plain, 'Is the byelaw clear?').endCall).toBe(false);
    });

    it('does not claim to have heard words when nothing was said', () => {
      expect(replyTo(plain, '  ')).toEqual({ reply: "Sorry, I didn't catch that.", endCall: false });
    });
  });

  it("keeps the prompt's own goodbye and FALLBACK ahead of the built-in ones", () => {
    const own = parseScript(['INTENT bye => See you, Ben! [end_call]', 'FALLBACK => Pardon?'].join('\n'));
    expect(replyTo(own, 'Bye now')).toEqual({ reply: 'See you, Ben!', endCall: true });
    expect(replyTo(own, 'What are your hours?')).toEqual({ reply: 'Pardon?', endCall: false });
    // With only a FALLBACK, goodbye still ends the call rather than asking the caller to repeat it.
    expect(replyTo(parseScript('FALLBACK => Pardon?'), 'Goodbye')).toEqual({ reply: 'Goodbye!', endCall: true });
  });
});

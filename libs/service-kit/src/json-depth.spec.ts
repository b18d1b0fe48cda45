import { MAX_JSON_DEPTH, refuseDeepJson } from './json-depth';

const nested = (depth: number, inner = '1') => Buffer.from('['.repeat(depth) + inner + ']'.repeat(depth));

describe('refuseDeepJson', () => {
  it(`lets JSON nest ${MAX_JSON_DEPTH} levels and refuses one more, as a 400 naming the body`, () => {
    expect(() => refuseDeepJson(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => refuseDeepJson(Buffer.from(`{"a":${'{"b":'.repeat(MAX_JSON_DEPTH - 1)}1${'}'.repeat(MAX_JSON_DEPTH)}`))).not.toThrow();
    let thrown: unknown;
    try {
      refuseDeepJson(nested(MAX_JSON_DEPTH + 1));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ status: 400, code: 'validation_failed', details: [{ field: '(body)', message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }] });
  });

  it('refuses a million levels without overflowing, and counts only brackets outside strings', () => {
    expect(() => refuseDeepJson(nested(1_000_000))).toThrow(/levels deep/);
    const inString = `{"a":"${'['.repeat(1_000)}\\"${'{'.repeat(1_000)}","b":["]]]]"]}`;
    expect(() => refuseDeepJson(Buffer.from(inString))).not.toThrow();
    // Many siblings are no depth: a long flat list passes.
    expect(() => refuseDeepJson(Buffer.from(`[${'[1],'.repeat(10_000)}[1]]`))).not.toThrow();
  });
});

import { z } from 'zod';
import { validationError } from './errors';

describe('validationError', () => {
  const schema = z.object({ name: z.string(), voice: z.object({ greeting: z.string() }).strict() }).strict();

  test('names each unknown field where it stands, one entry per field', () => {
    const res = schema.safeParse({ name: 'x', colour: 'red', size: 2, voice: { greeting: 'hi', speed: 2 } });
    const err = validationError((res as { error: z.ZodError }).error, 'body');
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_failed');
    expect(err.details).toEqual(
      expect.arrayContaining([
        { field: 'colour', message: 'is not a known field' },
        { field: 'size', message: 'is not a known field' },
        { field: 'voice.speed', message: 'is not a known field' },
      ]),
    );
    expect(err.message).toContain('voice.speed');
  });

  test('says "is required" for a missing field and prefixes query and path parameters', () => {
    const res = schema.safeParse({ voice: {} });
    expect(validationError((res as { error: z.ZodError }).error, 'body').details).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'is required' },
        { field: 'voice.greeting', message: 'is required' },
      ]),
    );
    const q = z.object({ limit: z.number() }).safeParse({});
    expect(validationError((q as { error: z.ZodError }).error, 'query').details).toEqual([{ field: 'query.limit', message: 'is required' }]);
  });
});

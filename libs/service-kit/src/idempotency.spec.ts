import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { connectPostgres, type Database } from '@callplane/db';
import { BackendTerminator, pollUntil } from '@callplane/testing';
import { ApiRouter } from './api-router';
import { AppError } from './errors';
import { createHttpApp } from './http-app';
import { fingerprint, prismaIdempotencyStore, type IdempotencyStore } from './idempotency';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { listen, type Listening } from './server';

let db: Database;
beforeAll(() => {
  db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
});
afterAll(async () => {
  await db.close();
});
const newKey = () => `key-${randomBytes(6).toString('hex')}`;

describe('prismaIdempotencyStore through a lost database connection', () => {
  const fp = fingerprint('post', '/things', { name: 'a' });

  it.each(['complete', 'abandon'] as const)('%s() is tried again until it lands', async (step) => {
    const store = prismaIdempotencyStore(db.prisma);
    const scope = `usr_${randomBytes(6).toString('hex')}`;
    const key = newKey();
    expect(await store.begin(scope, key, fp)).toEqual({ kind: 'new' });
    const terminator = new BackendTerminator(process.env.DATABASE_URL!);
    await terminator.connect();
    // Another connection holds the record: the write waits for it, and its connection is ended there.
    const holder = await db.pool!.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT key FROM idempotency_records WHERE scope = $1 AND key = $2 FOR UPDATE', [scope, key]);
      const writing = step === 'complete' ? store.complete(scope, key, 201, { id: 'thing_1' }) : store.abandon(scope, key);
      await pollUntil(async () => (await terminator.terminateWaitingOnLocks()) > 0, { description: `${step}() waiting for the record` });
      await pollUntil(async () => (await terminator.waitingOnLocks()) > 0, { description: `${step}() tried again` });
      await holder.query('COMMIT');
      await writing;
    } finally {
      holder.release();
      await terminator.stop();
    }
    expect(await store.begin(scope, key, fp)).toEqual(step === 'complete' ? { kind: 'replay', status: 201, body: { id: 'thing_1' } } : { kind: 'new' });
  });
});

describe('an idempotent route whose bookkeeping still fails', () => {
  let server: Listening;
  let created = 0;
  let logs = '';

  beforeAll(async () => {
    const real = prismaIdempotencyStore(db.prisma);
    const failing: IdempotencyStore = {
      begin: (scope, key, fp) => real.begin(scope, key, fp),
      complete: async () => Promise.reject(new Error('the database is gone')),
      abandon: async () => Promise.reject(new Error('the database is gone')),
    };
    const router = new ApiRouter({ authenticator: { user: async () => ({ tenantId: 'ten_1', userId: 'usr_1' }), admin: () => false, forget: () => undefined }, idempotency: failing })
      .route(
        { method: 'post', path: '/things', tag: 't', summary: 's', auth: 'user', idempotent: true, body: z.object({ name: z.string() }).strict(), responses: { 201: { description: 'ok' } } },
        async ({ body }) => {
          if (body.name === 'taken') throw new AppError('conflict', 'That name is taken.');
          created++;
          return { status: 201, body: { id: `thing_${created}` } };
        },
      );
    const logger = createLogger({ name: 'idempotency-spec', level: 'error', destination: { write: (line: string) => void (logs += line) } });
    const http = createHttpApp({ logger, metrics: createMetrics('idempotency-spec'), readiness: {}, routers: [router], openapi: { title: 't', version: '1' } });
    server = await listen(http.app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  const post = (name: string) =>
    fetch(`http://127.0.0.1:${server.port}/things`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'idempotency-key': newKey() },
      body: JSON.stringify({ name }),
    });

  it('answers the work that was done, not a 500 for the client to redo, and logs the loss', async () => {
    const res = await post('a');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'thing_1' });
    expect(created).toBe(1);
    expect(logs).toContain('could not be kept for Idempotency-Key replays');
  });

  it("answers a refusal as that refusal, not as the release's failure", async () => {
    const res = await post('taken');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('conflict');
    expect(logs).toContain('Idempotency-Key could not be released');
  });
});

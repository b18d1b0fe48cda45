import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import { connectPostgres, type Database, type PhoneNumber } from '@callplane/db';
import { LiveKitSip } from '@callplane/livekit';
import { byokImporters } from '@callplane/providers';
import { SecretBox } from '@callplane/service-kit';
import { captureLogs, FakeExotel, FakeLiveKit, FakePlivo } from '@callplane/testing';
import { EXOTEL, LIVEKIT_SIP_HOST, PLIVO, PLIVO_NUMBERS, PUBLIC_BASE_URL, VOBIZ } from '../byok-import.test-harness';
import type { ProvisioningDeps } from './deps';

export { EXOTEL, LIVEKIT_SIP_HOST, PLIVO, PLIVO_NUMBERS, PUBLIC_BASE_URL, VOBIZ };

/** Another Indian local number on the Plivo account, for the spec that remembers a binding before importing. */
export const PLIVO_IN_LOCAL_EARLIER = '918045550119';

/**
 * The provisioning use cases with real dependencies, for specs that call them without HTTP: this file's test
 * database, the real importers against FakePlivo and FakeExotel, the real LiveKitSip against FakeLiveKit, logs
 * captured. One per spec file.
 */
export function useProvisioningDeps() {
  const livekitKeys = { apiKey: 'APIusecases', apiSecret: 'provisioning-usecases-livekit-secret-0123' };
  const fakes = {
    plivo: new FakePlivo({
      accounts: [
        {
          ...PLIVO,
          zentrunk: true,
          numbers: [
            { number: PLIVO_NUMBERS.us, country: 'US', type: 'local' },
            { number: PLIVO_NUMBERS.inLocal, country: 'IN', type: 'local' },
            { number: PLIVO_IN_LOCAL_EARLIER, country: 'IN', type: 'local' },
          ],
        },
      ],
    }),
    exotel: new FakeExotel({ accounts: [{ sid: EXOTEL.sid, apiKey: EXOTEL.apiKey, apiToken: EXOTEL.apiToken, exophones: [{ sid: EXOTEL.exophone, phoneNumber: '09513886364', friendlyName: 'Sales' }] }] }),
    livekit: new FakeLiveKit(livekitKeys),
  };
  const logs = captureLogs('provisioning');
  const secrets = new SecretBox(randomBytes(32));
  let db: Database | undefined;
  const prisma = () => {
    if (!db) throw new Error('the database is not open yet: use it inside a test');
    return db.prisma;
  };

  beforeAll(async () => {
    await Promise.all(Object.values(fakes).map((f) => f.start()));
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
  });

  /** Real deps; `livekit: false` is the sandbox, where LiveKit is not configured. */
  const deps = (opts: { livekit?: boolean } = {}): ProvisioningDeps => ({
    prisma: prisma(),
    secrets,
    publicBaseUrl: PUBLIC_BASE_URL,
    outbox: { notify: () => undefined },
    importers: byokImporters({ plivo: fakes.plivo.url, exotel: fakes.exotel.url }),
    ...(opts.livekit === false ? {} : { livekit: { sip: new LiveKitSip({ url: fakes.livekit.url, ...livekitKeys }), sipHost: LIVEKIT_SIP_HOST } }),
  });

  return {
    fakes,
    logs,
    secrets,
    prisma,
    deps,
    log: logs.logger,
    async newTenant(name: string): Promise<string> {
      const id = newId('tenant');
      await prisma().tenant.create({ data: { id, name } });
      return id;
    },
    /** The stored row, as the next use case call reads it. */
    row: (id: string): Promise<PhoneNumber> => prisma().phoneNumber.findUniqueOrThrow({ where: { id } }),
    stepNames: (p: PhoneNumber) => (p.importSteps as Array<{ name: string }>).map((s) => s.name),
    /** `type` of every event written for this key, oldest first. */
    eventsFor: async (key: string) => (await prisma().outboxEvent.findMany({ where: { key }, orderBy: { createdAt: 'asc' } })).map((e) => (e.envelope as { type: string }).type),
    /** LiveKit resources still in place. */
    livekitLeft: () => fakes.livekit.inboundTrunks.length + fakes.livekit.outboundTrunks.length + fakes.livekit.dispatchRules.length,
    livekitRpcs: (from = 0) => fakes.livekit.requests.slice(from).map((r) => r.rpc),
  };
}

/** The rejection of `p`, for asserting on an error's fields; fails the test when `p` resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

import { countryOf, type AfterHours } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { carrierOf, type WebhookNumber } from '@callplane/providers';
import type { SecretBox } from '@callplane/service-kit';

/** What the inbound chain needs to know about a number, with its signing key already decrypted. */
export interface RoutedNumber extends WebhookNumber {
  tenantId: string;
  provider: string;
  enabled: boolean;
  /** SIP digest credentials LiveKit's inbound trunk for this number expects (imported numbers). */
  sipAuth: { username: string; password: string } | null;
  agent: { id: string; afterHours: AfterHours | null } | null;
}

const PHONE_ID = /^[A-Za-z0-9_-]{1,100}$/;

interface Entry {
  at: number;
  value: RoutedNumber | null;
}

/**
 * Number → tenant, agent and signing key, cached in memory so the webhook hot path reads nothing in the
 * common case. `numbers.changes` events invalidate an entry at once (import, assignment, release); the TTL
 * bounds how long an agent edit (e.g. its opening hours), which raises no number event, can go unseen.
 * Unknown ids are cached too, so a flood of made-up ids cannot reach the database more than once a TTL.
 */
export class NumberRoutingCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<RoutedNumber | null>>();
  /** Bumped by invalidate(): a read that began before a change must not be cached after it. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    private readonly opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
  ) {}

  async get(phoneId: string): Promise<RoutedNumber | null> {
    // Ids are `pn_` + letters and digits: anything else (a NUL byte PostgreSQL would refuse, a path) is no number of ours.
    if (!PHONE_ID.test(phoneId)) return null;
    const now = (this.opts.now ?? Date.now)();
    const hit = this.entries.get(phoneId);
    if (hit && now - hit.at < (this.opts.ttlMs ?? 10_000)) return hit.value;
    // Concurrent misses for one id share a single read.
    const generation = this.generations.get(phoneId) ?? 0;
    let pending = this.inflight.get(phoneId);
    if (!pending) {
      pending = this.load(phoneId).finally(() => this.inflight.delete(phoneId));
      this.inflight.set(phoneId, pending);
    }
    const value = await pending;
    if ((this.generations.get(phoneId) ?? 0) === generation) this.put(phoneId, { at: now, value });
    return value;
  }

  invalidate(phoneId: string): void {
    this.entries.delete(phoneId);
    this.inflight.delete(phoneId);
    this.generations.set(phoneId, (this.generations.get(phoneId) ?? 0) + 1);
    if (this.generations.size > (this.opts.maxEntries ?? 50_000)) this.generations.clear();
  }

  private put(phoneId: string, entry: Entry): void {
    if (this.entries.size >= (this.opts.maxEntries ?? 50_000)) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(phoneId);
    this.entries.set(phoneId, entry);
  }

  private async load(phoneId: string): Promise<RoutedNumber | null> {
    const p = await this.prisma.phoneNumber.findUnique({
      where: { id: phoneId },
      select: {
        id: true,
        tenantId: true,
        number: true,
        provider: true,
        enabled: true,
        signingSecretEnc: true,
        credentialsEnc: true,
        sipAuthEnc: true,
        agent: { select: { id: true, afterHours: true } },
      },
    });
    if (!p) return null;
    const credentials = p.credentialsEnc ? (JSON.parse(this.secrets.open(p.credentialsEnc)) as Record<string, string>) : null;
    const signingSecret = p.signingSecretEnc ? this.secrets.open(p.signingSecretEnc) : null;
    return {
      id: p.id,
      tenantId: p.tenantId,
      number: p.number,
      country: countryOf(p.number),
      provider: p.provider,
      enabled: p.enabled,
      // Which stored secret signs a number's webhooks is its carrier's webhook format's rule.
      signingKey: carrierOf(p.provider)?.webhooks?.signingKey({ signingSecret, credentials }) ?? null,
      credentials,
      sipAuth: p.sipAuthEnc ? (JSON.parse(this.secrets.open(p.sipAuthEnc)) as { username: string; password: string }) : null,
      agent: p.agent ? { id: p.agent.id, afterHours: (p.agent.afterHours as AfterHours | null) ?? null } : null,
    };
  }
}

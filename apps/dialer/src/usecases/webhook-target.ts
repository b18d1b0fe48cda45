import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The SSRF guard for customer webhooks: a customer-supplied URL must not reach our own network (the metadata
 * service at 169.254.169.254, the database, other services). Checked where it matters, at delivery time against
 * every address the name resolves to, and the request then connects to the vetted address only (`pinnedLookup`),
 * so a DNS answer that changes between the check and the connect (rebinding) cannot reach a refused address.
 */

/** Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_TARGETS. IPv4-mapped IPv6 (::ffff:a.b.c.d) is checked against the IPv4 rules by BlockList itself. */
const REFUSED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d)
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  REFUSED.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is one a webhook may not reach (loopback, private, link-local, unique-local, CGNAT, multicast, …). */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Early validation without DNS, for APIs that accept a webhook URL (`POST /voice/outbound/dial` `webhook_url`,
 * campaigns): http(s) only, no credentials in the URL, and — unless private targets are allowed — not a literal
 * refused address or `localhost`. Passing it does not make a URL deliverable: names are resolved and checked
 * again at delivery time.
 */
export function checkWebhookUrl(raw: string, opts: { allowPrivateTargets: boolean }): WebhookUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'must be an http(s) URL' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if (!url.hostname) return { ok: false, reason: 'must name a host' };
  if (opts.allowPrivateTargets) return { ok: true, url };
  const host = hostOf(url);
  if (isIP(host) ? isRefusedAddress(host) : host === 'localhost' || host.endsWith('.localhost')) {
    return { ok: false, reason: 'must be a public address, not loopback or a private network' };
  }
  return { ok: true, url };
}

export type ResolvedTarget = { ok: true; url: URL; address: LookupAddress } | { ok: false; reason: 'target_not_allowed' | 'dns_failed'; detail: string };

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * Resolves the target for one delivery. Refused when the URL fails `checkWebhookUrl` or any address the name
 * resolves to is refused (a name mixing public and private answers is not trusted with either). A DNS failure is
 * `dns_failed`, which is worth retrying; `target_not_allowed` is not.
 */
export async function resolveWebhookTarget(raw: string, opts: { allowPrivateTargets: boolean; resolve?: Resolver }): Promise<ResolvedTarget> {
  const checked = checkWebhookUrl(raw, opts);
  if (!checked.ok) return { ok: false, reason: 'target_not_allowed', detail: checked.reason };
  const host = hostOf(checked.url);
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch (err) {
      return { ok: false, reason: 'dns_failed', detail: (err as NodeJS.ErrnoException).code ?? 'lookup failed' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'dns_failed', detail: 'no addresses' };
  if (!opts.allowPrivateTargets) {
    const refused = addresses.find((a) => isRefusedAddress(a.address));
    if (refused) return { ok: false, reason: 'target_not_allowed', detail: `${host} resolves to a refused address` };
  }
  return { ok: true, url: checked.url, address: addresses[0]! };
}

/** A `lookup` for http(s).request that answers with the vetted address only, whatever DNS says by now. */
export function pinnedLookup(address: LookupAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  }) as LookupFunction;
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

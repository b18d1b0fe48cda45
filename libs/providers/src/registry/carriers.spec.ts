import { BYOK_PROVIDERS, PROVIDERS } from '@callplane/contracts';
import { webhookPaths } from '../webhooks/carrier-webhooks';
import { byokAdapters, byokImporters, CARRIERS, carrierOf } from './carriers';

describe('the carrier registry', () => {
  it('holds one carrier per provider name of the public API, under its own name', () => {
    expect(Object.keys(CARRIERS).sort()).toEqual([...PROVIDERS].sort());
    for (const name of PROVIDERS) expect(CARRIERS[name].name).toBe(name);
  });

  it('finds a stored number’s carrier by name, and none for a name it does not know', () => {
    expect(carrierOf('plivo')).toBe(CARRIERS.plivo);
    expect(carrierOf('acme')).toBeNull();
    // Inherited object keys are not carriers.
    expect(carrierOf('constructor')).toBeNull();
  });

  it('gives every BYOK carrier an adapter and an importer that say which carrier they are', () => {
    const adapters = byokAdapters();
    const importers = byokImporters();
    for (const name of BYOK_PROVIDERS) {
      expect(adapters[name].provider).toBe(name);
      expect(importers[name].provider).toBe(name);
    }
  });

  it('has no webhooks for SIP-direct carriers, whose calls reach LiveKit with no webhook to us', () => {
    for (const carrier of Object.values(CARRIERS)) {
      if (carrier.capabilities.sipDirect) expect('webhooks' in carrier).toBe(false);
    }
    expect(CARRIERS.plivo.capabilities.sipDirect).toBe(true);
    expect(CARRIERS.vobiz.capabilities.sipDirect).toBe(true);
  });

  it('spells each webhook format’s URLs once: the contract’s paths, distinct per format', () => {
    expect(webhookPaths(CARRIERS.twilio.webhooks, ':phone_id')).toEqual({ incoming: '/twilio/incoming/:phone_id', status: '/twilio/status/:phone_id' });
    expect(webhookPaths(CARRIERS.exotel.webhooks, 'pn_1', 'https://calls.example.com')).toEqual({
      incoming: 'https://calls.example.com/exotel/incoming/pn_1',
      status: 'https://calls.example.com/exotel/status/pn_1',
    });
    // Bring-your-own numbers speak Twilio's format, on Twilio's URLs.
    expect(CARRIERS.sip.webhooks).toBe(CARRIERS.twilio.webhooks);
    const formats = new Set(Object.values(CARRIERS).flatMap((c) => ('webhooks' in c ? [c.webhooks] : [])));
    expect(new Set([...formats].map((f) => f.pathPrefix)).size).toBe(formats.size);
  });
});

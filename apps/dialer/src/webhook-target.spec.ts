import { checkWebhookUrl, isRefusedAddress, pinnedLookup, resolveWebhookTarget } from './usecases/webhook-target';

describe('webhook target guard', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.255',
    '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255',
    '::1', '::', 'fe80::1', 'febf::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', 'not-an-ip',
  ])('refuses %s', (address) => expect(isRefusedAddress(address)).toBe(true));

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) =>
    expect(isRefusedAddress(address)).toBe(false),
  );

  it('checkWebhookUrl rejects obviously bad URLs early, without DNS', () => {
    const strict = { allowPrivateTargets: false };
    expect(checkWebhookUrl('https://hooks.example.com/callplane', strict).ok).toBe(true);
    for (const bad of ['not a url', 'ftp://example.com/x', 'file:///etc/passwd', 'https://user:pw@example.com/', 'http://localhost:8080/', 'http://api.localhost/', 'http://127.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/', 'http://0x7f000001/']) {
      expect(checkWebhookUrl(bad, strict)).toMatchObject({ ok: false, reason: expect.any(String) });
    }
    expect(checkWebhookUrl('http://127.0.0.1:9000/hook', { allowPrivateTargets: true }).ok).toBe(true);
    expect(checkWebhookUrl('ftp://127.0.0.1/', { allowPrivateTargets: true }).ok).toBe(false);
  });

  it('refuses a name when any of its addresses is refused, and reports DNS failures as retryable', async () => {
    const mixed = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.5', family: 4 }];
    expect(await resolveWebhookTarget('https://hooks.example.com/', { allowPrivateTargets: false, resolve: mixed })).toMatchObject({ ok: false, reason: 'target_not_allowed' });
    expect(await resolveWebhookTarget('https://hooks.example.com/', { allowPrivateTargets: true, resolve: mixed })).toMatchObject({ ok: true, address: { address: '93.184.215.14' } });
    const failing = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    expect(await resolveWebhookTarget('https://hooks.example.com/', { allowPrivateTargets: false, resolve: failing })).toEqual({ ok: false, reason: 'dns_failed', detail: 'ENOTFOUND' });
  });

  it('pinnedLookup answers with the vetted address in both lookup forms', () => {
    const lookup = pinnedLookup({ address: '93.184.215.14', family: 4 }) as unknown as (h: string, o: object, cb: (...a: unknown[]) => void) => void;
    const one = jest.fn();
    const all = jest.fn();
    lookup('evil.example', {}, one);
    lookup('evil.example', { all: true }, all);
    expect(one).toHaveBeenCalledWith(null, '93.184.215.14', 4);
    expect(all).toHaveBeenCalledWith(null, [{ address: '93.184.215.14', family: 4 }]);
  });
});

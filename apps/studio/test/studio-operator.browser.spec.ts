import type { Page } from 'playwright-core';
import { useStudio } from './studio.test-harness';

interface TrialNumber {
  number: string;
  provider: string;
  in_use_by: string | null;
}

/**
 * The operator pages in Chromium against the all-in-one: signing in with the operator token (ADMIN_TOKEN) instead
 * of an API key shows Tenants, Trial pool and Pricing; a tenant and a user are created, the user's key is shown
 * once with Copy and works, a trial-pool number is added, a new price table saved. axe-core checks each page.
 */
describe('studio: operator pages (Chromium)', () => {
  const studio = useStudio();
  jest.setTimeout(90_000);

  /** The operator API as the operator token reaches it. */
  const admin = async (method: string, p: string, json?: unknown) => {
    const { base, adminToken } = studio();
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const signInAsOperator = async (): Promise<Page> => {
    const { newPage, adminToken } = studio();
    const page = await newPage();
    await page.goto('/');
    await page.getByLabel('API key').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    return page;
  };

  it('signs in with the operator token and shows the operator pages, not the tenant ones; a customer signing in after gets theirs', async () => {
    const { adminToken, checkPage } = studio();
    const page = await signInAsOperator();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Tenants', 'Trial pool', 'Pricing']);
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/tenants');
    expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(adminToken);
    expect(await page.evaluate<string[]>('Object.values(localStorage)')).not.toContain(adminToken);
    await checkPage('operator-tenants-empty');

    // Signing out forgets the token; the tenant pages are not there for the operator.
    await page.goto('/agents');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).not.toContain(adminToken);
    // Whoever signs in next starts on their own first page: a customer's key lands on Agents.
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByLabel('API key').fill(studio().apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Agents', 'Phone Numbers', 'Campaigns', 'Sessions', 'Leads', 'Settings']);
  });

  it('creates a tenant and a user, shows the user’s API key once with Copy, and revokes it', async () => {
    const { base, checkPage } = studio();
    const page = await signInAsOperator();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

    await page.getByLabel('Tenant name').fill('Globex Studio');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('status').filter({ hasText: 'Created Globex Studio.' }).waitFor();
    const row = page.getByRole('table', { name: 'Tenants' }).getByRole('row', { name: /Globex Studio/ });
    await row.waitFor();
    const tenants = (await admin('GET', '/admin/tenants')).body.data as Array<{ id: string; name: string }>;
    const tenant = tenants.find((t) => t.name === 'Globex Studio')!;
    expect(await row.getByText(tenant.id).isVisible()).toBe(true);
    await checkPage('operator-tenants');

    await row.getByRole('link', { name: 'Globex Studio' }).click();
    await page.getByRole('heading', { name: 'Globex Studio', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/tenants/${tenant.id}`);

    // A bad email: the API's validation next to the field, nothing created.
    await page.getByLabel('Email').fill('not-an-email@');
    await page.getByLabel('Email').evaluate((el) => el.setAttribute('type', 'text'));
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('[aria-invalid="true"]').waitFor();
    expect((await admin('GET', `/admin/tenants/${tenant.id}/users`)).body.data).toEqual([]);

    await page.getByLabel('Email').fill('ops@globex.example');
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'API key' });
    const shown = dialog.getByLabel('New API key');
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^cp_live_\S+$/);
    await dialog.getByRole('alert').filter({ hasText: 'shown only now' }).waitFor();
    await checkPage('operator-api-key');

    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);
    // The key is the user's: the customer API takes it.
    expect((await fetch(`${base}/voice/agents`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);

    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(key);
    const users = (await admin('GET', `/admin/tenants/${tenant.id}/users`)).body.data as Array<{ email: string; api_key_hint: string }>;
    expect(users.map((u) => u.email)).toEqual(['ops@globex.example']);
    // The list shows the key's last characters only (`…abcd`).
    const hint = users[0]!.api_key_hint;
    expect(key.endsWith(hint.replace(/^…/, ''))).toBe(true);
    const userRow = page.getByRole('table', { name: 'Users' }).getByRole('row', { name: /ops@globex\.example/ });
    await userRow.getByText(hint, { exact: true }).waitFor();
    expect(await userRow.getByText('Active').isVisible()).toBe(true);
    await checkPage('operator-tenant');

    await userRow.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke ops@globex.example?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'detached' });
    await userRow.getByText(/^Revoked/).waitFor();
    expect((await fetch(`${base}/voice/agents`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('lists the trial pool with in_use_by and adds a number, showing the API’s refusal next to its field first', async () => {
    const { checkPage } = studio();
    const before = (await admin('GET', '/admin/trial-pool')).body.data as TrialNumber[];
    const page = await signInAsOperator();
    await page.getByRole('link', { name: 'Trial pool' }).click();
    await page.getByRole('heading', { name: 'Trial pool', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Trial numbers' });
    // The sandbox's own number (no LiveKit here), free.
    expect(before.length).toBeGreaterThan(0);
    for (const n of before) {
      const row = table.getByRole('row', { name: new RegExp(n.number.replace('+', '\\+')) });
      // The list loads after the heading: wait for the row's state rather than read it at once.
      await row.getByText(n.in_use_by ?? 'Free').waitFor();
    }

    await page.getByLabel('Phone number').fill('+14155550177');
    await page.getByLabel('Provider').selectOption('vobiz');
    await page.getByLabel('SIP domain').fill('abc123.sip.vobiz.ai');
    await page.getByLabel('SIP username').fill('trial-user');
    await page.getByLabel('SIP password').fill('trial-secret-0001');
    await page.getByRole('button', { name: 'Add number' }).click();
    const provider = page.getByLabel('Provider');
    await page.locator('select[aria-invalid="true"]').waitFor();
    const describedBy = (await provider.getAttribute('aria-describedby'))!.split(' ')[0]!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('a +1 trial number must use provider plivo');
    expect(((await admin('GET', '/admin/trial-pool')).body.data as TrialNumber[]).length).toBe(before.length);

    await page.getByLabel('Phone number').fill('+919876543210');
    await page.getByRole('button', { name: 'Add number' }).click();
    await page.getByRole('status').filter({ hasText: 'Added +919876543210 to the pool.' }).waitFor();
    const row = table.getByRole('row', { name: /\+919876543210/ });
    await row.waitFor();
    expect(await row.getByText('Vobiz').isVisible()).toBe(true);
    expect(await row.getByText('Free').isVisible()).toBe(true);
    const after = (await admin('GET', '/admin/trial-pool')).body.data as TrialNumber[];
    expect(after.find((n) => n.number === '+919876543210')).toMatchObject({ provider: 'vobiz', in_use_by: null });
    // Credentials are stored, never shown: not in the page, not in the API's answer.
    expect(await page.content()).not.toContain('trial-secret-0001');
    expect(JSON.stringify(after)).not.toContain('trial-secret-0001');
    await checkPage('operator-trial-pool');
  });

  it('shows the active price table and saves a new version, with the API’s validation on a bad one', async () => {
    const { checkPage } = studio();
    const active = (await admin('GET', '/admin/pricing')).body as { version: number; prices: { currency: string } };
    const page = await signInAsOperator();
    await page.getByRole('link', { name: 'Pricing' }).click();
    await page.getByRole('heading', { name: 'Pricing', level: 1 }).waitFor();
    await page.getByText(`Version ${active.version},`).waitFor();
    await page.getByRole('table', { name: 'Telephony per minute' }).waitFor();
    await checkPage('operator-pricing');

    const editor = page.getByLabel('Price table (JSON)');
    const prices = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    expect(prices).toEqual(active.prices);
    await editor.fill(JSON.stringify({ ...prices, currency: 'usd' }, null, 2));
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.locator('textarea[aria-invalid="true"]').waitFor();
    expect(await page.getByText('currency: must be an ISO 4217 code such as USD').isVisible()).toBe(true);
    expect(((await admin('GET', '/admin/pricing')).body as { version: number }).version).toBe(active.version);

    // Twilio's inbound minute at a new price.
    const telephony = prices.telephony_per_minute as Array<{ provider: string; direction: string; price: number }>;
    const changed = telephony.map((l) => (l.provider === 'twilio' && l.direction === 'inbound' ? { ...l, price: 0.0123 } : l));
    await editor.fill(JSON.stringify({ ...prices, telephony_per_minute: changed }, null, 2));
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('status').filter({ hasText: `Saved version ${active.version + 1}.` }).waitFor();
    await page.getByText(`Version ${active.version + 1},`).waitFor();
    await page.getByRole('table', { name: 'Telephony per minute' }).getByRole('row', { name: /twilio inbound 0\.0123/ }).waitFor();
    expect((await admin('GET', '/admin/pricing')).body).toMatchObject({ version: active.version + 1, prices: { telephony_per_minute: changed } });
  });
});

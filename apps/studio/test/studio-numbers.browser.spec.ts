import { FakeExotel, FakeLiveKit, FakePlivo } from '@callplane/testing';
import { useStudio } from './studio.test-harness';

const PLIVO = { authId: 'MASTUDIOXXXXXXXXXXX1', authToken: 'plivo-studio-token-0001' };
const NUMBERS = { us: '14155550143', inLocal: '918045550111', inBound: '918045550112' };
const livekitKeys = { apiKey: 'APIstudio', apiSecret: 'studio-livekit-secret-0123456789abcdef' };
const plivo = new FakePlivo({
  accounts: [
    {
      ...PLIVO,
      zentrunk: true,
      numbers: [
        { number: NUMBERS.us, country: 'US', type: 'local' },
        { number: NUMBERS.inLocal, country: 'IN', type: 'local' },
        { number: NUMBERS.inBound, country: 'IN', type: 'local', boundTrunkId: '99999' },
      ],
    },
  ],
});
const EXOTEL = { sid: 'acmestudio', apiKey: 'exo-studio-key', apiToken: 'exotel-studio-token-0001', exophone: 'exo-studio-1', number: '+919513886365' };
const exotel = new FakeExotel({ accounts: [{ sid: EXOTEL.sid, apiKey: EXOTEL.apiKey, apiToken: EXOTEL.apiToken, exophones: [{ sid: EXOTEL.exophone, phoneNumber: '09513886365', friendlyName: 'Support' }] }] });
const livekit = new FakeLiveKit(livekitKeys);

/**
 * The studio in Chromium against the all-in-one with LiveKit and Plivo replaced by local fakes (BYOK imports need
 * LiveKit): sign-in, the Plivo BYOK import, the Indian number's delete warning, the agent form and Deploy → Phone, and
 * an Exotel BYOK number's inbound setup finished with Retry auto-configure.
 */
describe('studio: sign-in, phone numbers and agents (Chromium)', () => {
  beforeAll(() => Promise.all([plivo.start(), exotel.start(), livekit.start()]));
  afterAll(() => Promise.all([plivo.stop(), exotel.stop(), livekit.stop()]));
  const studio = useStudio(() => ({
    PLIVO_API_BASE_URL: plivo.url,
    EXOTEL_API_BASE_URL: exotel.url,
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekitKeys.apiKey,
    LIVEKIT_API_SECRET: livekitKeys.apiSecret,
    LIVEKIT_SIP_HOST: 'sip.livekit.example.com',
  }));
  jest.setTimeout(90_000);

  it('refuses a wrong API key with a message, signs in with the printed one, and shows the six pages', async () => {
    const { newPage, apiKey, signIn, checkPage } = studio();
    const page = await newPage();
    await page.goto('/');
    await page.getByLabel('API key').fill('cp_live_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('That API key was not accepted. Check it and try again.');
    await checkPage('sign-in');

    await signIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Agents', 'Phone Numbers', 'Campaigns', 'Sessions', 'Leads', 'Settings']);
    expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(apiKey);
    expect(await page.evaluate<string[]>('Object.values(localStorage)')).not.toContain(apiKey);
  });

  it('a key the API stops accepting returns to sign-in with a message', async () => {
    const page = await studio().signIn();
    await page.evaluate("sessionStorage.setItem('callplane.api_key', 'cp_live_revoked')");
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Your API key was not accepted (wrong or revoked). Sign in again.');
  });

  it('imports a Plivo number end to end: credentials, the account’s numbers (the bound Indian one disabled with its reason), Import', async () => {
    const { signIn, checkPage, api } = studio();
    const page = await signIn();
    await page.getByRole('link', { name: 'Phone Numbers' }).click();
    await page.getByRole('heading', { name: 'Phone Numbers' }).waitFor();
    await page.getByRole('button', { name: 'Add' }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual(['Twilio', 'Vobiz', 'Exotel BYOK', 'Plivo BYOK', 'Existing']);
    await page.getByRole('menuitem', { name: 'Plivo BYOK' }).click();
    const dialog = page.getByRole('dialog', { name: 'Plivo BYOK' });

    // A wrong token: the API's own message, as it is.
    await dialog.getByLabel('Auth ID').fill(PLIVO.authId);
    await dialog.getByLabel('Auth token').fill('wrong-token');
    await dialog.getByRole('button', { name: 'List numbers' }).click();
    const refused = await api('POST', '/voice/phone-numbers/byok/plivo/available', { credentials: { auth_id: PLIVO.authId, auth_token: 'wrong-token' } });
    expect(refused.status).toBe(422);
    await dialog.getByRole('alert').filter({ hasText: (refused.body.error as { message: string }).message }).waitFor();

    await dialog.getByLabel('Auth token').fill(PLIVO.authToken);
    await dialog.getByRole('button', { name: 'List numbers' }).click();
    const bound = dialog.getByRole('radio', { name: /\+918045550112/ });
    await bound.waitFor();
    expect(await bound.isDisabled()).toBe(true);
    const listed = await api('POST', '/voice/phone-numbers/byok/plivo/available', { credentials: { auth_id: PLIVO.authId, auth_token: PLIVO.authToken } });
    const reason = (listed.body.data as Array<{ number: string; reason?: string }>).find((n) => n.number === `+${NUMBERS.inBound}`)!.reason!;
    await dialog.getByText(reason).waitFor();
    expect(await dialog.getByRole('radio', { name: /\+14155550143/ }).isEnabled()).toBe(true);
    await checkPage('plivo-byok-available');

    await dialog.getByRole('radio', { name: /\+14155550143/ }).check();
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Imported +14155550143.' }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    const row = page.getByRole('row', { name: /\+14155550143/ });
    await row.waitFor();
    expect(await row.getByText('BYOK', { exact: true }).isVisible()).toBe(true);
    expect(await row.getByText('Plivo').isVisible()).toBe(true);
    const numbers = await api('GET', '/voice/phone-numbers');
    expect((numbers.body.data as Array<{ number: string; provider: string; byok: boolean }>).find((n) => n.number === '+14155550143')).toMatchObject({ provider: 'plivo', byok: true });
    expect(plivo.number(PLIVO.authId, NUMBERS.us)!.boundTrunkId).toBeTruthy();
    await checkPage('phone-numbers');

    await row.getByRole('button', { name: 'Inbound settings' }).click();
    const inbound = page.getByRole('dialog', { name: 'Inbound settings' });
    await inbound.getByRole('button', { name: 'Retry auto-configure' }).waitFor();
    await checkPage('inbound-settings-plivo');
    await inbound.getByRole('button', { name: 'Close' }).click();
  });

  it('deleting an Indian Plivo number shows its delete_warning in the confirmation, then deletes it', async () => {
    const { signIn, checkPage, api } = studio();
    const imported = await api('POST', '/voice/phone-numbers/byok/plivo/import', { credentials: { auth_id: PLIVO.authId, auth_token: PLIVO.authToken }, number: `+${NUMBERS.inLocal}` });
    expect(imported.status).toBe(201);
    const warning = (await api('GET', `/voice/phone-numbers/${String(imported.body.id)}`)).body.delete_warning as string;
    expect(warning).toMatch(/\w/);

    const page = await signIn();
    await page.getByRole('link', { name: 'Phone Numbers' }).click();
    const row = page.getByRole('row', { name: /\+918045550111/ });
    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete +918045550111?' });
    await confirm.getByRole('alert').filter({ hasText: warning }).waitFor();
    await checkPage('delete-warning');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
    expect((await api('GET', `/voice/phone-numbers/${String(imported.body.id)}`)).status).toBe(404);
  });

  it('creates an agent, shows the API’s validation next to its field, saves, and deploys it to a number with Enable', async () => {
    const { signIn, checkPage, api } = studio();
    const page = await signIn();
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Acme support');
    await page.getByLabel('System prompt').fill('You are a friendly support agent.');
    await page.getByLabel('Max duration (seconds)').fill('99999');
    await page.getByRole('button', { name: 'Save' }).click();
    const maxDuration = page.getByLabel('Max duration (seconds)');
    await page.locator('[aria-invalid="true"]').first().waitFor();
    expect(await maxDuration.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await maxDuration.getAttribute('aria-describedby'))!.split(' ')[0]!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/14400/);
    expect((await api('GET', '/voice/agents')).body.data).toEqual([]);
    await checkPage('agent-validation');

    await maxDuration.fill('300');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Try Voice Call' }).waitFor();
    const agents = (await api('GET', '/voice/agents')).body.data as Array<{ id: string; name: string; voice: { max_duration: number } }>;
    expect(agents.map((a) => [a.name, a.voice.max_duration])).toEqual([['Acme support', 300]]);
    expect(page.url()).toContain(`/agents/${agents[0]!.id}`);
    await checkPage('agent');

    await page.getByRole('tab', { name: 'Deploy' }).click();
    const phone = page.getByRole('region', { name: 'Phone' });
    await phone.getByLabel('Phone number').selectOption({ label: '+14155550143' });
    await phone.getByLabel('Greeting').fill('Hello from the studio.');
    expect(await phone.getByRole('switch', { name: 'Enable' }).getAttribute('aria-checked')).toBe('true');
    await phone.getByRole('button', { name: 'Save deployment' }).click();
    await phone.getByRole('status').filter({ hasText: 'Deployed to +14155550143.' }).waitFor();
    const numbers = (await api('GET', '/voice/phone-numbers')).body.data as Array<{ number: string; agent_id: string | null; greeting: string | null; enabled: boolean }>;
    expect(numbers.find((n) => n.number === '+14155550143')).toMatchObject({ agent_id: agents[0]!.id, greeting: 'Hello from the studio.', enabled: true });
    await checkPage('agent-deploy');

    await phone.getByRole('switch', { name: 'Enable' }).click();
    await phone.getByRole('button', { name: 'Save deployment' }).click();
    await phone.getByRole('listitem').filter({ hasText: '+14155550143' }).getByText('Disabled').waitFor();
    const after = (await api('GET', '/voice/phone-numbers')).body.data as Array<{ number: string; enabled: boolean }>;
    expect(after.find((n) => n.number === '+14155550143')).toMatchObject({ enabled: false });
  });

  it('Exotel BYOK: a refused VoiceUrl leaves inbound unconfigured, Inbound settings shows the manual steps, and Retry auto-configure finishes the setup', async () => {
    const { signIn, checkPage, api } = studio();
    // Exotel refuses the ExoPhone's VoiceUrl at import: the number still imports, inbound not configured.
    exotel.failVoiceUrlUpdate(403);
    const page = await signIn();
    await page.getByRole('link', { name: 'Phone Numbers' }).click();
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('menuitem', { name: 'Exotel BYOK' }).click();
    const dialog = page.getByRole('dialog', { name: 'Exotel BYOK' });
    await dialog.getByLabel('Account SID').fill(EXOTEL.sid);
    await dialog.getByLabel('API key').fill(EXOTEL.apiKey);
    await dialog.getByLabel('API token').fill(EXOTEL.apiToken);
    await dialog.getByRole('button', { name: 'List numbers' }).click();
    await dialog.getByRole('radio', { name: /\+919513886365/ }).check();
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('status').filter({ hasText: `Imported ${EXOTEL.number}.` }).waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    const numbers = (await api('GET', '/voice/phone-numbers')).body.data as Array<{ id: string; number: string; webhook_url: string; inbound: { configured: boolean; manual_steps: string | null } }>;
    const imported = numbers.find((n) => n.number === EXOTEL.number)!;
    expect(imported.inbound.configured).toBe(false);
    const steps = imported.inbound.manual_steps!;
    expect(steps).toContain(imported.webhook_url);
    expect(exotel.exophone(EXOTEL.sid, EXOTEL.exophone)!.voiceUrl).toBeNull();
    const row = page.getByRole('row', { name: /\+919513886365/ });
    await row.getByText('Setup needed').waitFor();

    await row.getByRole('button', { name: 'Inbound settings' }).click();
    const inbound = page.getByRole('dialog', { name: 'Inbound settings' });
    await inbound.getByText(imported.webhook_url, { exact: true }).waitFor();
    await inbound.getByRole('status').filter({ hasText: 'Inbound: Not configured' }).waitFor();
    await inbound.getByRole('heading', { name: 'Manual steps' }).waitFor();
    expect(await inbound.textContent()).toContain(steps);
    await checkPage('inbound-settings-exotel-manual');

    // Exotel takes the VoiceUrl this time.
    await inbound.getByRole('button', { name: 'Retry auto-configure' }).click();
    await inbound.getByRole('status').filter({ hasText: 'Inbound: Configured Auto-configure succeeded.' }).waitFor();
    expect(await inbound.getByRole('heading', { name: 'Manual steps' }).count()).toBe(0);
    expect(exotel.exophone(EXOTEL.sid, EXOTEL.exophone)!.voiceUrl).toBe(imported.webhook_url);
    expect((await api('GET', `/voice/phone-numbers/${imported.id}`)).body.inbound).toEqual({ configured: true, manual_steps: null });
    await checkPage('inbound-settings-exotel-configured');
    await inbound.getByRole('button', { name: 'Close' }).click();
    // Set up at the carrier; what is left is an agent to answer.
    await row.getByText('No agent').waitFor();
    expect(await row.getByText('Setup needed').count()).toBe(0);
  });
});

import { expect } from '@jest/globals';
import { agentRequestBody, httpRequest, newCallSid, pollUntil, twilioSignature } from '@callplane/testing';

export interface SliceEndpoints {
  provisioning: string;
  gateway: string;
  analytics: string;
  /** What PUBLIC_BASE_URL says: Twilio signs the public URL, not the pod's. */
  publicBaseUrl: string;
  adminToken: string;
}

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>> };

export async function http(method: string, url: string, opts: Parameters<typeof httpRequest>[2] = {}) {
  const res = await httpRequest(method, url, opts);
  return { ...res, json: res.body as Json };
}

const sid = newCallSid;

/**
 * The first slice, end to end: operator creates two tenants → tenant A creates an agent, adds a signed
 * bring-your-own number and assigns it → a signed Twilio webhook answers TwiML to LiveKit SIP and opens a
 * session → analytics shows it to A and not to B. Forged and duplicate webhooks change nothing.
 */
export async function runSliceScenario(e: SliceEndpoints, sipHost: string): Promise<{ apiKeyA: string; sessionId: string }> {
  const admin = e.adminToken;
  const tA = await http('POST', `${e.provisioning}/admin/tenants`, { token: admin, json: { name: 'Tenant A' } });
  expect(tA.status).toBe(201);
  const tB = await http('POST', `${e.provisioning}/admin/tenants`, { token: admin, json: { name: 'Tenant B' } });
  const uA = await http('POST', `${e.provisioning}/admin/tenants/${tA.json.id}/users`, { token: admin, json: { email: 'a@example.com' } });
  expect(uA.status).toBe(201);
  const uB = await http('POST', `${e.provisioning}/admin/tenants/${tB.json.id}/users`, { token: admin, json: { email: 'b@example.com' } });
  const keyA = uA.json.api_key as string;
  const keyB = uB.json.api_key as string;
  expect(keyA).toMatch(/^cp_live_/);

  const agent = await http('POST', `${e.provisioning}/voice/agents`, { token: keyA, json: { ...agentRequestBody('Acme support'), after_hours: null } });
  expect(agent.status).toBe(201);
  expect(agent.json.id).toMatch(/^agt_/);

  const secret = 'twilio-auth-token-0123456789';
  const num = await http('POST', `${e.provisioning}/voice/phone-numbers`, { token: keyA, json: { number: '+1 (415) 555-0142', signing_secret: secret } });
  expect(num.status).toBe(201);
  expect(num.json).toMatchObject({ number: '+14155550142', provider: 'sip', agent_id: null, credential_hint: '…6789' });
  expect(JSON.stringify(num.json)).not.toContain(secret);
  const phoneId = num.json.id as string;
  expect(num.json.webhook_url).toBe(`${e.publicBaseUrl}/twilio/incoming/${phoneId}`);

  const assigned = await http('PUT', `${e.provisioning}/voice/agents/${agent.json.id}/phone`, { token: keyA, json: { phone_id: phoneId, enabled: true } });
  expect(assigned.status).toBe(200);
  expect(assigned.json.agent_id).toBe(agent.json.id);

  const callSid = sid();
  const params = { CallSid: callSid, AccountSid: `AC${'1'.repeat(32)}`, From: '+919876543210', To: '+14155550142', CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };
  const publicUrl = `${e.publicBaseUrl}/twilio/incoming/${phoneId}`;

  // A forged signature is refused and writes nothing.
  const forged = await http('POST', `${e.gateway}/twilio/incoming/${phoneId}`, { form: params, headers: { 'x-twilio-signature': twilioSignature('wrong-token', publicUrl, params) } });
  expect(forged.status).toBe(403);
  expect(forged.json).toMatchObject({ error: { code: 'invalid_signature' } });
  const unsigned = await http('POST', `${e.gateway}/twilio/incoming/${phoneId}`, { form: params });
  expect(unsigned.status).toBe(403);

  const signature = twilioSignature(secret, publicUrl, params);
  const answer = await http('POST', `${e.gateway}/twilio/incoming/${phoneId}`, { form: params, headers: { 'x-twilio-signature': signature } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/text\/xml/);
  // The <Sip> carries the number's own SIP credentials when LiveKit set up its trunk, and the status callback for the leg.
  const sipMatch = new RegExp(
    `<Response><Dial answerOnBridge="true"><Sip(?: username="[^"]+" password="[^"]+")? statusCallback="[^"]+/twilio/status/pn_[a-z0-9]+" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">sip:\\+14155550142@${sipHost.replace(/\./g, '\\.')};transport=tcp\\?X-Callplane-Session=(cs_[a-z0-9]+)</Sip></Dial></Response>`,
  ).exec(answer.text);
  expect(sipMatch).not.toBeNull();
  const sessionId = sipMatch![1]!;

  // Twilio retrying the same webhook gets the same answer and opens no second session.
  const retry = await http('POST', `${e.gateway}/twilio/incoming/${phoneId}`, { form: params, headers: { 'x-twilio-signature': signature } });
  expect(retry.text).toBe(answer.text);

  const listed = await pollUntil(
    async () => {
      const r = await http('GET', `${e.analytics}/voice/sessions`, { token: keyA });
      return r.status === 200 && r.json.data!.length > 0 ? r : null;
    },
    { timeoutMs: 20_000, description: 'the session to reach analytics' },
  );
  expect(listed.json.data).toHaveLength(1);
  expect(listed.json.data![0]).toMatchObject({
    id: sessionId,
    direction: 'inbound',
    call_type: 'production',
    agent_id: agent.json.id,
    from_number: '+919876543210',
    to_number: '+14155550142',
    provider: 'sip',
    status: 'initiating',
    end_reason: null,
  });
  const one = await http('GET', `${e.analytics}/voice/sessions/${sessionId}`, { token: keyA });
  expect(one.status).toBe(200);

  // Tenant B sees nothing of A's.
  const listB = await http('GET', `${e.analytics}/voice/sessions`, { token: keyB });
  expect(listB.status).toBe(200);
  expect(listB.json.data).toEqual([]);
  expect((await http('GET', `${e.analytics}/voice/sessions/${sessionId}`, { token: keyB })).status).toBe(404);
  expect((await http('GET', `${e.provisioning}/voice/agents/${agent.json.id}`, { token: keyB })).status).toBe(404);
  expect((await http('GET', `${e.provisioning}/voice/phone-numbers/${phoneId}`, { token: keyB })).status).toBe(404);
  expect((await http('GET', `${e.analytics}/voice/sessions`)).status).toBe(401);

  // Unassigning reaches the gateway's routing cache through `numbers.changes` well before its 10 s TTL.
  const unassignedAt = Date.now();
  expect((await http('DELETE', `${e.provisioning}/voice/agents/${agent.json.id}/phone/${phoneId}`, { token: keyA })).status).toBe(204);
  const refused = await pollUntil(
    async () => {
      const p = { ...params, CallSid: sid() };
      const r = await http('POST', `${e.gateway}/twilio/incoming/${phoneId}`, { form: p, headers: { 'x-twilio-signature': twilioSignature(secret, publicUrl, p) } });
      return r.text.includes('<Say>') ? r : null;
    },
    { timeoutMs: 8_000, intervalMs: 50, description: 'the gateway to see the number unassigned' },
  );
  expect(Date.now() - unassignedAt).toBeLessThan(8_000);
  expect(refused.text).toContain('<Hangup/>');
  return { apiKeyA: keyA, sessionId };
}

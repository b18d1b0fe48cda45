import { outboundCallMetadataSchema, type OutboundCallMetadata } from './outbound-call-metadata';

const metadata: OutboundCallMetadata = {
  session_id: 'cs_1',
  tenant_id: 'ten_1',
  direction: 'outbound',
  call_type: 'campaign',
  from_number: '+14155550100',
  to_number: '+14155550199',
  max_duration_seconds: 300,
  agent: {
    id: 'agt_1',
    name: 'Ava',
    system_prompt: 'You call {{customer_name}}.',
    voice: { greeting: 'Hi {{customer_name}}!', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 300, recording: false, transcription: true },
  },
  context: { customer_name: 'Asha' },
};

describe('outboundCallMetadataSchema', () => {
  it('reads back exactly what the dialer wrote, through JSON', () => {
    expect(outboundCallMetadataSchema.parse(JSON.parse(JSON.stringify(metadata)))).toEqual(metadata);
  });

  it('reads missing context as none, and number or boolean values as their text', () => {
    const { context: _context, ...withoutContext } = metadata;
    expect(outboundCallMetadataSchema.parse(withoutContext).context).toEqual({});
    expect(outboundCallMetadataSchema.parse({ ...metadata, context: { n: 42, vip: true } }).context).toEqual({ n: '42', vip: 'true' });
  });

  it('refuses metadata that is not an outbound call the agent can run', () => {
    expect(outboundCallMetadataSchema.safeParse({ ...metadata, direction: 'inbound' }).success).toBe(false);
    expect(outboundCallMetadataSchema.safeParse({ ...metadata, max_duration_seconds: 0 }).success).toBe(false);
    expect(outboundCallMetadataSchema.safeParse({ ...metadata, agent: { ...metadata.agent, voice: { ...metadata.agent.voice, tts: { provider: 'nope', model: 'm', voice: 'v' } } } }).success).toBe(false);
  });
});

import { EXOML_CONTENT_TYPE, exomlDialSip, exomlSayHangup } from './exoml';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('ExoML', () => {
  it('dials a SIP URI, escaping the & and ? of its headers', () => {
    expect(exomlDialSip('sip:+919876543210@sip.example.com;transport=tcp?X-A=1&X-B=2')).toBe(
      `${DECL}<Response><Dial><Sip>sip:+919876543210@sip.example.com;transport=tcp?X-A=1&amp;X-B=2</Sip></Dial></Response>`,
    );
  });

  it('puts SIP digest credentials on <Sip>, escaped as attribute values', () => {
    expect(exomlDialSip('sip:+1@h', { username: 'cp"user', password: `p<&>'w` })).toBe(
      `${DECL}<Response><Dial><Sip username="cp&quot;user" password="p&lt;&amp;&gt;&apos;w">sip:+1@h</Sip></Dial></Response>`,
    );
    expect(exomlDialSip('sip:+1@h', { username: '', password: '' })).not.toMatch(/username|password/);
  });

  it('says a message and hangs up, escaping it and dropping control characters XML cannot carry', () => {
    expect(exomlSayHangup('Tom & Jerry <closed>\u0007 now')).toBe(`${DECL}<Response><Say>Tom &amp; Jerry &lt;closed&gt; now</Say><Hangup/></Response>`);
  });

  it('is served as application/xml', () => {
    expect(EXOML_CONTENT_TYPE).toBe('application/xml');
  });
});

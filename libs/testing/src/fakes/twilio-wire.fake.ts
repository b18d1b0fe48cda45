import type { FakeResponse, RecordedRequest } from './fake-http-server';
import type { FakeTwilioCredential, FakeTwilioCredentialList, FakeTwilioNumber, FakeTwilioOriginationUrl, FakeTwilioTrunk } from './twilio.fake';

/**
 * Twilio's wire shapes for the fake: snake_case resources, the two paging styles and the error body, as
 * twilio-node 5.x reads them (lib/base/Page.js, lib/base/RestException.js, each resource's *Instance constructor).
 */

export const API = '/2010-04-01/Accounts';
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');
const CREATED = rfc2822(new Date());

/** Twilio's error body: `{code, message, more_info, status}` (what the SDK's RestException reads). */
export function twilioError(status: number, code: number, message: string): FakeResponse {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** 2010-04-01 paging: `Page` (0-based) and `PageSize` query params; relative `*_page_uri` fields. */
export function apiPage(req: RecordedRequest, key: string, all: unknown[]): FakeResponse {
  const { page, size, items } = slice(req, all);
  const uri = (p: number) => `${req.path}?PageSize=${size}&Page=${p}`;
  const more = (page + 1) * size < all.length;
  return {
    status: 200,
    body: {
      [key]: items,
      page,
      page_size: size,
      start: page * size,
      end: page * size + Math.max(items.length - 1, 0),
      uri: uri(page),
      first_page_uri: uri(0),
      next_page_uri: more ? uri(page + 1) : null,
      previous_page_uri: page > 0 ? uri(page - 1) : null,
    },
  };
}

/** v1 paging: a `meta` object with absolute `*_page_url` fields and the list's `key`. */
export function v1Page(baseUrl: string, req: RecordedRequest, key: string, all: unknown[]): FakeResponse {
  const { page, size, items } = slice(req, all);
  const url = (p: number) => `${baseUrl}${req.path}?PageSize=${size}&Page=${p}`;
  const more = (page + 1) * size < all.length;
  return {
    status: 200,
    body: {
      [key]: items,
      meta: {
        page,
        page_size: size,
        first_page_url: url(0),
        previous_page_url: page > 0 ? url(page - 1) : null,
        url: url(page),
        next_page_url: more ? url(page + 1) : null,
        key,
      },
    },
  };
}

export function accountJson(a: { sid: string; authToken: string; friendlyName: string }) {
  return {
    sid: a.sid,
    friendly_name: a.friendlyName,
    status: 'active',
    type: 'Full',
    owner_account_sid: a.sid,
    auth_token: a.authToken,
    date_created: CREATED,
    date_updated: CREATED,
    uri: `${API}/${a.sid}.json`,
    subresource_uris: { incoming_phone_numbers: `${API}/${a.sid}/IncomingPhoneNumbers.json` },
  };
}

export function numberJson(n: FakeTwilioNumber) {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    phone_number: n.phoneNumber,
    friendly_name: n.friendlyName,
    api_version: '2010-04-01',
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    voice_url: n.voiceUrl,
    voice_method: n.voiceMethod,
    voice_fallback_url: n.voiceFallbackUrl,
    voice_fallback_method: n.voiceFallbackMethod,
    status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod,
    voice_application_sid: n.voiceApplicationSid,
    voice_caller_id_lookup: false,
    voice_receive_mode: 'voice',
    trunk_sid: n.trunkSid,
    status: 'in-use',
    origin: 'twilio',
    date_created: CREATED,
    date_updated: rfc2822(new Date()),
    uri: `${API}/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
  };
}

export function credentialListJson(l: FakeTwilioCredentialList) {
  const uri = `${API}/${l.accountSid}/SIP/CredentialLists/${l.sid}`;
  return {
    sid: l.sid,
    account_sid: l.accountSid,
    friendly_name: l.friendlyName,
    date_created: CREATED,
    date_updated: CREATED,
    uri: `${uri}.json`,
    subresource_uris: { credentials: `${uri}/Credentials.json` },
  };
}

export function credentialJson(l: FakeTwilioCredentialList, c: FakeTwilioCredential) {
  return {
    sid: c.sid,
    account_sid: l.accountSid,
    credential_list_sid: l.sid,
    username: c.username,
    date_created: CREATED,
    date_updated: CREATED,
    uri: `${API}/${l.accountSid}/SIP/CredentialLists/${l.sid}/Credentials/${c.sid}.json`,
  };
}

export function trunkJson(baseUrl: string, t: FakeTwilioTrunk) {
  const url = `${baseUrl}/v1/Trunks/${t.sid}`;
  return {
    sid: t.sid,
    account_sid: t.accountSid,
    friendly_name: t.friendlyName,
    domain_name: t.domainName,
    disaster_recovery_url: null,
    disaster_recovery_method: null,
    secure: false,
    recording: { mode: 'do-not-record', trim: 'do-not-trim' },
    transfer_mode: 'disable-all',
    transfer_caller_id: 'from-transferee',
    cnam_lookup_enabled: false,
    auth_type: t.credentialListSids.length ? 'CREDENTIAL_LIST' : '',
    auth_type_set: t.credentialListSids.length ? ['CREDENTIAL_LIST'] : [],
    symmetric_rtp_enabled: false,
    date_created: new Date(0).toISOString(),
    date_updated: new Date().toISOString(),
    url,
    links: {
      origination_urls: `${url}/OriginationUrls`,
      credential_lists: `${url}/CredentialLists`,
      ip_access_control_lists: `${url}/IpAccessControlLists`,
      phone_numbers: `${url}/PhoneNumbers`,
      recording: `${url}/Recording`,
    },
  };
}

export function originationUrlJson(baseUrl: string, t: FakeTwilioTrunk, o: FakeTwilioOriginationUrl) {
  return {
    sid: o.sid,
    account_sid: t.accountSid,
    trunk_sid: t.sid,
    friendly_name: o.friendlyName,
    sip_url: o.sipUrl,
    priority: o.priority,
    weight: o.weight,
    enabled: o.enabled,
    url: `${baseUrl}/v1/Trunks/${t.sid}/OriginationUrls/${o.sid}`,
  };
}

export function trunkCredentialListJson(baseUrl: string, t: FakeTwilioTrunk, l: FakeTwilioCredentialList) {
  return { sid: l.sid, account_sid: t.accountSid, trunk_sid: t.sid, friendly_name: l.friendlyName, url: `${baseUrl}/v1/Trunks/${t.sid}/CredentialLists/${l.sid}` };
}

export function trunkNumberJson(baseUrl: string, t: FakeTwilioTrunk, n: FakeTwilioNumber) {
  return { ...numberJson(n), trunk_sid: t.sid, url: `${baseUrl}/v1/Trunks/${t.sid}/PhoneNumbers/${n.sid}` };
}

function slice(req: RecordedRequest, all: unknown[]): { page: number; size: number; items: unknown[] } {
  const page = Math.max(Number(req.query.Page ?? 0) || 0, 0);
  const size = Math.min(Math.max(Number(req.query.PageSize ?? 50) || 50, 1), 1000);
  return { page, size, items: all.slice(page * size, (page + 1) * size) };
}

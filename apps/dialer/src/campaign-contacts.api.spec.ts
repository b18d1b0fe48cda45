import { parse } from 'csv-parse/sync';
import { SANDBOX_NUMBERS } from '@callplane/contracts';
import { apiError, detailFields, expectApiError, uniquePhoneNumber } from '@callplane/testing';
import { campaignApi, campaignBody, campaignOwner, numberBlock, seedContacts } from './campaigns.test-harness';
import { TestClock, useDialerService } from './dialer.test-harness';

const UPLOAD_LIMIT = 8 * 1024 * 1024;

/** Contact uploads (CSV and JSON), the contacts list and results.csv, over HTTP against real PostgreSQL. */
describe('campaign contacts API', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock, settings: { contactsUploadMaxBytes: UPLOAD_LIMIT } });

  async function campaign(over: Record<string, unknown> = {}) {
    const o = await campaignOwner(d);
    const api = campaignApi(d, o);
    const res = await api.create(campaignBody(o, over));
    expect(res.status).toBe(201);
    return { ...o, api, id: String(res.body.id) };
  }
  type Campaign = Awaited<ReturnType<typeof campaign>>;
  const stored = (c: Campaign) => d.prisma().campaignContact.findMany({ where: { campaignId: c.id }, orderBy: { seq: 'asc' } });
  const storedCount = (c: Campaign) => d.prisma().campaignContact.count({ where: { campaignId: c.id } });
  const addToDnc = (c: Campaign, numbers: string[]) => d.call('POST', '/voice/dnc', { token: c.apiKey, json: { numbers } });

  describe('CSV', () => {
    it('reads a BOM, CRLF line ends, quoted commas, quotes and newlines; every other column is context; rows keep upload order', async () => {
      const c = await campaign();
      const [a, b, e] = [uniquePhoneNumber(), uniquePhoneNumber(), uniquePhoneNumber()];
      const csv =
        '\uFEFFto_number,customer_name,note,policy_id\r\n' +
        `${a},"Smith, Jane","said ""call me later""",P-1\r\n` +
        `"${b}",Ravi,"two\r\nlines",P-2\r\n` +
        '\r\n' +
        `${e.slice(1)},  Ana  ,,P-3\r\n`;
      const res = await c.api.uploadCsv(c.id, csv);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 3, rejected: [] });
      const rows = await stored(c);
      expect(rows.map((r) => [r.seq, r.toNumber, r.context, r.state, r.attempts, r.tenantId])).toEqual([
        [1, a, { customer_name: 'Smith, Jane', note: 'said "call me later"', policy_id: 'P-1' }, 'pending', 0, c.tenantId],
        [2, b, { customer_name: 'Ravi', note: 'two\r\nlines', policy_id: 'P-2' }, 'pending', 0, c.tenantId],
        [3, e, { customer_name: 'Ana', note: '', policy_id: 'P-3' }, 'pending', 0, c.tenantId],
      ]);
      expect(rows.every((r) => r.id.startsWith('cct_'))).toBe(true);
    });

    it("stores the recipient's zone: the timezone column, else the single zone of the number's country, else none (+1 has many)", async () => {
      const c = await campaign();
      const [us1, us2] = [uniquePhoneNumber(), uniquePhoneNumber()];
      const csv = ['to_number,timezone,name', `${us1},America/Chicago,A`, '+919876543210,,B', `${us2},,C`, '+919876543211,Asia/Dubai,D', `${SANDBOX_NUMBERS.answers},,E`].join('\n');
      expect((await c.api.uploadCsv(c.id, csv)).body).toEqual({ accepted: 5, rejected: [] });
      expect((await stored(c)).map((r) => [r.toNumber, r.timezone, r.context])).toEqual([
        [us1, 'America/Chicago', { name: 'A' }],
        ['+919876543210', 'Asia/Kolkata', { name: 'B' }],
        [us2, null, { name: 'C' }],
        ['+919876543211', 'Asia/Dubai', { name: 'D' }],
        [SANDBOX_NUMBERS.answers, null, { name: 'E' }],
      ]);
    });

    it('rejects rows, each with its 1-based data row: invalid numbers, duplicates in the upload and in the campaign, numbers on the do-not-call list', async () => {
      const c = await campaign();
      const [kept, listed, again, other] = [uniquePhoneNumber(), uniquePhoneNumber(), uniquePhoneNumber(), uniquePhoneNumber()];
      expect((await c.api.uploadCsv(c.id, `to_number\n${again}\n`)).body).toEqual({ accepted: 1, rejected: [] });
      expect((await addToDnc(c, [listed])).status).toBe(200);
      const spaced = `+1 (${kept.slice(2, 5)}) ${kept.slice(5, 8)}-${kept.slice(8)}`;
      const csv = ['to_number,name', `${kept},first`, 'not a number,x', `"${spaced}",same number written another way`, `${listed},listed`, `${again},already in the campaign`, ',empty', '+1555,short', `${other},last`].join('\n');
      const res = await c.api.uploadCsv(c.id, csv);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accepted: 2,
        rejected: [
          { row: 2, to_number: 'not a number', error: 'invalid_number' },
          { row: 3, to_number: spaced, error: 'duplicate' },
          { row: 4, to_number: listed, error: 'do_not_call' },
          { row: 5, to_number: again, error: 'duplicate' },
          { row: 6, to_number: '', error: 'invalid_number' },
          { row: 7, to_number: '+1555', error: 'invalid_number' },
        ],
      });
      expect((await stored(c)).map((r) => [r.toNumber, r.context])).toEqual([
        [again, {}],
        [kept, { name: 'first' }],
        [other, { name: 'last' }],
      ]);
    });

    it.each([
      ['no to_number column', 'phone,name\n+14155550123,A\n', ['to_number']],
      ['an empty body', '', ['to_number']],
      ['a header and no rows', 'to_number,name\n', ['(body)']],
      ['a column name that is not a variable name', 'to_number,Customer Name\n+14155550123,A\n', ['column 2']],
      ['a column twice', 'to_number,name,name\n+14155550123,A,B\n', ['column 3']],
      ['a row with a field too many', 'to_number,name\n+14155550123,A\n+14155550124,B,extra\n', ['row 2']],
      ['an unclosed quote', 'to_number,name\n+14155550123,"A\n', ['row 1']],
      ['a timezone that is not IANA', 'to_number,timezone\n+14155550123,America/Chicago\n+14155550124,EST5EDT-ish\n+14155550125,Mars/Base\n', ['row 2 timezone', 'row 3 timezone']],
      ['a context value over 1000 characters', `to_number,note\n+14155550123,${'x'.repeat(1001)}\n`, ['row 1 note']],
    ])('%s is 400 validation_failed naming it, and nothing is written', async (_name, csv, fields) => {
      const c = await campaign();
      const res = await c.api.uploadCsv(c.id, csv);
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(fields);
      expect(await storedCount(c)).toBe(0);
    });

    it('a bad row late in a large file writes none of the rows before it', async () => {
      const c = await campaign();
      const lines = numberBlock(12_000).map((n) => `${n},America/New_York`);
      lines[11_499] = `${numberBlock(1, 50_000)[0]},Not/A_Zone`;
      const res = await c.api.uploadCsv(c.id, `to_number,timezone\n${lines.join('\n')}\n`);
      expectApiError(res, 400, 'validation_failed');
      expect(apiError(res).details).toEqual([{ field: 'row 11500 timezone', message: '"Not/A_Zone" is not an IANA time zone such as America/New_York' }]);
      expect(await storedCount(c)).toBe(0);
    });

    it('accepts a 100,000-row file in one request, written in batches', async () => {
      const c = await campaign();
      const csv = `to_number,customer_name,account\n${numberBlock(100_000)
        .map((n, i) => `${n},Customer ${i},"A-${i}, gold"`)
        .join('\n')}\n`;
      expect(Buffer.byteLength(csv)).toBeLessThan(UPLOAD_LIMIT);
      const res = await c.api.uploadCsv(c.id, csv);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 100_000, rejected: [] });
      expect(await storedCount(c)).toBe(100_000);
      const ends = await d.prisma().campaignContact.aggregate({ where: { campaignId: c.id }, _min: { seq: true }, _max: { seq: true } });
      expect(ends).toMatchObject({ _min: { seq: 1 }, _max: { seq: 100_000 } });
      const last = await d.prisma().campaignContact.findFirstOrThrow({ where: { campaignId: c.id, seq: 100_000 } });
      expect(last).toMatchObject({ toNumber: numberBlock(1, 99_999)[0], context: { customer_name: 'Customer 99999', account: 'A-99999, gold' } });
    });

    it('a body over CONTACTS_UPLOAD_MAX_BYTES is 413 payload_too_large and nothing is written', async () => {
      const c = await campaign();
      const row = `${uniquePhoneNumber()},${'x'.repeat(200)}\n`;
      const csv = `to_number,note\n${row.repeat(Math.ceil(UPLOAD_LIMIT / row.length) + 1)}`;
      const res = await c.api.uploadCsv(c.id, csv);
      expectApiError(res, 413, 'payload_too_large');
      expect(await storedCount(c)).toBe(0);
    });

    it('another content type is 415 unsupported_media_type; a CSV in another charset too', async () => {
      const c = await campaign();
      expectApiError(await c.api.uploadCsv(c.id, `to_number\n${uniquePhoneNumber()}\n`, 'text/plain'), 415, 'unsupported_media_type');
      expectApiError(await c.api.uploadCsv(c.id, `to_number\n${uniquePhoneNumber()}\n`, 'text/csv; charset=iso-8859-1'), 415, 'unsupported_media_type');
      expect((await c.api.uploadCsv(c.id, `to_number\n${uniquePhoneNumber()}\n`, 'text/csv; charset=utf-8')).body).toEqual({ accepted: 1, rejected: [] });
    });
  });

  describe('JSON', () => {
    it('takes {contacts: [{to_number, context?, timezone?}]} with the same rejections', async () => {
      const c = await campaign();
      const [a, b] = [uniquePhoneNumber(), uniquePhoneNumber()];
      const res = await c.api.uploadJson(c.id, { contacts: [{ to_number: a, context: { customer_name: 'Asha' } }, { to_number: 'nope' }, { to_number: b, timezone: 'Europe/Lisbon' }, { to_number: a }] });
      expect(res.body).toEqual({
        accepted: 2,
        rejected: [
          { row: 2, to_number: 'nope', error: 'invalid_number' },
          { row: 4, to_number: a, error: 'duplicate' },
        ],
      });
      expect((await stored(c)).map((r) => [r.toNumber, r.context, r.timezone])).toEqual([
        [a, { customer_name: 'Asha' }, null],
        [b, {}, 'Europe/Lisbon'],
      ]);
    });

    it('bad input is 400 naming each field (a zone that is not IANA, bad context keys, unknown fields), and nothing is written', async () => {
      const c = await campaign();
      const res = await c.api.uploadJson(c.id, { contacts: [{ to_number: uniquePhoneNumber() }, { to_number: uniquePhoneNumber(), timezone: 'Mars/Base' }, { to_number: uniquePhoneNumber(), context: { 'bad key': 'x' }, colour: 'red' }] });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res).sort()).toEqual(['contacts.1.timezone', 'contacts.2.colour', 'contacts.2.context.bad key']);
      expectApiError(await c.api.uploadJson(c.id, { contacts: [] }), 400, 'validation_failed');
      expect(await storedCount(c)).toBe(0);
    });

    it("a JSON body over the service's JSON limit is 413 payload_too_large (large lists go as CSV), nothing written", async () => {
      const c = await campaign();
      const res = await c.api.uploadJson(c.id, { contacts: numberBlock(20_000).map((to_number) => ({ to_number, context: { customer_name: 'A customer' } })) });
      expectApiError(res, 413, 'payload_too_large');
      expect(await storedCount(c)).toBe(0);
    });
  });

  describe('campaign state and races', () => {
    it('a completed or canceled campaign takes no contacts (409 invalid_campaign_state); running and paused ones do', async () => {
      const c = await campaign();
      await seedContacts(d.prisma(), { id: c.id, tenantId: c.tenantId }, ['pending'], uniquePhoneNumber);
      await c.api.act(c.id, 'launch');
      expect((await c.api.uploadCsv(c.id, `to_number\n${uniquePhoneNumber()}\n`)).body.accepted).toBe(1);
      await c.api.act(c.id, 'pause');
      expect((await c.api.uploadJson(c.id, { contacts: [{ to_number: uniquePhoneNumber() }] })).body.accepted).toBe(1);
      await c.api.act(c.id, 'cancel');
      const res = await c.api.uploadCsv(c.id, `to_number\n${uniquePhoneNumber()}\n`);
      expectApiError(res, 409, 'invalid_campaign_state');
      expect(apiError(res).message).toBe('This campaign is canceled, so it cannot be given more contacts. Create a new campaign for these contacts.');
      await d.prisma().campaign.update({ where: { id: c.id }, data: { status: 'completed' } });
      expectApiError(await c.api.uploadJson(c.id, { contacts: [{ to_number: uniquePhoneNumber() }] }), 409, 'invalid_campaign_state');
      expect(await storedCount(c)).toBe(3);
    });

    it('concurrent uploads of overlapping lists store each number once, in distinct places, and report every other copy as a duplicate', async () => {
      const c = await campaign();
      // Four lists of 3,000 numbers, each sharing half of its numbers with the next: 7,500 distinct numbers.
      const lists = [0, 1, 2, 3].map((k) => numberBlock(3_000, k * 1_500));
      const answers = await Promise.all(lists.map((l) => c.api.uploadCsv(c.id, `to_number\n${l.join('\n')}\n`)));
      for (const a of answers) expect(a.status).toBe(200);
      const results = answers.map((a) => a.body as { accepted: number; rejected: Array<{ error: string }> });
      expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(7_500);
      for (const r of results) {
        expect(r.accepted + r.rejected.length).toBe(3_000);
        expect(new Set(r.rejected.map((x) => x.error))).toEqual(new Set(r.rejected.length ? ['duplicate'] : []));
      }
      const rows = await stored(c);
      expect(rows).toHaveLength(7_500);
      expect(new Set(rows.map((r) => r.toNumber)).size).toBe(7_500);
      expect(new Set(rows.map((r) => r.seq)).size).toBe(7_500);
    });

    it('an upload racing a cancel either lands before it (and is canceled with the rest) or is refused: no contact is left pending', async () => {
      for (let round = 0; round < 4; round++) {
        const c = await campaign();
        await seedContacts(d.prisma(), { id: c.id, tenantId: c.tenantId }, ['pending'], uniquePhoneNumber);
        await c.api.act(c.id, 'launch');
        const csv = `to_number\n${numberBlock(20_000, 0).join('\n')}\n`;
        const [upload, cancel] = await Promise.all([c.api.uploadCsv(c.id, csv), c.api.act(c.id, 'cancel')]);
        expect(cancel.status).toBe(200);
        if (upload.status === 200) expect(upload.body.accepted).toBe(20_000);
        else expectApiError(upload, 409, 'invalid_campaign_state');
        const states = await d.prisma().campaignContact.groupBy({ by: ['state'], where: { campaignId: c.id }, _count: true });
        expect(states.map((s) => s.state)).toEqual(['canceled']);
        expect(states[0]!._count).toBe(upload.status === 200 ? 20_001 : 1);
      }
    });
  });

  describe('contacts list', () => {
    it('pages through the contacts in upload order, filtered by state, with the fields API.md lists', async () => {
      const c = await campaign();
      const numbers = numberBlock(5, 70_000);
      await c.api.uploadCsv(c.id, `to_number,name\n${numbers.map((n, i) => `${n},N${i}`).join('\n')}\n`);
      const retryAt = new Date('2026-11-25T12:00:00Z');
      await d.prisma().campaignContact.updateMany({ where: { campaignId: c.id, toNumber: numbers[1] }, data: { state: 'retry_scheduled', attempts: 1, lastOutcome: 'no_answer', lastSessionId: 'cs_previous', nextAttemptAt: retryAt } });
      const first = await c.api.contacts(c.id, '?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.data).toEqual([
        { id: expect.stringMatching(/^cct_/), to_number: numbers[0], context: { name: 'N0' }, state: 'pending', attempts: 0, last_outcome: null, last_session_id: null, next_attempt_at: null },
        { id: expect.stringMatching(/^cct_/), to_number: numbers[1], context: { name: 'N1' }, state: 'retry_scheduled', attempts: 1, last_outcome: 'no_answer', last_session_id: 'cs_previous', next_attempt_at: retryAt.toISOString() },
      ]);
      const seen = (first.body.data as Array<{ to_number: string }>).map((x) => x.to_number);
      let cursor = first.body.next_cursor as string | null;
      while (cursor) {
        const next = await c.api.contacts(c.id, `?limit=2&cursor=${cursor}`);
        seen.push(...(next.body.data as Array<{ to_number: string }>).map((x) => x.to_number));
        cursor = next.body.next_cursor as string | null;
      }
      expect(seen).toEqual(numbers);
      const pending = await c.api.contacts(c.id, '?state=pending');
      expect((pending.body.data as Array<{ to_number: string }>).map((x) => x.to_number)).toEqual([numbers[0], numbers[2], numbers[3], numbers[4]]);
      const bad = await c.api.contacts(c.id, '?state=ringing&limit=500');
      expectApiError(bad, 400, 'validation_failed');
      expect(detailFields(bad).sort()).toEqual(['query.limit', 'query.state']);
      expectApiError(await c.api.contacts(c.id, '?cursor=bm9wZQ'), 400, 'validation_failed');
    });
  });

  describe('results.csv', () => {
    it('streams one row per contact in upload order: the result columns, then every context column (one named like a result column is prefixed)', async () => {
      const c = await campaign();
      const numbers = numberBlock(3, 80_000);
      const csv = ['to_number,customer_name,state', `${numbers[0]},"Smith, Jane",CA`, `${numbers[1]},Ravi,NY`].join('\n');
      await c.api.uploadCsv(c.id, csv);
      await c.api.uploadJson(c.id, { contacts: [{ to_number: numbers[2], context: { plan: 'gold' } }] });
      await d.prisma().campaignContact.updateMany({ where: { campaignId: c.id, toNumber: numbers[0] }, data: { state: 'completed', attempts: 2, lastOutcome: 'completed', lastSessionId: 'cs_abc', durationSeconds: 42 } });
      const res = await c.api.results(c.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${c.id}-results.csv"`);
      expect(parse(res.text)).toEqual([
        ['to_number', 'state', 'attempts', 'last_outcome', 'last_session_id', 'duration_seconds', 'customer_name', 'plan', 'context.state'],
        [numbers[0], 'completed', '2', 'completed', 'cs_abc', '42', 'Smith, Jane', '', 'CA'],
        [numbers[1], 'pending', '0', '', '', '', 'Ravi', '', 'NY'],
        [numbers[2], 'pending', '0', '', '', '', '', 'gold', ''],
      ]);
    });

    it('exports a large campaign whole, across many pages', async () => {
      const c = await campaign();
      const numbers = numberBlock(12_345, 20_000);
      await c.api.uploadCsv(c.id, `to_number,n\n${numbers.map((n, i) => `${n},${i}`).join('\n')}\n`);
      const rows = parse((await c.api.results(c.id)).text, { from_line: 2 }) as string[][];
      expect(rows).toHaveLength(12_345);
      expect(rows.map((r) => r[0])).toEqual(numbers);
      expect(rows[12_344]![6]).toBe('12344');
    });

    it('a campaign without contacts exports the header only', async () => {
      const c = await campaign();
      expect((await c.api.results(c.id)).text).toBe('to_number,state,attempts,last_outcome,last_session_id,duration_seconds\n');
    });
  });
});

import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { parseUrlencoded, urlencodedBody } from './form-body';
import { nextRequestId } from './request-context';

const LIMIT = '256kb';
const PARAMS = 1000;

/** Two apps answering the parsed body (or the error's status and type): body-parser's and ours. */
function app(parser: express.RequestHandler) {
  const a = express();
  a.use(parser);
  a.post('/', (req, res) => void res.json({ body: req.body ?? null, proto: req.body ? Object.getPrototypeOf(req.body) === Object.prototype : null }));
  const onError: ErrorRequestHandler = (err: { status?: number; type?: string }, _req, res, _next) => void res.status(err.status ?? 500).json({ error: err.type });
  a.use(onError);
  return a;
}
const reference = app(express.urlencoded({ extended: false, limit: LIMIT, parameterLimit: PARAMS }));
const lean = app(urlencodedBody({ limit: LIMIT, parameterLimit: PARAMS }));

const TRICKY = [
  '',
  'a=1',
  'a=1&a=2&a=3',
  'a=1&b=2&a=3',
  'From=%2B15551234567&To=%2B15557654321&CallSid=CA123&Direction=inbound',
  'a+b=c+d',
  'a=%ZZ%41',
  'a=%E2%82',
  'a=%',
  '%=%',
  'a=%C3%A9&b=%E2%9C%93',
  'a=%FF',
  '&&a=1&&',
  '=x',
  'a',
  'a=',
  'a=1=2',
  'a]=b=c',
  'a=b]=c',
  'a[b]=1',
  'a%5Bb%5D=1',
  'a=%5Bx%5D',
  'a=%5B%ZZ',
  'a[]=1&a[]=2',
  '[foo]=1',
  '%5Bfoo%5D=1',
  '[]=1&[]=2',
  '__proto__=1',
  '__proto__[x]=1&a=1',
  'constructor=1&toString=2&hasOwnProperty=3',
  '%61=1&a=2',
  'a.b=1',
  '\uFEFFa=1',
  'a=\u00e9&b=\u{1F600}',
  'a=1;b=2',
  'a=%00',
  'a=1&'.repeat(999) + 'a=1',
  'a=1&'.repeat(1000) + 'a=1',
  '&'.repeat(1000),
  `big=${'x'.repeat(200_000)}`,
  `big=${'x'.repeat(300_000)}`,
];

describe('urlencodedBody: what body-parser (extended: false) makes of the same request', () => {
  test.each(TRICKY.map((body, i) => [i, body.length > 60 ? `${body.slice(0, 40)}… (${body.length} chars)` : body, body]))('#%i %j', async (_i, _label, body) => {
    const send = (a: express.Express) => request(a).post('/').set('content-type', 'application/x-www-form-urlencoded').send(body);
    const [want, got] = await Promise.all([send(reference), send(lean)]);
    expect({ status: got.status, body: got.body as unknown }).toEqual({ status: want.status, body: want.body as unknown });
  });

  test.each([
    ['charset utf-8', 'application/x-www-form-urlencoded; charset=UTF-8'],
    ['charset latin-1 (body-parser decides)', 'application/x-www-form-urlencoded; charset=iso-8859-1'],
    ['an unsupported charset (415)', 'application/x-www-form-urlencoded; charset=koi8-r'],
    ['JSON (not ours)', 'application/json'],
    ['text (not ours)', 'text/plain'],
  ])('content type: %s', async (_name, type) => {
    const send = (a: express.Express) => request(a).post('/').set('content-type', type).send('a=%E9&b=2');
    const [want, got] = await Promise.all([send(reference), send(lean)]);
    expect({ status: got.status, body: got.body as unknown }).toEqual({ status: want.status, body: want.body as unknown });
  });

  test('a declared length above the limit is refused before the body is read (413), like body-parser', async () => {
    const body = `big=${'x'.repeat(300_000)}`;
    const res = await request(lean).post('/').set('content-type', 'application/x-www-form-urlencoded').set('content-length', String(body.length)).send(body);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'entity.too.large' });
  });

  test('repeated keys stay arrays, so a route can refuse repeated parameters', () => {
    expect(parseUrlencoded('CallSid=CA1&CallSid=CA2&To=%2B1', PARAMS)).toEqual({ CallSid: ['CA1', 'CA2'], To: '+1' });
  });
});

describe('nextRequestId', () => {
  test('ids are unique and pass the incoming x-request-id check', () => {
    const ids = Array.from({ length: 1000 }, () => nextRequestId());
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[\w.-]{1,128}$/);
  });
});

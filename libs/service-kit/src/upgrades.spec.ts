import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino from 'pino';
import type { UpgradeRoute } from './service-module';
import { serveUpgrades } from './upgrades';

/** A raw upgrade request: the status line and body the server answers, or the socket the route took over. */
function upgrade(server: Server, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path, headers: { Connection: 'Upgrade', Upgrade: 'websocket' } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveUpgrades', () => {
  let server: Server;
  const taken: Duplex[] = [];
  let closed = 0;
  const route: UpgradeRoute = {
    matches: (p) => p === '/socket',
    handle: (_req, socket) => {
      taken.push(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    },
    close: async () => {
      closed++;
    },
  };
  let upgrades: { close(): Promise<void> };
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('plain'));
    upgrades = serveUpgrades(server, [route], pino({ level: 'silent' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    for (const s of taken) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('hands a matching path to its route, and refuses any other with 404 in the error shape', async () => {
    expect(await upgrade(server, '/socket?token=x')).toEqual({ status: 101, body: '' });
    expect(taken).toHaveLength(1);
    const other = await upgrade(server, '/voice/agents');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(taken).toHaveLength(1);
  });

  it('closing asks every route to end its connections and refuses new upgrades with 503', async () => {
    await upgrades.close();
    expect(closed).toBe(1);
    const late = await upgrade(server, '/socket');
    expect(late.status).toBe(503);
    expect(JSON.parse(late.body).error.code).toBe('not_ready');
  });

  it('with no routes, nothing is attached: an Upgrade header on a plain request is a plain request', async () => {
    const plain = createServer((_req, res) => res.end('plain'));
    serveUpgrades(plain, [], pino({ level: 'silent' }));
    expect(plain.listenerCount('upgrade')).toBe(0);
  });
});

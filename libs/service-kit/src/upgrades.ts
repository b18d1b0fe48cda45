import type { Server } from 'node:http';
import type { Logger } from './logger';
import type { UpgradeRoute } from './service-module';

const NOT_FOUND = JSON.stringify({ error: { code: 'not_found', message: 'Nothing here accepts a protocol upgrade.' } });
const refusal = (status: string, body: string) =>
  `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

/**
 * Serves the modules' upgrade routes on the HTTP server (a request asking for a protocol upgrade goes to the route whose
 * path matches; any other is refused 404), and stops them: `close` refuses new upgrades and has each route end the
 * connections it holds, which the server's own close waits for. With no routes nothing is attached, so Node treats
 * an `Upgrade` header on a plain request as it always does.
 */
export function serveUpgrades(server: Server, routes: readonly UpgradeRoute[], logger: Logger): { close(): Promise<void> } {
  if (routes.length === 0) return { close: async () => undefined };
  let closing = false;
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (err) => logger.debug({ err }, 'upgrade socket error'));
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    const route = closing ? undefined : routes.find((r) => r.matches(pathname));
    if (!route) {
      socket.end(refusal(closing ? '503 Service Unavailable' : '404 Not Found', closing ? JSON.stringify({ error: { code: 'not_ready', message: 'The service is stopping: connect again in a moment.' } }) : NOT_FOUND));
      return;
    }
    route.handle(req, socket, head);
  });
  return {
    async close() {
      closing = true;
      await Promise.all(routes.map((r) => r.close()));
    },
  };
}

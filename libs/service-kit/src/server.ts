import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Logger } from './logger';
import { StartupError } from './startup';

export interface Listening {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** The port cannot be had: one line saying which, and which setting chooses another. */
function portProblem(err: unknown, port: number, host: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartupError(`Port ${port} is already in use (on ${host}): stop what listens there, or set PORT to a free port.`);
  if (code === 'EACCES') return new StartupError(`Port ${port} needs privileges this user lacks (on ${host}): set PORT to 1024 or above.`);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`HOST ${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0.`);
  return err;
}

/**
 * Fails at once when the port cannot be had, before the slow part of a start (opening the database, starting the
 * modules) rather than after it. Binds and releases it; `listen` reports a port taken in between the same way.
 */
export function ensurePortFree(port: number, host = '0.0.0.0'): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once('error', (err) => reject(portProblem(err, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export function listen(listener: RequestListener, port: number, host = '0.0.0.0'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = createServer(listener).listen(port, host);
    server.once('error', (err) => reject(portProblem(err, port, host)));
    server.once('listening', () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      // Behind a load balancer, idle keep-alive sockets must outlive the balancer's own timeout.
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      resolve({
        server,
        port: actual,
        close: () =>
          new Promise<void>((res) => {
            // Idle keep-alive sockets close now; busy ones after their response (draining answers carry
            // `Connection: close`), checked every 100 ms until the server has none left.
            const sweep = setInterval(() => server.closeIdleConnections(), 100);
            server.close(() => {
              clearInterval(sweep);
              res();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/**
 * A signal this soon after the first is the same shutdown: Ctrl-C and `kill -<group>` reach npm, the shell and tsx
 * as well as the service, and npm and tsx each pass it on, so one request to stop arrives several times at once.
 */
const REPEATED_SIGNAL_MS = 2_000;

/**
 * Graceful drain on SIGTERM/SIGINT (STYLE.md #8): fail readiness, stop taking work, let in-flight work
 * finish, close consumers and connections, exit. A second signal (after the moment in which launchers repeat the
 * first) or the grace period forces the exit.
 */
export function onShutdown(logger: Logger, graceSeconds: number, steps: { drain(): void; stop(): Promise<void> }, now: () => number = Date.now): void {
  let stoppingSince: number | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (stoppingSince !== null) {
      if (now() - stoppingSince < REPEATED_SIGNAL_MS) {
        logger.info({ signal }, 'signal repeated by a launcher: already draining');
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = now();
    logger.info({ signal, grace_seconds: graceSeconds }, 'shutting down');
    steps.drain();
    const force = setTimeout(() => {
      logger.error('grace period over: exiting with work still in flight');
      process.exit(1);
    }, graceSeconds * 1000);
    force.unref();
    steps.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

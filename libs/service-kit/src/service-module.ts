import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiRouter } from './api-router';

/**
 * A path a module answers with a protocol upgrade (a WebSocket) on the service's HTTP server, beside its routes. Not
 * in the OpenAPI document: the module documents its protocol itself.
 */
export interface UpgradeRoute {
  /** Whether this route takes an upgrade request for `pathname`. */
  matches(pathname: string): boolean;
  /** Takes the socket over: accepts the upgrade (or refuses it) and owns the connection from then on. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The server is stopping: end every connection this route holds (the HTTP server's close waits for them). */
  close(): Promise<void>;
}

/**
 * What an app contributes to a process: its routes, and the consumers or loops it runs.
 * A service's own main.ts serves one module; the all-in-one serves all of them on one port.
 */
export interface ServiceModule {
  name: string;
  routers: ApiRouter[];
  /** Upgrade (WebSocket) routes on the same HTTP server, if any. */
  upgrades?: UpgradeRoute[];
  /** Subscribe consumers, start loops. Called once the platform is up. */
  start?(): Promise<void>;
  /** Stop taking new work and finish what is in flight. */
  stop?(): Promise<void>;
}

import type { ApiRouter } from './api-router';

/**
 * What an app contributes to a process: its routes, and the consumers or loops it runs.
 * A service's own main.ts serves one module; the all-in-one serves all of them on one port.
 */
export interface ServiceModule {
  name: string;
  routers: ApiRouter[];
  /** Subscribe consumers, start loops. Called once the platform is up. */
  start?(): Promise<void>;
  /** Stop taking new work and finish what is in flight. */
  stop?(): Promise<void>;
}

import pg from 'pg';
import { pollUntil } from './poll-until';

/**
 * Chaos for PostgreSQL: terminates every other backend of one database (`pg_terminate_backend`), as a failover, a
 * restarted pooler or an operator would, so the services under test lose their connections mid-transaction. Its own
 * connection is spared; point it at a spec's own database (DATABASE_URL), never at one other files share.
 */
export class BackendTerminator {
  /** Backends terminated so far. */
  terminated = 0;
  /** Rounds that found at least one backend to terminate. */
  rounds = 0;
  private readonly client: pg.Client;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(databaseUrl: string) {
    this.client = new pg.Client({ connectionString: databaseUrl });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Terminates every other backend of the database now; returns how many. */
  async terminateAll(): Promise<number> {
    const { rows } = await this.client.query<{ done: boolean }>(
      'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    const n = rows.filter((r) => r.done).length;
    this.terminated += n;
    if (n > 0) this.rounds++;
    return n;
  }

  /** Terminates the backends of the database waiting for a lock (another connection holds it); returns how many. */
  async terminateWaitingOnLocks(): Promise<number> {
    const { rows } = await this.client.query<{ done: boolean }>(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    const n = rows.filter((r) => r.done).length;
    this.terminated += n;
    return n;
  }

  /** Backends of the database waiting for a lock. */
  async waitingOnLocks(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return rows[0]?.n ?? 0;
  }

  /** Backends of the database other than this one's own. */
  async otherBackends(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Terminates the backends each time `progress()` has moved `every` steps further (say, requests answered), until
   * stop(): paced by the traffic it disturbs rather than by a clock, so a slow machine gets the same chaos per request.
   */
  start(progress: () => number, every: number): void {
    this.loop = (async () => {
      let next = progress() + every;
      while (!this.stopping) {
        await pollUntil(() => this.stopping || progress() >= next, { timeoutMs: 600_000, intervalMs: 5, description: 'traffic to disturb' });
        if (this.stopping) return;
        await this.terminateAll();
        next = progress() + every;
      }
    })();
  }

  /** Ends the loop (after its round in flight) and closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.client.end();
  }
}

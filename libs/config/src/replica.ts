import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process's name among its service's replicas, the same after a restart: `REPLICA_ID` when set, else
 * `<host name>:<port>`. A Kubernetes pod keeps its host name across container restarts, and two live processes on
 * one host cannot hold one port, so the default names one process at a time. With port 0 (tests) the port says
 * nothing: the name is then made unique to this process, and a restart finds nothing of its previous run to reconcile.
 *
 * What it is for: the dialer and the voice agent record it on the calls they run, and on start end (or take back)
 * the ones their previous run left, before they take new work.
 */
export function replicaName(config: { REPLICA_ID?: string; PORT: number }): string {
  if (config.REPLICA_ID) return config.REPLICA_ID;
  if (config.PORT) return `${hostname()}:${config.PORT}`;
  return `${hostname()}:pid${process.pid}-${randomBytes(4).toString('hex')}`;
}

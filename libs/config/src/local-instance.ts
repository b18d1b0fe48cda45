import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The all-in-one on this machine, as the local tools (the CLI, `npm run demo`, `npm run call:sandbox`) find it: its
 * data folder holds the operator token it generated (`secrets.json`) and, while it runs, where it listens
 * (`listen.json`). Written by the all-in-one, read by the tools; nothing here is read by a deployed service.
 */

/** The default port of the all-in-one, and so the default address of the tools. */
export const ALL_IN_ONE_DEFAULT_PORT = 3000;

export const SECRETS_FILE = 'secrets.json';
export const LISTEN_FILE = 'listen.json';

/** The all-in-one's data folder: CALLPLANE_DATA_DIR, else `.data` in the working directory. */
export function allInOneDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.CALLPLANE_DATA_DIR || '.data');
}

export interface ListenRecord {
  /** Where a client on this machine reaches it, e.g. `http://localhost:3300`. */
  url: string;
  port: number;
  pid: number;
}

/** The URL a client on this machine uses for a server bound to `host:port` (a wildcard host is reached as localhost). */
export function localUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function writeListenRecord(dataDir: string, record: ListenRecord): void {
  writeFileSync(path.join(dataDir, LISTEN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record on a clean stop, unless another all-in-one has written its own since. */
export function removeListenRecord(dataDir: string, pid: number): void {
  const file = path.join(dataDir, LISTEN_FILE);
  if (readJson<ListenRecord>(file)?.pid === pid) rmSync(file, { force: true });
}

export interface CallplaneTarget {
  /** Without a trailing slash. */
  url: string;
  /** How the URL was chosen, for messages: `CALLPLANE_URL`, the listen record's path, or the default. */
  source: string;
}

/**
 * Where the tools send requests: CALLPLANE_URL when set; else where the all-in-one of this data folder said it
 * listens; else the all-in-one's default address.
 */
export function callplaneTarget(env: NodeJS.ProcessEnv = process.env): CallplaneTarget {
  if (env.CALLPLANE_URL) return { url: trimSlash(env.CALLPLANE_URL), source: 'CALLPLANE_URL' };
  const file = path.join(allInOneDataDir(env), LISTEN_FILE);
  const recorded = readJson<Partial<ListenRecord>>(file)?.url;
  if (typeof recorded === 'string' && /^https?:\/\//.test(recorded)) return { url: trimSlash(recorded), source: file };
  return { url: `http://localhost:${ALL_IN_ONE_DEFAULT_PORT}`, source: 'the default' };
}

/** Says where a URL came from in an error message, and how to choose another. */
export function describeTarget(t: CallplaneTarget): string {
  if (t.source === 'CALLPLANE_URL') return 'from CALLPLANE_URL';
  if (t.source === 'the default') return 'the default; set CALLPLANE_URL to reach another deployment';
  return `where the all-in-one said it listens, in ${t.source}; set CALLPLANE_URL to reach another`;
}

/** The operator token: ADMIN_TOKEN, else the one the all-in-one of this data folder generated. */
export function localAdminToken(env: NodeJS.ProcessEnv = process.env): { token: string | undefined; file: string } {
  const file = path.join(allInOneDataDir(env), SECRETS_FILE);
  if (env.ADMIN_TOKEN) return { token: env.ADMIN_TOKEN, file };
  return { token: readJson<{ admin_token?: string }>(file)?.admin_token, file };
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

import { ConfigError } from '@callplane/config';
import { AzureBlobUpload, EgressClient, EncodedFileOutput, EncodedFileType, GCPUpload, S3Upload } from 'livekit-server-sdk';
import { LiveKitError, toLiveKitError, type LiveKitConfig } from './livekit-sip';

/** Every variable `recordingStorageFromEnv` reads, for a service's config listing. */
export const RECORDING_ENV = [
  'RECORDING_STORAGE',
  'RECORDING_BUCKET',
  'RECORDING_REGION',
  'RECORDING_ENDPOINT',
  'RECORDING_FORCE_PATH_STYLE',
  'RECORDING_ACCESS_KEY',
  'RECORDING_SECRET',
  'RECORDING_GCS_CREDENTIALS',
  'RECORDING_AZURE_ACCOUNT_NAME',
  'RECORDING_AZURE_ACCOUNT_KEY',
  'RECORDING_PREFIX',
  'RECORDING_PUBLIC_BASE_URL',
] as const;

export type RecordingEnvVar = (typeof RECORDING_ENV)[number];
export type RecordingStorageKind = 's3' | 'gcs' | 'azure';

interface StorageCommon {
  /** Bucket (S3, GCS) or container (Azure). */
  bucket: string;
  /** Key prefix without leading or trailing slash, e.g. `recordings`. */
  prefix: string;
  /** Where recordings are served from, without trailing slash; recording URLs are `${publicBaseUrl}/${key}`. */
  publicBaseUrl?: string;
}

/** AWS S3, or an S3-compatible store (MinIO, Cloudflare R2…) at `endpoint`. */
export interface S3RecordingStorage extends StorageCommon {
  kind: 's3';
  region?: string;
  endpoint?: string;
  forcePathStyle: boolean;
  accessKey: string;
  secret: string;
}

export interface GcsRecordingStorage extends StorageCommon {
  kind: 'gcs';
  /** The service-account key file's JSON, passed to the egress worker as is. */
  credentials: string;
}

export interface AzureRecordingStorage extends StorageCommon {
  kind: 'azure';
  accountName: string;
  accountKey: string;
}

export type RecordingStorage = S3RecordingStorage | GcsRecordingStorage | AzureRecordingStorage;

const COMMON_VARS: RecordingEnvVar[] = ['RECORDING_STORAGE', 'RECORDING_BUCKET', 'RECORDING_PREFIX', 'RECORDING_PUBLIC_BASE_URL'];
const VARS_OF: Record<RecordingStorageKind, RecordingEnvVar[]> = {
  s3: ['RECORDING_REGION', 'RECORDING_ENDPOINT', 'RECORDING_FORCE_PATH_STYLE', 'RECORDING_ACCESS_KEY', 'RECORDING_SECRET'],
  gcs: ['RECORDING_GCS_CREDENTIALS'],
  azure: ['RECORDING_AZURE_ACCOUNT_NAME', 'RECORDING_AZURE_ACCOUNT_KEY'],
};
const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };
// One key segment: no "." or ".." (not a leading dot), no egress filename templates ({room_name}, {time}…), nothing
// a URL would have to escape.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/;

/**
 * Where call recordings go, from `RECORDING_*` variables (empty counts as unset); `null` when `RECORDING_STORAGE`
 * and every other recording variable are unset. Throws `ConfigError` naming every bad variable; messages never
 * contain a variable's value.
 */
export function recordingStorageFromEnv(env: NodeJS.ProcessEnv): RecordingStorage | null {
  const v = (name: RecordingEnvVar): string | undefined => (env[name] === '' ? undefined : env[name]);
  const problems: Array<{ variable: RecordingEnvVar; message: string }> = [];
  const problem = (variable: RecordingEnvVar, message: string) => void problems.push({ variable, message });
  const required = (name: RecordingEnvVar): string => {
    const value = v(name);
    if (value === undefined) problem(name, `is required when RECORDING_STORAGE=${v('RECORDING_STORAGE')}`);
    return value ?? '';
  };

  const kind = v('RECORDING_STORAGE');
  if (kind === undefined) {
    if (RECORDING_ENV.some((name) => v(name) !== undefined)) problem('RECORDING_STORAGE', 'is required when other RECORDING_* variables are set (s3, gcs or azure)');
    return problems.length ? fail(problems) : null;
  }
  if (!isKind(kind)) return fail([{ variable: 'RECORDING_STORAGE', message: 'must be s3, gcs or azure' }]);
  for (const name of RECORDING_ENV) {
    if (v(name) !== undefined && !COMMON_VARS.includes(name) && !VARS_OF[kind].includes(name)) {
      problem(name, `does not apply to RECORDING_STORAGE=${kind}`);
    }
  }

  const bucket = required('RECORDING_BUCKET');
  if (bucket && !BUCKET.test(bucket)) problem('RECORDING_BUCKET', 'must be a bucket or container name: 3-223 lowercase letters, digits, ".", "-" or "_"');
  const prefix = (v('RECORDING_PREFIX') ?? 'recordings').replace(/^\/+|\/+$/g, '');
  if (!prefix.split('/').every((s) => SEGMENT.test(s))) {
    problem('RECORDING_PREFIX', 'must be path segments of letters, digits, ".", "-" or "_", separated by "/"');
  }
  const publicBaseUrl = httpUrl(v('RECORDING_PUBLIC_BASE_URL'), 'RECORDING_PUBLIC_BASE_URL', problem);
  const common: StorageCommon = { bucket, prefix, ...(publicBaseUrl ? { publicBaseUrl } : {}) };

  let storage: RecordingStorage;
  if (kind === 's3') {
    const region = v('RECORDING_REGION');
    if (region !== undefined && !/^[a-z0-9-]{1,32}$/.test(region)) problem('RECORDING_REGION', 'must be a region name such as us-east-1 (or auto for R2)');
    const endpoint = httpUrl(v('RECORDING_ENDPOINT'), 'RECORDING_ENDPOINT', problem);
    const pathStyle = v('RECORDING_FORCE_PATH_STYLE');
    if (pathStyle !== undefined && !(pathStyle in BOOLEANS)) problem('RECORDING_FORCE_PATH_STYLE', 'must be true or false');
    // Required even on AWS: LiveKit Cloud's egress workers cannot assume our IAM roles.
    const accessKey = required('RECORDING_ACCESS_KEY');
    const secret = required('RECORDING_SECRET');
    storage = {
      kind,
      ...common,
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: BOOLEANS[pathStyle ?? 'false'] ?? false,
      accessKey,
      secret,
    };
  } else if (kind === 'gcs') {
    const credentials = required('RECORDING_GCS_CREDENTIALS');
    // JSON.parse's message quotes the input, so it never reaches ours.
    if (credentials && !isCredentialsJson(credentials)) problem('RECORDING_GCS_CREDENTIALS', 'must be a Google service-account key as JSON (the contents of its key file)');
    storage = { kind, ...common, credentials };
  } else {
    const accountName = required('RECORDING_AZURE_ACCOUNT_NAME');
    if (accountName && !/^[a-z0-9]{3,24}$/.test(accountName)) problem('RECORDING_AZURE_ACCOUNT_NAME', 'must be a storage account name: 3-24 lowercase letters and digits');
    storage = { kind, ...common, accountName, accountKey: required('RECORDING_AZURE_ACCOUNT_KEY') };
  }
  if (problems.length) return fail(problems);
  // A storage object logged or serialised by accident shows where recordings go, not the credentials.
  Object.defineProperty(storage, 'toJSON', { value: () => describeRecordingStorage(storage), enumerable: false });
  return storage;
}

/** Where recordings go, safe to log: never the credentials. */
export function describeRecordingStorage(storage: RecordingStorage): Record<string, string> {
  const { kind, bucket, prefix, publicBaseUrl } = storage;
  const extra = storage.kind === 's3' ? { region: storage.region, endpoint: storage.endpoint } : storage.kind === 'azure' ? { account: storage.accountName } : {};
  return Object.fromEntries(Object.entries({ storage: kind, bucket, prefix, publicBaseUrl, ...extra }).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface StartRecordingInput {
  roomName: string;
  tenantId: string;
  sessionId: string;
}

export interface StartedRecording {
  egressId: string;
  /** Where the OGG file will be once the egress completes. */
  recordingUrl: string;
}

/** The slice of a pino logger used here; pass a child carrying the service's context. */
export interface RecordingLogger {
  info(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Records calls with LiveKit Egress: an audio-only room composite of the call's room, written as OGG to
 * `${prefix}/${tenantId}/${sessionId}.ogg` in the configured store by the egress worker (the credentials travel
 * in the request). Vendor errors become `LiveKitError` with every credential scrubbed from the text.
 */
export class LiveKitRecordings {
  private readonly client: EgressClient;
  private readonly secrets: string[];

  constructor(
    config: LiveKitConfig,
    private readonly storage: RecordingStorage,
    private readonly opts: { logger?: RecordingLogger; requestTimeoutSeconds?: number } = {},
  ) {
    this.client = new EgressClient(config.url, config.apiKey, config.apiSecret, {
      requestTimeout: opts.requestTimeoutSeconds ?? 10,
      // As in LiveKitSip: no SDK-internal region failover, callers own retries.
      failover: false,
    });
    // Longest first, so a whole credentials file is replaced before the pieces inside it.
    this.secrets = [config.apiSecret, ...storageSecrets(storage)].sort((a, b) => b.length - a.length);
  }

  async start(input: StartRecordingInput): Promise<StartedRecording> {
    for (const [name, value] of [['tenantId', input.tenantId], ['sessionId', input.sessionId]] as const) {
      if (!SEGMENT.test(value)) throw new Error(`${name} ${JSON.stringify(value)} cannot be part of a recording key: use letters, digits, ".", "-" or "_"`);
    }
    const key = `${this.storage.prefix}/${input.tenantId}/${input.sessionId}.ogg`;
    const output = new EncodedFileOutput({ fileType: EncodedFileType.OGG, filepath: key, output: upload(this.storage) });
    const info = await this.call('start recording', () => this.client.startRoomCompositeEgress(input.roomName, output, { audioOnly: true }));
    const recordingUrl = urlOf(this.storage, key);
    this.opts.logger?.info(
      { tenant_id: input.tenantId, session_id: input.sessionId, room_name: input.roomName, egress_id: info.egressId, recording_url: recordingUrl },
      'recording started',
    );
    return { egressId: info.egressId, recordingUrl };
  }

  /** Stops the recording; one that already ended (room closed, stopped before) or that LiveKit no longer knows counts as stopped. */
  async stop(egressId: string): Promise<void> {
    try {
      await this.call('stop recording', () => this.client.stopEgress(egressId));
      this.opts.logger?.info({ egress_id: egressId }, 'recording stopped');
    } catch (err) {
      // livekit-server answers failed_precondition for an egress no longer starting/active, not_found for an unknown id.
      if (!(err instanceof LiveKitError && (err.notFound || err.code === 'failed_precondition'))) throw err;
      this.opts.logger?.info({ egress_id: egressId, reason: err.code }, 'recording already ended');
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toLiveKitError(what, err, this.secrets);
    }
  }
}

function upload(s: RecordingStorage): EncodedFileOutput['output'] {
  switch (s.kind) {
    case 's3':
      return {
        case: 's3',
        value: new S3Upload({ accessKey: s.accessKey, secret: s.secret, bucket: s.bucket, region: s.region ?? '', endpoint: s.endpoint ?? '', forcePathStyle: s.forcePathStyle }),
      };
    case 'gcs':
      return { case: 'gcp', value: new GCPUpload({ credentials: s.credentials, bucket: s.bucket }) };
    case 'azure':
      return { case: 'azure', value: new AzureBlobUpload({ accountName: s.accountName, accountKey: s.accountKey, containerName: s.bucket }) };
  }
}

/** The public URL when configured, else the store's own address for the object. */
function urlOf(s: RecordingStorage, key: string): string {
  if (s.publicBaseUrl) return `${s.publicBaseUrl}/${key}`;
  switch (s.kind) {
    case 's3': {
      if (!s.endpoint) return `s3://${s.bucket}/${key}`;
      if (s.forcePathStyle) return `${s.endpoint}/${s.bucket}/${key}`;
      const u = new URL(s.endpoint);
      return `${u.protocol}//${s.bucket}.${u.host}${u.pathname.replace(/\/$/, '')}/${key}`;
    }
    case 'gcs':
      return `gs://${s.bucket}/${key}`;
    case 'azure':
      return `https://${s.accountName}.blob.core.windows.net/${s.bucket}/${key}`;
  }
}

/** Every credential string, as is and JSON-escaped (an echoed request body carries it escaped). */
function storageSecrets(s: RecordingStorage): string[] {
  const raw =
    s.kind === 's3'
      ? [s.accessKey, s.secret]
      : s.kind === 'azure'
        ? [s.accountKey]
        : // The key file as a whole and its values (private key, key id…), plus each line of the PEM key.
          [s.credentials, ...jsonStrings(s.credentials).flatMap((x) => [x, ...x.split('\n').filter((l) => l.length >= 16)])];
  return [...new Set(raw.flatMap((x) => [x, JSON.stringify(x).slice(1, -1)]))].filter((x) => x.length >= 4);
}

function jsonStrings(json: string): string[] {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  return Object.values(parsed).filter((x): x is string => typeof x === 'string' && x.length >= 8);
}

function isCredentialsJson(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && typeof (parsed as { type?: unknown }).type === 'string';
  } catch {
    return false;
  }
}

function httpUrl(value: string | undefined, variable: RecordingEnvVar, problem: (v: RecordingEnvVar, m: string) => void): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && !u.password) return value.replace(/\/+$/, '');
  } catch {
    // falls through to the problem below
  }
  problem(variable, 'must be an http(s) URL without query or credentials, such as https://example.com');
  return undefined;
}

function isKind(k: string): k is RecordingStorageKind {
  return k === 's3' || k === 'gcs' || k === 'azure';
}

function fail(problems: Array<{ variable: string; message: string }>): never {
  throw new ConfigError(problems);
}

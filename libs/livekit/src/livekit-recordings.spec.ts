import { ConfigError } from '@callplane/config';
import { FakeLiveKit, twirpError } from '@callplane/testing';
import { RoomServiceClient } from 'livekit-server-sdk';
import pino from 'pino';
import { LiveKitRecordings, RECORDING_ENV, recordingStorageFromEnv, type RecordingStorage } from './livekit-recordings';
import { LiveKitError } from './livekit-sip';

const apiKey = 'APIlivekitrec';
const apiSecret = 'livekit-recordings-spec-secret-0123456789abcdef';
const accessKey = 'AKIARECORDINGSPEC0001';
const secret = 's3-secret-wJalrXUtnFEMIK7MDENGbPxRfiCY';
const azureKey = 'azure-account-key-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==';
const pemBody = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const privateKey = `-----BEGIN PRIVATE KEY-----\n${pemBody}\nAnotherLineOfKeyMaterial0123456789\n-----END PRIVATE KEY-----\n`;
const gcsCredentials = JSON.stringify({
  type: 'service_account',
  project_id: 'callplane-test',
  private_key_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  private_key: privateKey,
  client_email: 'egress@callplane-test.iam.gserviceaccount.com',
});
const gcsSecrets = [gcsCredentials, privateKey, pemBody, 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'];
const SECRETS = [apiSecret, accessKey, secret, azureKey, ...gcsSecrets];

const s3Env = {
  RECORDING_STORAGE: 's3',
  RECORDING_BUCKET: 'callplane-recordings',
  RECORDING_REGION: 'eu-west-1',
  RECORDING_ACCESS_KEY: accessKey,
  RECORDING_SECRET: secret,
};
const gcsEnv = { RECORDING_STORAGE: 'gcs', RECORDING_BUCKET: 'callplane-recordings', RECORDING_GCS_CREDENTIALS: gcsCredentials };
const azureEnv = { RECORDING_STORAGE: 'azure', RECORDING_BUCKET: 'calls', RECORDING_AZURE_ACCOUNT_NAME: 'callplanerec', RECORDING_AZURE_ACCOUNT_KEY: azureKey };

const storageOf = (env: Record<string, string>): RecordingStorage => recordingStorageFromEnv(env)!;
const configError = (env: Record<string, string>): ConfigError => {
  try {
    recordingStorageFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
};
const expectNoSecrets = (text: string) => {
  for (const s of SECRETS) expect(text).not.toContain(s);
};

describe('LiveKitRecordings against FakeLiveKit', () => {
  let fake: FakeLiveKit;
  let logLines: string[];

  beforeEach(async () => {
    fake = new FakeLiveKit({ apiKey, apiSecret });
    await fake.start();
    await new RoomServiceClient(fake.url, apiKey, apiSecret).createRoom({ name: 'call-cs_1' });
    logLines = [];
  });
  afterEach(() => fake.stop());

  const recorder = (env: Record<string, string>) =>
    new LiveKitRecordings({ url: fake.url, apiKey, apiSecret }, storageOf(env), {
      logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }).child({ service: 'voice-agent' }),
    });
  const input = { roomName: 'call-cs_1', tenantId: 'tn_1', sessionId: 'cs_1' };

  it('starts an audio-only OGG room composite egress to the S3 bucket and key, with the storage credentials', async () => {
    const { egressId, recordingUrl } = await recorder(s3Env).start(input);

    expect(fake.egresses).toHaveLength(1);
    const [egress] = fake.egresses;
    expect(egress!.egressId).toBe(egressId);
    expect(egress!.roomName).toBe('call-cs_1');
    expect(egress!.request).toMatchObject({ roomName: 'call-cs_1', audioOnly: true });
    expect(egress!.request.videoOnly).toBeUndefined();
    expect(egress!.file).toEqual({
      fileType: 'OGG',
      filepath: 'recordings/tn_1/cs_1.ogg',
      s3: { accessKey, secret, bucket: 'callplane-recordings', region: 'eu-west-1' },
    });
    expect(recordingUrl).toBe('s3://callplane-recordings/recordings/tn_1/cs_1.ogg');
    expect(fake.requestsTo('Egress', 'StartRoomCompositeEgress')[0]!.grants?.video).toEqual({ roomRecord: true });
  });

  it.each([
    [
      'MinIO, path style',
      { RECORDING_ENDPOINT: 'http://minio.internal:9000/', RECORDING_FORCE_PATH_STYLE: 'true', RECORDING_REGION: 'us-east-1' },
      { endpoint: 'http://minio.internal:9000', forcePathStyle: true, region: 'us-east-1' },
      'http://minio.internal:9000/callplane-recordings/recordings/tn_1/cs_1.ogg',
    ],
    [
      'R2, virtual-hosted',
      { RECORDING_ENDPOINT: 'https://acc123.r2.cloudflarestorage.com', RECORDING_REGION: 'auto' },
      { endpoint: 'https://acc123.r2.cloudflarestorage.com', region: 'auto' },
      'https://callplane-recordings.acc123.r2.cloudflarestorage.com/recordings/tn_1/cs_1.ogg',
    ],
  ])('sends an S3-compatible store (%s) its endpoint and answers its URL', async (_name, extraEnv, s3Fields, url) => {
    const { recordingUrl } = await recorder({ ...s3Env, ...extraEnv }).start(input);
    expect(fake.egresses[0]!.file).toEqual({
      fileType: 'OGG',
      filepath: 'recordings/tn_1/cs_1.ogg',
      s3: { accessKey, secret, bucket: 'callplane-recordings', ...s3Fields },
    });
    expect(recordingUrl).toBe(url);
    expect(() => new URL(recordingUrl)).not.toThrow();
  });

  it('sends Google Cloud Storage its credentials JSON and answers a gs:// URL', async () => {
    const { recordingUrl } = await recorder(gcsEnv).start(input);
    expect(fake.egresses[0]!.file).toEqual({
      fileType: 'OGG',
      filepath: 'recordings/tn_1/cs_1.ogg',
      gcp: { credentials: gcsCredentials, bucket: 'callplane-recordings' },
    });
    expect(recordingUrl).toBe('gs://callplane-recordings/recordings/tn_1/cs_1.ogg');
  });

  it('sends Azure Blob the account and container and answers the blob URL', async () => {
    const { recordingUrl } = await recorder(azureEnv).start(input);
    expect(fake.egresses[0]!.file).toEqual({
      fileType: 'OGG',
      filepath: 'recordings/tn_1/cs_1.ogg',
      azure: { accountName: 'callplanerec', accountKey: azureKey, containerName: 'calls' },
    });
    expect(recordingUrl).toBe('https://callplanerec.blob.core.windows.net/calls/recordings/tn_1/cs_1.ogg');
  });

  it('answers the public URL under RECORDING_PUBLIC_BASE_URL and keys under RECORDING_PREFIX', async () => {
    const env = { ...s3Env, RECORDING_PUBLIC_BASE_URL: 'https://media.example.com/rec/', RECORDING_PREFIX: '/calls/audio/' };
    const { recordingUrl } = await recorder(env).start(input);
    expect(fake.egresses[0]!.file?.filepath).toBe('calls/audio/tn_1/cs_1.ogg');
    expect(recordingUrl).toBe('https://media.example.com/rec/calls/audio/tn_1/cs_1.ogg');
  });

  it('refuses ids that cannot be a key segment before calling LiveKit', async () => {
    await expect(recorder(s3Env).start({ ...input, sessionId: '../cs_2' })).rejects.toThrow(/sessionId "..\/cs_2"/);
    await expect(recorder(s3Env).start({ ...input, tenantId: '{room_name}' })).rejects.toThrow(/tenantId/);
    expect(fake.requestsTo('Egress', 'StartRoomCompositeEgress')).toEqual([]);
  });

  it('stops a recording; stopping it again, after its room closed, or an unknown id counts as stopped', async () => {
    const recordings = recorder(s3Env);
    const { egressId } = await recordings.start(input);
    await recordings.stop(egressId);
    expect(fake.egresses[0]!.status).toBe('EGRESS_COMPLETE');
    expect(fake.requestsTo('Egress', 'StopEgress').map((r) => r.body)).toEqual([{ egressId }]);

    await expect(recordings.stop(egressId)).resolves.toBeUndefined();
    await expect(recordings.stop('EG_unknown')).resolves.toBeUndefined();

    await new RoomServiceClient(fake.url, apiKey, apiSecret).createRoom({ name: 'call-cs_2' });
    const second = await recordings.start({ ...input, roomName: 'call-cs_2', sessionId: 'cs_2' });
    await new RoomServiceClient(fake.url, apiKey, apiSecret).deleteRoom('call-cs_2');
    await expect(recordings.stop(second.egressId)).resolves.toBeUndefined();

    const messages = logLines.map((l) => JSON.parse(l) as { msg: string; reason?: string });
    expect(messages.filter((m) => m.msg === 'recording already ended').map((m) => m.reason)).toEqual([
      'failed_precondition',
      'not_found',
      'failed_precondition',
    ]);
  });

  it('a stop LiveKit fails is a retryable LiveKitError', async () => {
    const recordings = recorder(s3Env);
    const { egressId } = await recordings.start(input);
    fake.failNext({ path: /StopEgress$/ }, twirpError('unavailable', 'egress worker unreachable'));
    const err = await recordings.stop(egressId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveKitError);
    expect(err).toMatchObject({ retryable: true, status: 503, code: 'unavailable' });
    expect(fake.egresses[0]!.status).toBe('EGRESS_STARTING');
  });

  it('recording a room that does not exist is a not-found LiveKitError, not retried', async () => {
    const err = await recorder(s3Env).start({ ...input, roomName: 'call-gone' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveKitError);
    expect((err as LiveKitError).notFound).toBe(true);
    expect((err as LiveKitError).retryable).toBe(false);
    expect((err as LiveKitError).message).toContain('start recording');
    expect((err as LiveKitError).message).toContain('requested room does not exist');
    expect(fake.egresses).toEqual([]);
  });

  it.each([
    ['s3', s3Env, [accessKey, secret]],
    ['gcs', gcsEnv, gcsSecrets],
    ['azure', azureEnv, [azureKey]],
  ])('keeps %s credentials and the API secret out of errors that echo them and out of logs', async (_kind, env, storeSecrets) => {
    const recordings = recorder(env);
    const { egressId } = await recordings.start(input);
    await recordings.stop(egressId);
    const sentFile = JSON.stringify(fake.egresses[0]!.file);
    // A server error quoting the request, as an upload or validation failure might: raw and JSON-escaped credentials.
    fake.failNext(
      { path: /StartRoomCompositeEgress$/ },
      twirpError('internal', `could not upload with ${sentFile} (${[apiSecret, ...storeSecrets].join(' ')}) and ${JSON.stringify(sentFile)}`),
    );
    const err = await recordings.start(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveKitError);
    expect((err as LiveKitError).message).toContain('***');
    expectNoSecrets((err as LiveKitError).message);

    const logs = logLines.join('\n');
    expect(logs).toContain(egressId);
    expect(logs).toContain('recording started');
    expectNoSecrets(logs);
    expectNoSecrets(JSON.stringify(storageOf(env)));
  });
});

describe('recordingStorageFromEnv', () => {
  it('is null when recording is not configured (unset or empty)', () => {
    expect(recordingStorageFromEnv({})).toBeNull();
    expect(recordingStorageFromEnv({ RECORDING_STORAGE: '', RECORDING_BUCKET: '' })).toBeNull();
  });

  it('reads S3, with the default prefix', () => {
    expect(storageOf(s3Env)).toEqual({
      kind: 's3',
      bucket: 'callplane-recordings',
      prefix: 'recordings',
      region: 'eu-west-1',
      forcePathStyle: false,
      accessKey,
      secret,
    });
  });

  it('reads an S3-compatible endpoint with path style and a public base URL', () => {
    const env = { ...s3Env, RECORDING_ENDPOINT: 'https://minio.example.com/', RECORDING_FORCE_PATH_STYLE: 'yes', RECORDING_PUBLIC_BASE_URL: 'https://cdn.example.com/' };
    expect(storageOf(env)).toMatchObject({ endpoint: 'https://minio.example.com', forcePathStyle: true, publicBaseUrl: 'https://cdn.example.com' });
  });

  it('reads GCS and Azure', () => {
    expect(storageOf(gcsEnv)).toEqual({ kind: 'gcs', bucket: 'callplane-recordings', prefix: 'recordings', credentials: gcsCredentials });
    expect(storageOf(azureEnv)).toEqual({ kind: 'azure', bucket: 'calls', prefix: 'recordings', accountName: 'callplanerec', accountKey: azureKey });
  });

  it.each([...RECORDING_ENV].filter((v) => v !== 'RECORDING_STORAGE'))('%s set without RECORDING_STORAGE is an error, not recording silently off', (variable) => {
    const err = configError({ [variable]: 'x' });
    expect(err.problems.map((p) => p.variable)).toEqual(['RECORDING_STORAGE']);
  });

  it('names an unknown store', () => {
    expect(configError({ ...s3Env, RECORDING_STORAGE: 'ftp' }).problems).toEqual([{ variable: 'RECORDING_STORAGE', message: 'must be s3, gcs or azure' }]);
  });

  it.each([
    ['s3', { RECORDING_STORAGE: 's3' }, ['RECORDING_BUCKET', 'RECORDING_ACCESS_KEY', 'RECORDING_SECRET']],
    ['gcs', { RECORDING_STORAGE: 'gcs' }, ['RECORDING_BUCKET', 'RECORDING_GCS_CREDENTIALS']],
    ['azure', { RECORDING_STORAGE: 'azure' }, ['RECORDING_BUCKET', 'RECORDING_AZURE_ACCOUNT_NAME', 'RECORDING_AZURE_ACCOUNT_KEY']],
  ])('names every missing %s variable at once', (_kind, env, missing) => {
    const err = configError(env);
    expect(err.problems.map((p) => p.variable)).toEqual(missing);
    for (const variable of missing) expect(err.message).toContain(`${variable}: is required`);
  });

  it('names every invalid variable without echoing any value', () => {
    const err = configError({
      ...s3Env,
      RECORDING_BUCKET: 'Not_A Bucket',
      RECORDING_REGION: 'EU West',
      RECORDING_ENDPOINT: `https://user:${secret}@minio.example.com`,
      RECORDING_FORCE_PATH_STYLE: 'maybe',
      RECORDING_PREFIX: 'calls/../etc',
      RECORDING_PUBLIC_BASE_URL: 'ftp://files.example.com',
      RECORDING_GCS_CREDENTIALS: gcsCredentials,
      RECORDING_AZURE_ACCOUNT_KEY: azureKey,
    });
    expect(err.problems.map((p) => p.variable).sort()).toEqual(
      [
        'RECORDING_BUCKET',
        'RECORDING_REGION',
        'RECORDING_ENDPOINT',
        'RECORDING_FORCE_PATH_STYLE',
        'RECORDING_PREFIX',
        'RECORDING_PUBLIC_BASE_URL',
        'RECORDING_GCS_CREDENTIALS',
        'RECORDING_AZURE_ACCOUNT_KEY',
      ].sort(),
    );
    expect(err.problems.find((p) => p.variable === 'RECORDING_GCS_CREDENTIALS')!.message).toBe('does not apply to RECORDING_STORAGE=s3');
    expectNoSecrets(err.message);
    expect(err.message).not.toContain('Not_A Bucket');
  });

  it('rejects GCS credentials that are not a key file, without quoting them', () => {
    const broken = `{"type":"service_account","private_key":"${pemBody}`;
    for (const credentials of [broken, '["service_account"]', '{"private_key":"x"}']) {
      const err = configError({ ...gcsEnv, RECORDING_GCS_CREDENTIALS: credentials });
      expect(err.problems.map((p) => p.variable)).toEqual(['RECORDING_GCS_CREDENTIALS']);
      expect(err.message).not.toContain(pemBody);
      expect(err.message).not.toContain(credentials);
    }
  });

  it('names a bad Azure account name', () => {
    expect(configError({ ...azureEnv, RECORDING_AZURE_ACCOUNT_NAME: 'Call-Plane' }).problems.map((p) => p.variable)).toEqual(['RECORDING_AZURE_ACCOUNT_NAME']);
  });
});

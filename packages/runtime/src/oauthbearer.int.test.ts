import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecureKafka, startSecureKafka, uniqueName } from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, kafkaEnv, loadConfig } from './config.js';
import { createKafka } from './kafka.js';
import { createLogger } from './logger.js';
import { type BearerToken, bearerTokenProvider, mskIamTokenProvider } from './msk-iam.js';

// The local secure broker checks OAUTHBEARER tokens with Kafka's unsecured-JWT validator, so these tests
// drive the client side of MSK IAM (SASL/OAUTHBEARER over TLS, tokens from a provider, re-authentication
// as tokens expire) for real; only MSK itself can check a token the MSK signer made (see the README).
let broker: SecureKafka;
beforeAll(async () => {
  broker = await startSecureKafka();
});
afterAll(async () => {
  await broker?.remove();
});

/** An unsigned JWT (`alg: none`) for `subject`, as Kafka's unsecured validator accepts. */
function unsecuredJwt(subject: string, lifetimeMs: number): BearerToken {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + Math.floor(lifetimeMs / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { sub: subject, iat: issuedAt, exp: expiresAt };
  return { token: `${part({ alg: 'none' })}.${part(claims)}.`, expiryTime: expiresAt * 1000 };
}

function mskIamConfig(overrides: Record<string, string> = {}) {
  const { KAFKA_BROKERS, KAFKA_SSL_CA_FILE } = broker.env;
  return loadConfig(kafkaEnv, {
    KAFKA_BROKERS,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE,
    KAFKA_SASL_MECHANISM: 'aws-msk-iam',
    KAFKA_AWS_REGION: 'us-east-1',
    ...overrides,
  });
}

describe('SASL/OAUTHBEARER (the MSK IAM mechanism) against a real broker', () => {
  it('connects over TLS with tokens from the provider, and re-authenticates with a fresh one before expiry', async () => {
    const made: BearerToken[] = [];
    // 20 s tokens, replaced 12 s before expiry: the broker ends each session when its token expires and
    // kafkajs re-authenticates 10 s ahead of that, so a client used for a while must ask for new tokens.
    // (The margin must exceed kafkajs' 10 s, or it would re-authenticate again and again with the same token.)
    const provider = bearerTokenProvider({
      generate: async () => {
        const token = unsecuredJwt('trailstream', 20_000);
        made.push(token);
        return token;
      },
      refreshBeforeExpiryMs: 12_000,
    });
    const logger = createLogger('oauthbearer-test', { level: 'silent' });
    const kafka = createKafka(mskIamConfig(), logger, 'oauthbearer-test', { oauthBearerProvider: provider });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('oauth');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const deadline = Date.now() + 16_000;
    let sent = 0;
    while (Date.now() < deadline) {
      await producer.send({ topic, messages: [{ value: `message ${sent}` }] });
      sent += 1;
      await new Promise((settle) => setTimeout(settle, 500));
    }
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(Number(offsets!.high)).toBe(sent);
    expect(made.length).toBeGreaterThanOrEqual(2);
    expect(new Set(made.map((t) => t.token)).size).toBe(made.length);
    await producer.disconnect();
    await admin.disconnect();
  }, 60_000);

  it('says what aws-msk-iam needs besides the mechanism: TLS and the region', () => {
    const logger = createLogger('oauthbearer-test', { level: 'silent' });
    expect(() =>
      createKafka(mskIamConfig({ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '', KAFKA_AWS_REGION: '' }), logger),
    ).toThrow(ConfigError);
    try {
      createKafka(mskIamConfig({ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '', KAFKA_AWS_REGION: '' }), logger);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'KAFKA_SSL must be true with KAFKA_SASL_MECHANISM=aws-msk-iam (MSK IAM is TLS only)',
        "KAFKA_AWS_REGION is required with KAFKA_SASL_MECHANISM=aws-msk-iam (the cluster's region)",
      ]);
    }
  });
});

describe('MSK IAM tokens with IRSA credentials', () => {
  it('signs with the role credentials STS gives for the web identity token, not with anything else', async () => {
    const { awsEndpoint } = inject('endpoints');
    const dir = await mkdtemp(join(tmpdir(), 'trailstream-irsa-'));
    const tokenFile = join(dir, 'token');
    // What EKS mounts for IRSA: a projected service-account token; the emulator's STS accepts any.
    await writeFile(tokenFile, unsecuredJwt('system:serviceaccount:trailstream:emitter', 3_600_000).token);
    const saved = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[name];
    Object.assign(process.env, {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/trailstream',
      AWS_ENDPOINT_URL_STS: awsEndpoint,
    });
    try {
      const { value } = await mskIamTokenProvider('us-east-1')();
      const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
      const accessKey = url.searchParams.get('X-Amz-Credential')?.split('/')[0];
      expect(accessKey).toMatch(/^ASIA/);
      expect(accessKey).not.toBe(saved.AWS_ACCESS_KEY_ID);
      // Temporary credentials carry a session token, which the signed URL must include.
      expect(url.searchParams.get('X-Amz-Security-Token')).toBeTruthy();
    } finally {
      process.env = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

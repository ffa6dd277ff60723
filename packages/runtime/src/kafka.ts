import { readFileSync } from 'node:fs';
import {
  Kafka,
  type KafkaConfig as KafkaJsConfig,
  logLevel,
  type OauthbearerProviderResponse,
  type SASLOptions,
} from 'kafkajs';
import { ConfigError, type KafkaConfig } from './config.js';
import { registerKafkaCodecs } from './kafka-compression.js';
import type { Logger } from './logger.js';
import { mskIamTokenProvider } from './msk-iam.js';

export interface KafkaClientOverrides {
  /** aws-msk-iam only: where tokens come from instead of the MSK signer (tests against a local broker). */
  oauthBearerProvider?: () => Promise<OauthbearerProviderResponse>;
}

/**
 * kafkajs options from validated settings. SCRAM and PLAIN need a user name and a password; aws-msk-iam
 * is SASL/OAUTHBEARER with MSK IAM tokens and needs TLS (MSK's IAM listener, port 9098) and a region.
 */
export function kafkaClientOptions(
  config: KafkaConfig,
  clientId = config.KAFKA_CLIENT_ID,
  overrides: KafkaClientOverrides = {},
): KafkaJsConfig {
  const ssl = config.KAFKA_SSL_CA_FILE
    ? { ca: [readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')] }
    : config.KAFKA_SSL;
  let sasl: SASLOptions | undefined;
  if (config.KAFKA_SASL_MECHANISM === 'aws-msk-iam') {
    const problems = [
      ...(ssl ? [] : ['KAFKA_SSL must be true with KAFKA_SASL_MECHANISM=aws-msk-iam (MSK IAM is TLS only)']),
      ...(config.KAFKA_AWS_REGION
        ? []
        : ["KAFKA_AWS_REGION is required with KAFKA_SASL_MECHANISM=aws-msk-iam (the cluster's region)"]),
    ];
    if (problems.length > 0) throw new ConfigError(problems);
    sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: overrides.oauthBearerProvider ?? mskIamTokenProvider(config.KAFKA_AWS_REGION!),
    };
  } else if (config.KAFKA_SASL_MECHANISM) {
    if (!config.KAFKA_SASL_USERNAME || !config.KAFKA_SASL_PASSWORD) {
      throw new ConfigError([
        `KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required`,
      ]);
    }
    sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME,
      password: config.KAFKA_SASL_PASSWORD,
    } as SASLOptions;
  }
  return {
    clientId,
    brokers: config.KAFKA_BROKERS,
    ssl,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  };
}

/**
 * The broker refused the credentials (wrong password, unknown user, token not accepted): retrying or
 * restarting cannot help, so it is a configuration error (exit 78, one message), not a crash.
 */
export function refusedCredentials(error: unknown, config: KafkaConfig): ConfigError | undefined {
  if (!(error instanceof Error) || error.name !== 'KafkaJSSASLAuthenticationError') return undefined;
  const credentials =
    config.KAFKA_SASL_MECHANISM === 'aws-msk-iam'
      ? "the IAM identity's kafka-cluster:Connect permission"
      : 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD';
  return new ConfigError([
    `Kafka (${config.KAFKA_BROKERS.join(',')}) refused the KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM} credentials; check ${credentials}: ${error.message}`,
  ]);
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose own log lines go through the service's logger (and so its redaction), and
 * which reads and writes zstd batches as well as gzip.
 */
export function createKafka(
  config: KafkaConfig,
  logger: Logger,
  clientId?: string,
  overrides?: KafkaClientOverrides,
): Kafka {
  registerKafkaCodecs();
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    ...kafkaClientOptions(config, clientId, overrides),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        // A refused login fails the start with one message of its own (refusedCredentials): kafkajs'
        // three lines about it (response, authenticator, retrier) would only repeat it.
        const refusedLogin = /authentication failed|SaslAuthenticate/i.test(message);
        kafkaLogger[refusedLogin ? 'debug' : (LEVELS[level] ?? 'info')](rest, message);
      },
  });
}

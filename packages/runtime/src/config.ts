import { z } from 'zod';

/** A setting is missing or malformed: the message names every offending variable and what is wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export type EnvShape = Record<string, z.ZodType>;
export type Config<S extends EnvShape> = z.infer<z.ZodObject<S>>;

/** Reads and validates the environment once, at start; nothing else in a service reads `process.env`. */
export function loadConfig<S extends EnvShape>(shape: S, env: NodeJS.ProcessEnv = process.env): Config<S> {
  const present = Object.fromEntries(
    Object.keys(shape).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = present[name];
      return value === undefined
        ? `${name} is required but not set (${issue.message})`
        : `${name}=${JSON.stringify(redactIfSecret(name, value))} is invalid: ${issue.message}`;
    }),
  );
}

const SECRET_NAME = /(KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL)/i;

function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) ? '[REDACTED]' : value;
}

/** Environment values that must never be printed: those of variables whose names say they are secret. */
export function secretValuesIn(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= 6)
    .map(([, value]) => value as string);
}

/** Env parsers shared by every service, so a setting means the same thing everywhere. */
export const env = {
  string: (fallback?: string) =>
    fallback === undefined ? z.string().min(1) : z.string().min(1).default(fallback),
  optionalString: () => z.string().min(1).optional(),
  integer: (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
    z.coerce
      .number({ error: 'expected a whole number' })
      .int({ error: 'expected a whole number' })
      .min(min, { error: `expected at least ${min}` })
      .max(max, { error: `expected at most ${max}` })
      .default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(fallback),
  list: (fallback: string[] = []) =>
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      )
      .default(fallback),
  oneOf: <T extends string>(values: readonly [T, ...T[]], fallback: T) =>
    z.enum(values, { error: `expected one of ${values.join(', ')}` }).default(fallback),
  url: () => z.url({ error: 'expected a URL such as http://127.0.0.1:4566' }).optional(),
} as const;

export const serviceEnv = {
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  HTTP_PORT: env.integer(8080, { min: 0, max: 65535 }),
};

export const kafkaEnv = {
  KAFKA_BROKERS: env.list().refine((brokers) => brokers.length > 0, {
    error: 'expected host:port[,host:port...]',
  }),
  KAFKA_CLIENT_ID: env.string('trailstream'),
  KAFKA_SSL: env.boolean(false),
  KAFKA_SSL_CA_FILE: env.optionalString(),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'], {
      error: 'expected plain, scram-sha-256, scram-sha-512 or aws-msk-iam',
    })
    .optional(),
  KAFKA_SASL_USERNAME: env.optionalString(),
  KAFKA_SASL_PASSWORD: env.optionalString(),
  /** aws-msk-iam: the cluster's region, which signs the tokens (credentials come from the default chain). */
  KAFKA_AWS_REGION: env.optionalString(),
  /** How long a silent consumer keeps its partitions: a crashed replica's work moves after this. */
  KAFKA_SESSION_TIMEOUT_MS: env.integer(30_000, { min: 6_000, max: 300_000 }),
  /** How the transactional stages compress what they write (records, datadog, ...); every process reads all three. */
  KAFKA_COMPRESSION: env.oneOf(['zstd', 'gzip', 'none'], 'zstd'),
};

export type ServiceConfig = Config<typeof serviceEnv>;
export type KafkaConfig = Config<typeof kafkaEnv>;
